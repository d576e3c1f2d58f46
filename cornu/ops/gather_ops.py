"""Gathering and scattering by index: gather, gather_nd, take_along_axis, boolean_mask, one_hot.

Each gather has a scatter-add as its gradient and vice versa, so both directions (and higher orders)
come from the same few definitions.
"""
from ..backend import dtypes, current_xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Spec, defop
from ..core.symbolic import ShapeOnly
from ..core.tensor import Tensor
from . import _rules
from ._rules import to_tensor


def _check_indices(indices, limit, op, what="indices"):
    idx = indices._value
    if idx.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: {what} must be integers, got dtype {indices.dtype.name}")
    if type(idx) is ShapeOnly:  # traced or symbolic: the values are not known yet
        return
    if limit is not None and idx.size and (idx.min() < 0 or idx.max() >= limit):
        bad = idx.max() if idx.max() >= limit else idx.min()
        raise InvalidArgumentError(f"{op}: index {int(bad)} is not in [0, {limit}) (as in TF, negative "
                                   "indices are out of range)")


# -- gather ----------------------------------------------------------------------------------------
def _gather_shape(params, indices, axis, batch_dims):
    shp = tuple(params.shape)
    return Spec(shp[:axis] + tuple(indices.shape[batch_dims:]) + shp[axis + 1:], params.dtype)


@defop("gather", _gather_shape)
def _gather(xp, params, indices, axis, batch_dims):
    if batch_dims == 0:
        return xp.take(params, indices, axis=axis)
    # batch_dims > 0: loop-free via moving the batch axes into an explicit advanced index
    return _batched_gather(xp, params, indices, axis, batch_dims)


def _batched_gather(xp, params, indices, axis, batch_dims):
    b_shape = params.shape[:batch_dims]
    n = 1
    for d in b_shape:
        n *= d
    p = params.reshape((n,) + params.shape[batch_dims:])
    i = indices.reshape((n,) + indices.shape[batch_dims:])
    ax = axis - batch_dims + 1
    rows = xp.arange(n).reshape((n,) + (1,) * (i.ndim - 1))
    moved = xp.moveaxis(p, ax, 1)  # (n, gathered_dim, ...)
    picked = moved[rows, i]       # (n, idx..., rest...)
    idx_nd = i.ndim - 1
    # put the gathered index dims back where `axis` was
    front = list(range(1, 1 + idx_nd))
    rest = list(range(1 + idx_nd, picked.ndim))
    before = rest[:ax - 1]
    after = rest[ax - 1:]
    picked = xp.transpose(picked, [0] + before + front + after)
    return picked.reshape(b_shape + picked.shape[1:])


@_gather.defgrad
def _(ctx, g):
    params, indices = ctx.inputs
    return _gather_grad(g, indices, params, axis=ctx.attrs["axis"],
                        batch_dims=ctx.attrs["batch_dims"]), None


@defop("gather_grad", lambda g, indices, like, axis, batch_dims: Spec(tuple(like.shape), g.dtype))
def _gather_grad(xp, g, indices, like, axis, batch_dims):
    """Adjoint of gather: add each gathered slice back into zeros shaped like params."""
    out = xp.zeros(like.shape, dtype=g.dtype)
    if batch_dims == 0:
        idx_nd = indices.ndim
        moved_g = xp.moveaxis(g.reshape(g.shape[:axis] + (-1,) + g.shape[axis + idx_nd:]) if idx_nd != 1
                              else g, axis, 0)
        moved_out = xp.moveaxis(out, axis, 0)
        xp.add.at(moved_out, indices.reshape(-1) % like.shape[axis], moved_g)
        return out
    n = 1
    for d in like.shape[:batch_dims]:
        n *= d
    ax = axis - batch_dims + 1
    o = xp.moveaxis(out.reshape((n,) + like.shape[batch_dims:]), ax, 1)
    i = indices.reshape((n,) + indices.shape[batch_dims:])
    idx_nd = i.ndim - 1
    gg = g.reshape((n,) + g.shape[batch_dims:])
    # gg: (n, rest_before..., idx..., rest_after...) -> (n, idx..., rest...)
    before = ax - 1
    perm = [0] + list(range(1 + before, 1 + before + idx_nd)) + list(range(1, 1 + before)) + \
        list(range(1 + before + idx_nd, gg.ndim))
    gg = xp.transpose(gg, perm)
    rows = xp.arange(n).reshape((n,) + (1,) * idx_nd)
    xp.add.at(o, (rows, i % like.shape[axis]), gg)
    return out


