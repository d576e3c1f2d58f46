"""Tensor: an immutable value wrapping a backend array, and conversion of Python data into tensors.

Operators (`+`, `@`, indexing, ...) are installed by `cornu.ops.operators` so that this module stays
free of op definitions.
"""
from .. import backend
from ..backend import dtypes
from .shape import TensorShape


class Tensor:
    """An immutable n-dimensional array that ops consume and produce.

    >>> import cornu as tf
    >>> tf.constant([[1., 2.], [3., 4.]]) * 2
    <cornu.Tensor: shape=(2, 2), dtype=float32, numpy=
    array([[2., 4.],
           [6., 8.]], dtype=float32)>
    """

    __slots__ = ("_value", "_keras_mask", "__weakref__")
    __array_ufunc__ = None  # NumPy defers `ndarray + Tensor` to Tensor.__radd__
    _is_variable = False    # class-level flag: cheaper than isinstance on the tape's hot path
    __array_priority__ = 100

    def __init__(self, value):
        self._value = value

    # -- properties ----------------------------------------------------------------------------
    @property
    def shape(self):
        return TensorShape(self._value.shape)

    def get_shape(self):
        return self.shape

    @property
    def dtype(self):
        return dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def device(self):
        return backend.device_of(self._value).name

    @property
    def name(self):
        return None

    def numpy(self):
        """The value as a NumPy array (a copy, so changing it cannot change the tensor); a NumPy
        scalar for a 0-d tensor, as in TF."""
        value = backend.to_numpy(self._value)
        if value.ndim == 0:
            return value[()]
        return value.copy() if value is self._value else value

    def __array__(self, dtype=None, copy=None):
        # np.asarray(t) gets a read-only view (no copy, and no way to change the immutable tensor);
        # np.array(t) asks for copy=True and gets a writable copy.
        value = backend.to_numpy(self._value)
        if not isinstance(value, backend.numpy.ndarray):
            value = backend.numpy.asarray(value)
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        if copy:
            return value.copy()
        if value is self._value:
            value = value.view()
            value.flags.writeable = False
        return value

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("len() of a scalar (0-d) tensor is undefined")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(self._value.shape[0]):
            yield self[i]

    def __bool__(self):
        if self._value.size != 1:
            raise ValueError(f"The truth value of a tensor with shape {self.shape} is ambiguous; "
                             "use cornu.reduce_any or cornu.reduce_all")
        return bool(self._value)

    def __int__(self):
        return int(self._value)

    def __float__(self):
        return float(self._value)

    def __index__(self):
        if not self.dtype.is_integer or self._value.ndim != 0:
            raise TypeError(f"Only scalar integer tensors can be used as an index, got shape "
                            f"{self.shape} and dtype {self.dtype.name}")
        return int(self._value)

    def __hash__(self):
        raise TypeError("Tensor is unhashable (== compares elementwise). Use tensor.ref() as the key.")

    def ref(self):
        """A hashable reference to this object (TF's `Tensor.ref()`), for dict keys and sets."""
        return Reference(self)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return type(self)(self._value.copy())

    def __reduce__(self):
        return Tensor, (self.numpy(),)

    # -- printing ------------------------------------------------------------------------------
    def __repr__(self):
        value = backend.to_numpy(self._value)
        body = repr(value) if isinstance(value, backend.numpy.ndarray) and value.ndim else str(value)
        if "\n" in body:  # as TF: a multi-line array starts on its own line
            body = "\n" + body
        return f"<cornu.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={body}>"

    def __str__(self):
        value = backend.to_numpy(self._value)
        body = str(value)
        if "\n" in body:
            body = "\n" + body
        return f"cornu.Tensor({body}, shape={self.shape}, dtype={self.dtype.name})"


