"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector.

The batch dimension (axis 0) is never touched: shapes given to these layers describe one example.
"""
from ...core.symbolic import SymbolicTensor, is_keras_tensor
from ...ops import array_ops
from .layer import InputSpec, Layer


def _prod(dims):
    n = 1
    for d in dims:
        if d is None:
            return None
        n *= d
    return n


def _standardize_data_format(data_format, where):
    if data_format is None:
        return "channels_last"
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{where}: data_format must be 'channels_last' or 'channels_first', got "
                         f"{data_format!r}")
    return value


class Flatten(Layer):
    """`Flatten(data_format=None)`: every example flattened to one dimension; the batch size is kept.

    With data_format='channels_first' the channels are moved last first, so the flattened order is the
    same as for the channels-last version of the data (as in Keras).

    >>> import cornu as tf
    >>> tf.keras.layers.Flatten()(tf.ones((2, 3, 4))).shape
    TensorShape([2, 12])
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _standardize_data_format(data_format, "Flatten")
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        rank = inputs.ndim
        if self.data_format == "channels_first" and rank > 2:
            inputs = array_ops.transpose(inputs, (0,) + tuple(range(2, rank)) + (1,))
        batch, flat = self.compute_output_shape(inputs.shape)
        if batch is None and flat is None:  # only while a model is built: nothing to compute
            return SymbolicTensor((None, None), inputs.dtype)
        return array_ops.reshape(inputs, (-1 if batch is None else batch, -1 if flat is None else flat))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0], _prod(input_shape[1:]))

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config


def _resolve_target(input_shape, target_shape, where):
    """target_shape with its -1 (if any) filled in from the example's size (None if unknown)."""
    unknown = [i for i, d in enumerate(target_shape) if d == -1]
    if len(unknown) > 1:
        raise ValueError(f"{where}: there must be at most one unknown dimension (-1) in target_shape. "
                         f"Received: target_shape={tuple(target_shape)}")
    size = _prod(input_shape[1:])
    known = _prod(d for d in target_shape if d != -1)
    if unknown:
        if size is None:
            return tuple(None if d == -1 else d for d in target_shape)
        if known == 0 or size % known:
            raise ValueError(f"{where}: the total size of the tensor must be unchanged. Received: "
                             f"input_shape={tuple(input_shape)}, target_shape={tuple(target_shape)}")
        return tuple(size // known if d == -1 else d for d in target_shape)
    if size is not None and size != known:
        raise ValueError(f"{where}: the total size of the tensor must be unchanged. Received: "
                         f"input_shape={tuple(input_shape)}, target_shape={tuple(target_shape)}")
    return tuple(target_shape)


class Reshape(Layer):
    """`Reshape(target_shape)`: each example reshaped to `target_shape` (one entry may be -1).

    >>> import cornu as tf
    >>> tf.keras.layers.Reshape((3, -1))(tf.ones((2, 12))).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target_shape = tuple(int(d) for d in target_shape)
        except TypeError:
            raise ValueError(f"Reshape: target_shape must be a tuple of integers, got "
                             f"{target_shape!r}") from None
        if any(d < -1 or d == 0 for d in target_shape):
            raise ValueError(f"Reshape: target_shape entries must be positive integers or -1. Received: "
                             f"target_shape={target_shape}")
        if target_shape.count(-1) > 1:
            raise ValueError("Reshape: there must be at most one unknown dimension (-1) in target_shape. "
                             f"Received: target_shape={target_shape}")
        self.target_shape = target_shape

    def call(self, inputs):
        shape = self.compute_output_shape(inputs.shape)
        batch, rest = shape[0], shape[1:]
        if batch is None and None in rest:  # only while a model is built: nothing to compute
            return SymbolicTensor(shape, inputs.dtype)
        if batch is None:
            return array_ops.reshape(inputs, (-1,) + rest)
        return array_ops.reshape(inputs, (batch,) + tuple(-1 if d is None else d for d in rest))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        where = f"Reshape layer '{self.name}'"
        return (input_shape[0],) + _resolve_target(input_shape, self.target_shape, where)

    def get_config(self):
        config = super().get_config()
        config.update(target_shape=self.target_shape)
        return config


class Permute(Layer):
    """`Permute(dims)`: the example axes reordered; `dims` counts from 1 (axis 0 is the batch).

    >>> import cornu as tf
    >>> tf.keras.layers.Permute((2, 1))(tf.ones((5, 10, 64))).shape
    TensorShape([5, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                             f"`dims` must be consecutive and start from 1. Received dims={self.dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return array_ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config.update(dims=self.dims)
        return config


class RepeatVector(Layer):
    """`RepeatVector(n)`: (batch, features) -> (batch, n, features), each vector repeated n times.

    >>> import cornu as tf
    >>> tf.keras.layers.RepeatVector(3)(tf.ones((2, 4))).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise TypeError(f"RepeatVector: expected `n` to be a positive integer. Received: n={n!r} "
                            f"(of type {type(n).__name__})")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return array_ops.tile(array_ops.expand_dims(inputs, 1), (1, self.n, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update(n=self.n)
        return config
