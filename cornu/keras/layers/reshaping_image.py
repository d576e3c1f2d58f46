"""Image reshaping layers: ZeroPadding2D and UpSampling2D (Keras 3's names and arguments).

Inputs are channels-last (batch, height, width, channels).
"""
from ...core.tensor import convert_to_tensor
from ...ops import array_ops, gather_ops, math_ops
from .convolutional import normalize_data_format, normalize_tuple
from .layer import InputSpec, Layer


class ZeroPadding2D(Layer):
    """`ZeroPadding2D(padding=(1, 1), data_format=None)`: rows and columns of zeros around an image.

    padding: an int (the same on all four sides), a pair `(symmetric_height, symmetric_width)`, or
    a pair of pairs `((top, bottom), (left, right))`.

    >>> import cornu as tf
    >>> tf.keras.layers.ZeroPadding2D(((1, 2), (3, 4)))(tf.ones((1, 5, 5, 3))).shape
    TensorShape([1, 8, 12, 3])
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.data_format = normalize_data_format(data_format, cls)
        if isinstance(padding, int) and not isinstance(padding, bool):
            padding = (padding, padding)
        try:
            pairs = tuple(padding)
        except TypeError:
            pairs = ()
        if len(pairs) != 2:
            raise ValueError(f"{cls}: padding must be an int, a tuple of 2 ints (symmetric_height_pad, "
                             "symmetric_width_pad) or a tuple of 2 tuples of 2 ints ((top_pad, "
                             f"bottom_pad), (left_pad, right_pad)), got padding={padding!r}")
        self.padding = (normalize_tuple(pairs[0], 2, "padding (1st entry)", cls, allow_zero=True),
                        normalize_tuple(pairs[1], 2, "padding (2nd entry)", cls, allow_zero=True))
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        (top, bottom), (left, right) = self.padding
        return array_ops.pad(inputs, [[0, 0], [top, bottom], [left, right], [0, 0]])

    def compute_output_shape(self, input_shape):
        n, h, w, c = tuple(input_shape)
        (top, bottom), (left, right) = self.padding
        return (n, None if h is None else h + top + bottom, None if w is None else w + left + right, c)

    def get_config(self):
        config = super().get_config()
        config.update(padding=self.padding, data_format=self.data_format)
        return config


class UpSampling2D(Layer):
    """`UpSampling2D(size=(2, 2), data_format=None, interpolation='nearest')`: enlarge an image by
    integer factors, repeating rows and columns ('nearest') or interpolating linearly between pixel
    centres ('bilinear', as `tf.image.resize`: half-pixel centres, edges clamped).

    >>> import cornu as tf
    >>> tf.keras.layers.UpSampling2D(size=(2, 3))(tf.ones((1, 4, 4, 3))).shape
    TensorShape([1, 8, 12, 3])
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.data_format = normalize_data_format(data_format, cls)
        self.size = normalize_tuple(size, 2, "size", cls)
        method = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if method not in ("nearest", "bilinear"):
            raise ValueError(f"{cls}: interpolation must be 'nearest' or 'bilinear' (cornu has no "
                             f"'bicubic' or 'lanczos' resizing), got interpolation={interpolation!r}")
        self.interpolation = method
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        n, h, w, c = tuple(inputs.shape)
        if h is None or w is None:
            raise ValueError(f"{type(self).__name__} {self.name}: the height and width of the input must "
                             f"be known, got shape {tuple(inputs.shape)}")
        sh, sw = self.size
        if self.interpolation == "nearest":
            # (N, H, 1, W, 1, C) tiled to (N, H, sh, W, sw, C) is each pixel repeated in an sh x sw block
            x = array_ops.expand_dims(array_ops.expand_dims(inputs, 2), 4)
            x = array_ops.tile(x, [1, 1, sh, 1, sw, 1])
            return array_ops.reshape(x, [-1, h * sh, w * sw, c])
        x = inputs if inputs.dtype.is_floating else math_ops.cast(inputs, self.dtype)  # as tf.image.resize
        x = self._linear(x, axis=1, size=h, scale=sh)
        return self._linear(x, axis=2, size=w, scale=sw)

    @staticmethod
    def _linear(x, axis, size, scale):
        """Linear interpolation along one axis to size * scale samples, half-pixel centres: output i
        reads input position (i + 0.5) / scale - 0.5, clamped to [0, size - 1]."""
        if scale == 1:
            return x
        lo, hi, frac = [], [], []
        for i in range(size * scale):
            pos = min(max((i + 0.5) / scale - 0.5, 0.0), size - 1.0)
            low = int(pos)
            lo.append(low)
            hi.append(min(low + 1, size - 1))
            frac.append(pos - low)
        shape = [1, 1, 1, 1]
        shape[axis] = size * scale
        t = array_ops.reshape(convert_to_tensor(frac, dtype=x.dtype), shape)
        below, above = gather_ops.gather(x, lo, axis=axis), gather_ops.gather(x, hi, axis=axis)
        return below + (above - below) * t

    def compute_output_shape(self, input_shape):
        n, h, w, c = tuple(input_shape)
        sh, sw = self.size
        return (n, None if h is None else h * sh, None if w is None else w * sw, c)

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, data_format=self.data_format, interpolation=self.interpolation)
        return config
