"""Elementwise math: forward against NumPy references, gradients by finite differences."""
import math

import numpy as np
import pytest

import cornu as tf
from tests.gradcheck import GradCase, rand

A, B = rand(2, 3), rand(2, 3, seed=1)
P = rand(2, 3, positive=True)
ROW = rand(3, seed=2)

GRAD_CASES = {
    "negative": [GradCase(tf.negative, [A])],
    "abs": [GradCase(tf.abs, [A])],
    "square": [GradCase(tf.square, [A], second_order=True)],
    "sqrt": [GradCase(tf.sqrt, [P], second_order=True)],
    "rsqrt": [GradCase(tf.math.rsqrt, [P])],
    "reciprocal": [GradCase(tf.math.reciprocal, [P])],
    "exp": [GradCase(tf.exp, [A], second_order=True)],
    "log": [GradCase(tf.math.log, [P], second_order=True)],
    "log1p": [GradCase(tf.math.log1p, [P])],
    "expm1": [GradCase(tf.math.expm1, [A])],
    "sin": [GradCase(tf.sin, [A], second_order=True)],
    "cos": [GradCase(tf.cos, [A], second_order=True)],
    "tanh": [GradCase(tf.tanh, [A], second_order=True)],
    "sigmoid": [GradCase(tf.sigmoid, [A], second_order=True)],
    "softplus": [GradCase(tf.math.softplus, [A])],
    "erf": [GradCase(tf.math.erf, [A], rtol=1e-4, atol=1e-5)],
    "identity": [GradCase(tf.identity, [A])],
    "add": [GradCase(tf.add, [A, ROW]), GradCase(lambda x, y: x + y, [rand(3, 1), ROW])],
    "subtract": [GradCase(tf.subtract, [A, ROW])],
    "multiply": [GradCase(tf.multiply, [A, ROW], second_order=True)],
    "divide": [GradCase(tf.divide, [A, P + 0.5])],
    "floormod": [GradCase(tf.math.floormod, [P * 3, np.full((2, 3), 0.7)])],
    "pow": [GradCase(tf.pow, [P, B]), GradCase(lambda x: x ** 3, [A], second_order=True)],
    "maximum": [GradCase(tf.maximum, [A, B])],
    "minimum": [GradCase(tf.minimum, [A, B])],
    "squared_difference": [GradCase(tf.math.squared_difference, [A, ROW])],
    "select": [GradCase(lambda x, y: tf.where(tf.constant(A > 0), x, y), [A, B])],
    # float32 rounding (~1e-7) over a step of 1e-2 keeps the linear op's difference quotient exact to 1e-5
    "cast": [GradCase(lambda x: tf.cast(tf.cast(x, tf.float32), tf.float64), [A], delta=1e-2, rtol=1e-4,
                      atol=1e-5)],
}

SHAPE_CASES = {
    "sign": [lambda: tf.sign(tf.constant(A))],
    "floor": [lambda: tf.floor(tf.constant(A))],
    "ceil": [lambda: tf.math.ceil(tf.constant(A))],
    "round": [lambda: tf.round(tf.constant(A))],
    "stop_gradient": [lambda: tf.stop_gradient(tf.constant(A))],
    "floordiv": [lambda: tf.constant([7, -7]) // 2],
    "equal": [lambda: tf.equal(tf.constant(A), tf.constant(ROW))],
    "not_equal": [lambda: tf.constant(A) != tf.constant(B)],
    "less": [lambda: tf.constant(A) < 0.0],
    "less_equal": [lambda: tf.constant(A) <= 0.0],
    "greater": [lambda: tf.constant(A) > 0.0],
    "greater_equal": [lambda: tf.constant(A) >= 0.0],
    "logical_and": [lambda: tf.logical_and(tf.constant([True, False]), tf.constant([True, True]))],
    "logical_or": [lambda: tf.logical_or(tf.constant([True, False]), tf.constant([False, False]))],
    "logical_xor": [lambda: tf.math.logical_xor(tf.constant([True, False]), tf.constant([True, True]))],
    "logical_not": [lambda: tf.logical_not(tf.constant([True, False]))],
    "is_finite": [lambda: tf.math.is_finite(tf.constant([1.0, np.inf, np.nan]))],
    "is_nan": [lambda: tf.math.is_nan(tf.constant([1.0, np.inf, np.nan]))],
    "is_inf": [lambda: tf.math.is_inf(tf.constant([1.0, np.inf, np.nan]))],
}

UNARY_REFERENCES = [
    (tf.negative, np.negative, A), (tf.abs, np.abs, A), (tf.sign, np.sign, A), (tf.square, np.square, A),
    (tf.sqrt, np.sqrt, P), (tf.math.rsqrt, lambda x: 1 / np.sqrt(x), P),
    (tf.math.reciprocal, lambda x: 1 / x, P), (tf.exp, np.exp, A), (tf.math.log, np.log, P),
    (tf.math.log1p, np.log1p, P), (tf.math.expm1, np.expm1, A), (tf.sin, np.sin, A), (tf.cos, np.cos, A),
    (tf.tanh, np.tanh, A), (tf.sigmoid, lambda x: 1 / (1 + np.exp(-x)), A * 30),
    (tf.math.softplus, lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0), A * 50),
    (tf.math.erf, np.vectorize(math.erf), A * 3), (tf.floor, np.floor, A * 3), (tf.math.ceil, np.ceil, A * 3),
    (tf.round, np.round, np.array([0.5, 1.5, 2.5, -0.5, 1.2])),
]


