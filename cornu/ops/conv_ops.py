"""Convolutions and pooling (NHWC, like TF) through im2col patches and BLAS matmul.

Two linear primitives carry their own gradient, and each is the other's adjoint:

- `extract_patches` (im2col): every KHxKW window of an NHWC tensor as a strided *view*
  (N, OH, OW, KH, KW, C), honouring strides and dilations; no pixel is copied until a reshape needs it.
- `col2im`: the adjoint, scatter-adding patches back into an (N, H, W, C) tensor with one strided slice
  add per kernel offset (KH*KW adds, never a loop over pixels).

Everything else is a composition, so its gradients (w.r.t. the input and the filter) and higher-order
gradients come from the rules of pad, reshape, matmul and the reductions:

    conv2d           = pad + extract_patches + reshape + matmul(patches, filter as (KH*KW*C, F))
    conv2d_transpose = matmul(input, filter^T) + col2im + crop       (the adjoint of conv2d in its input)
    avg_pool2d       = pad + extract_patches (or a reshape for non-overlapping windows) + reduce
    max_pool2d       = pad + `max_pool`, a fused primitive with its own gradient `max_pool_grad` (the
                       composition's mask, tie count and col2im cost 15 ms of a 120 ms CNN step)
    *1d              = the 2-D op on a height-1 image
"""
import operator

from .. import backend
from ..backend import kernels
from ..core.errors import InvalidArgumentError, UnimplementedError
from ..core.registry import Spec, defop
from ..core.tensor import Tensor, wrap
from ._rules import static_int_list, to_tensor
from .array_ops import _expand_dims, _getitem, _pad, _reshape, _squeeze
from .linalg_ops import _matmul, _mt
from .math_ops import _cast, _divide, _equal
from .reduce_ops import _reduce_mean, _reduce_sum

# col2im works through the batch in chunks of about this many bytes of patches, so the output slice
# that the KH*KW strided adds revisit stays in cache (about 20% faster than whole-batch adds on a CPU).
_COL2IM_CHUNK_BYTES = 4 << 20


# -- the two primitives ----------------------------------------------------------------------------------
def _out_size(size, k, s, d):
    """Number of window positions along one axis of a (padded) input, or None if unknown."""
    if size is None:
        return None
    return (size - d * (k - 1) - 1) // s + 1


