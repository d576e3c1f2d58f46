"""Elementwise math, comparisons, logical ops and casts: one definition each, forward beside gradient."""
import math as _math

from ..backend import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Spec, defop
from ..core.tensor import Tensor
from . import _rules
from ._rules import binary_args, same, to_tensor


def _float_input(x, op):
    x = to_tensor(x)
    if x._value.dtype.kind not in "fc":
        raise InvalidArgumentError(f"{op}: expected a floating-point tensor, got dtype {x.dtype.name} "
                                   f"(shape {tuple(x.shape)}); cast it first with cornu.cast", op=op)
    return x


# -- unary, floating point ----------------------------------------------------------------------
@defop("negative", same)
def _negative(xp, x):
    return -x


@_negative.defgrad
def _(ctx, g):
    return -g


@defop("abs", same)
def _abs(xp, x):
    return xp.abs(x)


@_abs.defgrad
def _(ctx, g):
    return g * sign(ctx.inputs[0])


@defop("sign", same, differentiable=False)
def _sign(xp, x):
    return xp.sign(x)


@defop("square", same)
def _square(xp, x):
    return x * x


@_square.defgrad
def _(ctx, g):
    return g * (ctx.inputs[0] * 2)


@defop("sqrt", same)
def _sqrt(xp, x):
    return xp.sqrt(x)


@_sqrt.defgrad
def _(ctx, g):
    return g * 0.5 / ctx.outputs[0]


@defop("rsqrt", same)
def _rsqrt(xp, x):
    return 1 / xp.sqrt(x)


@_rsqrt.defgrad
def _(ctx, g):
    y = ctx.outputs[0]
    return g * (y * y * y) * -0.5


@defop("reciprocal", same)
def _reciprocal(xp, x):
    return 1 / x


@_reciprocal.defgrad
def _(ctx, g):
    y = ctx.outputs[0]
    return -g * y * y


@defop("exp", same)
def _exp(xp, x):
    return xp.exp(x)


@_exp.defgrad
def _(ctx, g):
    return g * ctx.outputs[0]


@defop("log", same)
def _log(xp, x):
    return xp.log(x)


@_log.defgrad
def _(ctx, g):
    return g / ctx.inputs[0]


@defop("log1p", same)
def _log1p(xp, x):
    return xp.log1p(x)


@_log1p.defgrad
def _(ctx, g):
    return g / (ctx.inputs[0] + 1)


@defop("expm1", same)
def _expm1(xp, x):
    return xp.expm1(x)


@_expm1.defgrad
def _(ctx, g):
    return g * (ctx.outputs[0] + 1)


@defop("sin", same)
def _sin(xp, x):
    return xp.sin(x)


@_sin.defgrad
def _(ctx, g):
    return g * cos(ctx.inputs[0])


@defop("cos", same)
def _cos(xp, x):
    return xp.cos(x)


@_cos.defgrad
def _(ctx, g):
    return -g * sin(ctx.inputs[0])


@defop("tanh", same)
def _tanh(xp, x):
    return xp.tanh(x)


@_tanh.defgrad
def _(ctx, g):
    y = ctx.outputs[0]
    return g * (1 - y * y)


@defop("sigmoid", same)
def _sigmoid(xp, x):
    # 0.5 * (1 + tanh(x / 2)) is exact and never overflows, unlike 1 / (1 + exp(-x))
    return (xp.tanh(x * 0.5) + 1) * 0.5


@_sigmoid.defgrad
def _(ctx, g):
    y = ctx.outputs[0]
    return g * y * (1 - y)


@defop("softplus", same)
def _softplus(xp, x):
    return xp.logaddexp(x, 0).astype(x.dtype, copy=False)


@_softplus.defgrad
def _(ctx, g):
    return g * sigmoid(ctx.inputs[0])


# NumPy has no erf. float16/float32 use a rational approximation (error < 1.5e-7, below float32's
# resolution); float64 uses a Taylor series near 0 and a continued fraction for erfc in the tails,
# accurate to ~1e-15, so float64 gradient checks see the true function.
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_TWO_OVER_SQRT_PI = 2 / _math.sqrt(_math.pi)


def _erf_float32(xp, ax):
    """Abramowitz & Stegun 7.1.26 on |x|."""
    t = 1 / (1 + _ERF_P * ax)
    a1, a2, a3, a4, a5 = _ERF_A
    return 1 - t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5)))) * xp.exp(-ax * ax)


