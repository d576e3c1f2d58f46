"""TensorSpec: the shape (None for unknown dims) and dtype a tensor is expected to have.

Used by `Dataset.element_spec`, `from_generator(output_signature=...)` and `cornu.function`'s
`input_signature`.
"""
from ..backend import dtypes
from .shape import TensorShape


class TensorSpec:
    """`cornu.TensorSpec(shape, dtype=cornu.float32, name=None)`.

    >>> import cornu as tf
    >>> spec = tf.TensorSpec((None, 28), tf.float32)
    >>> spec.is_compatible_with(tf.zeros((5, 28)))
    True
    """

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = TensorShape(shape) if shape is not None else None
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, other):
        """True if `other` (a tensor or spec) has this dtype and a shape that fits this one."""
        shape = getattr(other, "shape", None)
        dtype = getattr(other, "dtype", None)
        if dtype is not None and dtypes.as_dtype(dtype) != self.dtype:
            return False
        if self.shape is None or shape is None:
            return True
        return TensorShape(self.shape).is_compatible_with(TensorShape(shape))

    def most_specific_compatible_type(self, other):
        """The spec that fits both: dims that differ become None."""
        if self.dtype != other.dtype:
            raise ValueError(f"TensorSpecs with dtypes {self.dtype.name} and {other.dtype.name} have no "
                             "common type")
        if self.shape is None or other.shape is None or len(self.shape) != len(other.shape):
            return TensorSpec(None, self.dtype)
        return TensorSpec([a if a == b else None for a, b in zip(self.shape, other.shape)], self.dtype)

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.dtype == other.dtype and
                (None if self.shape is None else tuple(self.shape)) ==
                (None if other.shape is None else tuple(other.shape)) and self.name == other.name)

    def __hash__(self):
        return hash((None if self.shape is None else tuple(self.shape), self.dtype, self.name))

    def __repr__(self):
        shape = "None" if self.shape is None else str(TensorShape(self.shape))
        return f"TensorSpec(shape={shape}, dtype=cornu.{self.dtype.name}, name={self.name!r})"
