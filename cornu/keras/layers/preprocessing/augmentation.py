"""Random augmentation layers: flips, rotations, translations, zooms, contrast and crops.

Each is the identity unless called with `training=True` (RandomCrop centre-crops instead), draws
one transformation per image (per batch for RandomCrop, as Keras), and keeps every step an op,
so a compiled train step draws afresh on every run. Geometric layers sample through
`cornu.image.affine_transform`, so points outside the image come from `fill_mode`:
'reflect' (dcba|abcd|dcba), 'wrap' (abcd|abcd|abcd), 'constant' (fill_value) or 'nearest'
(aaaa|abcd|dddd).
"""
import math

from ....core.tensor import Tensor
from ....ops import array_ops, image_ops, math_ops, reduce_ops
from ..convolutional import normalize_tuple
from .base import RandomImageLayer, check_choice, config_value, factor_range

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("bilinear", "nearest")
_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def _transforms(columns):
    """(batch, 8) transforms from eight columns: (batch,) tensors or numbers."""
    ref = next(c for c in columns if isinstance(c, Tensor))
    zero = math_ops.zeros_like(ref)
    return array_ops.stack([c if isinstance(c, Tensor) else zero + float(c) for c in columns], axis=1)


class _GeometricLayer(RandomImageLayer):
    """Shared arguments of the layers that resample images through a transform."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        cls = type(self).__name__
        self.fill_mode = check_choice(fill_mode, _FILL_MODES, "fill_mode", cls)
        self.interpolation = check_choice(interpolation, _INTERPOLATIONS, "interpolation", cls)
        self.fill_value = float(fill_value)

    def _augment(self, x):
        h, w = x.shape[1], x.shape[2]
        if h is None or w is None:
            return self._shape_only(x, x.shape)
        return image_ops.affine_transform(x, self._transform(x, h, w), interpolation=self.interpolation,
                                          fill_mode=self.fill_mode, fill_value=self.fill_value)

    def get_config(self):
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, interpolation=self.interpolation, fill_value=self.fill_value)
        return config


class RandomFlip(RandomImageLayer):
    """`RandomFlip(mode='horizontal_and_vertical', seed=None)`: in training, each image is mirrored
    left-right ('horizontal') and/or upside down ('vertical'), each with probability 1/2 (independent
    draws for the two directions).

    >>> import cornu as tf
    >>> layer = tf.keras.layers.RandomFlip("horizontal", seed=0)
    >>> layer(tf.ones((2, 4, 4, 3))).shape   # inference: unchanged
    TensorShape([2, 4, 4, 3])
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.mode = check_choice(mode, _FLIP_MODES, "mode", type(self).__name__)

    def _augment(self, x):
        for axis, on in ((2, self.mode != "vertical"), (1, self.mode != "horizontal")):
            if on:
                flip = math_ops.less(array_ops.reshape(self._uniform(x, 0.0, 1.0), (-1, 1, 1, 1)), 0.5)
                key = tuple(slice(None, None, -1) if i == axis else slice(None) for i in range(4))
                x = math_ops.where(flip, x[key], x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(mode=self.mode)
        return config


class RandomRotation(_GeometricLayer):
    """`RandomRotation(factor, fill_mode='reflect', interpolation='bilinear', seed=None, fill_value=0.0)`:
    in training, rotates each image about its centre by an angle drawn in [lower, upper] * 2 pi, where
    factor = f means (-f, f) and factor = (lower, upper) is taken as is; positive angles turn
    counter-clockwise (factor (0.25, 0.25) is np.rot90 on a square image).

    >>> import cornu as tf
    >>> tf.keras.layers.RandomRotation(0.1)(tf.ones((1, 8, 8, 3)), training=True).shape
    TensorShape([1, 8, 8, 3])
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         **kwargs)
        self.factor = config_value(factor)
        self.lower, self.upper = factor_range(factor, "factor", type(self).__name__)

    def _transform(self, x, h, w):
        angle = self._uniform(x, self.lower * 2 * math.pi, self.upper * 2 * math.pi)
        cos, sin = math_ops.cos(angle), math_ops.sin(angle)
        # input = R(angle) (output - centre) + centre, R = [[cos, -sin], [sin, cos]]
        x_offset = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2.0
        y_offset = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2.0
        return _transforms([cos, -sin, x_offset, sin, cos, y_offset, 0.0, 0.0])

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor)
        return config


class RandomTranslation(_GeometricLayer):
    """`RandomTranslation(height_factor, width_factor, fill_mode='reflect', interpolation='bilinear',
    seed=None, fill_value=0.0)`: in training, shifts each image by a fraction of its height drawn in
    [lower, upper] (height_factor = f means (-f, f); positive moves the image down) and a fraction of
    its width (positive moves it right). Fractions lie in [-1, 1].
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         **kwargs)
        cls = type(self).__name__
        self.height_factor, self.width_factor = config_value(height_factor), config_value(width_factor)
        self.height_lower, self.height_upper = factor_range(height_factor, "height_factor", cls, bound=1.0)
        self.width_lower, self.width_upper = factor_range(width_factor, "width_factor", cls, bound=1.0)

    def _transform(self, x, h, w):
        dy = self._uniform(x, self.height_lower, self.height_upper) * float(h)
        dx = self._uniform(x, self.width_lower, self.width_upper) * float(w)
        return _transforms([1.0, 0.0, -dx, 0.0, 1.0, -dy, 0.0, 0.0])

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomZoom(_GeometricLayer):
    """`RandomZoom(height_factor, width_factor=None, fill_mode='reflect', interpolation='bilinear',
    seed=None, fill_value=0.0)`: in training, zooms each image about its centre: the image is seen
    through a window 1 + z times its size, z drawn in [lower, upper] (height_factor = f means (-f, f)),
    so positive values zoom out and negative ones zoom in. width_factor=None uses the height's draw
    for the width too (the aspect ratio is kept).
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         **kwargs)
        cls = type(self).__name__
        self.height_factor, self.width_factor = config_value(height_factor), config_value(width_factor)
        self.height_lower, self.height_upper = factor_range(height_factor, "height_factor", cls, bound=1.0)
        self.width_lower = self.width_upper = None
        if width_factor is not None:
            self.width_lower, self.width_upper = factor_range(width_factor, "width_factor", cls, bound=1.0)

    def _transform(self, x, h, w):
        zy = self._uniform(x, 1.0 + self.height_lower, 1.0 + self.height_upper)
        zx = zy if self.width_lower is None else self._uniform(x, 1.0 + self.width_lower, 1.0 + self.width_upper)
        return _transforms([zx, 0.0, (w - 1) / 2.0 * (1.0 - zx), 0.0, zy, (h - 1) / 2.0 * (1.0 - zy), 0.0, 0.0])

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomContrast(RandomImageLayer):
    """`RandomContrast(factor, value_range=(0, 255), seed=None)`: in training, per image and channel,
    `(x - mean) * c + mean` with the mean over height and width and c drawn in [1 - lower, 1 + upper]
    (factor = f means lower = upper = f), then clipped to value_range (as Keras 3 does).
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        cls = type(self).__name__
        self.factor = config_value(factor)
        try:
            lower, upper = (factor, factor) if not isinstance(factor, (list, tuple)) else factor
            self.lower, self.upper = float(lower), float(upper)
        except (TypeError, ValueError):
            self.lower = None
        if self.lower is None or not (0.0 <= self.lower <= 1.0 and self.upper >= 0.0):
            raise ValueError(f"{cls}: the `factor` argument must be a number in [0, 1] or a pair (lower, upper) "
                             f"with 0 <= lower <= 1 and upper >= 0, got factor={factor!r}")
        self.value_range = tuple(float(v) for v in value_range)
        if len(self.value_range) != 2 or self.value_range[0] > self.value_range[1]:
            raise ValueError(f"{cls}: value_range must be (low, high) with low <= high, got {value_range!r}")

    def _augment(self, x):
        c = math_ops.cast(array_ops.reshape(self._uniform(x, 1.0 - self.lower, 1.0 + self.upper), (-1, 1, 1, 1)),
                          x.dtype)
        mean = reduce_ops.reduce_mean(x, axis=(1, 2), keepdims=True)
        return math_ops.clip_by_value((x - mean) * c + mean, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=list(self.value_range))
        return config


