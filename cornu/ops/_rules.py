"""Shared shape rules and argument checks for op definitions (symbolic shapes allow None)."""
from ..backend import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Spec
from ..core.tensor import Tensor, convert_to_tensor


def same(x, *rest, **attrs):
    """Output is shaped and typed like the first input."""
    return Spec(tuple(x.shape), x.dtype)


def same_bool(x, *rest, **attrs):
    return Spec(tuple(x.shape), dtypes.bool)


def broadcast_shapes(a, b, op="broadcast"):
    """NumPy broadcasting of two shapes whose dims may be None (unknown)."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    out = []
    for i, (da, db) in enumerate(zip(a, b)):
        if da == 1:
            out.append(db)
        elif db == 1 or da == db:
            out.append(da)
        elif da is None or db is None:
            out.append(da if db is None else db)
        else:
            raise InvalidArgumentError(f"{op}: shapes {a} and {b} are not broadcastable: dimension "
                                       f"{i} is {da} in one and {db} in the other")
    return tuple(out)


def binary(x, y, **attrs):
    return Spec(broadcast_shapes(x.shape, y.shape), x.dtype)


def binary_bool(x, y, **attrs):
    return Spec(broadcast_shapes(x.shape, y.shape), dtypes.bool)


def normalize_axis(axis, rank, op="op"):
    """A non-negative axis, or an InvalidArgumentError naming the op and the rank."""
    axis = int(axis)
    if not -rank <= axis < max(rank, 1):
        raise InvalidArgumentError(f"{op}: axis {axis} is out of range for a tensor of rank {rank}")
    return axis % rank if rank else 0


def normalize_axes(axis, rank, op="op"):
    """A sorted tuple of non-negative axes; None means all axes."""
    if axis is None:
        return tuple(range(rank))
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(sorted({normalize_axis(a, rank, op) for a in axis}))
    return (normalize_axis(axis, rank, op),)


def to_tensor(x, dtype=None):
    return x if isinstance(x, Tensor) and dtype is None else convert_to_tensor(x, dtype=dtype)


def binary_args(x, y, op):
    """Convert two operands TF's way: Python values take the dtype of the tensor beside them; two
    tensors of different dtypes are an error naming the op and both dtypes."""
    if isinstance(x, Tensor):
        if not isinstance(y, Tensor):
            y = _convert_like(y, x.dtype, op)
    elif isinstance(y, Tensor):
        x = _convert_like(x, y.dtype, op)
    else:
        x = convert_to_tensor(x)
        y = _convert_like(y, x.dtype, op)
    if x._value.dtype != y._value.dtype:
        raise InvalidArgumentError(
            f"{op}: cannot compute {op} of a {x.dtype.name} tensor and a {y.dtype.name} tensor "
            f"(shapes {tuple(x.shape)} and {tuple(y.shape)}); cast one with cornu.cast", op=op)
    return x, y


def _convert_like(value, dtype, op):
    try:
        return convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{op}: cannot convert {value!r} to {dtype.name} to match the other "
                        f"operand ({exc})") from None


def static_int_list(value, what, op):
    """Shape-like arguments given as list/tuple/Tensor -> tuple of Python ints."""
    if isinstance(value, Tensor):
        value = value.numpy().tolist()
    if isinstance(value, int):
        return (value,)
    try:
        return tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {what} must be a list of integers, got {value!r}") from None