@pytest.mark.parametrize("fn,ref,x", UNARY_REFERENCES, ids=[r[0].__name__ for r in UNARY_REFERENCES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_forward_matches_numpy(fn, ref, x, dtype):
    out = fn(tf.constant(x.astype(dtype)))
    assert out.dtype == tf.as_dtype(dtype)
    np.testing.assert_allclose(out.numpy(), ref(x.astype(np.float64)), rtol=2e-6, atol=3e-7)


BINARY_REFERENCES = [
    (tf.add, np.add), (tf.subtract, np.subtract), (tf.multiply, np.multiply), (tf.divide, np.divide),
    (tf.maximum, np.maximum), (tf.minimum, np.minimum), (tf.math.floormod, np.mod),
    (tf.math.floordiv, np.floor_divide), (tf.math.squared_difference, lambda x, y: (x - y) ** 2),
    (tf.pow, lambda x, y: np.abs(x) ** y),
]


@pytest.mark.parametrize("fn,ref", BINARY_REFERENCES, ids=[r[0].__name__ for r in BINARY_REFERENCES])
def test_binary_forward_broadcasts_like_numpy(fn, ref):
    x, y = rand(4, 1, 3), rand(2, 3, seed=5)
    if fn is tf.pow:
        x = np.abs(x)
    out = fn(tf.constant(x), tf.constant(y))
    assert out.shape == (4, 2, 3)
    np.testing.assert_allclose(out.numpy(), ref(x, y), rtol=1e-12)


def test_python_operators():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose((x + 1).numpy(), [[2, 3], [4, 5]])
    np.testing.assert_allclose((1 - x).numpy(), [[0, -1], [-2, -3]])
    np.testing.assert_allclose((2 / x).numpy(), [[2, 1], [2 / 3, 0.5]], rtol=1e-6)
    np.testing.assert_allclose((x // 3).numpy(), [[0, 0], [1, 1]])
    np.testing.assert_allclose((x % 3).numpy(), [[1, 2], [0, 1]])
    np.testing.assert_allclose((x ** 2).numpy(), [[1, 4], [9, 16]])
    np.testing.assert_allclose((2 ** x).numpy(), [[2, 4], [8, 16]])
    np.testing.assert_allclose((x @ x).numpy(), [[7, 10], [15, 22]])
    np.testing.assert_allclose((-x).numpy(), -x.numpy())
    np.testing.assert_allclose(abs(-x).numpy(), x.numpy())
    np.testing.assert_array_equal((x > 2).numpy(), [[False, False], [True, True]])
    np.testing.assert_array_equal((x == 2).numpy(), [[False, True], [False, False]])
    np.testing.assert_array_equal((x != 2).numpy(), [[True, False], [True, True]])
    np.testing.assert_array_equal(((x > 1) & (x < 4)).numpy(), [[False, True], [True, False]])
    np.testing.assert_array_equal((~(x > 1)).numpy(), [[True, False], [False, False]])
    assert (np.float32(2) * x).dtype == tf.float32
    np.testing.assert_allclose((np.ones(2, np.float32) + x).numpy(), [[2, 3], [4, 5]])


def test_integer_division_gives_float64_like_tf():
    out = tf.constant([3, 4]) / tf.constant([2, 2])
    assert out.dtype == tf.float64
    np.testing.assert_allclose(out.numpy(), [1.5, 2.0])


def test_mixed_dtypes_are_refused_with_a_clear_error():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"add.*float32.*float64"):
        tf.constant([1.0]) + tf.constant(np.array([1.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32.*float32"):
        tf.multiply(tf.constant([1]), tf.constant([1.0]))
    with pytest.raises(TypeError, match="1.5"):
        tf.constant([1, 2]) + 1.5
    with pytest.raises(tf.errors.InvalidArgumentError, match="sqrt: expected a floating-point"):
        tf.sqrt(tf.constant([4]))


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"add.*\(2, 3\).*\(4,\)"):
        tf.constant(np.zeros((2, 3))) + tf.constant(np.zeros(4))


def test_where_clip_cast():
    x = tf.constant([-2.0, 0.5, 3.0])
    np.testing.assert_allclose(tf.clip_by_value(x, -1.0, 1.0).numpy(), [-1, 0.5, 1])
    np.testing.assert_allclose(tf.where(x > 0, x, tf.zeros_like(x)).numpy(), [0, 0.5, 3])
    np.testing.assert_array_equal(tf.where(x > 0).numpy(), [[1], [2]])
    assert tf.where(x > 0).dtype == tf.int64
    np.testing.assert_array_equal(tf.cast(x, tf.int32).numpy(), [-2, 0, 3])
    assert tf.cast(x, tf.int32).dtype == tf.int32
    np.testing.assert_array_equal(tf.saturate_cast(tf.constant([300, -5]), tf.uint8).numpy(), [255, 0])


def test_clip_gradient_passes_inside_range_only():
    x = tf.constant([-2.0, 0.5, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.clip_by_value(x, -1.0, 1.0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0, 1, 0])


def test_divide_no_nan_and_add_n():
    np.testing.assert_allclose(tf.math.divide_no_nan(tf.constant([1.0, 2.0]), tf.constant([0.0, 4.0])).numpy(),
                               [0, 0.5])
    np.testing.assert_allclose(tf.add_n([tf.ones(2), tf.ones(2), tf.ones(2)]).numpy(), [3, 3])
