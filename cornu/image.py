"""`cornu.image`: image ops under TF's `tf.image` names (NHWC; 3-D images or 4-D batches).

>>> import cornu as tf
>>> img = tf.reshape(tf.range(4.0), (2, 2, 1))
>>> tf.image.flip_left_right(img)[:, :, 0].numpy()
array([[1., 0.],
       [3., 2.]], dtype=float32)
>>> tf.image.resize(img, (4, 4)).shape
TensorShape([4, 4, 1])
"""
from .ops.image_ops import (ResizeMethod, resize, flip_left_right, flip_up_down, transpose, rot90,  # noqa: F401
                            central_crop, crop_to_bounding_box, pad_to_bounding_box, resize_with_crop_or_pad,
                            convert_image_dtype, adjust_contrast, adjust_brightness, per_image_standardization,
                            rgb_to_grayscale, grayscale_to_rgb, affine_transform, random_flip_left_right,
                            random_flip_up_down, random_brightness, random_contrast, random_crop)
