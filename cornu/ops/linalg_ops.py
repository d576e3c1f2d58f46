"""Matrix products (matmul, einsum, tensordot) and norms; the heavy lifting goes to BLAS."""
from .. import backend
from ..core.errors import InvalidArgumentError
from ..core.registry import Spec, apply, defop
from ..core.tensor import Tensor
from . import _rules
from ._rules import binary_args, to_tensor
from .array_ops import reshape, squeeze, transpose
from .math_ops import abs as _abs, sqrt
from .reduce_ops import reduce_max, reduce_sum


def _mt(xp, a):
    return xp.swapaxes(a, -1, -2)


def _matmul_shape(a, b, transpose_a=False, transpose_b=False):
    sa, sb = tuple(a.shape), tuple(b.shape)
    m, k = (sa[-1], sa[-2]) if transpose_a else (sa[-2], sa[-1])
    n = sb[-2] if transpose_b else sb[-1]
    batch = _rules.broadcast_shapes(sa[:-2], sb[:-2], "matmul")
    return Spec(batch + (m, n), a.dtype)


@defop("matmul", _matmul_shape, writes_out="separate")
def _matmul(xp, a, b, transpose_a=False, transpose_b=False, out=None):
    if transpose_a:
        a = _mt(xp, a)  # a transposed view: BLAS reads it as is (copying it measured 1.4-8x slower)
    if transpose_b:
        b = _mt(xp, b)
        if b.size * 8 <= a.size:  # a small transposed right operand (the filter in a conv backward):
            b = xp.ascontiguousarray(b)  # a cheap copy, as fast or faster
    if out is not None and a.ndim == b.ndim == 2 and a.dtype == b.dtype and \
            backend.fits(out, (a.shape[0], b.shape[1]), a.dtype):
        return xp.matmul(a, b, out=out)  # a buffer kept from the previous step (graph executor)
    return xp.matmul(a, b)


@_matmul.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    ta, tb = ctx.attrs.get("transpose_a", False), ctx.attrs.get("transpose_b", False)
    ga = gb = None
    if ctx.needs[0]:  # dA = g B^T  (or B g^T when A was transposed)
        ga = _matmul(b, g, transpose_a=tb, transpose_b=True) if ta else \
            _matmul(g, b, transpose_a=False, transpose_b=not tb)
    if ctx.needs[1]:  # dB = A^T g  (or g^T A when B was transposed)
        gb = _matmul(g, a, transpose_a=True, transpose_b=ta) if tb else \
            _matmul(a, g, transpose_a=not ta, transpose_b=False)
    return ga, gb


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """`cornu.matmul(a, b)`: (batched) matrix product of rank >= 2 tensors; batch dims broadcast.

    >>> import cornu as tf
    >>> tf.matmul(tf.ones((2, 3)), tf.ones((3, 4))).shape
    TensorShape([2, 4])
    """
    if (type(a) is Tensor and type(b) is Tensor and a._value.ndim == 2 and b._value.ndim == 2 and
            a._value.shape[1] == b._value.shape[0] and a._value.dtype == b._value.dtype and
            not (transpose_a or transpose_b or adjoint_a or adjoint_b)):
        return apply(_matmul, (a, b))  # the common case, without the general checks below
    a, b = binary_args(a, b, "matmul")
    ta, tb = bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise InvalidArgumentError(f"matmul: both inputs must have rank >= 2, got shapes {tuple(sa)} and "
                                   f"{tuple(sb)}", op="matmul")
    ka = sa[-2] if ta else sa[-1]
    kb = sb[-1] if tb else sb[-2]
    if ka != kb:
        raise InvalidArgumentError(f"matmul: cannot multiply shapes {tuple(sa)} and {tuple(sb)}"
                                   f"{' (transposed)' if ta or tb else ''}: inner dimensions {ka} and {kb} "
                                   "differ", op="matmul")
    _rules.broadcast_shapes(sa[:-2], sb[:-2], "matmul")
    return _matmul(a, b, transpose_a=ta, transpose_b=tb)


