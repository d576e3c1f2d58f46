"""Python operators on Tensor (`+ - * / // % ** @`, comparisons, `[]`), installed in one place."""
from ..core.errors import InvalidArgumentError
from ..core.registry import apply
from ..core.tensor import Tensor
from . import array_ops, linalg_ops, math_ops
from ._rules import binary_args


def _binary(fn, op=None, reflected=False):
    """An operator method; `op` gives a fast path for two tensors of one dtype (the common case)."""
    if reflected:
        def method(self, other):
            return fn(other, self)
    elif op is not None:
        def method(self, other):
            if type(other) is Tensor and other._value.dtype == self._value.dtype:
                return apply(op, (self, other))
            return fn(self, other)
    else:
        def method(self, other):
            return fn(self, other)
    return method


def _eq(self, other):
    try:
        x, y = binary_args(self, other, "equal")
    except (TypeError, ValueError):
        return False
    return math_ops._equal(x, y)


def _ne(self, other):
    try:
        x, y = binary_args(self, other, "not_equal")
    except (TypeError, ValueError):
        return True
    return math_ops._not_equal(x, y)


def _logical(fn, name):
    def method(self, other, reflected=False):
        x, y = binary_args(self, other, name)
        if not x.dtype.is_bool:
            raise InvalidArgumentError(f"{name}: the operator needs bool tensors, got {x.dtype.name}")
        return fn(x, y)
    return method


def _invert(self):
    return math_ops.logical_not(self)


def install():
    T = Tensor
    pairs = {"add": (math_ops.add, math_ops._add), "sub": (math_ops.subtract, math_ops._subtract),
             "mul": (math_ops.multiply, math_ops._multiply), "truediv": (math_ops.divide, None),
             "floordiv": (math_ops.floordiv, math_ops._floordiv), "mod": (math_ops.floormod, math_ops._floormod),
             "pow": (math_ops.pow, math_ops._pow), "matmul": (linalg_ops.matmul, None)}
    for name, (fn, op) in pairs.items():
        setattr(T, f"__{name}__", _binary(fn, op))
        setattr(T, f"__r{name}__", _binary(fn, reflected=True))
    T.__lt__ = _binary(math_ops.less)
    T.__le__ = _binary(math_ops.less_equal)
    T.__gt__ = _binary(math_ops.greater)
    T.__ge__ = _binary(math_ops.greater_equal)
    T.__eq__ = _eq
    T.__ne__ = _ne
    T.__and__ = T.__rand__ = _logical(math_ops.logical_and, "logical_and")
    T.__or__ = T.__ror__ = _logical(math_ops.logical_or, "logical_or")
    T.__xor__ = T.__rxor__ = _logical(math_ops.logical_xor, "logical_xor")
    T.__invert__ = _invert
    T.__neg__ = lambda self: math_ops._negative(self)
    T.__pos__ = lambda self: self
    T.__abs__ = lambda self: math_ops._abs(self)
    T.__getitem__ = array_ops.getitem
    # Tensor-style methods TF users reach for
    T.__hash__ = Tensor.__hash__


install()
