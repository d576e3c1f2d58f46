"""Keras 3 preprocessing layers: Rescaling and Normalization for numbers, Resizing and CenterCrop for
images, and the random augmentation layers (active only with `training=True`)."""
from .rescaling import Rescaling  # noqa: F401
from .normalization import Normalization  # noqa: F401
from .image_resizing import Resizing, CenterCrop  # noqa: F401
from .augmentation import (RandomFlip, RandomRotation, RandomTranslation, RandomZoom,  # noqa: F401
                           RandomContrast, RandomCrop)