class Reference:
    """Hashable by identity: what `Tensor.ref()` and `Variable.ref()` return."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self):
        return f"<Reference wrapping {self._obj!r}>"


def wrap(value):
    """A Tensor around a backend array produced by an op (no checks: the fast path)."""
    t = Tensor.__new__(Tensor)
    t._value = value
    return t


_INT32 = (-(2 ** 31), 2 ** 31 - 1)


def _python_to_array(value, dtype, xp):
    """Convert Python scalars and nested lists with TF's defaults (float32, int32)."""
    np = backend.numpy
    array = np.asarray(value)
    kind = array.dtype.kind
    if dtype is None:
        if kind == "f":
            return xp.asarray(array, dtype=np.float32)
        if kind in "iu":
            if array.size and (array.min() < _INT32[0] or array.max() > _INT32[1]):
                return xp.asarray(array, dtype=np.int64)
            return xp.asarray(array, dtype=np.int32)
        if kind == "c":
            return xp.asarray(array, dtype=np.complex128)
        if kind == "b":
            return xp.asarray(array)
        raise TypeError(f"Cannot convert {value!r} to a tensor: unsupported element type {array.dtype}")
    target = dtype._np
    if kind == "f" and target.kind in "iub":
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise TypeError(f"Cannot convert {value!r} to a tensor of dtype {dtype.name}: "
                            "the value is not an integer")
    if kind in "iuf" and target.kind == "b":
        raise TypeError(f"Cannot convert {value!r} to a tensor of dtype bool")
    if kind in "iu" and target.kind in "iu" and array.size:
        info = np.iinfo(target)
        if array.min() < info.min or array.max() > info.max:
            raise TypeError(f"Cannot convert {value!r} to a tensor of dtype {dtype.name}: "
                            "out of range")
    if kind not in "biufc":
        raise TypeError(f"Cannot convert {value!r} to a tensor of dtype {dtype.name}")
    return xp.asarray(array, dtype=target)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """`cornu.convert_to_tensor`: Tensors pass through; arrays, scalars and nested lists are converted.

    A Tensor whose dtype differs from `dtype` is an error (use `cornu.cast`), as in TF. NumPy arrays
    keep their dtype unless `dtype` is given; Python floats become float32 and ints int32.
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                             f"{value.dtype.name}: {value!r}")
        if value._is_variable:
            # read the variable's current value with a recorded op, as TF does, so a later assign
            # does not change the result and gradients still reach the variable
            from ..ops.math_ops import identity
            return identity(value)
        return value
    if hasattr(value, "_as_tensor"):  # e.g. objects that know how to become a tensor
        return convert_to_tensor(value._as_tensor(), dtype=dtype)
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        from ..ops import array_ops  # packing a list of tensors is a differentiable stack
        return array_ops.stack([convert_to_tensor(v, dtype=dtype, dtype_hint=dtype_hint)
                                for v in value])
    xp = backend.current_xp()
    np = backend.numpy
    if isinstance(value, np.ndarray) or isinstance(value, np.generic) or _is_backend_array(value):
        if dtype is None:
            if value.dtype.kind not in "biufc":
                raise TypeError(f"Cannot convert an array of dtype {value.dtype} to a tensor")
            return wrap(xp.array(value))  # a copy: changing the array later must not change the tensor
        src, dst = value.dtype, dtype._np
        if src.kind in "fc" and dst.kind in "iub" or (src.kind != "b" and dst.kind == "b"):
            raise TypeError(f"Cannot convert an array of dtype {src} to a tensor of dtype {dtype.name} "
                            "without losing information; use cornu.cast")
        return wrap(xp.array(value, dtype=dst))
    if dtype is None and dtype_hint is not None:
        try:
            return wrap(_python_to_array(value, dtypes.as_dtype(dtype_hint), xp))
        except TypeError:
            pass
    return wrap(_python_to_array(value, dtype, xp))


def _contains_tensor(seq):
    for v in seq:
        if isinstance(v, Tensor) or (isinstance(v, (list, tuple)) and _contains_tensor(v)):
            return True
    return False


def _is_backend_array(value):
    cp = backend.cupy_or_none()
    return cp is not None and isinstance(value, cp.ndarray)


def constant(value, dtype=None, shape=None, name=None):
    """`cornu.constant(value, dtype=None, shape=None)`: a tensor from Python/NumPy data.

    >>> import cornu as tf
    >>> tf.constant(0., shape=(2, 3)).shape
    TensorShape([2, 3])
    """
    if isinstance(value, Tensor):
        if value._is_variable:  # a Variable: a constant is a snapshot of its current value
            value = wrap(value._value)
        tensor = value if dtype is None else _cast_value(value, dtype)
    else:
        tensor = convert_to_tensor(value, dtype=dtype)
    if shape is not None:
        shape = tuple(shape)
        xp = backend.xp_of(tensor._value)
        size = 1
        for d in shape:
            size *= d
        if tensor._value.size == 1:
            return wrap(xp.full(shape, tensor._value.reshape(()), dtype=tensor._value.dtype))
        if tensor._value.size != size:
            raise TypeError(f"constant: expected {size} values for shape {shape}, got "
                            f"{tensor._value.size}")
        return wrap(tensor._value.reshape(shape))
    return tensor


def _cast_value(tensor, dtype):
    dtype = dtypes.as_dtype(dtype)
    return wrap(tensor._value.astype(dtype._np))
