"""TF-style dtypes (`cornu.float32`, ...) mapped onto the backend's array dtypes.

Python floats become float32 and Python ints int32, as in TensorFlow; NumPy arrays keep their dtype.
"""
import numpy as np


class DType:
    """A tensor element type with TF's name and properties (`is_floating`, `as_numpy_dtype`, ...)."""

    __slots__ = ("name", "_np")

    def __init__(self, name, np_dtype):
        self.name = name
        self._np = np.dtype(np_dtype)

    @property
    def as_numpy_dtype(self):
        return self._np.type

    @property
    def is_floating(self):
        return self._np.kind == "f"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_complex(self):
        return self._np.kind == "c"

    @property
    def size(self):
        return self._np.itemsize

    @property
    def base_dtype(self):
        return self

    @property
    def min(self):
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def __eq__(self, other):
        if isinstance(other, DType):
            return self._np == other._np
        try:
            return self._np == as_dtype(other)._np
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._np)

    def __repr__(self):
        return f"cornu.{self.name}"

    __str__ = __repr__

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = half = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = double = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TF's name
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
string = None  # strings are not tensors in cornu; kept so `tf.string` references fail clearly

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool,
       complex64, complex128)
_BY_NP = {d._np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(half=float16, double=float64, float=float32, int=int32)


def as_dtype(value):
    """`cornu.as_dtype`: a DType from a DType, a name ('float32'), a NumPy dtype or a Python type."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is float:
        return float32
    if value is int:
        return int32
    try:
        return _BY_NP[np.dtype(value)]
    except (TypeError, KeyError):
        raise TypeError(f"Cannot convert {value!r} to a cornu DType") from None


def from_numpy(np_dtype):
    """The DType of a backend array's dtype (fast path for Tensor.dtype)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        return as_dtype(np_dtype)
