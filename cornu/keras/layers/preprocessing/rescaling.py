"""Rescaling: x * scale + offset."""
from ....core.tensor import Tensor, convert_to_tensor
from ....ops import math_ops
from ..layer import Layer


def plain(value):
    """A number or nested lists (JSON-ready) from a number, list, NumPy array or Tensor."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class Rescaling(Layer):
    """`Rescaling(scale, offset=0.0)`: `inputs * scale + offset`, in the layer's dtype (integer pixels
    become float32). scale and offset may be numbers or per-channel lists.

    >>> import cornu as tf
    >>> tf.keras.layers.Rescaling(1 / 127.5, offset=-1)(tf.constant([0, 255], tf.uint8)).numpy()
    array([-1.,  1.], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = plain(scale)
        self.offset = plain(offset)
        for what, value in (("scale", self.scale), ("offset", self.offset)):
            try:
                convert_to_tensor(value, dtype=self._dtype)
            except (TypeError, ValueError):
                raise ValueError(f"Rescaling: the `{what}` argument must be a number or a list of numbers, "
                                 f"got {what}={value!r}") from None
        self.supports_masking = True

    def call(self, inputs):
        x = inputs if inputs.dtype == self._dtype else math_ops.cast(inputs, self._dtype)
        return x * convert_to_tensor(self.scale, dtype=x.dtype) + convert_to_tensor(self.offset, dtype=x.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config
