"""Convolution layers: Conv1D, Conv2D, Conv2DTranspose (Keras 3's names, arguments and weights).

Inputs are channels-last, as TF computes them: (batch, steps, channels) for 1-D and
(batch, height, width, channels) for 2-D. The work goes to `cornu.nn.conv1d` / `conv2d` /
`conv2d_transpose` (im2col + BLAS). The argument helpers here are shared with pooling.py and
reshaping_image.py.
"""
import operator

from ...ops import array_ops, conv_ops
from .. import activations
from .layer import InputSpec, Layer, kernel_bias_config, set_kernel_bias_args


# -- argument handling (Keras's standardize_tuple / standardize_padding / standardize_data_format) -------
def normalize_tuple(value, n, name, layer, allow_zero=False):
    """An int or a sequence of n ints -> a tuple of n ints, each positive (or >= 0 with allow_zero)."""
    try:
        values = (operator.index(value),) * n
    except TypeError:
        try:
            values = tuple(operator.index(v) for v in value)
        except TypeError:
            values = None
        if values is None or len(values) != n:
            raise ValueError(f"{layer}: the `{name}` argument must be an int or a tuple of {n} ints, "
                             f"got {name}={value!r}") from None
    if isinstance(value, bool) or any(isinstance(v, bool) for v in values):
        raise ValueError(f"{layer}: the `{name}` argument must be an int or a tuple of {n} ints, "
                         f"got {name}={value!r}")
    if any(v < (0 if allow_zero else 1) for v in values):
        which = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{layer}: the `{name}` argument must be {which}, got {name}={value!r}")
    return values


def normalize_padding(value, layer, allow_causal=False):
    """'valid' / 'same' (and 'causal' for Conv1D), case-insensitive, as Keras."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"{layer}: the `padding` argument must be one of {list(allowed)}, got "
                         f"padding={value!r}")
    return padding


def normalize_data_format(value, layer):
    """None (the default, 'channels_last') or 'channels_last'; channels-first is refused clearly."""
    data_format = "channels_last" if value is None else str(value).lower()
    if data_format == "channels_first":
        raise ValueError(f"{layer}: data_format='channels_first' is not supported: cornu computes "
                         "images channels-last (batch, height, width, channels), as TF on a CPU does. "
                         "Transpose the input (e.g. cornu.transpose(x, [0, 2, 3, 1])) and use the "
                         "default data_format='channels_last'")
    if data_format != "channels_last":
        raise ValueError(f"{layer}: the `data_format` argument must be 'channels_last' or "
                         f"'channels_first', got data_format={value!r}")
    return data_format


def conv_output_length(length, kernel_size, padding, stride, dilation=1):
    """Output length of a convolution or pooling window along one axis (None if length is unknown).
    'valid' may give 0 or less; callers report that as an error naming the layer."""
    if length is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        return (length - effective) // stride + 1
    return (length - 1) // stride + 1  # 'same' and 'causal': ceil(length / stride)


def deconv_output_length(length, kernel_size, padding, output_padding, stride, dilation=1):
    """Output length of a transposed convolution along one axis (Keras's deconv_output_length)."""
    if length is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(effective - stride, 0)
        return length * stride
    pad = effective // 2 if padding == "same" else 0
    return (length - 1) * stride + effective - 2 * pad + output_padding


def _deconv_crop(kernel_size, padding, output_padding, stride, dilation):
    """(crop_before, extend_after) of the full transposed output (length (n - 1) * stride + effective
    kernel) that gives Keras's result: Keras 3 defines it (in its JAX backend) as padding of the
    stride-dilated input; padding p there is a crop of effective - 1 - p here."""
    effective = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        left, right = effective - 1, effective - 1 + extra
    else:
        total = stride + effective - 2 if output_padding is None else \
            effective + effective % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, effective - 1)
        right = total - left
    return effective - 1 - left, right - (effective - 1)


