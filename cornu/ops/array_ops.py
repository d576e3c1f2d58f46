"""Tensor creation, shape manipulation, joining/splitting, gathering and indexing."""
import builtins as _builtins

from .. import backend as _backend
from ..backend import dtypes, current_xp
from ..core.errors import InvalidArgumentError
from ..core.registry import Spec, defop
from ..core.tensor import Tensor, convert_to_tensor, wrap
from . import _rules
from ._rules import normalize_axis, same, static_int_list, to_tensor

_builtin_range = _builtins.range  # `range` below is TF's


# -- creation ----------------------------------------------------------------------------------
def _shape_arg(shape, op):
    return static_int_list(shape, "shape", op)


def zeros(shape, dtype=dtypes.float32, name=None):
    """`cornu.zeros(shape, dtype=float32)`."""
    return wrap(current_xp().zeros(_shape_arg(shape, "zeros"), dtype=dtypes.as_dtype(dtype)._np))


def ones(shape, dtype=dtypes.float32, name=None):
    return wrap(current_xp().ones(_shape_arg(shape, "ones"), dtype=dtypes.as_dtype(dtype)._np))


def fill(dims, value, name=None):
    """`cornu.fill(dims, value)`: a tensor of shape dims filled with value (value's dtype)."""
    value = to_tensor(value)
    if value._value.ndim != 0:
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape {tuple(value.shape)}")
    return wrap(current_xp().full(_shape_arg(dims, "fill"), value._value, dtype=value._value.dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    xp = current_xp()
    out = xp.eye(int(num_rows), None if num_columns is None else int(num_columns),
                 dtype=dtypes.as_dtype(dtype)._np)
    if batch_shape is not None:
        out = xp.broadcast_to(out, tuple(batch_shape) + out.shape).copy()
    return wrap(out)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """`cornu.range(start, limit, delta)`: like Python's range; int32 unless a float is involved."""
    if limit is None:
        start, limit = 0, start
    values = [float(v) if isinstance(v, Tensor) and v.dtype.is_floating else
              (int(v) if isinstance(v, Tensor) else v) for v in (start, limit, delta)]
    if delta == 0:
        raise InvalidArgumentError("range: delta must not be 0")
    if dtype is None:
        dtype = dtypes.float32 if any(isinstance(v, float) for v in values) else dtypes.int32
    dtype = dtypes.as_dtype(dtype)
    return wrap(current_xp().arange(*values).astype(dtype._np))


def linspace(start, stop, num, name=None, axis=0):
    start, stop = to_tensor(start), to_tensor(stop)
    dtype = start._value.dtype if start._value.dtype.kind == "f" else dtypes.float32._np
    out = current_xp().linspace(start._value, stop._value, int(num), axis=axis).astype(dtype)
    return wrap(out)


@defop("zeros_like", same, differentiable=False)
def _zeros_like(xp, x):
    return xp.zeros_like(x)


@defop("ones_like", same, differentiable=False)
def _ones_like(xp, x):
    return xp.ones_like(x)


def zeros_like(x, dtype=None, name=None):
    out = _zeros_like(to_tensor(x))
    return out if dtype is None else _cast(out, dtype)


def ones_like(x, dtype=None, name=None):
    out = _ones_like(to_tensor(x))
    return out if dtype is None else _cast(out, dtype)


def _cast(x, dtype):
    from .math_ops import cast
    return cast(x, dtype)


def one_hot_seed(target, index, batched=False):
    """A tensor shaped like `target` with a 1 at flat position `index` (per example if batched)."""
    xp = current_xp()
    seed = xp.zeros(target._value.shape, dtype=target._value.dtype)
    if batched:
        seed.reshape(seed.shape[0], -1)[:, index] = 1
    else:
        seed.reshape(-1)[index] = 1
    return wrap(seed)


@defop("shape", lambda x, out_type: Spec((len(x.shape),), out_type), differentiable=False)
def _shape(xp, x, out_type):
    return xp.asarray(x.shape, dtype=out_type._np)


@defop("size", lambda x, out_type: Spec((), out_type), differentiable=False)
def _size(xp, x, out_type):
    return xp.asarray(x.size, dtype=out_type._np)


def shape(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TF's name
    """`cornu.shape(x)`: the shape as an int tensor, computed when the graph runs (so a None batch
    dimension of a placeholder is known by then)."""
    return _shape(to_tensor(input), out_type=dtypes.as_dtype(out_type))


def size(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """`cornu.size(x)`: the number of elements, computed when the graph runs."""
    return _size(to_tensor(input), out_type=dtypes.as_dtype(out_type))


def rank(input, name=None):  # noqa: A002
    return wrap(current_xp().asarray(to_tensor(input)._value.ndim, dtype=dtypes.int32._np))


# -- reshaping -----------------------------------------------------------------------------------
def _reshape_shape(x, shape):
    shape = tuple(shape)
    if -1 in shape:
        known = 1
        for d in shape:
            if d != -1:
                known *= d
        total = _num_elements(x.shape)
        fill_in = None if total is None or known == 0 else total // known
        shape = tuple(fill_in if d == -1 else d for d in shape)
    return Spec(shape, x.dtype)


def _num_elements(shape):
    n = 1
    for d in shape:
        if d is None:
            return None
        n *= d
    return n


@defop("reshape", _reshape_shape, writes_out="separate")
def _reshape(xp, x, shape, out=None):
    target = _resolve(shape, x.size)
    if x.flags.c_contiguous or target is None:
        return x.reshape(shape)  # a view (or NumPy's error for a shape that does not fit)
    # The copy a strided view needs (im2col): into an array of its own, which the graph executor
    # keeps and offers back as `out` on the next step.
    if not _backend.fits(out, target, x.dtype):
        out = xp.empty(target, dtype=x.dtype)
    xp.copyto(out.reshape(x.shape), x)
    return out


def _resolve(shape, size):
    """shape with its -1 (if any) replaced by what the size implies; None if it does not fit size."""
    known = 1
    for d in shape:
        if d != -1:
            known *= d
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or size % known)) or \
            (-1 not in shape and known != size):
        return None
    return tuple(size // known if d == -1 else d for d in shape)


@_reshape.defgrad
def _(ctx, g):
    return reshape(g, ctx.inputs[0]._value.shape)


def reshape(tensor, shape, name=None):
    """`cornu.reshape(tensor, shape)`; one dimension may be -1."""
    tensor = to_tensor(tensor)
    shape = _shape_arg(shape, "reshape")
    total = tensor._value.size
    known = 1
    for d in shape:
        if d != -1:
            known *= d
    if shape.count(-1) > 1 or (total is not None and (  # total is None for symbolic inputs
            (-1 in shape and (known == 0 or total % known)) or (-1 not in shape and known != total))):
        raise InvalidArgumentError(f"reshape: cannot reshape a tensor with {total} elements (shape "
                                   f"{tuple(tensor.shape)}) to shape {list(shape)}", op="reshape")
    if tensor._value.shape == shape:
        return tensor
    return _reshape(tensor, shape=shape)


def _transpose_shape(x, perm):
    return Spec(tuple(x.shape[p] for p in perm), x.dtype)


@defop("transpose", _transpose_shape)
def _transpose(xp, x, perm):
    return xp.transpose(x, perm)


@_transpose.defgrad
def _(ctx, g):
    perm = ctx.attrs["perm"]
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return _transpose(g, perm=tuple(inverse))


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """`cornu.transpose(a, perm)`; default reverses the axes."""
    a = to_tensor(a)
    n = a._value.ndim
    perm = tuple(reversed(_builtin_range(n))) if perm is None else static_int_list(perm, "perm", "transpose")
    if sorted(p % n if n else p for p in perm) != list(_builtin_range(n)):
        raise InvalidArgumentError(f"transpose: perm {list(perm)} is not a permutation of the "
                                   f"{n} axes of a tensor of shape {tuple(a.shape)}")
    return _transpose(a, perm=tuple(p % n for p in perm))


def _expand_shape(x, axis):
    s = list(x.shape)
    s.insert(axis, 1)
    return Spec(tuple(s), x.dtype)


@defop("expand_dims", _expand_shape)
def _expand_dims(xp, x, axis):
    return xp.expand_dims(x, axis)


@_expand_dims.defgrad
def _(ctx, g):
    return _squeeze(g, axis=(ctx.attrs["axis"],))


def expand_dims(input, axis, name=None):  # noqa: A002
    input = to_tensor(input)
    n = input._value.ndim
    if not -n - 1 <= axis <= n:
        raise InvalidArgumentError(f"expand_dims: axis {axis} is out of range for a tensor of rank {n}")
    return _expand_dims(input, axis=axis % (n + 1))


def _squeeze_shape(x, axis):
    return Spec(tuple(d for i, d in enumerate(x.shape) if i not in axis), x.dtype)


@defop("squeeze", _squeeze_shape)
def _squeeze(xp, x, axis):
    return xp.squeeze(x, axis=axis)


@_squeeze.defgrad
def _(ctx, g):
    return reshape(g, ctx.inputs[0]._value.shape)


def squeeze(input, axis=None, name=None):  # noqa: A002
    """Remove size-1 dimensions (all of them, or those in `axis`, which must have size 1)."""
    input = to_tensor(input)
    shp = input._value.shape
    if axis is None:
        axes = tuple(i for i, d in enumerate(shp) if d == 1)
    else:
        axes = _rules.normalize_axes(axis, len(shp), "squeeze")
        for a in axes:
            if shp[a] != 1:
                raise InvalidArgumentError(f"squeeze: cannot squeeze axis {a} of size {shp[a]} "
                                           f"(shape {tuple(shp)})")
    return _squeeze(input, axis=axes)


def _broadcast_to_shape(x, shape):
    return Spec(tuple(shape), x.dtype)


@defop("broadcast_to", _broadcast_to_shape)
def _broadcast_to(xp, x, shape):
    return xp.broadcast_to(x, shape)


@_broadcast_to.defgrad
def _(ctx, g):
    return sum_to_like(g, ctx.inputs[0])


def broadcast_to(input, shape, name=None):  # noqa: A002
    input = to_tensor(input)
    shape = _shape_arg(shape, "broadcast_to")
    _rules.broadcast_shapes(input._value.shape, shape, "broadcast_to")
    if tuple(_rules.broadcast_shapes(input._value.shape, shape)) != shape:
        raise InvalidArgumentError(f"broadcast_to: cannot broadcast shape {tuple(input.shape)} to "
                                   f"{shape}")
    return _broadcast_to(input, shape=shape)


def _like_shape(x, like):
    return Spec(tuple(like.shape), x.dtype)


@defop("broadcast_like", _like_shape)
def _broadcast_like(xp, x, like):
    return xp.broadcast_to(x, like.shape)


@_broadcast_like.defgrad
def _(ctx, g):
    return sum_to_like(g, ctx.inputs[0]), None


@defop("sum_to_like", _like_shape)
def _sum_to_like(xp, x, like):
    """Sum x down to like's shape: undoes broadcasting (the engine's one place for it)."""
    target = like.shape
    extra = x.ndim - len(target)
    axes = tuple(_builtin_range(extra)) + tuple(
        i + extra for i, d in enumerate(target) if d == 1 and x.shape[i + extra] != 1)
    out = x.sum(axis=axes, keepdims=True) if axes else x
    return out.reshape(target)


@_sum_to_like.defgrad
def _(ctx, g):
    return _broadcast_like(g, ctx.inputs[0]), None


def broadcast_like(x, like):
    return _broadcast_like(x, like)


def sum_to_like(x, like):
    return _sum_to_like(x, like)


# -- joining and splitting -----------------------------------------------------------------------
def _concat_shape(*xs, axis):
    out = list(xs[0].shape)
    for x in xs[1:]:  # a size unknown in one input may be known in another
        out = [d if d is not None else e for d, e in zip(out, x.shape)]
    total = 0
    for x in xs:
        d = x.shape[axis]
        total = None if total is None or d is None else total + d
    out[axis] = total
    return Spec(tuple(out), xs[0].dtype)


@defop("concat", _concat_shape)
def _concat(xp, *xs, axis):
    return xp.concatenate(xs, axis=axis)


@_concat.defgrad
def _(ctx, g):
    sizes = [x._value.shape[ctx.attrs["axis"]] for x in ctx.inputs]
    return tuple(_split(g, sizes=tuple(sizes), axis=ctx.attrs["axis"]))


def concat(values, axis, name="concat"):
    """`cornu.concat(values, axis)`: join tensors along an existing axis."""
    values = [to_tensor(v) for v in values]
    if not values:
        raise ValueError("concat: values must be a non-empty list")
    first = values[0]
    axis = normalize_axis(axis, first._value.ndim, "concat")
    for i, v in enumerate(values[1:], 1):
        if v._value.dtype != first._value.dtype:
            raise InvalidArgumentError(f"concat: values[{i}] has dtype {v.dtype.name}, values[0] has "
                                       f"{first.dtype.name}")
        s0, s1 = list(first._value.shape), list(v._value.shape)
        if len(s0) != len(s1) or any(a != b and a is not None and b is not None
                                     for k, (a, b) in enumerate(zip(s0, s1)) if k != axis):
            raise InvalidArgumentError(f"concat: values[{i}] has shape {tuple(s1)}, which does not match "
                                       f"values[0]'s shape {tuple(s0)} outside axis {axis}")
    if len(values) == 1:
        return first
    return _concat(*values, axis=axis)


def _split_shape(x, sizes, axis):
    out = []
    for s in sizes:
        shp = list(x.shape)
        shp[axis] = s
        out.append(Spec(tuple(shp), x.dtype))
    return tuple(out)


@defop("split", _split_shape, num_outputs=-1)
def _split(xp, x, sizes, axis):
    offsets = []
    total = 0
    for s in sizes[:-1]:
        total += s
        offsets.append(total)
    return tuple(xp.split(x, offsets, axis=axis))


@_split.defgrad
def _(ctx, g):
    return concat(list(g), axis=ctx.attrs["axis"])


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """`cornu.split(value, num_or_size_splits, axis)`: a list of tensors."""
    value = to_tensor(value)
    axis = normalize_axis(axis, value._value.ndim, "split")
    dim = value._value.shape[axis]
    if dim is None:
        raise InvalidArgumentError(f"split: dimension {axis} of shape {tuple(value.shape)} is unknown, so "
                                   "it cannot be split")
    if isinstance(num_or_size_splits, int):
        if num_or_size_splits <= 0 or dim % num_or_size_splits:
            raise InvalidArgumentError(f"split: dimension {axis} of size {dim} cannot be split into "
                                       f"{num_or_size_splits} equal parts")
        sizes = (dim // num_or_size_splits,) * num_or_size_splits
    else:
        sizes = list(static_int_list(num_or_size_splits, "num_or_size_splits", "split"))
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
        if sum(sizes) != dim or min(sizes) < 0:
            raise InvalidArgumentError(f"split: sizes {list(num_or_size_splits)} do not add up to "
                                       f"dimension {axis} of size {dim}")
        sizes = tuple(sizes)
    return list(_split(value, sizes=sizes, axis=axis))


def stack(values, axis=0, name="stack"):
    """`cornu.stack(values, axis=0)`: join tensors along a new axis."""
    values = [to_tensor(v) for v in values]
    if not values:
        raise ValueError("stack: values must be a non-empty list")
    shapes = {tuple(v._value.shape) for v in values}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"stack: all values must have the same shape, got {sorted(shapes)}")
    rank_ = values[0]._value.ndim
    if not -rank_ - 1 <= axis <= rank_:
        raise InvalidArgumentError(f"stack: axis {axis} is out of range for rank {rank_} values")
    axis = axis % (rank_ + 1)
    for i, v in enumerate(values[1:], 1):
        if v._value.dtype != values[0]._value.dtype:
            raise InvalidArgumentError(f"stack: values[{i}] has dtype {v.dtype.name}, values[0] has "
                                       f"{values[0].dtype.name}")
    return _stack(*values, axis=axis)


def _stack_shape(*xs, axis):
    shape = list(xs[0].shape)
    for x in xs[1:]:
        shape = [d if d is not None else e for d, e in zip(shape, x.shape)]
    shape.insert(axis, len(xs))
    return Spec(tuple(shape), xs[0].dtype)


@defop("stack", _stack_shape)
def _stack(xp, *xs, axis):
    """One copy into the new array (batching a dataset stacks hundreds of small tensors)."""
    return xp.stack(xs, axis=axis)


@_stack.defgrad
def _(ctx, g):
    axis = ctx.attrs["axis"]
    parts = _split(g, sizes=(1,) * len(ctx.inputs), axis=axis) if len(ctx.inputs) > 1 else (g,)
    return tuple(_squeeze(p, axis=(axis,)) for p in parts)


def unstack(value, num=None, axis=0, name="unstack"):
    """`cornu.unstack(value, axis=0)`: the list of slices along `axis`."""
    value = to_tensor(value)
    axis = normalize_axis(axis, value._value.ndim, "unstack")
    n = value._value.shape[axis]
    if num is not None and num != n:
        raise InvalidArgumentError(f"unstack: num={num} but dimension {axis} has size {n}")
    if n is None:
        raise InvalidArgumentError(f"unstack: dimension {axis} of shape {tuple(value.shape)} is unknown, "
                                   "so the number of outputs is unknown")
    if n == 0:
        return []
    parts = _split(value, sizes=(1,) * n, axis=axis) if n > 1 else (value,)
    return [_squeeze(p, axis=(axis,)) for p in parts]


def _tile_shape(x, multiples):
    return Spec(tuple(None if d is None else d * m for d, m in zip(x.shape, multiples)), x.dtype)


@defop("tile", _tile_shape)
def _tile(xp, x, multiples):
    return xp.tile(x, multiples)


@_tile.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    multiples = ctx.attrs["multiples"]
    split_shape = []
    for m, d in zip(multiples, x._value.shape):
        split_shape += [m, d]
    summed = reduce_sum(reshape(g, split_shape), axis=tuple(_builtin_range(0, 2 * len(multiples), 2)))
    return summed


def tile(input, multiples, name=None):  # noqa: A002
    input = to_tensor(input)
    multiples = static_int_list(multiples, "multiples", "tile")
    if len(multiples) != input._value.ndim:
        raise InvalidArgumentError(f"tile: multiples has {len(multiples)} entries but the input has "
                                   f"rank {input._value.ndim} (shape {tuple(input.shape)})")
    return _tile(input, multiples=multiples)


def _pad_shape(x, paddings, mode, constant_values):
    return Spec(tuple(None if d is None else d + a + b for d, (a, b) in zip(x.shape, paddings)), x.dtype)


_PAD_MODES = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}


@defop("pad", _pad_shape)
def _pad(xp, x, paddings, mode, constant_values):
    if mode == "CONSTANT":
        return xp.pad(x, paddings, mode="constant", constant_values=constant_values)
    return xp.pad(x, paddings, mode=_PAD_MODES[mode])


@_pad.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    paddings, mode = ctx.attrs["paddings"], ctx.attrs["mode"]
    if mode == "CONSTANT":
        key = tuple(slice(a, a + d) for (a, _), d in zip(paddings, x._value.shape))
        return _getitem(g, key=key)
    # Reflect/symmetric: each output position copies one input position; sum g into those sources.
    xp = current_xp()
    sources = xp.pad(xp.arange(x._value.size).reshape(x._value.shape), paddings, mode=_PAD_MODES[mode])
    return _scatter_flat(g, wrap(sources), like=x)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """`cornu.pad(tensor, paddings, mode='CONSTANT')`; paddings is [[before, after], ...] per axis."""
    tensor = to_tensor(tensor)
    paddings = [tuple(static_int_list(p, "paddings", "pad")) for p in
                (paddings.numpy().tolist() if isinstance(paddings, Tensor) else paddings)]
    mode = mode.upper()
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be CONSTANT, REFLECT or SYMMETRIC, got {mode!r}")
    if len(paddings) != tensor._value.ndim or any(len(p) != 2 or min(p) < 0 for p in paddings):
        raise InvalidArgumentError(f"pad: paddings must be {tensor._value.ndim} non-negative [before, "
                                   f"after] pairs for a tensor of shape {tuple(tensor.shape)}, got "
                                   f"{paddings}")
    limit = 1 if mode == "REFLECT" else 0  # TF: REFLECT pads at most dim - 1, SYMMETRIC at most dim
    if mode != "CONSTANT" and any(max(p) > d - limit for p, d in zip(paddings, tensor._value.shape)):
        raise InvalidArgumentError(f"pad: {mode} padding {paddings} is too large for shape "
                                   f"{tuple(tensor.shape)}")
    if isinstance(constant_values, Tensor):
        constant_values = constant_values.numpy().item()
    return _pad(tensor, paddings=tuple(paddings), mode=mode, constant_values=constant_values)


def _scatter_flat_shape(g, sources, like):
    return Spec(tuple(like.shape), g.dtype)


@defop("scatter_flat", _scatter_flat_shape)
def _scatter_flat_op(xp, g, sources, like):
    """out.flat[sources[i]] += g.flat[i]: the adjoint of gathering like.flat at `sources`."""
    out = xp.zeros(like.size, dtype=g.dtype)
    xp.add.at(out, sources.reshape(-1), g.reshape(-1))
    return out.reshape(like.shape)


@_scatter_flat_op.defgrad
def _(ctx, g):
    _, sources, _ = ctx.inputs
    return _take_flat(g, sources), None, None


@defop("take_flat", lambda x, idx: Spec(tuple(idx.shape), x.dtype))
def _take_flat_op(xp, x, idx):
    return x.reshape(-1)[idx]


@_take_flat_op.defgrad
def _(ctx, g):
    x, idx = ctx.inputs
    return _scatter_flat_op(g, idx, x), None


def _scatter_flat(g, sources, like):
    return _scatter_flat_op(g, sources, like)


def _take_flat(x, idx):
    return _take_flat_op(x, idx)


def reverse(tensor, axis, name=None):
    """`cornu.reverse(tensor, axis)`: flip along the given axes."""
    tensor = to_tensor(tensor)
    axes = _rules.normalize_axes(axis, tensor._value.ndim, "reverse")
    key = tuple(slice(None, None, -1) if i in axes else slice(None)
                for i in _builtin_range(tensor._value.ndim))
    return _getitem(tensor, key=key)


def reduce_sum(x, axis=None, keepdims=False):
    from .reduce_ops import reduce_sum as impl
    return impl(x, axis=axis, keepdims=keepdims)


# -- indexing --------------------------------------------------------------------------------------
@defop("getitem", lambda x, key: Spec(_index_shape(x.shape, key), x.dtype))
def _getitem(xp, x, key):
    return x[key]


@_getitem.defgrad
def _(ctx, g):
    return _getitem_grad(g, ctx.inputs[0], key=ctx.attrs["key"])


@defop("getitem_grad", lambda g, like, key: Spec(tuple(like.shape), g.dtype))
def _getitem_grad(xp, g, like, key):
    """Adjoint of x[key]: zeros shaped like x with g added at the indexed places."""
    out = xp.zeros(like.shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g
    else:
        xp.add.at(out, key, g)
    return out


@_getitem_grad.defgrad
def _(ctx, g):
    return _getitem(g, key=ctx.attrs["key"]), None


def _is_basic(key):
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


def _index_shape(shape, key):
    """Result shape of indexing a shape whose dims may be None (unknown), found by indexing NumPy
    dummies of a zero-byte dtype (no memory at any size): unknown dims are tried at two large sizes and
    at 0, and an output dim that changes with them is unknown."""
    np = _backend.numpy  # shape rules are metadata: NumPy even when the data lives on a GPU
    key = tuple(_backend.to_numpy(k) if hasattr(k, "__cuda_array_interface__") else k for k in key)
    shape = tuple(shape)
    if None not in shape:
        return tuple(np.empty(shape, dtype=_VOID)[key].shape)
    outs = []
    for probe in (4099, 4111, 0):
        try:
            outs.append(np.empty(tuple(probe if d is None else d for d in shape), dtype=_VOID)[key].shape)
        except IndexError as exc:
            if probe:  # e.g. a bool mask over an unknown dim
                raise InvalidArgumentError(f"getitem: cannot index a tensor of shape {shape} (None: unknown) "
                                           f"with this key: the key needs the unknown sizes") from exc
    return tuple(d if all(o[i] == d for o in outs) else None for i, d in enumerate(outs[0]))


_VOID = _backend.numpy.dtype([])  # itemsize 0


def _normalize_key(key, x):
    """Turn a Python/Tensor index into a tuple NumPy accepts, checking bounds with clear errors."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            k = k._value
            if k.ndim == 0 and k.dtype.kind in "iu":
                k = int(k)
        elif isinstance(k, list):
            k = current_xp().asarray(k)
        elif isinstance(k, slice):
            k = slice(*(int(v) if isinstance(v, Tensor) else v for v in (k.start, k.stop, k.step)))
        out.append(k)
    shp = x._value.shape
    dim = 0
    n_real = sum(1 for k in out if k is not None and k is not Ellipsis)
    for k in out:
        if k is Ellipsis:
            dim += x._value.ndim - n_real
            continue
        if k is None:
            continue
        if isinstance(k, int):
            if dim >= len(shp):
                raise InvalidArgumentError(f"getitem: too many indices for a tensor of shape {tuple(shp)}")
            if shp[dim] is not None and not -shp[dim] <= k < shp[dim]:
                raise InvalidArgumentError(f"getitem: index {k} is out of bounds for axis {dim} with size "
                                           f"{shp[dim]} (shape {tuple(shp)})")
        dim += getattr(k, "ndim", 1) if getattr(k, "dtype", None) is not None and k.dtype.kind == "b" else 1
    return tuple(out)


def getitem(x, key):
    """`tensor[key]`: ints, slices (negative steps too), Ellipsis, None, and bool or int arrays."""
    x = to_tensor(x)
    return _getitem(x, key=_normalize_key(key, x))


def slice_(input_, begin, size, name=None):
    """`cornu.slice(input, begin, size)`; size -1 takes the rest of the dimension."""
    input_ = to_tensor(input_)
    begin = static_int_list(begin, "begin", "slice")
    size = static_int_list(size, "size", "slice")
    key = tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))
    return _getitem(input_, key=key)


def strided_slice(input_, begin, end, strides=None, name=None):
    input_ = to_tensor(input_)
    begin = static_int_list(begin, "begin", "strided_slice")
    end = static_int_list(end, "end", "strided_slice")
    strides = static_int_list(strides, "strides", "strided_slice") if strides is not None else (1,) * len(begin)
    return _getitem(input_, key=tuple(slice(b, e, s) for b, e, s in zip(begin, end, strides)))


@defop("nonzero_coordinates", lambda c: Spec((None, len(c.shape)), dtypes.int64), differentiable=False)
def _nonzero_coordinates_op(xp, c):
    return xp.argwhere(c).astype(xp.int64)


def _nonzero_coordinates(condition):
    return _nonzero_coordinates_op(condition)