class RandomCrop(RandomImageLayer):
    """`RandomCrop(height, width, seed=None)`: in training, a height x width window at a random offset
    (one offset per batch, as Keras); at inference, and in training when the image is smaller than
    the window, the largest centred window with the target aspect ratio resized to (height, width).

    >>> import cornu as tf
    >>> tf.keras.layers.RandomCrop(2, 2, seed=1)(tf.ones((4, 5, 5, 3)), training=True).shape
    TensorShape([4, 2, 2, 3])
    """

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height, self.width = normalize_tuple((height, width), 2, "height and width", type(self).__name__)

    def _fits(self, x):
        h, w = x.shape[-3], x.shape[-2]
        return None not in (h, w) and h >= self.height and w >= self.width

    def _inference(self, x):
        if x.shape[-3] is None or x.shape[-2] is None:
            return self._shape_only(x, self.compute_output_shape(x.shape))
        return image_ops.smart_resize(x, (self.height, self.width))

    def _augment(self, x):
        if not self._fits(x):
            return self._inference(x)
        x = image_ops.crop_along(x, 1, self.height, self._uniform(x, 0.0, 1.0, per_example=False))
        return image_ops.crop_along(x, 2, self.width, self._uniform(x, 0.0, 1.0, per_example=False))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-3] + (self.height, self.width, tuple(input_shape)[-1])

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config
