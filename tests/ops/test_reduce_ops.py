"""Reductions, scans, arg-extrema and top_k: forward against NumPy references (keepdims, negative and
multiple axes, integer inputs), gradients by finite differences (ties, zeros in products)."""
import numpy as np
import pytest

import cornu as tf
from tests.gradcheck import GradCase, rand

X = rand(2, 3, 4)
M = rand(3, 4, seed=1)
P = rand(2, 3, positive=True, seed=2) + 0.5         # products / cumprod: away from zero
TIES = np.array([[0.3, 0.7, 0.7], [0.9, -0.2, 0.1]])  # a two-way tie for the max in row 0
ZERO = np.array([[0.5, 0.0, 2.0, -1.5], [0.0, 0.7, 0.0, 1.2], [0.3, -0.8, 1.1, 0.6]])  # one/two zeros


def _sq(fn):
    return lambda *xs: tf.square(fn(*xs))


GRAD_CASES = {
    "reduce_sum": [GradCase(tf.reduce_sum, [X]),
                   GradCase(lambda x: tf.reduce_sum(x, axis=[0, -1], keepdims=True), [X]),
                   GradCase(_sq(lambda x: tf.reduce_sum(x, axis=-2)), [X], second_order=True),
                   GradCase(lambda x: tf.reduce_logsumexp(x, axis=1), [M * 50], second_order=True)],
    "reduce_mean": [GradCase(tf.reduce_mean, [X]),
                    GradCase(lambda x: tf.reduce_mean(x, axis=(2, 0), keepdims=True), [X]),
                    GradCase(_sq(lambda x: tf.reduce_mean(x, axis=1)), [X], second_order=True),
                    GradCase(lambda x: tf.math.reduce_std(x, axis=0), [M], second_order=True)],
    "reduce_max": [GradCase(lambda x: tf.reduce_max(x, axis=1), [M]),
                   GradCase(lambda x: tf.reduce_max(x, axis=-1, keepdims=True), [TIES]),  # tie: halves
                   GradCase(tf.reduce_max, [X]),
                   GradCase(_sq(lambda x: tf.reduce_max(x, axis=[0, 2])), [X], second_order=True)],
    "reduce_min": [GradCase(lambda x: tf.reduce_min(x, axis=0), [M]),
                   GradCase(lambda x: tf.reduce_min(-x, axis=1), [TIES]),
                   GradCase(_sq(lambda x: tf.reduce_min(x, axis=-1, keepdims=True)), [X], second_order=True)],
    "reduce_prod": [GradCase(lambda x: tf.reduce_prod(x, axis=1), [ZERO], second_order=True),  # zeros
                    GradCase(tf.reduce_prod, [ZERO[:, :2]]),
                    GradCase(lambda x: tf.reduce_prod(x, axis=[0, 2], keepdims=True), [X]),
                    GradCase(lambda x: tf.reduce_prod(x, axis=0), [P], second_order=True)],
    "cumsum": [GradCase(lambda x: tf.cumsum(x, axis=1), [M]),
               GradCase(lambda x: tf.cumsum(x, axis=-1, exclusive=True), [M]),
               GradCase(lambda x: tf.cumsum(x, axis=0, reverse=True), [M]),
               GradCase(_sq(lambda x: tf.cumsum(x, axis=2, exclusive=True, reverse=True)), [X],
                        second_order=True)],
    "cumprod": [GradCase(lambda x: tf.math.cumprod(x, axis=1), [P]),
                GradCase(lambda x: tf.math.cumprod(x, axis=-1, exclusive=True), [P]),
                GradCase(lambda x: tf.math.cumprod(x, axis=0, reverse=True), [P]),
                GradCase(lambda x: tf.math.cumprod(x, axis=1, exclusive=True, reverse=True), [P],
                         second_order=True),
                # zeros: exact without dividing by x (one or two zeros per line; second order with one)
                GradCase(lambda x: tf.math.cumprod(x, axis=1), [ZERO]),
                GradCase(lambda x: tf.math.cumprod(x, axis=1, exclusive=True, reverse=True), [ZERO]),
                GradCase(lambda x: tf.math.cumprod(x, axis=0, reverse=True), [ZERO], second_order=True),
                GradCase(lambda x: tf.math.cumprod(x, axis=-1, exclusive=True), [ZERO[::2]],
                         second_order=True)],
    "take_along_axis": [GradCase(lambda x: tf.math.top_k(x, 2).values, [M]),
                        GradCase(lambda x: tf.math.top_k(x, 3).values, [X])],
}