def _erf_float64(xp, ax):
    """Series for |x| < 3 (terms of x^(2n+1)/(n!(2n+1))), erfc continued fraction beyond."""
    small = xp.minimum(ax, 3.0)
    x2 = small * small
    term = small.copy()
    total = small.copy()
    for n in range(1, 64):
        term = term * (-x2 / n)
        total += term / (2 * n + 1)
    series = _TWO_OVER_SQRT_PI * total
    big = xp.maximum(ax, 3.0)
    fraction = big.copy()  # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
    for k in range(60, 0, -1):
        fraction = big + (k / 2) / fraction
    tail = 1 - xp.exp(-big * big) / (_math.sqrt(_math.pi) * fraction)
    return xp.where(ax < 3.0, series, tail)


@defop("erf", same)
def _erf(xp, x):
    """The error function, odd in x."""
    ax = xp.abs(x)
    y = _erf_float64(xp, ax.astype(xp.float64)) if x.dtype.itemsize >= 8 else _erf_float32(xp, ax)
    return (xp.sign(x) * y).astype(x.dtype, copy=False)


@_erf.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    return g * (2 / _math.sqrt(_math.pi)) * exp(-x * x)


@defop("floor", same, differentiable=False)
def _floor(xp, x):
    return xp.floor(x)


@defop("ceil", same, differentiable=False)
def _ceil(xp, x):
    return xp.ceil(x)


@defop("round", same, differentiable=False)
def _round(xp, x):
    return xp.round(x)  # half to even, as TF's round


@defop("identity", same)
def _identity(xp, x):
    return x


@_identity.defgrad
def _(ctx, g):
    return g


@defop("stop_gradient", same, differentiable=False)
def _stop_gradient(xp, x):
    return x


@defop("is_finite", _rules.same_bool, differentiable=False)
def _is_finite(xp, x):
    return xp.isfinite(x)


@defop("is_nan", _rules.same_bool, differentiable=False)
def _is_nan(xp, x):
    return xp.isnan(x)


@defop("is_inf", _rules.same_bool, differentiable=False)
def _is_inf(xp, x):
    return xp.isinf(x)


def _public_unary(op, floating=True):
    def public(x, name=None):
        return op(_float_input(x, op.name) if floating else to_tensor(x))
    public.__name__ = op.name
    public.__doc__ = f"`cornu.math.{op.name}(x)`, elementwise."
    return public


negative = _public_unary(_negative, floating=False)
abs = _public_unary(_abs, floating=False)  # noqa: A001 - TF's name
sign = _public_unary(_sign, floating=False)
square = _public_unary(_square, floating=False)
sqrt = _public_unary(_sqrt)
rsqrt = _public_unary(_rsqrt)
reciprocal = _public_unary(_reciprocal)
exp = _public_unary(_exp)
log = _public_unary(_log)
log1p = _public_unary(_log1p)
expm1 = _public_unary(_expm1)
sin = _public_unary(_sin)
cos = _public_unary(_cos)
tanh = _public_unary(_tanh)
sigmoid = _public_unary(_sigmoid)
softplus = _public_unary(_softplus)
erf = _public_unary(_erf)
floor = _public_unary(_floor)
ceil = _public_unary(_ceil)
round = _public_unary(_round, floating=False)  # noqa: A001
identity = _public_unary(_identity, floating=False)
stop_gradient = _public_unary(_stop_gradient, floating=False)
is_finite = _public_unary(_is_finite)
is_nan = _public_unary(_is_nan)
is_inf = _public_unary(_is_inf)
stop_gradient.__doc__ = "`cornu.stop_gradient(x)`: x, with no gradient flowing back through it."


# -- binary -------------------------------------------------------------------------------------
@defop("add", _rules.binary)
def _add(xp, x, y):
    return x + y


@_add.defgrad
def _(ctx, g):
    return g, g


@defop("subtract", _rules.binary)
def _subtract(xp, x, y):
    return x - y


@_subtract.defgrad
def _(ctx, g):
    return g, -g if ctx.needs[1] else None


@defop("multiply", _rules.binary)
def _multiply(xp, x, y):
    return x * y


@_multiply.defgrad
def _(ctx, g):
    x, y = ctx.inputs
    return (g * y if ctx.needs[0] else None), (g * x if ctx.needs[1] else None)