# -- einsum -----------------------------------------------------------------------------------------
def _parse_einsum(equation, n):
    equation = equation.replace(" ", "")
    if "->" in equation:
        lhs, out = equation.split("->")
    else:
        lhs = equation
        letters = [c for c in lhs.replace(",", "") if c.isalpha()]
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    subs = lhs.split(",")
    if len(subs) != n:
        raise InvalidArgumentError(f"einsum: equation {equation!r} names {len(subs)} operands but {n} "
                                   "were given")
    if any("." in s for s in subs + [out]):
        raise InvalidArgumentError("einsum: ellipsis ('...') is not supported; name the dimensions")
    return subs, out


def _einsum_shape(*operands, equation):
    subs, out = _parse_einsum(equation, len(operands))
    sizes = {}
    for s, x in zip(subs, operands):
        for c, d in zip(s, x.shape):
            if sizes.get(c) is None:
                sizes[c] = d
    return Spec(tuple(sizes[c] for c in out), operands[0].dtype)


@defop("einsum", _einsum_shape)
def _einsum(xp, *operands, equation):
    return xp.einsum(equation, *operands, optimize=len(operands) > 2)


@_einsum.defgrad
def _(ctx, g):
    from .array_ops import broadcast_to, eye
    equation = ctx.attrs["equation"]
    subs, out = _parse_einsum(equation, len(ctx.inputs))
    fresh = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in equation)
    grads = []
    for i, (s, x) in enumerate(zip(subs, ctx.inputs)):
        if not ctx.needs[i]:
            grads.append(None)
            continue
        others = [(t, y) for j, (t, y) in enumerate(zip(subs, ctx.inputs)) if j != i]
        available = set(out).union(*[set(t) for t, _ in others])
        unique = "".join(dict.fromkeys(s))
        size = dict(zip(s, x._value.shape))
        kept = "".join(c for c in unique if c in available)
        eq = ",".join([out] + [t for t, _ in others]) + "->" + kept
        gi = _einsum(g, *[y for _, y in others], equation=eq)
        if kept != unique:  # indices summed away only within this operand: broadcast back
            gi = broadcast_to(reshape(gi, [size[c] if c in available else 1 for c in unique]),
                              [size[c] for c in unique])
        if unique != s:  # a repeated index reads a diagonal: put gi back on it with identity matrices
            target, terms, eyes = "", [unique], []
            for k, c in enumerate(s):
                if c in s[:k]:
                    f = next(fresh)
                    target += f
                    terms.append(c + f)
                    eyes.append(eye(size[c], dtype=x.dtype))
                else:
                    target += c
            gi = _einsum(gi, *eyes, equation=",".join(terms) + "->" + target)
        grads.append(gi)
    return tuple(grads)


def einsum(equation, *inputs, **kwargs):
    """`cornu.einsum('ij,jk->ik', a, b)`: Einstein summation."""
    inputs = [to_tensor(x) for x in inputs]
    subs, _ = _parse_einsum(equation, len(inputs))
    for s, x in zip(subs, inputs):
        if len(s) != x._value.ndim:
            raise InvalidArgumentError(f"einsum: subscripts {s!r} have {len(s)} letters but the operand "
                                       f"has shape {tuple(x.shape)}")
    for x in inputs[1:]:
        if x._value.dtype != inputs[0]._value.dtype:
            raise InvalidArgumentError(f"einsum: operands must share a dtype, got {inputs[0].dtype.name} "
                                       f"and {x.dtype.name}")
    return _einsum(*inputs, equation=equation.replace(" ", ""))