class _Conv(Layer):
    """Shared by Conv1D and Conv2D: weights kernel (*kernel_size, in_channels // groups, filters) and
    bias (filters,)."""

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls, rank = type(self).__name__, self.rank
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{cls}: filters must be a positive integer, got filters={filters!r}")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{cls}: groups must be a positive integer, got groups={groups!r}")
        if filters % groups:
            raise ValueError(f"{cls}: the number of filters must be divisible by the number of groups, "
                             f"got filters={filters}, groups={groups}")
        self.filters, self.groups = filters, groups
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", cls)
        self.strides = normalize_tuple(strides, rank, "strides", cls)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", cls)
        self.padding = normalize_padding(padding, cls, allow_causal=rank == 1)
        self.data_format = normalize_data_format(data_format, cls)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls}: strides > 1 is not supported together with dilation_rate > 1 "
                             f"(as in Keras), got strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_kernel_bias_args(self, kernel_initializer, bias_initializer, kernel_regularizer,
                             bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels // self.groups, self.filters)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{type(self).__name__} {self.name}: the channel dimension (the last) of the "
                             f"input must be known, got shape {input_shape}")
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__} {self.name}: the number of input channels must be "
                             f"divisible by groups={self.groups}, but the input has {channels} channels "
                             f"(shape {input_shape})")
        self.compute_output_shape(input_shape)  # validates the spatial sizes
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def _convolve(self, x, kernel):
        raise NotImplementedError

    def call(self, inputs):
        if self.groups == 1:
            out = self._convolve(inputs, self.kernel)
        else:  # grouped: group g maps input channels [g*C/G, (g+1)*C/G) to filters [g*F/G, (g+1)*F/G)
            pieces = zip(array_ops.split(inputs, self.groups, axis=-1),
                         array_ops.split(self.kernel, self.groups, axis=-1))
            out = array_ops.concat([self._convolve(a, k) for a, k in pieces], axis=-1)
        if self.use_bias:
            out = out + self.bias
        return self.activation(out) if self.activation is not None else out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1]
        out = tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"{type(self).__name__} {self.name}: the input is too small for the "
                             f"kernel: computed output size would be {out} for input shape "
                             f"{input_shape}, kernel_size={self.kernel_size}, "
                             f"dilation_rate={self.dilation_rate}, strides={self.strides}, "
                             f"padding={self.padding!r}")
        return (input_shape[0],) + out + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
                      padding=self.padding, data_format=self.data_format,
                      dilation_rate=self.dilation_rate, groups=self.groups,
                      activation=activations.serialize(self.activation), use_bias=self.use_bias,
                      **kernel_bias_config(self))
        return config


class Conv1D(_Conv):
    """`Conv1D(filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1,
    groups=1, activation=None, use_bias=True, ...)`: 1-D convolution over (batch, steps, channels).

    padding 'causal' pads only the start, so output step t sees input steps <= t (WaveNet).
    Weights: kernel (kernel_size, channels // groups, filters), bias (filters,).

    >>> import cornu as tf
    >>> tf.keras.layers.Conv1D(4, 3)(tf.ones((2, 10, 3))).shape
    TensorShape([2, 8, 4])
    """

    rank = 1

    def _convolve(self, x, kernel):
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            x = array_ops.pad(x, [[0, 0], [left, 0], [0, 0]])
            padding = "valid"
        return conv_ops.conv1d(x, kernel, stride=self.strides[0], padding=padding.upper(),
                               dilations=self.dilation_rate[0])