SHAPE_CASES = {
    "reduce_any": [lambda: tf.reduce_any(tf.constant(X > 0)),
                   lambda: tf.reduce_any(tf.constant(X > 0), axis=[0, 2], keepdims=True)],
    "reduce_all": [lambda: tf.reduce_all(tf.constant(X > 0), axis=-1)],
    "argmax": [lambda: tf.argmax(tf.constant(X)), lambda: tf.argmax(tf.constant(M), axis=-1,
                                                                      output_type=tf.int32)],
    "argmin": [lambda: tf.argmin(tf.constant(X), axis=1)],
    "top_k_indices": [lambda: tf.math.top_k(tf.constant(X), 2), lambda: tf.math.top_k(tf.constant([1, 3, 2]))],
}


def _close(tensor, expected, dtype=None, **kw):
    expected = np.asarray(expected)
    assert tuple(tensor.shape) == expected.shape, (tensor.shape, expected.shape)
    if dtype is not None:
        assert tensor.dtype == dtype, (tensor.dtype, dtype)
    np.testing.assert_allclose(tensor.numpy(), expected, **{"rtol": 1e-12, **kw})


REDUCTIONS = [(tf.reduce_sum, np.sum), (tf.reduce_mean, np.mean), (tf.reduce_max, np.max),
              (tf.reduce_min, np.min), (tf.reduce_prod, np.prod),
              (tf.math.reduce_variance, np.var), (tf.math.reduce_std, np.std)]
AXES = [None, 0, -1, 1, [0, 2], (-1, 0), [], [0, 1, 2]]


@pytest.mark.parametrize("fn,ref", REDUCTIONS, ids=[r[0].__name__ for r in REDUCTIONS])
@pytest.mark.parametrize("axis", AXES, ids=[str(a) for a in AXES])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(fn, ref, axis, keepdims):
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    _close(fn(tf.constant(X), axis=axis, keepdims=keepdims), ref(X, axis=np_axis, keepdims=keepdims),
           tf.float64)


def test_reductions_of_integers_and_float32():
    ints = np.array([[1, -2, 7], [4, 5, -9]], np.int32)
    _close(tf.reduce_sum(tf.constant(ints), axis=0), ints.sum(0), tf.int32)
    _close(tf.reduce_prod(tf.constant(ints)), np.prod(ints), tf.int32)
    _close(tf.reduce_max(tf.constant(ints), axis=1), [7, 5], tf.int32)
    _close(tf.reduce_mean(tf.constant(ints), axis=1), [2, 0], tf.int32)   # TF truncates int means
    _close(tf.reduce_mean(tf.constant([-1, -2])), -1, tf.int32)
    x32 = X.astype(np.float32)
    _close(tf.reduce_mean(tf.constant(x32), axis=1), x32.mean(1), tf.float32, rtol=1e-6)
    _close(tf.reduce_sum(tf.constant(1.5)), 1.5, tf.float32)


def test_reduce_any_all():
    b = X > 0
    _close(tf.reduce_any(tf.constant(b)), b.any(), tf.bool)
    _close(tf.reduce_all(tf.constant(b), axis=-1, keepdims=True), b.all(-1, keepdims=True), tf.bool)
    _close(tf.reduce_any(tf.constant(b), axis=[0, 1]), b.any((0, 1)), tf.bool)
    with pytest.raises(tf.errors.InvalidArgumentError, match="reduce_any: expected a bool tensor, got float64"):
        tf.reduce_any(tf.constant(X))
    with pytest.raises(tf.errors.InvalidArgumentError, match="reduce_sum: bool tensors"):
        tf.reduce_sum(tf.constant(b))