@defop("divide", _rules.binary)
def _divide(xp, x, y):
    out = x / y
    return out if out.dtype == x.dtype else out.astype(x.dtype)


@_divide.defgrad
def _(ctx, g):
    x, y = ctx.inputs
    gx = g / y if ctx.needs[0] else None
    gy = -g * ctx.outputs[0] / y if ctx.needs[1] else None
    return gx, gy


@defop("floordiv", _rules.binary, differentiable=False)
def _floordiv(xp, x, y):
    return xp.floor_divide(x, y)


@defop("floormod", _rules.binary)
def _floormod(xp, x, y):
    return xp.mod(x, y)


@_floormod.defgrad
def _(ctx, g):
    x, y = ctx.inputs
    return g, (-g * floor(x / y) if ctx.needs[1] else None)


@defop("pow", _rules.binary)
def _pow(xp, x, y):
    return xp.power(x, y)


@_pow.defgrad
def _(ctx, g):
    x, y = ctx.inputs
    gx = g * y * pow(x, y - 1) if ctx.needs[0] else None
    gy = None
    if ctx.needs[1]:
        positive = x > 0
        safe_x = where(positive, x, ones_like(x))
        gy = g * ctx.outputs[0] * where(positive, log(safe_x), zeros_like(x))
    return gx, gy


@defop("maximum", _rules.binary)
def _maximum(xp, x, y):
    return xp.maximum(x, y)


@_maximum.defgrad
def _(ctx, g):
    x, y = ctx.inputs
    mask = cast(greater_equal(x, y), g.dtype)
    return g * mask, g * (1 - mask)


@defop("minimum", _rules.binary)
def _minimum(xp, x, y):
    return xp.minimum(x, y)


@_minimum.defgrad
def _(ctx, g):
    x, y = ctx.inputs
    mask = cast(less_equal(x, y), g.dtype)
    return g * mask, g * (1 - mask)


@defop("squared_difference", _rules.binary)
def _squared_difference(xp, x, y):
    d = x - y
    return d * d


@_squared_difference.defgrad
def _(ctx, g):
    x, y = ctx.inputs
    gx = g * (x - y) * 2
    return gx, -gx


def _public_binary(op):
    def public(x, y, name=None):
        return op(*binary_args(x, y, op.name))
    public.__name__ = op.name
    public.__doc__ = f"`cornu.math.{op.name}(x, y)`, elementwise with broadcasting."
    return public


add = _public_binary(_add)
subtract = _public_binary(_subtract)
multiply = _public_binary(_multiply)
floordiv = floor_div = _public_binary(_floordiv)
floormod = mod = _public_binary(_floormod)
pow = _public_binary(_pow)  # noqa: A001
maximum = _public_binary(_maximum)
minimum = _public_binary(_minimum)
squared_difference = _public_binary(_squared_difference)


def divide(x, y, name=None):
    """`cornu.math.divide(x, y)`: true division; integer tensors give float64, as in TF."""
    x, y = binary_args(x, y, "divide")
    if x._value.dtype.kind in "iu":
        x, y = cast(x, dtypes.float64), cast(y, dtypes.float64)
    return _divide(x, y)


truediv = divide
realdiv = divide


def divide_no_nan(x, y, name=None):
    """x / y, with 0 wherever y == 0 (and no NaN gradient there)."""
    x, y = binary_args(x, y, "divide_no_nan")
    zero = equal(y, zeros_like(y))
    safe_y = where(zero, ones_like(y), y)
    return where(zero, zeros_like(x * y), divide(x, safe_y))


