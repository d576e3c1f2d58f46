"""Property: for any broadcast-compatible shapes, the gradients of add/multiply/maximum/where come back
with each input's own shape and equal the NumPy reference (the upstream gradient times the local
derivative, summed over the axes that input was broadcast along)."""
import numpy as np
from hypothesis import given, settings, strategies as st

import cornu as tf

settings.register_profile("cornu-ops", max_examples=60, deadline=None)


@st.composite
def broadcast_shapes(draw, n):
    """n shapes that broadcast together: suffixes of one shape, with some dims set to 1."""
    full = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    shapes = []
    for _ in range(n):
        rank = draw(st.integers(0, len(full)))
        suffix = full[len(full) - rank:]
        ones = draw(st.lists(st.booleans(), min_size=rank, max_size=rank))
        shapes.append(tuple(1 if o else d for d, o in zip(suffix, ones)))
    return shapes


def _sum_to(g, shape):
    """NumPy reference for undoing broadcasting: sum g down to `shape`."""
    extra = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(extra))) if extra else g
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def _grads(fn, inputs, upstream):
    xs = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = fn(*xs)
    assert tuple(y.shape) == upstream.shape
    grads = tape.gradient(y, xs, output_gradients=tf.constant(upstream))
    for g, x in zip(grads, inputs):
        assert g is not None
        assert tuple(g.shape) == x.shape, (g.shape, x.shape)
        assert g.dtype == tf.float64
    return [g.numpy() for g in grads]


def _data(shapes, seed):
    rng = np.random.default_rng(seed)
    out_shape = np.broadcast_shapes(*shapes)
    return [rng.normal(size=s) for s in shapes], rng.normal(size=out_shape)


@settings(settings.get_profile("cornu-ops"))
@given(shapes=broadcast_shapes(2), seed=st.integers(0, 2 ** 16))
def test_add_multiply_maximum_gradients_sum_back(shapes, seed):
    (a, b), up = _data(shapes, seed)
    ab, bb = np.broadcast_arrays(a, b)
    ga, gb = _grads(tf.add, [a, b], up)
    np.testing.assert_allclose(ga, _sum_to(up, a.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb, _sum_to(up, b.shape), rtol=1e-12, atol=1e-12)
    ga, gb = _grads(tf.multiply, [a, b], up)
    np.testing.assert_allclose(ga, _sum_to(up * bb, a.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb, _sum_to(up * ab, b.shape), rtol=1e-12, atol=1e-12)
    ga, gb = _grads(tf.maximum, [a, b], up)   # continuous random data: no ties
    np.testing.assert_allclose(ga, _sum_to(up * (ab > bb), a.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb, _sum_to(up * (bb > ab), b.shape), rtol=1e-12, atol=1e-12)
    ga, gb = _grads(lambda x, y: x - y * y, [a, b], up)   # through the Python operators too
    np.testing.assert_allclose(ga, _sum_to(up, a.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb, _sum_to(-2 * up * bb, b.shape), rtol=1e-12, atol=1e-12)


@settings(settings.get_profile("cornu-ops"))
@given(shapes=broadcast_shapes(3), seed=st.integers(0, 2 ** 16))
def test_where_gradients_sum_back(shapes, seed):
    (c, x, y), up = _data(shapes, seed)
    cond = c > 0
    cb = np.broadcast_to(cond, up.shape)
    gx, gy = _grads(lambda u, v: tf.where(tf.constant(cond), u, v), [x, y], up)
    np.testing.assert_allclose(gx, _sum_to(np.where(cb, up, 0.0), x.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy, _sum_to(np.where(cb, 0.0, up), y.shape), rtol=1e-12, atol=1e-12)


@settings(settings.get_profile("cornu-ops"))
@given(shapes=broadcast_shapes(2), seed=st.integers(0, 2 ** 16))
def test_broadcast_to_gradient_sums_back(shapes, seed):
    (a, _), _ = _data(shapes, seed)
    target = np.broadcast_shapes(*shapes)
    up = np.random.default_rng(seed + 1).normal(size=target)
    [ga] = _grads(lambda x: tf.broadcast_to(x, target), [a], up)
    np.testing.assert_allclose(ga, _sum_to(up, a.shape), rtol=1e-12, atol=1e-12)
