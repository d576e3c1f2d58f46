"""Algebraic simplification: rewrites that give bit-for-bit the same result in floating point.

    x * 1, 1 * x, x / 1 (floats), x - 0 (+0.0 for floats)   -> x
    x + 0, 0 + x   only for integers/bools, or when the zero is -0.0: in floating point
                   -0.0 + 0.0 is +0.0, so dropping `+ 0.0` would turn -0.0 into +0.0
                   (complex arithmetic stays: x * (1+0j) turns an infinite part into NaN)
    negative(negative(x)), identity(x), cast(x, x.dtype)              -> x
    transpose(transpose(x, p), q) -> transpose(x, p∘q), or x when that is the identity permutation
    reshape(reshape(x, s1), s2)   -> reshape(x, s2);  reshape to x's own shape -> x

A tensor is replaced only when the replacement has exactly its shape and dtype (x + 0 where the zero
broadcasts x to a bigger shape stays), and the constant has x's dtype (so NumPy's promotion cannot
have changed the result). Integer x / 1 stays: the executor divides in float64, which rounds int64
values beyond 2**53. A rewritten node's output spec is checked against the original's. (A shorter
reshape chain may give a view where the longer one copied: the same values, other strides.)
"""
from ... import backend
from ..ir import Graph
from ._rewrite import Rewriter, clone, is_constant, is_symbolic, same_spec, spec_of


def run(graph: Graph) -> Graph:
    rw = Rewriter(graph)
    for node in graph.nodes:
        node = rw.resolve(node)
        rule = RULES.get(node.op.name) if len(node.outputs) == 1 else None
        result = rule(node, rw) if rule is not None else None
        out = node.outputs[0] if node.outputs else None
        if result is None:
            rw.keep(node)
        elif isinstance(result, tuple):  # (new inputs, new attrs): the same op, computed more directly
            inputs, attrs = result
            new = clone(node, inputs, attrs)
            if _spec_unchanged(new, out):
                rw.keep(new)
            else:
                rw.keep(node)
        elif same_spec(result, out):  # a tensor (or captured value) equal to the node's output
            rw.replace(out, result)
        else:
            rw.keep(node)
    return rw.finish()


def _spec_unchanged(node, out):
    try:
        spec = node.op.shape(*node.inputs, **node.attrs)
    except Exception:  # noqa: BLE001 - a rewrite the shape rule rejects is not made
        return False
    return (tuple(spec.shape), spec.dtype) == spec_of(out)


# -- constants ------------------------------------------------------------------------------------
def _host(c, like):
    """c's value as a NumPy array when c is a captured constant of like's dtype that broadcasts into
    like's shape without enlarging it; else None."""
    if not is_constant(c) or c.dtype != like.dtype:
        return None
    shape, target = tuple(c.shape), tuple(like.shape)
    if len(shape) > len(target):
        return None
    for d, t in zip(reversed(shape), reversed(target)):
        if d != 1 and d != t:
            return None
    return backend.to_numpy(c._value)


def _all(c, like, test):
    value = _host(c, like)
    return value is not None and bool(test(value).all())


def _ones(value):
    return value == 1


def _zeros(value):
    return value == 0


def _negative_zeros(value):
    np = backend.numpy
    return (value == 0) & np.signbit(value) if value.dtype.kind == "f" else value == 0


def _positive_zeros(value):
    np = backend.numpy
    return (value == 0) & ~np.signbit(value) if value.dtype.kind == "f" else value == 0


def _exact_dtype(x):
    return x.dtype.is_integer or x.dtype.is_bool


# -- rules: each returns None (no change), a replacement tensor, or (inputs, attrs) ------------------
# Complex arithmetic is left alone: (a+bi)*(1+0i) computes a - b*0, which is NaN for an infinite b.
def _multiply(node, rw):
    a, b = node.inputs
    if a.dtype.is_complex:
        return None
    if _all(b, a, _ones):
        return a
    if _all(a, b, _ones):
        return b
    return None


def _add(node, rw):
    a, b = node.inputs
    if a.dtype.is_complex:
        return None
    for x, c in ((a, b), (b, a)):
        if _all(c, x, _zeros if _exact_dtype(x) else _negative_zeros):
            return x
    return None


def _subtract(node, rw):
    a, b = node.inputs
    if a.dtype.is_complex:
        return None
    if _all(b, a, _zeros if _exact_dtype(a) else _positive_zeros):
        return a
    return None


def _divide(node, rw):
    a, b = node.inputs
    if a.dtype.is_floating and _all(b, a, _ones):
        return a
    return None


def _producer(x, rw, name):
    node = rw.producer.get(id(x)) if is_symbolic(x) else None
    return node if node is not None and node.op.name == name and len(node.outputs) == 1 else None


def _negative(node, rw):
    inner = _producer(node.inputs[0], rw, "negative")  # -(-x) is x, also for NaN and wrapping ints
    return inner.inputs[0] if inner is not None and not inner.inputs[0].dtype.is_bool else None


def _identity(node, rw):
    return node.inputs[0]


def _cast(node, rw):
    x = node.inputs[0]
    return x if x.dtype == node.attrs.get("dtype") else None


def _transpose(node, rw):
    x, perm = node.inputs[0], tuple(node.attrs["perm"])
    inner = _producer(x, rw, "transpose")
    if inner is not None:
        first = tuple(inner.attrs["perm"])
        x, perm = inner.inputs[0], tuple(first[p] for p in perm)  # out[i] = x.axis[first[perm[i]]]
    if perm == tuple(range(len(perm))):
        return x
    if inner is None:
        return None
    attrs = dict(node.attrs)
    attrs["perm"] = perm
    return (x,), attrs


def _reshape(node, rw):
    x, shape = node.inputs[0], tuple(node.attrs["shape"])
    inner = _producer(x, rw, "reshape")
    if inner is not None:
        x = inner.inputs[0]
    if _same_shape(tuple(x.shape), shape):
        return x
    if inner is None:
        return None
    attrs = dict(node.attrs)
    return (x,), attrs


def _same_shape(source, shape):
    """Whether reshaping a tensor of static shape `source` (None: unknown) to `shape` (-1: inferred)
    certainly leaves its shape as it is: equal dims, and an unknown dim (at most one) at the -1."""
    if len(source) != len(shape):
        return False
    unknown = [i for i, d in enumerate(source) if d is None]
    if not unknown:
        if -1 in shape:
            known = _product(s for s in shape if s != -1)
            if known == 0:
                return False
            shape = tuple(_product(source) // known if s == -1 else s for s in shape)
        return shape == source
    if len(unknown) > 1 or shape[unknown[0]] != -1:
        return False
    return all(s == d for s, d in zip(shape, source) if d is not None)


def _product(dims):
    n = 1
    for d in dims:
        n *= d
    return n


RULES = {
    "multiply": _multiply,
    "add": _add,
    "subtract": _subtract,
    "divide": _divide,
    "negative": _negative,
    "identity": _identity,
    "cast": _cast,
    "transpose": _transpose,
    "reshape": _reshape,
}