def add_n(inputs, name=None):
    """Sum of a list of same-shaped tensors."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    total = to_tensor(inputs[0])
    for t in inputs[1:]:
        total = add(total, t)
    return total


# -- comparisons and logic (no gradient) ----------------------------------------------------------
def _comparison(name, fn):
    op = defop(name, _rules.binary_bool, differentiable=False)(fn)

    def public(x, y, name=None):
        return op(*binary_args(x, y, op.name))
    public.__name__ = name
    public.__doc__ = f"`cornu.math.{name}(x, y)`: elementwise, bool result."
    return op, public


_equal, equal = _comparison("equal", lambda xp, x, y: xp.equal(x, y))
_not_equal, not_equal = _comparison("not_equal", lambda xp, x, y: xp.not_equal(x, y))
_less, less = _comparison("less", lambda xp, x, y: xp.less(x, y))
_less_equal, less_equal = _comparison("less_equal", lambda xp, x, y: xp.less_equal(x, y))
_greater, greater = _comparison("greater", lambda xp, x, y: xp.greater(x, y))
_greater_equal, greater_equal = _comparison("greater_equal", lambda xp, x, y: xp.greater_equal(x, y))


def _bool_args(x, y, op):
    x, y = binary_args(x, y, op)
    if not x.dtype.is_bool:
        raise InvalidArgumentError(f"{op}: expected bool tensors, got {x.dtype.name}", op=op)
    return x, y


def _logical(name, fn):
    op = defop(name, _rules.binary_bool, differentiable=False)(fn)

    def public(x, y, name=None):
        return op(*_bool_args(x, y, op.name))
    public.__name__ = name
    return op, public


_logical_and, logical_and = _logical("logical_and", lambda xp, x, y: xp.logical_and(x, y))
_logical_or, logical_or = _logical("logical_or", lambda xp, x, y: xp.logical_or(x, y))
_logical_xor, logical_xor = _logical("logical_xor", lambda xp, x, y: xp.logical_xor(x, y))


@defop("logical_not", _rules.same_bool, differentiable=False)
def _logical_not(xp, x):
    return xp.logical_not(x)


def logical_not(x, name=None):
    x = to_tensor(x)
    if not x.dtype.is_bool:
        raise InvalidArgumentError(f"logical_not: expected a bool tensor, got {x.dtype.name}")
    return _logical_not(x)


# -- where, cast, clip ---------------------------------------------------------------------------
def _where_shape(c, x, y):
    return Spec(_rules.broadcast_shapes(_rules.broadcast_shapes(c.shape, x.shape, "where"),
                                        y.shape, "where"), x.dtype)


@defop("select", _where_shape)
def _select(xp, c, x, y):
    return xp.where(c, x, y)


@_select.defgrad
def _(ctx, g):
    c = ctx.inputs[0]
    zeros = zeros_like(g)
    return None, where(c, g, zeros), where(c, zeros, g)


def where(condition, x=None, y=None, name=None):
    """`cornu.where(cond, x, y)` picks elementwise; `cornu.where(cond)` gives the int64 coordinates
    of the True elements, shape (num_true, rank)."""
    condition = to_tensor(condition)
    if not condition.dtype.is_bool:
        raise InvalidArgumentError(f"where: condition must be a bool tensor, got {condition.dtype.name}")
    if x is None and y is None:
        from .array_ops import _nonzero_coordinates
        return _nonzero_coordinates(condition)
    if x is None or y is None:
        raise ValueError("where: x and y must both be given, or neither")
    x, y = binary_args(x, y, "where")
    return _select(condition, x, y)


def _cast_shape(x, dtype):
    return Spec(tuple(x.shape), dtype)


@defop("cast", _cast_shape)
def _cast(xp, x, dtype):
    return x.astype(dtype._np)


@_cast.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    if x.dtype.is_floating and g.dtype.is_floating:
        return cast(g, x.dtype)
    return None


def cast(x, dtype, name=None):
    """`cornu.cast(x, dtype)`: convert the element type (float -> int truncates toward zero)."""
    dtype = dtypes.as_dtype(dtype)
    x = to_tensor(x)
    if x._value.dtype == dtype._np:
        return x
    return _cast(x, dtype=dtype)


def saturate_cast(x, dtype, name=None):
    dtype = dtypes.as_dtype(dtype)
    x = to_tensor(x)
    if dtype.is_integer:
        x = clip_by_value(x, max(x.dtype.min, dtype.min) if not x.dtype.is_bool else 0,
                          min(x.dtype.max, dtype.max))
    return cast(x, dtype)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamp to [min, max]; the gradient passes where min <= t <= max."""
    t = to_tensor(t)
    return minimum(maximum(t, clip_value_min), clip_value_max)


def zeros_like(x, dtype=None, name=None):
    from .array_ops import zeros_like as impl
    return impl(x, dtype)


def ones_like(x, dtype=None, name=None):
    from .array_ops import ones_like as impl
    return impl(x, dtype)


def is_tensor(x):
    return isinstance(x, Tensor)