@_gather_grad.defgrad
def _(ctx, g):
    _, indices, _ = ctx.inputs
    return _gather(g, indices, axis=ctx.attrs["axis"], batch_dims=ctx.attrs["batch_dims"]), None, None


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """`cornu.gather(params, indices, axis=0, batch_dims=0)`: slices of params at indices."""
    params, indices = to_tensor(params), to_tensor(indices)
    if batch_dims < 0:
        batch_dims += indices._value.ndim
    axis = batch_dims if axis is None else axis
    axis = _rules.normalize_axis(axis, params._value.ndim, "gather")
    if not 0 <= batch_dims <= min(axis, indices._value.ndim):
        raise InvalidArgumentError(f"gather: batch_dims={batch_dims} must be <= axis ({axis}) and <= "
                                   f"the rank of indices ({indices._value.ndim})")
    if params._value.shape[:batch_dims] != indices._value.shape[:batch_dims]:
        raise InvalidArgumentError(f"gather: params shape {tuple(params.shape)} and indices shape "
                                   f"{tuple(indices.shape)} differ in the first {batch_dims} (batch) dims")
    _check_indices(indices, params._value.shape[axis], "gather")
    return _gather(params, indices, axis=axis, batch_dims=int(batch_dims))


# -- gather_nd -------------------------------------------------------------------------------------
def _gather_nd_shape(params, indices, batch_dims):
    depth = indices.shape[-1]
    return Spec(tuple(indices.shape[:-1]) + tuple(params.shape[batch_dims + depth:]), params.dtype)


def _nd_key(xp, params_shape, indices, batch_dims):
    key = []
    lead = indices.shape[:-1]
    for b in range(batch_dims):
        shape = [1] * len(lead)
        shape[b] = params_shape[b]
        key.append(xp.arange(params_shape[b]).reshape(shape))
    for k in range(indices.shape[-1]):
        key.append(indices[..., k])
    return tuple(key)


@defop("gather_nd", _gather_nd_shape)
def _gather_nd(xp, params, indices, batch_dims):
    return params[_nd_key(xp, params.shape, indices, batch_dims)]


@_gather_nd.defgrad
def _(ctx, g):
    params, indices = ctx.inputs
    return _scatter_nd_like(g, indices, params, batch_dims=ctx.attrs["batch_dims"]), None


@defop("scatter_nd_like", lambda g, indices, like, batch_dims: Spec(tuple(like.shape), g.dtype))
def _scatter_nd_like(xp, g, indices, like, batch_dims):
    out = xp.zeros(like.shape, dtype=g.dtype)
    xp.add.at(out, _nd_key(xp, like.shape, indices, batch_dims), g)
    return out


@_scatter_nd_like.defgrad
def _(ctx, g):
    _, indices, _ = ctx.inputs
    return _gather_nd(g, indices, batch_dims=ctx.attrs["batch_dims"]), None, None


def gather_nd(params, indices, batch_dims=0, name=None):
    """`cornu.gather_nd(params, indices)`: indices' last axis holds coordinates into params."""
    params, indices = to_tensor(params), to_tensor(indices)
    depth = indices._value.shape[-1] if indices._value.ndim else 0
    if indices._value.ndim == 0 or depth + batch_dims > params._value.ndim:
        raise InvalidArgumentError(f"gather_nd: indices of shape {tuple(indices.shape)} do not fit params "
                                   f"of shape {tuple(params.shape)} (last dim of indices must be <= "
                                   f"{params._value.ndim - batch_dims})")
    for k in range(depth if not isinstance(indices._value, ShapeOnly) else 0):  # symbolic: no values
        _check_indices(Tensor(indices._value[..., k]), params._value.shape[batch_dims + k], "gather_nd")
    return _gather_nd(params, indices, batch_dims=int(batch_dims))


def scatter_nd(indices, updates, shape, name=None):
    """`cornu.scatter_nd(indices, updates, shape)`: zeros of `shape` with updates added at indices."""
    from .array_ops import zeros
    indices, updates = to_tensor(indices), to_tensor(updates)
    like = zeros(_rules.static_int_list(shape, "shape", "scatter_nd"), updates.dtype)
    return _scatter_nd_like(updates, indices, like, batch_dims=0)


# -- take_along_axis (used by top_k) ---------------------------------------------------------------
@defop("take_along_axis", lambda x, idx, axis: Spec(tuple(idx.shape), x.dtype))
def _take_along_axis(xp, x, idx, axis):
    return xp.take_along_axis(x, idx.astype(xp.intp, copy=False), axis=axis)


