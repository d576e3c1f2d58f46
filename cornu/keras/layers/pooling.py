"""Pooling layers: Max/AveragePooling1D/2D and their global forms (Keras 3's names and arguments).

Inputs are channels-last: (batch, steps, channels) for 1-D and (batch, height, width, channels) for
2-D. Windowed pooling goes to `cornu.nn.max_pool*` / `avg_pool*`; with padding 'same' the average
counts only the real (unpadded) values of each window, as TF and Keras do.
"""
from ...ops import array_ops, conv_ops, math_ops, reduce_ops
from .convolutional import conv_output_length, normalize_data_format, normalize_padding, normalize_tuple
from .layer import InputSpec, Layer


class _Pooling(Layer):
    """Shared by the windowed pooling layers: `pool_size`, `strides` (None: pool_size), `padding`."""

    rank = None
    mode = None  # "max" or "avg"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank,
                                                                               "strides", cls)
        self.padding = normalize_padding(padding, cls)
        self.data_format = normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # validates the spatial sizes
        self.built = True

    def call(self, inputs):
        pool = {("max", 1): conv_ops.max_pool1d, ("max", 2): conv_ops.max_pool2d,
                ("avg", 1): conv_ops.avg_pool1d, ("avg", 2): conv_ops.avg_pool2d}[self.mode, self.rank]
        return pool(inputs, ksize=self.pool_size, strides=self.strides, padding=self.padding.upper())

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        out = tuple(conv_output_length(n, k, self.padding, s) for n, k, s in
                    zip(input_shape[1:-1], self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"{type(self).__name__} {self.name}: the input is too small for the pooling "
                             f"window: computed output size would be {out} for input shape "
                             f"{input_shape}, pool_size={self.pool_size}, strides={self.strides}, "
                             f"padding={self.padding!r}")
        return (input_shape[0],) + out + (input_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                      data_format=self.data_format)
        return config


class MaxPooling1D(_Pooling):
    """`MaxPooling1D(pool_size=2, strides=None, padding='valid', data_format=None)`: the maximum of
    each window of steps, per channel.

    >>> import cornu as tf
    >>> tf.keras.layers.MaxPooling1D()(tf.ones((2, 7, 3))).shape
    TensorShape([2, 3, 3])
    """

    rank, mode = 1, "max"


class AveragePooling1D(_Pooling):
    """`AveragePooling1D(pool_size=2, strides=None, padding='valid', data_format=None)`: the mean of
    each window of steps, per channel.

    >>> import cornu as tf
    >>> tf.keras.layers.AveragePooling1D(3, strides=1, padding='same')(tf.ones((2, 7, 3))).shape
    TensorShape([2, 7, 3])
    """

    rank, mode = 1, "avg"


class MaxPooling2D(_Pooling):
    """`MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid', data_format=None)`: the maximum
    of each window, per channel.

    >>> import cornu as tf
    >>> tf.keras.layers.MaxPooling2D()(tf.ones((1, 28, 28, 8))).shape
    TensorShape([1, 14, 14, 8])
    """

    rank, mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """`AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid', data_format=None)`: the mean
    of each window, per channel.

    >>> import cornu as tf
    >>> tf.keras.layers.AveragePooling2D(padding='same')(tf.ones((1, 5, 5, 2))).shape
    TensorShape([1, 3, 3, 2])
    """

    rank, mode = 2, "avg"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, **kwargs)


class _GlobalPooling(Layer):
    """Shared by the global pooling layers: reduce every spatial axis, optionally keeping them as 1s."""

    rank = None
    mode = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        return list(range(1, self.rank + 1))

    def call(self, inputs):
        reduce = reduce_ops.reduce_max if self.mode == "max" else reduce_ops.reduce_mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        middle = (1,) * self.rank if self.keepdims else ()
        return (input_shape[0],) + middle + (input_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalMaxPooling1D(_GlobalPooling):
    """`GlobalMaxPooling1D(data_format=None, keepdims=False)`: (batch, steps, channels) ->
    (batch, channels), the maximum over steps.

    >>> import cornu as tf
    >>> tf.keras.layers.GlobalMaxPooling1D()(tf.ones((2, 7, 3))).shape
    TensorShape([2, 3])
    """

    rank, mode = 1, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """`GlobalAveragePooling1D(data_format=None, keepdims=False)`: (batch, steps, channels) ->
    (batch, channels), the mean over steps. With a mask (e.g. from `Embedding(mask_zero=True)`) only
    the unmasked steps are averaged, as Keras does.

    >>> import cornu as tf
    >>> tf.keras.layers.GlobalAveragePooling1D(keepdims=True)(tf.ones((2, 7, 3))).shape
    TensorShape([2, 1, 3])
    """

    rank, mode = 1, "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        weights = array_ops.expand_dims(math_ops.cast(mask, inputs.dtype), -1)  # (batch, steps, 1)
        total = reduce_ops.reduce_sum(inputs * weights, axis=1, keepdims=self.keepdims)
        return total / reduce_ops.reduce_sum(weights, axis=1, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None  # the steps axis is gone


class GlobalMaxPooling2D(_GlobalPooling):
    """`GlobalMaxPooling2D(data_format=None, keepdims=False)`: (batch, height, width, channels) ->
    (batch, channels), the maximum over height and width.

    >>> import cornu as tf
    >>> tf.keras.layers.GlobalMaxPooling2D()(tf.ones((2, 5, 5, 3))).shape
    TensorShape([2, 3])
    """

    rank, mode = 2, "max"


class GlobalAveragePooling2D(_GlobalPooling):
    """`GlobalAveragePooling2D(data_format=None, keepdims=False)`: (batch, height, width, channels) ->
    (batch, channels), the mean over height and width.

    >>> import cornu as tf
    >>> tf.keras.layers.GlobalAveragePooling2D(keepdims=True)(tf.ones((2, 5, 5, 3))).shape
    TensorShape([2, 1, 1, 3])
    """

    rank, mode = 2, "avg"


# Keras's other names for the same layers
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