class Conv2D(_Conv):
    """`Conv2D(filters, kernel_size, strides=(1, 1), padding='valid', data_format=None,
    dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, ...)`: 2-D convolution over
    (batch, height, width, channels).

    Weights: kernel (kernel_h, kernel_w, channels // groups, filters), bias (filters,).

    >>> import cornu as tf
    >>> layer = tf.keras.layers.Conv2D(32, 3, activation='relu')
    >>> layer(tf.ones((1, 28, 28, 1))).shape, layer.count_params()
    (TensorShape([1, 26, 26, 32]), 320)
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)

    def _convolve(self, x, kernel):
        return conv_ops.conv2d(x, kernel, strides=self.strides, padding=self.padding.upper(),
                               dilations=self.dilation_rate)


class Conv2DTranspose(Layer):
    """`Conv2DTranspose(filters, kernel_size, strides=(1, 1), padding='valid', output_padding=None,
    data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True, ...)`: the transposed
    convolution ("deconvolution"), mapping the output shape of a Conv2D back to its input shape.

    Output size per spatial axis, as Keras: with output_padding None, `n * stride` for 'same' and
    `n * stride + max(kernel - stride, 0)` for 'valid'; otherwise
    `(n - 1) * stride + kernel - 2 * pad + output_padding` (pad = kernel // 2 for 'same', else 0).
    Weights: kernel (kernel_h, kernel_w, filters, channels) — filters before channels, as Keras —
    and bias (filters,).

    >>> import cornu as tf
    >>> tf.keras.layers.Conv2DTranspose(8, 3, strides=2, padding='same')(tf.ones((1, 4, 4, 3))).shape
    TensorShape([1, 8, 8, 8])
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls, rank = type(self).__name__, self.rank
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{cls}: filters must be a positive integer, got filters={filters!r}")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", cls)
        self.strides = normalize_tuple(strides, rank, "strides", cls)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", cls)
        self.padding = normalize_padding(padding, cls)
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, rank, "output_padding", cls, allow_zero=True)
        if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding,
                                                                            self.strides)):
            raise ValueError(f"{cls}: output_padding must be smaller than strides, got "
                             f"output_padding={self.output_padding}, strides={self.strides}")
        self.data_format = normalize_data_format(data_format, cls)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls}: strides > 1 is not supported together with dilation_rate > 1 "
                             f"(as in Keras), got strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_kernel_bias_args(self, kernel_initializer, bias_initializer, kernel_regularizer,
                             bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{type(self).__name__} {self.name}: the channel dimension (the last) of the "
                             f"input must be known, got shape {input_shape}")
        self.compute_output_shape(input_shape)  # validates the spatial sizes
        self.kernel = self.add_weight("kernel", self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def _output_padding(self):
        return self.output_padding or (None,) * self.rank

    def call(self, inputs):
        shape = self.compute_output_shape(inputs.shape)
        if any(d is None for d in shape[1:-1]):
            raise ValueError(f"{type(self).__name__} {self.name}: the spatial dimensions of the input "
                             f"must be known, got shape {tuple(inputs.shape)}")
        # The crops that give Keras's output size, as explicit paddings of nn.conv2d_transpose (its
        # bottom/right padding is >= 0: a negative crop there, an extension of at most stride - 1
        # rows, is the zero tail that the transposed convolution leaves past the last window anyway).
        pads = [[0, 0]]
        for k, p, s, d in zip(self.kernel_size, self._output_padding(), self.strides, self.dilation_rate):
            before, extend = _deconv_crop(k, self.padding, p, s, d)
            pads.append([before, max(-extend, 0)])
        pads.append([0, 0])
        out = conv_ops.conv2d_transpose(inputs, self.kernel, output_shape=list(shape), strides=self.strides,
                                        padding=pads, dilations=self.dilation_rate)
        if self.use_bias:
            out = out + self.bias
        return self.activation(out) if self.activation is not None else out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        out = tuple(deconv_output_length(n, k, self.padding, p, s, d) for n, k, p, s, d in
                    zip(input_shape[1:-1], self.kernel_size, self._output_padding(), self.strides,
                        self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"{type(self).__name__} {self.name}: computed output size would be {out} "
                             f"for input shape {input_shape}, kernel_size={self.kernel_size}, "
                             f"strides={self.strides}, padding={self.padding!r}, "
                             f"output_padding={self.output_padding}")
        return (input_shape[0],) + out + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
                      padding=self.padding, output_padding=self.output_padding,
                      data_format=self.data_format, dilation_rate=self.dilation_rate,
                      activation=activations.serialize(self.activation), use_bias=self.use_bias,
                      **kernel_bias_config(self))
        return config


# Keras's other names for the same layers
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
