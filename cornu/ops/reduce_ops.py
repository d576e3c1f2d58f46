"""Reductions, scans, arg-extrema and top_k."""
from collections import namedtuple

from ..backend import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Spec, apply, defop
from . import _rules
from ._rules import to_tensor
from ..core.tensor import Tensor
from .array_ops import broadcast_like, expand_dims, reshape, squeeze, transpose, _builtin_range
from .math_ops import cast, equal, exp, log, logical_and, ones_like, stop_gradient, where, zeros_like


TopKV2 = namedtuple("TopKV2", ["values", "indices"])


def _reduced_shape(x, axis, keepdims, **attrs):
    shp = tuple(1 if i in axis else d for i, d in enumerate(x.shape)) if keepdims else \
        tuple(d for i, d in enumerate(x.shape) if i not in axis)
    return Spec(shp, x.dtype)


def _reduced_bool(x, axis, keepdims):
    return Spec(_reduced_shape(x, axis, keepdims).shape, dtypes.bool)


def _keep(g, ctx):
    """g reshaped with the reduced axes kept as size 1, then broadcast to the input's shape."""
    if not ctx.attrs["keepdims"]:
        for a in ctx.attrs["axis"]:
            g = expand_dims(g, a)
    return broadcast_like(g, ctx.inputs[0])


@defop("reduce_sum", _reduced_shape)
def _reduce_sum(xp, x, axis, keepdims):
    return x.sum(axis=axis, keepdims=keepdims, dtype=x.dtype)


@_reduce_sum.defgrad
def _(ctx, g):
    return _keep(g, ctx)


@defop("reduce_mean", _reduced_shape)
def _reduce_mean(xp, x, axis, keepdims):
    out = x.mean(axis=axis, keepdims=keepdims)
    return out.astype(x.dtype, copy=False)