@_take_along_axis.defgrad
def _(ctx, g):
    x, idx = ctx.inputs
    return _put_along_axis_add(g, idx, x, axis=ctx.attrs["axis"]), None


@defop("put_along_axis_add", lambda g, idx, like, axis: Spec(tuple(like.shape), g.dtype))
def _put_along_axis_add(xp, g, idx, like, axis):
    out = xp.zeros(like.shape, dtype=g.dtype)
    moved_idx = xp.moveaxis(idx, axis, -1)
    grid = xp.indices(moved_idx.shape, sparse=True)
    key = list(grid[:-1]) + [moved_idx]
    xp.add.at(xp.moveaxis(out, axis, -1), tuple(key), xp.moveaxis(g, axis, -1))
    return out


@_put_along_axis_add.defgrad
def _(ctx, g):
    _, idx, _ = ctx.inputs
    return _take_along_axis(g, idx, axis=ctx.attrs["axis"]), None, None


def take_along_axis(x, indices, axis):
    x, indices = to_tensor(x), to_tensor(indices)
    axis = _rules.normalize_axis(axis, x._value.ndim, "take_along_axis")
    sx, si = x._value.shape, indices._value.shape
    # no broadcasting of indices: the shape rule and the scatter-add gradient assume none
    if len(si) != len(sx) or any(a != b for k, (a, b) in enumerate(zip(sx, si)) if k != axis):
        raise InvalidArgumentError(f"take_along_axis: indices shape {tuple(si)} must match x shape "
                                   f"{tuple(sx)} except along axis {axis}")
    _check_indices(indices, x._value.shape[axis], "take_along_axis")
    return _take_along_axis(x, indices, axis=axis)


# -- boolean_mask, one_hot -------------------------------------------------------------------------
def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """`cornu.boolean_mask(tensor, mask, axis=0)`: the elements (or slices) where mask is True."""
    from .array_ops import reshape
    from .math_ops import where
    tensor, mask = to_tensor(tensor), to_tensor(mask)
    axis = 0 if axis is None else _rules.normalize_axis(axis, tensor._value.ndim, "boolean_mask")
    m = mask._value.ndim
    if not mask.dtype.is_bool:
        raise InvalidArgumentError(f"boolean_mask: mask must be bool, got {mask.dtype.name}")
    if tuple(tensor._value.shape[axis:axis + m]) != tuple(mask._value.shape):
        raise InvalidArgumentError(f"boolean_mask: mask shape {tuple(mask.shape)} does not match tensor "
                                   f"shape {tuple(tensor.shape)} at axis {axis}")
    shp = tensor._value.shape
    flat = reshape(tensor, tuple(shp[:axis]) + (-1,) + tuple(shp[axis + m:])) if m != 1 else tensor
    positions = reshape(where(reshape(mask, (-1,))), (-1,))
    return gather(flat, positions, axis=axis)


def _one_hot_shape(indices, depth, on_value, off_value, axis, dtype):
    shp = list(indices.shape)
    shp.insert(len(shp) if axis == -1 else axis, depth)
    return Spec(tuple(shp), dtype)


@defop("one_hot", _one_hot_shape, differentiable=False)
def _one_hot(xp, indices, depth, on_value, off_value, axis, dtype):
    hot = indices[..., None] == xp.arange(depth)
    out = xp.where(hot, xp.asarray(on_value, dtype=dtype._np), xp.asarray(off_value, dtype=dtype._np))
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return out.astype(dtype._np, copy=False)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """`cornu.one_hot(indices, depth)`: float32 by default; out-of-range indices give all-off rows."""
    indices = to_tensor(indices)
    if indices._value.dtype.kind not in "iu":
        raise InvalidArgumentError(f"one_hot: indices must be integers, got {indices.dtype.name}")
    dtype = dtypes.as_dtype(dtype) if dtype is not None else (
        on_value.dtype if isinstance(on_value, Tensor) else dtypes.float32)
    on = 1 if on_value is None else (on_value.numpy().item() if isinstance(on_value, Tensor) else on_value)
    off = 0 if off_value is None else (off_value.numpy().item() if isinstance(off_value, Tensor)
                                       else off_value)
    axis = -1 if axis is None or axis == -1 else _rules.normalize_axis(axis, indices._value.ndim + 1,
                                                                        "one_hot")
    if axis == indices._value.ndim:
        axis = -1
    return _one_hot(indices, depth=int(depth), on_value=on, off_value=off, axis=axis, dtype=dtype)
