"""Shared machinery of the image preprocessing and augmentation layers.

Inputs are channels-last images: one image (height, width, channels) or a batch (batch, height, width,
channels), so the layers work inside a model and inside `Dataset.map` on single images. Like Keras 3's
preprocessing layers they compute in the layer's dtype (float32 unless given): integer images are cast.

Random layers change their input only when called with `training=True` (which `fit` does; pass it
yourself in `Dataset.map`); otherwise they return it unchanged. Each draws from its own stream: with
`seed=s` the layer's sequence of augmentations depends on s alone, without a seed it comes from the
global stream that `cornu.random.set_seed` resets.
"""
from ....backend import dtypes
from ....core.symbolic import SymbolicTensor
from ....ops import array_ops, math_ops
from ....ops.image_ops import SeedStream, augment_uniform
from ..convolutional import normalize_data_format
from ..layer import InputSpec, Layer


def check_choice(value, choices, what, layer):
    name = value.lower() if isinstance(value, str) else value
    if name not in choices:
        raise ValueError(f"{layer}: the `{what}` argument must be one of {', '.join(repr(c) for c in choices)}, "
                         f"got {what}={value!r}")
    return name


def factor_range(factor, what, layer, bound=None):
    """Keras's factor forms: a number f means [-|f|, |f|], a pair (lower, upper) is sorted; with bound,
    every value must lie in [-bound, bound]."""
    def number(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError
        return float(v)
    try:
        if isinstance(factor, (list, tuple)):
            if len(factor) != 2:
                raise TypeError
            lower, upper = sorted(number(v) for v in factor)
        else:
            lower, upper = -abs(number(factor)), abs(number(factor))
    except TypeError:
        raise ValueError(f"{layer}: the `{what}` argument must be a number or a tuple of two numbers "
                         f"(lower, upper), got {what}={factor!r}") from None
    if bound is not None and not (-bound <= lower and upper <= bound):
        raise ValueError(f"{layer}: the `{what}` argument must be in [-{bound}, {bound}], got {what}={factor!r}")
    return lower, upper


def config_value(value):
    """Tuples become lists, as a JSON round trip would make them."""
    return list(value) if isinstance(value, tuple) else value


class ImageLayer(Layer):
    """A layer taking 3-D images or 4-D batches of images, channels-last."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)

    def _images(self, inputs):
        if inputs.dtype != self._dtype:
            inputs = math_ops.cast(inputs, self._dtype)
        return inputs

    def _shape_only(self, x, shape):
        """While a Keras model is built on inputs of unknown height or width, only the output shape is
        needed (the layer runs again on real data); anything else needs the sizes."""
        if isinstance(x, SymbolicTensor) and getattr(x, "graph", None) is None:
            return SymbolicTensor(shape, x.dtype)
        raise ValueError(f"{type(self).__name__} {self.name}: the height and width of the input must be "
                         f"known, got shape {tuple(x.shape)}")

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config


class RandomImageLayer(ImageLayer):
    """An augmentation layer: `_augment(batch)` in training, the identity (or `_inference`) otherwise."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"{type(self).__name__}: the `seed` argument must be an int or None, got "
                             f"seed={seed!r}")
        self.seed = seed
        self._stream = SeedStream(seed)

    def call(self, inputs, training=None):
        x = self._images(inputs)
        if not training:
            return self._inference(x)
        single = x.ndim == 3
        if single:
            x = array_ops.expand_dims(x, 0)
        out = self._augment(x)
        return array_ops.squeeze(out, 0) if single else out

    def _inference(self, x):
        return x

    def _augment(self, x):
        raise NotImplementedError

    def _uniform(self, x, lower, upper, per_example=True):
        """Draws in [lower, upper): shape (batch,) per example, else one scalar for the whole batch."""
        return augment_uniform(x, (), lower, upper, self._stream, per_example=per_example,
                               dtype=dtypes.float64)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(seed=self.seed)
        return config