@_reduce_mean.defgrad
def _(ctx, g):
    x, y = ctx.inputs[0], ctx.outputs[0]
    n_in, n_out = x._value.size, y._value.size
    if n_in is not None and n_out is not None:  # static sizes: a Python number
        return _keep(g, ctx) / (n_in // max(n_out, 1) if n_in else 1)
    # unknown dims (a placeholder's batch): the count is computed when the graph runs
    from .array_ops import size
    from .math_ops import maximum
    count = cast(size(x), g.dtype) / maximum(cast(size(y), g.dtype), 1.0)
    return _keep(g, ctx) / count


def _extremum_grad(ctx, g):
    """Gradient of max/min: shared equally among the elements that attain it. The division happens
    at the output's size, so only the comparison and one multiply touch the full input."""
    x, y = ctx.inputs[0], ctx.outputs[0]
    axes = ctx.attrs["axis"]
    if not ctx.attrs["keepdims"]:
        for a in axes:
            y = expand_dims(y, a)
            g = expand_dims(g, a)
    mask = cast(equal(x, y), g.dtype)
    return mask * (g / _reduce_sum(mask, axis=axes, keepdims=True))


@defop("reduce_max", _reduced_shape)
def _reduce_max(xp, x, axis, keepdims):
    return x.max(axis=axis, keepdims=keepdims)


@defop("reduce_min", _reduced_shape)
def _reduce_min(xp, x, axis, keepdims):
    return x.min(axis=axis, keepdims=keepdims)


_reduce_max.defgrad(_extremum_grad)
_reduce_min.defgrad(_extremum_grad)


@defop("reduce_prod", _reduced_shape)
def _reduce_prod(xp, x, axis, keepdims):
    return x.prod(axis=axis, keepdims=keepdims, dtype=x.dtype)


@_reduce_prod.defgrad
def _(ctx, g):
    # Product of all *other* elements, from exclusive cumulative products on both sides, so that
    # zeros in x give the right gradient (no division by x).
    x = ctx.inputs[0]
    axes = ctx.attrs["axis"]
    n = x._value.ndim
    rest = [i for i in _builtin_range(n) if i not in axes]
    perm = tuple(rest) + tuple(axes)
    moved = transpose(x, perm)
    kept_shape = tuple(moved._value.shape[:len(rest)])
    flat = reshape(moved, kept_shape + (-1,))
    left = cumprod(flat, axis=-1, exclusive=True)
    right = cumprod(flat, axis=-1, exclusive=True, reverse=True)
    others = reshape(left * right, moved._value.shape)
    inverse = [0] * n
    for i, p in enumerate(perm):
        inverse[p] = i
    return _keep(g, ctx) * transpose(others, inverse)


@defop("reduce_any", _reduced_bool, differentiable=False)
def _reduce_any(xp, x, axis, keepdims):
    return x.any(axis=axis, keepdims=keepdims)


@defop("reduce_all", _reduced_bool, differentiable=False)
def _reduce_all(xp, x, axis, keepdims):
    return x.all(axis=axis, keepdims=keepdims)


_FULL = {keep: [{"axis": tuple(range(n)), "keepdims": keep} for n in range(33)] for keep in (False, True)}


def _reduction(op, bool_input=False):
    def public(input_tensor, axis=None, keepdims=False, name=None):
        if axis is None and type(input_tensor) is Tensor and input_tensor._value.dtype.kind in "fiuc" \
                and not bool_input and input_tensor._value.size:
            return apply(op, (input_tensor,), _FULL[bool(keepdims)][input_tensor._value.ndim])
        x = to_tensor(input_tensor)
        if bool_input and not x.dtype.is_bool:
            raise InvalidArgumentError(f"{op.name}: expected a bool tensor, got {x.dtype.name}")
        if not bool_input and x.dtype.is_bool:
            raise InvalidArgumentError(f"{op.name}: bool tensors cannot be reduced this way; cast first")
        axes = _rules.normalize_axes(axis, x._value.ndim, op.name)
        if op.name in ("reduce_max", "reduce_min") and any(x._value.shape[a] == 0 for a in axes):
            raise InvalidArgumentError(f"{op.name}: cannot reduce an empty axis (shape {tuple(x.shape)})")
        return op(x, axis=axes, keepdims=bool(keepdims))
    public.__name__ = op.name
    public.__doc__ = f"`cornu.{op.name}(input_tensor, axis=None, keepdims=False)`."
    return public


reduce_sum = _reduction(_reduce_sum)
reduce_mean = _reduction(_reduce_mean)
reduce_max = _reduction(_reduce_max)
reduce_min = _reduction(_reduce_min)
reduce_prod = _reduction(_reduce_prod)
reduce_any = _reduction(_reduce_any, bool_input=True)
reduce_all = _reduction(_reduce_all, bool_input=True)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) computed stably (the max is subtracted first; its gradient is softmax)."""
    x = to_tensor(input_tensor)
    axes = _rules.normalize_axes(axis, x._value.ndim, "reduce_logsumexp")
    m = stop_gradient(reduce_max(x, axis=axes, keepdims=True))
    from .math_ops import is_finite
    m = where(is_finite(m), m, zeros_like(m))  # all -inf rows: avoid inf - inf
    out = log(reduce_sum(exp(x - m), axis=axes, keepdims=True)) + m
    return out if keepdims else squeeze(out, axes)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    x = to_tensor(input_tensor)
    mean = reduce_mean(x, axis=axis, keepdims=True)
    d = x - mean
    return reduce_mean(d * d, axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    from .math_ops import sqrt
    return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


# -- arg extrema ---------------------------------------------------------------------------------
def _arg_shape(x, axis, output_type):
    return Spec(tuple(d for i, d in enumerate(x.shape) if i != axis), output_type)


@defop("argmax", _arg_shape, differentiable=False)
def _argmax(xp, x, axis, output_type):
    return xp.argmax(x, axis=axis).astype(output_type._np)


@defop("argmin", _arg_shape, differentiable=False)
def _argmin(xp, x, axis, output_type):
    return xp.argmin(x, axis=axis).astype(output_type._np)


def argmax(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    """Index of the largest value along `axis` (default 0, as in TF); int64 by default."""
    x = to_tensor(input)
    axis = _rules.normalize_axis(0 if axis is None else axis, x._value.ndim, "argmax")
    return _argmax(x, axis=axis, output_type=dtypes.as_dtype(output_type))


def argmin(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    x = to_tensor(input)
    axis = _rules.normalize_axis(0 if axis is None else axis, x._value.ndim, "argmin")
    return _argmin(x, axis=axis, output_type=dtypes.as_dtype(output_type))


# -- scans ---------------------------------------------------------------------------------------
def _scan(xp, fn, x, axis, exclusive, reverse, identity):
    if reverse:
        x = xp.flip(x, axis)
    out = fn(x, axis=axis, dtype=x.dtype)
    if exclusive and x.shape[axis]:  # (an empty axis stays empty)
        pad_shape = list(x.shape)
        pad_shape[axis] = 1
        lead = xp.full(pad_shape, identity, dtype=x.dtype)
        out = xp.concatenate([lead, xp.take(out, xp.arange(x.shape[axis] - 1), axis=axis)], axis=axis)
    if reverse:
        out = xp.flip(out, axis)
    return out


@defop("cumsum", _rules.same)
def _cumsum(xp, x, axis, exclusive, reverse):
    return _scan(xp, xp.cumsum, x, axis, exclusive, reverse, 0)


@_cumsum.defgrad
def _(ctx, g):
    a = ctx.attrs
    return _cumsum(g, axis=a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])


@defop("cumprod", _rules.same)
def _cumprod(xp, x, axis, exclusive, reverse):
    return _scan(xp, xp.cumprod, x, axis, exclusive, reverse, 1)


@_cumprod.defgrad
def _(ctx, g):
    # dL/dx_i = (reverse scan of g * y)_i / x_i: exact (at every order) wherever x_i != 0. At the first
    # zero (in scan order) the same scan of g * y', y' the cumprod with that zero replaced by 1, is the
    # product of the other factors without dividing. A later zero's gradient is 0: its products all
    # hold the first zero (exact at first order; higher orders through it are not).
    a = ctx.attrs
    x, y = ctx.inputs[0], ctx.outputs[0]
    axis, exclusive, reverse = a["axis"], a["exclusive"], a["reverse"]
    zero = equal(x, zeros_like(x))
    seen = _cumsum(cast(zero, x.dtype), axis=axis, exclusive=False, reverse=reverse)  # zeros so far
    first = logical_and(zero, equal(seen, ones_like(seen)))
    ones = ones_like(x)
    out = _cumsum(g * y, axis=axis, exclusive=exclusive, reverse=not reverse) / where(zero, ones, x)
    y1 = _cumprod(where(first, ones, x), axis=axis, exclusive=exclusive, reverse=reverse)
    at_first = _cumsum(g * y1, axis=axis, exclusive=exclusive, reverse=not reverse)
    return where(zero, where(first, at_first, zeros_like(out)), out)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """`cornu.math.cumsum(x, axis=0, exclusive=False, reverse=False)`."""
    x = to_tensor(x)
    return _cumsum(x, axis=_rules.normalize_axis(axis, x._value.ndim, "cumsum"),
                   exclusive=bool(exclusive), reverse=bool(reverse))


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    x = to_tensor(x)
    return _cumprod(x, axis=_rules.normalize_axis(axis, x._value.ndim, "cumprod"),
                    exclusive=bool(exclusive), reverse=bool(reverse))


# -- top_k ---------------------------------------------------------------------------------------
@defop("top_k_indices", lambda x, k: Spec(tuple(x.shape[:-1]) + (k,), dtypes.int32),
       differentiable=False)
def _top_k_indices(xp, x, k):
    # stable sort of -x: ties keep the lower index first, as TF does (-x of unsigned ints would wrap)
    if x.dtype.kind in "ub":
        x = x.astype(xp.int64)
    order = xp.argsort(-x, axis=-1, kind="stable")[..., :k]
    return order.astype(xp.int32)


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002
    """`cornu.math.top_k(input, k)`: (values, indices) of the k largest entries of the last axis."""
    from .gather_ops import take_along_axis
    x = to_tensor(input)
    if x._value.ndim == 0 or not 0 <= k <= x._value.shape[-1]:
        raise InvalidArgumentError(f"top_k: k={k} must be between 0 and the last dimension of shape "
                                   f"{tuple(x.shape)}")
    indices = _top_k_indices(x, k=int(k))
    values = take_along_axis(x, indices, axis=-1)
    return TopKV2(values, indices)