def tensordot(a, b, axes, name=None):
    """`cornu.tensordot(a, b, axes)`: contraction over the given axes, as a single matmul."""
    a, b = binary_args(a, b, "tensordot")
    ra, rb = a._value.ndim, b._value.ndim
    if isinstance(axes, int):
        axes_a, axes_b = list(range(ra - axes, ra)), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise InvalidArgumentError(f"tensordot: axes {axes_a} of a and {axes_b} of b must have the same "
                                   f"length (shapes {tuple(a.shape)} and {tuple(b.shape)})")
    axes_a = [_rules.normalize_axis(x, ra, "tensordot") for x in axes_a]
    axes_b = [_rules.normalize_axis(x, rb, "tensordot") for x in axes_b]
    for x, y in zip(axes_a, axes_b):
        if a._value.shape[x] != b._value.shape[y]:
            raise InvalidArgumentError(f"tensordot: axis {x} of shape {tuple(a.shape)} and axis {y} of "
                                       f"shape {tuple(b.shape)} differ in size")
    free_a = [i for i in range(ra) if i not in axes_a]
    free_b = [i for i in range(rb) if i not in axes_b]
    k = 1
    for x in axes_a:
        k *= a._value.shape[x]
    at = reshape(transpose(a, free_a + axes_a), (-1, k))
    bt = reshape(transpose(b, axes_b + free_b), (k, -1))
    out_shape = [a._value.shape[i] for i in free_a] + [b._value.shape[i] for i in free_b]
    if out_shape.count(None) == 1:  # a symbolic batch dim
        out_shape[out_shape.index(None)] = -1
    return reshape(matmul(at, bt), out_shape)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """`cornu.norm(tensor, ord='euclidean', axis=None)`: vector norms (1, 2/'euclidean', inf, p > 0)
    over all elements or one axis; over two axes (a matrix norm) 'fro'/'euclidean', 1 (the largest
    absolute column sum) and inf (the largest absolute row sum), as in TF.

    >>> import cornu as tf
    >>> float(tf.norm(tf.constant([[1.0, -2.0], [3.0, 4.0]]), ord=1, axis=[0, 1]))
    6.0
    """
    tensor = to_tensor(tensor)
    keepdims = bool(keepdims)
    rank = tensor._value.ndim
    inf = ord == float("inf") or ord == "inf"
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        rows, cols = (_rules.normalize_axis(a, rank, "norm") for a in axis)
        if rows == cols:
            raise InvalidArgumentError(f"norm: a matrix norm needs two different axes, got {list(axis)}")
        if ord in ("euclidean", "fro"):
            return sqrt(reduce_sum(tensor * tensor, axis=(rows, cols), keepdims=keepdims))
        if ord not in (1, 1.0) and not inf:
            raise ValueError(f"norm: unsupported matrix norm ord {ord!r} over axes {list(axis)}; use "
                             "'fro', 'euclidean', 1 or inf")
        summed, maxed = (rows, cols) if not inf else (cols, rows)
        out = reduce_max(reduce_sum(_abs(tensor), axis=summed, keepdims=True), axis=maxed, keepdims=True)
        return out if keepdims else squeeze(out, [rows, cols])
    if ord in ("euclidean", "fro", 2, 2.0):
        return sqrt(reduce_sum(tensor * tensor, axis=axis, keepdims=keepdims))
    if ord in (1, 1.0):
        return reduce_sum(_abs(tensor), axis=axis, keepdims=keepdims)
    if inf:
        return reduce_max(_abs(tensor), axis=axis, keepdims=keepdims)
    if isinstance(ord, (int, float)) and ord > 0:
        from .math_ops import pow as _pow
        return _pow(reduce_sum(_pow(_abs(tensor), float(ord)), axis=axis, keepdims=keepdims), 1.0 / ord)
    raise ValueError(f"norm: unsupported ord {ord!r}; use 'euclidean', 'fro', 1, 2, inf or a p > 0")


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """`cornu.linalg.matrix_transpose(a)`: swap the last two axes (batch axes stay in place).

    >>> import cornu as tf
    >>> tf.linalg.matrix_transpose(tf.zeros((2, 3, 4))).shape
    TensorShape([2, 4, 3])
    """
    a = to_tensor(a)
    n = a._value.ndim
    if n < 2:
        raise InvalidArgumentError(f"matrix_transpose: the input must have rank >= 2, got shape "
                                   f"{tuple(a.shape)}")
    return transpose(a, list(range(n - 2)) + [n - 1, n - 2])


def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    from .math_ops import maximum, rsqrt
    x = to_tensor(x)
    square_sum = reduce_sum(x * x, axis=axis, keepdims=True)
    return x * rsqrt(maximum(square_sum, epsilon))