def _window_view(xp, x, ksize, strides, dilations, out_hw):
    """(N, OH, OW, KH, KW, C) view of the NHWC array x (no copy); writes through it reach x."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = ksize, strides, dilations, out_hw
    n, _, _, c = x.shape
    s_n, s_h, s_w, s_c = x.strides
    return xp.lib.stride_tricks.as_strided(
        x, shape=(n, oh, ow, kh, kw, c), strides=(s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c))


def _patches_shape(x, ksize, strides, dilations):
    n, h, w, c = tuple(x.shape)
    oh = _out_size(h, ksize[0], strides[0], dilations[0])
    ow = _out_size(w, ksize[1], strides[1], dilations[1])
    return Spec((n, oh, ow) + tuple(ksize) + (c,), x.dtype)


@defop("extract_patches", _patches_shape)
def _extract_patches(xp, x, ksize, strides, dilations):
    """im2col: out[n, i, j, a, b, c] = x[n, i*sh + a*dh, j*sw + b*dw, c], as a read-only strided view."""
    oh = _out_size(x.shape[1], ksize[0], strides[0], dilations[0])
    ow = _out_size(x.shape[2], ksize[1], strides[1], dilations[1])
    view = _window_view(xp, x, ksize, strides, dilations, (oh, ow))
    try:  # windows overlap in memory: forbid writes through the view (NumPy only; CuPy has no flag)
        view.flags.writeable = False
    except (AttributeError, TypeError, ValueError):
        pass
    return view


@_extract_patches.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    return _col2im(g, input_hw=tuple(x._value.shape[1:3]), strides=ctx.attrs["strides"],
                   dilations=ctx.attrs["dilations"])


def _col2im_shape(p, input_hw, strides, dilations):
    shp = tuple(p.shape)
    return Spec((shp[0],) + tuple(input_hw) + (shp[5],), p.dtype)


@defop("col2im", _col2im_shape, writes_out="separate")
def _col2im(xp, p, input_hw, strides, dilations, out=None):
    """Adjoint of extract_patches: out[n, i*sh + a*dh, j*sw + b*dw, c] += p[n, i, j, a, b, c]."""
    shape = (p.shape[0],) + tuple(input_hw) + (p.shape[5],)
    if not backend.fits(out, shape, p.dtype):  # else a buffer kept from the previous step (graph executor)
        out = xp.empty(shape, dtype=p.dtype)
    return _col2im_into(xp, p, strides, dilations, out)


def _col2im_into(xp, p, strides, dilations, out):
    """col2im of patches p written into out (N, H, W, C), a C-contiguous array of the right shape."""
    n, oh, ow, kh, kw, c = p.shape
    (sh, sw), (dh, dw) = strides, dilations
    if xp is backend.numpy and out.size and kernels.col2im(p, out, strides, dilations):
        return out
    out.fill(0)
    if n == 0 or oh == 0 or ow == 0:
        return out
    if sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1:
        # Windows do not overlap (e.g. 2x2 stride-2 pooling): one strided assignment, no adds.
        _window_view(xp, out, (kh, kw), strides, dilations, (oh, ow))[...] = p
        return out
    chunk = n
    if getattr(xp, "__name__", "") == "numpy":
        per_image = max(p[0].size * p.dtype.itemsize, 1)
        chunk = max(1, min(n, _COL2IM_CHUNK_BYTES // per_image))
    for start in range(0, n, chunk):
        o, q = out[start:start + chunk], p[start:start + chunk]
        for a in range(kh):
            rows = slice(a * dh, a * dh + sh * (oh - 1) + 1, sh)
            for b in range(kw):
                o[:, rows, b * dw:b * dw + sw * (ow - 1) + 1:sw, :] += q[:, :, :, a, b, :]
    return out


@_col2im.defgrad
def _(ctx, g):
    p = ctx.inputs[0]
    return _extract_patches(g, ksize=tuple(p._value.shape[3:5]), strides=ctx.attrs["strides"],
                            dilations=ctx.attrs["dilations"])


# -- the convolution's input gradient, fused (made by the graph fusion pass, never called by users) -------
# Images per chunk: enough for BLAS to be efficient, few enough that a chunk's patch gradients (about
# 0.7 MB per 24x24x(3x3x32) image) stay in cache between the product that writes them and col2im.
_PATCH_CHUNK_BYTES = 4 << 20


def _matmul_col2im_shape(a, b, patch_shape, input_hw, strides, dilations):
    return Spec((patch_shape[0],) + tuple(input_hw) + (patch_shape[-1],), a.dtype)


@defop("matmul_col2im", _matmul_col2im_shape, differentiable=False, writes_out="separate")
def _matmul_col2im(xp, a, b, patch_shape, input_hw, strides, dilations, out=None):
    """col2im(reshape(a @ b^T, patch_shape)): a convolution's input gradient (a = the output gradient
    as rows, b = the filter as (KH*KW*C, F)) computed a few images at a time, so the 85 MB of patch
    gradients of a CNN step never leave the cache (the fusion pass makes it after autodiff)."""
    n = patch_shape[0]
    shape = (n,) + tuple(input_hw) + (patch_shape[-1],)
    if not backend.fits(out, shape, a.dtype):
        out = xp.empty(shape, dtype=a.dtype)
    if n == 0:
        return out
    rows = a.shape[0] // n
    bt = xp.ascontiguousarray(_mt(xp, b))
    chunk = max(1, min(n, _PATCH_CHUNK_BYTES // max(rows * bt.shape[1] * a.dtype.itemsize, 1)))
    scratch = xp.empty((chunk * rows, bt.shape[1]), dtype=a.dtype)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        part = scratch[:(stop - start) * rows]
        xp.matmul(a[start * rows:stop * rows], bt, out=part)
        _col2im_into(xp, part.reshape((stop - start,) + tuple(patch_shape[1:])), strides, dilations,
                     out[start:stop])
    return out


# -- max pooling: a fused primitive (the composition's mask, count and col2im took 15 ms per CNN step) ----
def _max_pool_shape(x, ksize, strides):
    n, h, w, c = tuple(x.shape)
    return Spec((n, _out_size(h, ksize[0], strides[0], 1), _out_size(w, ksize[1], strides[1], 1), c), x.dtype)


@defop("max_pool", _max_pool_shape, writes_out="separate")
def _max_pool(xp, x, ksize, strides, out=None):
    """The maximum of each KHxKW window of the (already padded) NHWC x; a NaN wins, as in reduce_max."""
    oh, ow = _out_size(x.shape[1], ksize[0], strides[0], 1), _out_size(x.shape[2], ksize[1], strides[1], 1)
    if xp is backend.numpy and x.size:
        shape = (x.shape[0], oh, ow, x.shape[3])
        y = out if backend.fits(out, shape, x.dtype) else xp.empty(shape, dtype=x.dtype)
        if kernels.max_pool(x, y, ksize, strides):
            return y
    return _window_view(xp, x, ksize, strides, (1, 1), (oh, ow)).max(axis=(3, 4))


@_max_pool.defgrad
def _(ctx, g):
    return _max_pool_grad(ctx.inputs[0], ctx.outputs[0], g, ksize=ctx.attrs["ksize"],
                          strides=ctx.attrs["strides"])


def _max_pool_grad_shape(x, y, g, ksize, strides):
    return Spec(tuple(x.shape), g.dtype)


@defop("max_pool_grad", _max_pool_grad_shape, writes_out="separate")
def _max_pool_grad(xp, x, y, g, ksize, strides, out=None):
    """dx: each window's gradient g shared equally among its pixels equal to the maximum y (TF gives
    it all to the first one), summed where windows overlap: col2im(mask * (g / count))."""
    if xp is backend.numpy and x.size:
        dx = out if backend.fits(out, x.shape, g.dtype) else xp.empty(x.shape, dtype=g.dtype)
        if kernels.max_pool_grad(x, y, g, dx, ksize, strides):
            return dx
    mask = (_window_view(xp, x, ksize, strides, (1, 1), y.shape[1:3]) == y[:, :, :, None, None, :])
    mask = mask.astype(g.dtype)
    share = g / mask.sum(axis=(3, 4))
    return _col2im_into(xp, mask * share[:, :, :, None, None, :], tuple(strides), (1, 1),
                        xp.empty(x.shape, dtype=g.dtype))


@_max_pool_grad.defgrad
def _(ctx, gg):
    """Linear in g (the adjoint: each window sums gg over its maximal pixels, divided by their count);
    piecewise constant in x and y."""
    x, y, g = ctx.inputs
    ksize, strides = ctx.attrs["ksize"], ctx.attrs["strides"]
    windows = _extract_patches(x, ksize=ksize, strides=strides, dilations=(1, 1))
    top = _expand_dims(_expand_dims(y, axis=3), axis=3)
    mask = _cast(_equal(windows, top), dtype=g.dtype)
    picked = _extract_patches(gg, ksize=ksize, strides=strides, dilations=(1, 1)) * mask
    return None, None, _divide(_reduce_sum(picked, axis=(3, 4), keepdims=False),
                               _reduce_sum(mask, axis=(3, 4), keepdims=False))


# -- argument handling (TF's forms) ----------------------------------------------------------------------
def _ints(value, n, what, op):
    """An int or a list of 1, n or n+2 ints (TF's [1, s, s, 1] form) -> tuple of n positive ints."""
    if isinstance(value, Tensor):
        value = value.numpy().tolist()
    try:
        vals = (operator.index(value),)
    except TypeError:
        try:
            vals = tuple(operator.index(v) for v in value)
        except TypeError:
            raise InvalidArgumentError(f"{op}: {what} must be an int or a list of ints, got {value!r}",
                                       op=op) from None
    if len(vals) == 1:
        vals = vals * n
    elif len(vals) == n + 2:
        if vals[0] != 1 or vals[-1] != 1:
            raise InvalidArgumentError(f"{op}: {what} {list(vals)} must be 1 in the batch and channel "
                                       "dimensions", op=op)
        vals = vals[1:-1]
    elif len(vals) != n:
        raise InvalidArgumentError(f"{op}: {what} must be an int or a list of 1, {n} or {n + 2} ints, "
                                   f"got {list(vals)}", op=op)
    if any(v < 1 for v in vals):
        raise InvalidArgumentError(f"{op}: {what} must be positive, got {list(vals)}", op=op)
    return vals


def _padding(padding, op, explicit=False):
    """'VALID' / 'SAME' (case-sensitive, as TF), or for convolutions TF's explicit list
    [[0, 0], [top, bottom], [left, right], [0, 0]] -> ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        if padding in ("VALID", "SAME"):
            return padding
        hint = f" (TF spells it {padding.upper()!r})" if padding.upper() in ("VALID", "SAME") else ""
        raise InvalidArgumentError(f"{op}: padding must be 'VALID' or 'SAME'"
                                   f"{' or a list of [before, after] pairs' if explicit else ''}, got "
                                   f"{padding!r}{hint}", op=op)
    if explicit:
        try:
            pairs = [tuple(static_int_list(p, "padding", op)) for p in padding]
        except TypeError:
            pairs = None
        if pairs is not None and len(pairs) == 4 and all(len(p) == 2 for p in pairs) and \
                pairs[0] == pairs[3] == (0, 0) and min(min(p) for p in pairs) >= 0:
            return pairs[1], pairs[2]
        raise InvalidArgumentError(f"{op}: explicit padding must be [[0, 0], [top, bottom], [left, right], "
                                   f"[0, 0]] with non-negative entries, got {padding!r}", op=op)
    raise InvalidArgumentError(f"{op}: padding must be 'VALID' or 'SAME', got {padding!r}", op=op)


def _check_format(data_format, expected, op):
    if data_format is None or data_format == expected:
        return
    if data_format in ("NCHW", "NCW", "NCDHW", "channels_first"):
        raise UnimplementedError(f"{op}: data_format {data_format!r} (channels first) is not supported; "
                                 f"cornu computes in {expected} (channels last) only: transpose the "
                                 "input to channels-last first", op=op)
    raise InvalidArgumentError(f"{op}: data_format must be {expected!r}, got {data_format!r}", op=op)


def _same_pads(size, k_eff, s):
    """TF's 'SAME': output ceil(size / s); the odd pixel of padding goes at the bottom/right."""
    total = max((-(-size // s) - 1) * s + k_eff - size, 0)
    return total // 2, total - total // 2


def _pads(padding, hw, k_eff, strides):
    if padding == "VALID":
        return (0, 0), (0, 0)
    if padding == "SAME":
        return _same_pads(hw[0], k_eff[0], strides[0]), _same_pads(hw[1], k_eff[1], strides[1])
    return padding


def _check_rank(t, rank, what, op, layout):
    if t._value.ndim != rank:
        raise InvalidArgumentError(f"{op}: {what} must have rank {rank} {layout}, got shape "
                                   f"{tuple(t._value.shape)}", op=op)


def _check_fits(op, padded, k_eff, nd, note, what="filter"):
    if padded[0] < k_eff[0] or padded[1] < k_eff[1]:
        size = "x".join(str(v) for v in padded[-nd:])
        eff = "x".join(str(v) for v in k_eff[-nd:])
        raise InvalidArgumentError(f"{op}: the {what} window ({eff}, dilations included) is larger than "
                                   f"the padded input ({size}) ({note})", op=op)


def _shape_note(x, w, wname="filter"):
    return f"input shape {tuple(x._value.shape)}, {wname} shape {tuple(w._value.shape)}"


def _operands(input, filters, op):
    # Python data beside a tensor takes the tensor's dtype (as TF's binary ops do)
    if isinstance(input, Tensor) and not isinstance(filters, Tensor):
        x = input
        w = to_tensor(filters, dtype=x.dtype)
    elif isinstance(filters, Tensor) and not isinstance(input, Tensor):
        w = filters
        x = to_tensor(input, dtype=w.dtype)
    else:
        x, w = to_tensor(input), to_tensor(filters)
    if x._value.dtype != w._value.dtype:
        raise InvalidArgumentError(f"{op}: input is {x.dtype.name} but filters is {w.dtype.name} "
                                   f"({_shape_note(x, w)}); cast one with cornu.cast", op=op)
    return x, w


# -- convolutions -------------------------------------------------------------------------------------
def _conv2d(x, w, strides, dilations, padding, op, nd=2, note=None):
    """The convolution as pad + extract_patches + one BLAS matmul; x NHWC, w (KH, KW, C, F)."""
    n, h, wd, _ = x._value.shape
    kh, kw, cin, f = w._value.shape
    (sh, sw), (dh, dw) = strides, dilations
    k_eff = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    (pt, pb), (pl, pr) = _pads(padding, (h, wd), k_eff, strides)
    padded = (h + pt + pb, wd + pl + pr)
    _check_fits(op, padded, k_eff, nd, note or _shape_note(x, w))
    if pt or pb or pl or pr:
        x = _pad(x, paddings=((0, 0), (pt, pb), (pl, pr), (0, 0)), mode="CONSTANT", constant_values=0)
    oh, ow = _out_size(padded[0], kh, sh, dh), _out_size(padded[1], kw, sw, dw)
    if kh == kw == 1 and sh == sw == 1:  # 1x1 convolution: the input already is the patch matrix
        cols = _reshape(x, shape=(-1, cin))  # -1: the batch may be unknown (symbolic)
    else:
        patches = _extract_patches(x, ksize=(kh, kw), strides=(sh, sw), dilations=(dh, dw))
        cols = _reshape(patches, shape=(-1, kh * kw * cin))
    out = _matmul(cols, _reshape(w, shape=(kh * kw * cin, f)), transpose_a=False, transpose_b=False)
    return _reshape(out, shape=(-1, oh, ow, f))


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):  # noqa: A002
    """`cornu.nn.conv2d(input, filters, strides, padding)`: 2-D convolution (cross-correlation, as TF).

    input (N, H, W, C), filters (KH, KW, C, F) -> (N, OH, OW, F). strides and dilations: an int or a
    list of 1, 2 or 4 ints; padding 'VALID', 'SAME' (extra padding at the bottom/right, as TF) or
    [[0, 0], [top, bottom], [left, right], [0, 0]].

    >>> import cornu as tf
    >>> x = tf.ones((1, 5, 5, 3))
    >>> tf.nn.conv2d(x, tf.ones((3, 3, 3, 8)), strides=1, padding='SAME').shape
    TensorShape([1, 5, 5, 8])
    """
    op = "conv2d"
    _check_format(data_format, "NHWC", op)
    x, w = _operands(input, filters, op)
    _check_rank(x, 4, "input", op, "(batch, height, width, channels)")
    _check_rank(w, 4, "filters", op, "(height, width, in_channels, out_channels)")
    if x._value.shape[3] != w._value.shape[2]:
        raise InvalidArgumentError(f"{op}: input has {x._value.shape[3]} channels but filter expects "
                                   f"{w._value.shape[2]} ({_shape_note(x, w)})", op=op)
    strides = _ints(strides, 2, "strides", op)
    dilations = _ints(1 if dilations is None else dilations, 2, "dilations", op)
    return _conv2d(x, w, strides, dilations, _padding(padding, op, explicit=True), op)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):  # noqa: A002
    """`cornu.nn.conv1d(input, filters, stride, padding)`: input (N, W, C), filters (KW, C, F) ->
    (N, OW, F), computed as a height-1 conv2d.

    >>> import cornu as tf
    >>> tf.nn.conv1d(tf.ones((2, 10, 3)), tf.ones((3, 3, 4)), stride=2, padding='VALID').shape
    TensorShape([2, 4, 4])
    """
    op = "conv1d"
    _check_format(data_format, "NWC", op)
    x, w = _operands(input, filters, op)
    _check_rank(x, 3, "input", op, "(batch, width, channels)")
    _check_rank(w, 3, "filters", op, "(width, in_channels, out_channels)")
    if x._value.shape[2] != w._value.shape[1]:
        raise InvalidArgumentError(f"{op}: input has {x._value.shape[2]} channels but filter expects "
                                   f"{w._value.shape[1]} ({_shape_note(x, w)})", op=op)
    (s,) = _ints(stride, 1, "stride", op)
    (d,) = _ints(1 if dilations is None else dilations, 1, "dilations", op)
    out = _conv2d(_expand_dims(x, axis=1), _expand_dims(w, axis=0), (1, s), (1, d),
                  _padding(padding, op), op, nd=1, note=_shape_note(x, w))
    return _squeeze(out, axis=(1,))


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",  # noqa: A002
                     dilations=None, name=None):
    """`cornu.nn.conv2d_transpose(input, filters, output_shape, strides, padding='SAME')`: the adjoint
    (gradient w.r.t. the input) of conv2d, sometimes called deconvolution.

    input (N, H, W, in_channels), filters (KH, KW, out_channels, in_channels) as in TF, output_shape
    (N, OH, OW, out_channels): conv2d of an output_shape tensor with these filters, strides and padding
    must give an (N, H, W, in_channels) result.

    >>> import cornu as tf
    >>> y = tf.nn.conv2d_transpose(tf.ones((1, 4, 4, 8)), tf.ones((3, 3, 3, 8)), [1, 8, 8, 3], 2)
    >>> y.shape
    TensorShape([1, 8, 8, 3])
    """
    op = "conv2d_transpose"
    _check_format(data_format, "NHWC", op)
    x, w = _operands(input, filters, op)
    _check_rank(x, 4, "input", op, "(batch, height, width, channels)")
    _check_rank(w, 4, "filters", op, "(height, width, out_channels, in_channels)")
    n, h, wd, cin = x._value.shape
    kh, kw, cout, wcin = w._value.shape
    note = _shape_note(x, w)
    if cin != wcin:
        raise InvalidArgumentError(f"{op}: input has {cin} channels but filter expects {wcin} (filters "
                                   f"are (height, width, out_channels, in_channels); {note})", op=op)
    shape_list = output_shape.numpy().tolist() if isinstance(output_shape, Tensor) else list(output_shape)
    if shape_list[:1] == [None]:  # an unknown batch size (symbolic input) stays unknown
        out_shape = [n] + list(static_int_list(shape_list[1:], "output_shape", op))
    else:
        out_shape = static_int_list(shape_list, "output_shape", op)
    if len(out_shape) != 4 or out_shape[0] != n or out_shape[3] != cout or min(out_shape[1:]) < 0:
        raise InvalidArgumentError(f"{op}: output_shape must be [batch={n}, height, width, "
                                   f"out_channels={cout}], got {list(out_shape)} ({note})", op=op)
    strides = _ints(strides, 2, "strides", op)
    dilations = _ints(1 if dilations is None else dilations, 2, "dilations", op)
    (sh, sw), (dh, dw) = strides, dilations
    oh, ow = out_shape[1:3]
    k_eff = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    (pt, pb), (pl, pr) = _pads(_padding(padding, op, explicit=True), (oh, ow), k_eff, strides)
    padded = (oh + pt + pb, ow + pl + pr)
    _check_fits(op, padded, k_eff, 2, note)
    grid = (_out_size(padded[0], kh, sh, dh), _out_size(padded[1], kw, sw, dw))
    if grid != (h, wd):
        raise InvalidArgumentError(f"{op}: output_shape {list(out_shape)} with strides {list(strides)} and "
                                   f"padding {padding!r} convolves to {grid[0]}x{grid[1]}, but the input "
                                   f"is {h}x{wd} ({note})", op=op)
    # conv2d's patch matrix times the filter, transposed: input (N*H*W, Cin) @ (KH*KW*Cout, Cin)^T.
    cols = _matmul(_reshape(x, shape=(-1, cin)), _reshape(w, shape=(kh * kw * cout, cin)),
                   transpose_a=False, transpose_b=True)
    out = _col2im(_reshape(cols, shape=(-1, h, wd, kh, kw, cout)), input_hw=padded, strides=strides,
                  dilations=dilations)
    if pt or pb or pl or pr:
        out = _getitem(out, key=(slice(None), slice(pt, pt + oh), slice(pl, pl + ow), slice(None)))
    return out


# -- pooling ----------------------------------------------------------------------------------------------
def _pool2d(x, ksize, strides, padding, kind, op, nd=2):
    """max / avg pooling of an NHWC tensor over KHxKW windows."""
    n, h, w, c = x._value.shape
    (kh, kw), (sh, sw) = ksize, strides
    padding = _padding(padding, op)
    (pt, pb), (pl, pr) = _pads(padding, (h, w), ksize, strides)
    padded = (h + pt + pb, w + pl + pr)
    _check_fits(op, padded, ksize, nd, f"input shape {_user_shape(x, nd)}, ksize {list(ksize[-nd:])}",
                what="pooling")
    oh, ow = _out_size(padded[0], kh, sh, 1), _out_size(padded[1], kw, sw, 1)
    padded_any = pt or pb or pl or pr
    if padded_any:
        # Padding never wins a max (-inf, or the dtype's minimum for integers) and adds 0 to a sum;
        # the average then divides by the number of real pixels in each window, as TF does.
        fill = 0 if kind == "avg" else (float("-inf") if x.dtype.is_floating else int(x.dtype.min))
        x = _pad(x, paddings=((0, 0), (pt, pb), (pl, pr), (0, 0)), mode="CONSTANT", constant_values=fill)
    if kind == "max":
        return _max_pool(x, ksize=(kh, kw), strides=(sh, sw))
    if (kh, kw) == (sh, sw):
        # Non-overlapping windows (e.g. 2x2 stride 2): a reshape of the input, no patch copy at all.
        if padded != (oh * kh, ow * kw):
            x = _getitem(x, key=(slice(None), slice(0, oh * kh), slice(0, ow * kw), slice(None)))
        windows, axes = _reshape(x, shape=(-1, oh, kh, ow, kw, c)), (2, 4)
    else:
        windows = _extract_patches(x, ksize=(kh, kw), strides=(sh, sw), dilations=(1, 1))
        axes = (3, 4)
    if not padded_any:
        return _reduce_mean(windows, axis=axes, keepdims=False)
    return _divide(_reduce_sum(windows, axis=axes, keepdims=False),
                   _valid_counts(x, (h, w), (oh, ow), ksize, strides, (pt, pl)))


def _valid_counts(like, hw, out_hw, ksize, strides, before):
    """(1, OH, OW, 1): how many real (unpadded) pixels each SAME window covers."""
    xp = backend.xp_of(like._value)
    counts = []
    for size, out, k, s, pad in zip(hw, out_hw, ksize, strides, before):
        starts = xp.arange(out) * s - pad
        counts.append(xp.minimum(starts + k, size) - xp.maximum(starts, 0))
    grid = counts[0][:, None] * counts[1][None, :]
    return wrap(grid.reshape((1,) + tuple(out_hw) + (1,)).astype(like._value.dtype))


def _user_shape(x, nd):
    shp = tuple(x._value.shape)
    return shp if nd == 2 else (shp[0],) + shp[2:]


def _pool_input(input, rank, op, kind):  # noqa: A002
    x = to_tensor(input)
    layout = "(batch, height, width, channels)" if rank == 4 else "(batch, width, channels)"
    _check_rank(x, rank, "input", op, layout)
    if kind == "avg" and not x.dtype.is_floating:
        raise InvalidArgumentError(f"{op}: expected a floating-point input, got {x.dtype.name} "
                                   f"(shape {tuple(x._value.shape)}); cast it first", op=op)
    if kind == "max" and x.dtype.is_bool:
        raise InvalidArgumentError(f"{op}: bool input is not supported (shape {tuple(x._value.shape)})",
                                   op=op)
    return x


def _pool2d_public(input, ksize, strides, padding, data_format, kind, op):  # noqa: A002
    _check_format(data_format, "NHWC", op)
    x = _pool_input(input, 4, op, kind)
    return _pool2d(x, _ints(ksize, 2, "ksize", op), _ints(strides, 2, "strides", op), padding, kind, op)


def _pool1d_public(input, ksize, strides, padding, data_format, kind, op):  # noqa: A002
    _check_format(data_format, "NWC", op)
    x = _pool_input(input, 3, op, kind)
    (k,), (s,) = _ints(ksize, 1, "ksize", op), _ints(strides, 1, "strides", op)
    out = _pool2d(_expand_dims(x, axis=1), (1, k), (1, s), padding, kind, op, nd=1)
    return _squeeze(out, axis=(1,))


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """`cornu.nn.max_pool2d(input, ksize, strides, padding)`: the maximum of each window.

    input (N, H, W, C); ksize and strides: an int or a list of 1, 2 or 4 ints; padding 'VALID' or
    'SAME' (padded pixels never win). Where several pixels tie for a window's maximum, the gradient is
    shared equally among them (TF gives it all to the first one).

    >>> import cornu as tf
    >>> tf.nn.max_pool2d(tf.ones((1, 28, 28, 8)), ksize=2, strides=2, padding='VALID').shape
    TensorShape([1, 14, 14, 8])
    """
    return _pool2d_public(input, ksize, strides, padding, data_format, "max", "max_pool2d")


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """`cornu.nn.avg_pool2d(input, ksize, strides, padding)`: the mean of each window; with 'SAME'
    padding only the real (unpadded) pixels are averaged, as in TF.

    >>> import cornu as tf
    >>> tf.nn.avg_pool2d(tf.ones((1, 5, 5, 2)), ksize=2, strides=2, padding='SAME').shape
    TensorShape([1, 3, 3, 2])
    """
    return _pool2d_public(input, ksize, strides, padding, data_format, "avg", "avg_pool2d")


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """`cornu.nn.max_pool1d(input, ksize, strides, padding)`: input (N, W, C) -> (N, OW, C)."""
    return _pool1d_public(input, ksize, strides, padding, data_format, "max", "max_pool1d")


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """`cornu.nn.avg_pool1d(input, ksize, strides, padding)`: input (N, W, C) -> (N, OW, C)."""
    return _pool1d_public(input, ksize, strides, padding, data_format, "avg", "avg_pool1d")


def _pool_nd(input, ksize, strides, padding, data_format, kind):  # noqa: A002
    op = f"{kind}_pool"
    x = to_tensor(input)
    rank = x._value.ndim
    if rank == 3:
        return _pool1d_public(x, ksize, strides, padding, data_format or "NWC", kind, op)
    if rank == 4:
        return _pool2d_public(x, ksize, strides, padding, data_format or "NHWC", kind, op)
    if rank == 5:
        raise UnimplementedError(f"{op}: 3-D pooling (rank-5 input, shape {tuple(x._value.shape)}) is not "
                                 "supported; use a rank-3 (N, W, C) or rank-4 (N, H, W, C) input", op=op)
    raise InvalidArgumentError(f"{op}: input must have rank 3 (N, W, C) or 4 (N, H, W, C), got shape "
                               f"{tuple(x._value.shape)}", op=op)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """`cornu.nn.max_pool(input, ksize, strides, padding)`: 1-D or 2-D max pooling, by the input's rank."""
    return _pool_nd(input, ksize, strides, padding, data_format, "max")


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """`cornu.nn.avg_pool(input, ksize, strides, padding)`: 1-D or 2-D average pooling, by the input's
    rank."""
    return _pool_nd(input, ksize, strides, padding, data_format, "avg")


# -- tf.image.extract_patches ------------------------------------------------------------------------------
def extract_patches(images, sizes, strides, rates, padding, name=None):
    """TF's `tf.image.extract_patches(images, sizes, strides, rates, padding)`: each window of an NHWC
    batch flattened into the depth axis: (N, OH, OW, KH*KW*C), ordered (row, column, channel) as in TF.

    >>> import cornu as tf
    >>> from cornu.ops.conv_ops import extract_patches
    >>> extract_patches(tf.ones((1, 4, 4, 2)), [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], 'VALID').shape
    TensorShape([1, 2, 2, 8])
    """
    op = "extract_patches"
    x = to_tensor(images)
    _check_rank(x, 4, "images", op, "(batch, height, width, channels)")
    ksize, strides = _ints(sizes, 2, "sizes", op), _ints(strides, 2, "strides", op)
    rates = _ints(rates, 2, "rates", op)
    n, h, w, c = x._value.shape
    k_eff = (rates[0] * (ksize[0] - 1) + 1, rates[1] * (ksize[1] - 1) + 1)
    (pt, pb), (pl, pr) = _pads(_padding(padding, op), (h, w), k_eff, strides)
    padded = (h + pt + pb, w + pl + pr)
    _check_fits(op, padded, k_eff, 2, f"images shape {tuple(x._value.shape)}, sizes {list(ksize)}",
                what="patch")
    if pt or pb or pl or pr:
        x = _pad(x, paddings=((0, 0), (pt, pb), (pl, pr), (0, 0)), mode="CONSTANT", constant_values=0)
    p = _extract_patches(x, ksize=ksize, strides=strides, dilations=rates)
    return _reshape(p, shape=tuple(p._value.shape[:3]) + (ksize[0] * ksize[1] * c,))

