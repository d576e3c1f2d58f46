"""tf.test.compute_gradient: Jacobians with y.size rows and x.size columns, computed two ways."""
import numpy as np
import pytest

import cornu as tf


def test_matmul_shapes_and_values():
    rng = np.random.default_rng(0)
    a_np, b_np = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    a, b = tf.constant(a_np), tf.constant(b_np)
    theoretical, numerical = tf.test.compute_gradient(tf.matmul, [a, b])
    assert isinstance(theoretical, tuple) and isinstance(numerical, tuple)
    assert [j.shape for j in theoretical] == [(8, 6), (8, 12)]
    assert [j.shape for j in numerical] == [(8, 6), (8, 12)]
    # d(a @ b)[i, j] / da[k, l] = [i == k] b[l, j];  d(a @ b)[i, j] / db[k, l] = a[i, k] [j == l]
    expected_a = np.einsum("ik,lj->ijkl", np.eye(2), b_np).reshape(8, 6)
    expected_b = np.einsum("ik,jl->ijkl", a_np, np.eye(4)).reshape(8, 12)
    np.testing.assert_allclose(theoretical[0], expected_a, rtol=1e-12)
    np.testing.assert_allclose(theoretical[1], expected_b, rtol=1e-12)
    np.testing.assert_allclose(numerical[0], expected_a, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(numerical[1], expected_b, rtol=1e-7, atol=1e-9)
    assert theoretical[0].dtype == np.float64


def test_nonlinear_function():
    x_np = np.array([[0.3, -1.2], [2.0, 0.5]])

    def f(x):
        return tf.reduce_sum(tf.tanh(x) * x, axis=1)  # (2,)

    theoretical, numerical = tf.test.compute_gradient(f, [tf.constant(x_np)])
    assert theoretical[0].shape == (2, 4)
    derivative = np.tanh(x_np) + x_np * (1 - np.tanh(x_np) ** 2)
    expected = np.zeros((2, 2, 2))
    expected[0, 0], expected[1, 1] = derivative[0], derivative[1]
    np.testing.assert_allclose(theoretical[0], expected.reshape(2, 4), rtol=1e-12)
    np.testing.assert_allclose(numerical[0], expected.reshape(2, 4), rtol=1e-7, atol=1e-9)


def test_scalar_input_and_output_and_single_tensor_argument():
    theoretical, numerical = tf.test.compute_gradient(lambda x: x * x * x, tf.constant(2.0, tf.float64))
    assert theoretical[0].shape == (1, 1)
    assert theoretical[0][0, 0] == pytest.approx(12.0) and numerical[0][0, 0] == pytest.approx(12.0)


def test_float32_uses_a_larger_step():
    x = tf.constant([1.0, 2.0])
    theoretical, numerical = tf.test.compute_gradient(tf.exp, [x])
    assert theoretical[0].dtype == np.float32
    np.testing.assert_allclose(theoretical[0], np.diag(np.exp([1.0, 2.0])), rtol=1e-6)
    np.testing.assert_allclose(numerical[0], theoretical[0], rtol=1e-3)


def test_unconnected_input_gives_zeros():
    a, b = tf.constant([1.0, 2.0], tf.float64), tf.constant([3.0], tf.float64)
    theoretical, numerical = tf.test.compute_gradient(lambda x, y: x * 2.0, [a, b])
    assert theoretical[1].shape == (2, 1) and not theoretical[1].any() and not numerical[1].any()