def test_reduction_errors_name_op_and_axis():
    with pytest.raises(tf.errors.InvalidArgumentError, match="reduce_sum: axis 3 is out of range for a tensor "
                                                            "of rank 3"):
        tf.reduce_sum(tf.constant(X), axis=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="reduce_mean: axis -4 is out of range"):
        tf.reduce_mean(tf.constant(X), axis=[0, -4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"reduce_max: cannot reduce an empty axis"):
        tf.reduce_max(tf.zeros((2, 0)), axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="argmax: axis 2 is out of range"):
        tf.argmax(tf.constant(M), axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="cumsum: axis -3 is out of range"):
        tf.cumsum(tf.constant(M), axis=-3)


def test_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, np.log(3.0)],
                  [-1e30, 1e30, 0.0]])
    with np.errstate(divide="ignore"):   # log(0) = -inf for the all -inf row is the answer
        out = tf.reduce_logsumexp(tf.constant(x), axis=1)
    np.testing.assert_allclose(out.numpy(), [1000 + np.log(2), -np.inf, np.log(4), 1e30], rtol=1e-12)
    big = tf.reduce_logsumexp(tf.constant(np.float32([[3e38, 3e38], [-3e38, 0.0]])), axis=-1, keepdims=True)
    assert big.dtype == tf.float32 and tuple(big.shape) == (2, 1)
    assert np.all(np.isfinite(big.numpy()))
    np.testing.assert_allclose(big.numpy(), [[3e38], [0.0]], rtol=1e-6)
    _close(tf.reduce_logsumexp(tf.constant(X)), np.log(np.exp(X).sum()))
    _close(tf.reduce_logsumexp(tf.constant(X), axis=[0, 2], keepdims=True),
           np.log(np.exp(X).sum((0, 2), keepdims=True)))
    # the gradient is the softmax, finite even for huge inputs
    v = tf.constant(x[:1])
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = tf.reduce_logsumexp(v)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [[0.5, 0.5, 0.0]], atol=1e-300)


def test_argmax_argmin():
    x = np.array([[1, 5, 5], [3, 2, 7]])
    out = tf.argmax(tf.constant(x))
    _close(out, np.argmax(x, 0), tf.int64)            # default axis 0, int64, as in TF
    _close(tf.argmax(tf.constant(x), axis=1), [1, 2], tf.int64)   # ties: the first index
    _close(tf.argmin(tf.constant(x)), np.argmin(x, 0), tf.int64)
    _close(tf.argmin(tf.constant(X), axis=-1, output_type=tf.int32), X.argmin(-1), tf.int32)
    _close(tf.math.argmax(tf.constant(X), axis=tf.constant(2)), X.argmax(2), tf.int64)


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_scans_match_numpy(exclusive, reverse, axis):
    def ref(fn, x, identity):
        y = np.flip(x, axis) if reverse else x
        out = fn(y, axis=axis)
        if exclusive:
            lead = np.full_like(np.take(out, [0], axis=axis), identity)
            out = np.concatenate([lead, np.take(out, np.arange(out.shape[axis] - 1), axis=axis)], axis=axis)
        return np.flip(out, axis) if reverse else out
    _close(tf.cumsum(tf.constant(X), axis=axis, exclusive=exclusive, reverse=reverse), ref(np.cumsum, X, 0))
    _close(tf.math.cumprod(tf.constant(X), axis=axis, exclusive=exclusive, reverse=reverse),
           ref(np.cumprod, X, 1))
    ints = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    _close(tf.cumsum(tf.constant(ints), axis=axis, exclusive=exclusive, reverse=reverse),
           ref(np.cumsum, ints, 0), tf.int32)


