"""Resizing and CenterCrop: images to a fixed height and width."""
from ....ops import array_ops, image_ops
from ..convolutional import normalize_tuple
from .base import ImageLayer, check_choice

_INTERPOLATIONS = ("bilinear", "nearest")


def _hw(x):
    return x.shape[-3], x.shape[-2]


class Resizing(ImageLayer):
    """`Resizing(height, width, interpolation='bilinear', crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False, fill_value=0.0)`: resize images to (height, width) as
    `tf.image.resize` does (half-pixel centres).

    crop_to_aspect_ratio: first cut the largest centred window with the target aspect ratio, so the
    image is not distorted; pad_to_aspect_ratio: instead pad it evenly with fill_value to that ratio.

    >>> import cornu as tf
    >>> tf.keras.layers.Resizing(2, 3)(tf.ones((4, 4, 4, 1))).shape
    TensorShape([4, 2, 3, 1])
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        cls = type(self).__name__
        self.height, self.width = normalize_tuple((height, width), 2, "height and width", cls)
        self.interpolation = check_choice(interpolation, _INTERPOLATIONS, "interpolation", cls)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{cls}: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice(fill_mode, ("constant",), "fill_mode", cls)
        self.fill_value = float(fill_value)

    def call(self, inputs):
        x = self._images(inputs)
        h, w = _hw(x)
        if h is None or w is None:
            return self._shape_only(x, self.compute_output_shape(x.shape))
        size = (self.height, self.width)
        if self.crop_to_aspect_ratio:
            return image_ops.smart_resize(x, size, self.interpolation)
        if self.pad_to_aspect_ratio:
            top = int((max(h, int(w * self.height / self.width)) - h) / 2)
            left = int((max(w, int(h * self.width / self.height)) - w) / 2)
            if top or left:
                pads = [[0, 0]] * (x.ndim - 3) + [[top, top], [left, left], [0, 0]]
                x = array_ops.pad(x, pads, constant_values=self.fill_value)
        return image_ops.resize(x, size, self.interpolation)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-3] + (self.height, self.width, tuple(input_shape)[-1])

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio, pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                      fill_mode=self.fill_mode, fill_value=self.fill_value)
        return config


class CenterCrop(ImageLayer):
    """`CenterCrop(height, width)`: the central height x width window of each image. An image smaller
    than that is resized instead, after cutting the largest centred window with the target aspect
    ratio (Keras 3's behaviour), so the output always has the target size.

    >>> import cornu as tf
    >>> x = tf.reshape(tf.range(16.0), (4, 4, 1))
    >>> tf.keras.layers.CenterCrop(2, 2)(x)[:, :, 0].numpy()
    array([[ 5.,  6.],
           [ 9., 10.]], dtype=float32)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = normalize_tuple((height, width), 2, "height and width", type(self).__name__)

    def call(self, inputs):
        x = self._images(inputs)
        h, w = _hw(x)
        if h is None or w is None:
            return self._shape_only(x, self.compute_output_shape(x.shape))
        if h < self.height or w < self.width:
            return image_ops.smart_resize(x, (self.height, self.width))
        top, left = int((h - self.height) / 2), int((w - self.width) / 2)
        key = (Ellipsis, slice(top, top + self.height), slice(left, left + self.width), slice(None))
        return x[key]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-3] + (self.height, self.width, tuple(input_shape)[-1])

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config