def test_cumsum_examples_from_tf_docs():
    x = tf.constant([2, 4, 6, 8])
    _close(tf.cumsum(x), [2, 6, 12, 20])
    _close(tf.cumsum(x, exclusive=True), [0, 2, 6, 12])
    _close(tf.cumsum(x, reverse=True), [20, 18, 14, 8])
    _close(tf.cumsum(x, exclusive=True, reverse=True), [18, 14, 8, 0])
    _close(tf.math.cumprod(tf.constant([2.0, 3.0, 4.0]), exclusive=True), [1, 2, 6], tf.float32)
    for reverse in (False, True):   # an empty axis stays empty
        assert tuple(tf.cumsum(tf.zeros((2, 0)), axis=1, exclusive=True, reverse=reverse).shape) == (2, 0)
        assert tuple(tf.math.cumprod(tf.zeros((0,)), exclusive=True, reverse=reverse).shape) == (0,)


def test_top_k_values_indices_and_ties():
    x = np.array([[1.0, 3.0, 3.0, 2.0], [-1.0, 5.0, 0.0, 5.0]])
    values, indices = tf.math.top_k(tf.constant(x), 3)
    _close(values, [[3, 3, 2], [5, 5, 0]], tf.float64)
    _close(indices, [[1, 2, 3], [1, 3, 2]], tf.int32)   # ties: the lower index first, as in TF
    out = tf.math.top_k(tf.constant(X), k=2)
    order = np.argsort(-X, axis=-1, kind="stable")[..., :2]
    _close(out.indices, order, tf.int32)
    _close(out.values, np.take_along_axis(X, order, -1))
    v, i = tf.math.top_k(tf.constant([7, 9, 8]))
    _close(v, [9], tf.int32)
    _close(i, [1], tf.int32)
    v, i = tf.math.top_k(tf.constant(np.array([0, 200, 5, 0], np.uint8)), 3)   # unsigned: no wrap-around
    _close(v, [200, 5, 0], tf.uint8)
    _close(i, [1, 2, 0], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"top_k: k=5 must be between 0 and the last "
                                                            r"dimension of shape \(2, 4\)"):
        tf.math.top_k(tf.constant(x), 5)


def test_top_k_gradient_goes_to_the_chosen_entries():
    x = tf.constant(np.array([[1.0, 3.0, 3.0, 2.0]]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        values = tf.math.top_k(x, 2).values
        y = tf.reduce_sum(values * tf.constant(np.array([[10.0, 1.0]])))
    _close(tape.gradient(y, x), [[0, 10, 1, 0]])


def test_reduce_prod_gradient_with_zeros_is_exact():
    x = tf.constant(ZERO)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_prod(x, axis=1)
    g = tape.gradient(y, x).numpy()
    expected = np.array([[0.0, 0.5 * 2.0 * -1.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                         [-0.8 * 1.1 * 0.6, 0.3 * 1.1 * 0.6, 0.3 * -0.8 * 0.6, 0.3 * -0.8 * 1.1]])
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def _sym(*shape, dtype="float32"):
    from cornu.core.symbolic import SymbolicTensor
    return SymbolicTensor(shape, dtype)


SYMBOLIC = [
    (lambda x: tf.reduce_sum(x, axis=-1), (None, 3)), (lambda x: tf.reduce_mean(x, [1, 2], keepdims=True),
                                                      (None, 1, 1)),
    (lambda x: tf.reduce_max(x, axis=1), (None, 4)), (lambda x: tf.reduce_logsumexp(x, axis=-1), (None, 3)),
    (lambda x: tf.reduce_logsumexp(x, axis=1, keepdims=True), (None, 1, 4)),
    (lambda x: tf.math.reduce_std(x, axis=0), (3, 4)), (lambda x: tf.argmax(x, axis=-1), (None, 3)),
    (lambda x: tf.cumsum(x, axis=1), (None, 3, 4)), (lambda x: tf.math.top_k(x, 2).values, (None, 3, 2)),
]


@pytest.mark.parametrize("fn,expected", SYMBOLIC, ids=[str(i) for i in range(len(SYMBOLIC))])
def test_symbolic_shapes(fn, expected):
    assert tuple(fn(_sym(None, 3, 4)).shape) == expected
