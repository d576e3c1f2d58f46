"""Fused optimizer updates: the formulas, in-place safety, and the compiled kernels against NumPy."""

import numpy as np
import pytest

import cornu as tf
from cornu.backend import cjit, kernels
from cornu.core.registry import apply
from cornu.ops import training_ops


def _adam_case():
    v = tf.Variable(np.ones(4, np.float32))
    m, s = tf.Variable(np.zeros(4, np.float32)), tf.Variable(np.zeros(4, np.float32))
    return apply(training_ops.adam_update_op, (tf.constant(np.full(4, 0.5, np.float32)), tf.constant(0.1)),
                 {"variable": v, "m": m, "v": s, "one_minus_beta_1": 0.1, "one_minus_beta_2": 0.001,
                  "epsilon": 1e-7})


def _momentum_case():
    v, m = tf.Variable(np.ones(3, np.float32)), tf.Variable(np.zeros(3, np.float32))
    return apply(training_ops.sgd_momentum_update_op, (tf.constant(np.ones(3, np.float32)), tf.constant(0.1)),
                 {"variable": v, "m": m, "momentum": 0.9, "nesterov": False})


SHAPE_CASES = {"adam_update": [_adam_case], "sgd_momentum_update": [_momentum_case]}


def numpy_adam(var, m, v, g, alpha, c1, c2, eps):
    m = m + (g - m) * c1
    v = v + (g * g - v) * c2
    return var - alpha * m / (np.sqrt(v) + eps), m, v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_update_matches_formula(dtype):
    rng = np.random.default_rng(0)
    var0, g = rng.normal(size=(7, 3)).astype(dtype), rng.normal(size=(7, 3)).astype(dtype)
    v, m, s = tf.Variable(var0), tf.Variable(np.zeros((7, 3), dtype)), tf.Variable(np.zeros((7, 3), dtype))
    expected = (var0, np.zeros_like(var0), np.zeros_like(var0))
    for step in range(3):
        alpha = 0.01 * np.sqrt(1 - 0.999 ** (step + 1)) / (1 - 0.9 ** (step + 1))
        apply(training_ops.adam_update_op, (tf.constant(g), tf.constant(np.asarray(alpha, dtype))),
              {"variable": v, "m": m, "v": s, "one_minus_beta_1": 0.1, "one_minus_beta_2": 0.001,
               "epsilon": 1e-7})
        expected = numpy_adam(*expected, g, alpha, 0.1, 0.001, 1e-7)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for got, want in zip((v, m, s), expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_update_matches_keras_formula(nesterov):
    var0, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.5, -1.0])
    v, m = tf.Variable(var0), tf.Variable(np.zeros(3))
    var, mom = var0.copy(), np.zeros(3)
    for _ in range(3):
        apply(training_ops.sgd_momentum_update_op, (tf.constant(g), tf.constant(np.float64(0.1))),
              {"variable": v, "m": m, "momentum": 0.9, "nesterov": nesterov})
        mom = mom * 0.9 - g * 0.1
        var = var + (mom * 0.9 - g * 0.1 if nesterov else mom)
    np.testing.assert_allclose(v.numpy(), var, rtol=1e-12)
    np.testing.assert_allclose(m.numpy(), mom, rtol=1e-12)


def test_update_never_changes_a_tensor_read_earlier():
    v, m, s = tf.Variable(np.ones(5)), tf.Variable(np.zeros(5)), tf.Variable(np.zeros(5))
    before = v.read_value()
    apply(training_ops.adam_update_op, (tf.constant(np.ones(5)), tf.constant(np.float64(0.1))),
          {"variable": v, "m": m, "v": s, "one_minus_beta_1": 0.1, "one_minus_beta_2": 0.001, "epsilon": 1e-7})
    np.testing.assert_array_equal(before.numpy(), np.ones(5))
    assert not np.allclose(v.numpy(), 1.0)


def test_update_is_in_place_when_nobody_else_holds_the_array():
    v, m, s = tf.Variable(np.ones(5)), tf.Variable(np.zeros(5)), tf.Variable(np.zeros(5))
    identity = id(v._value)
    apply(training_ops.adam_update_op, (tf.constant(np.ones(5)), tf.constant(np.float64(0.1))),
          {"variable": v, "m": m, "v": s, "one_minus_beta_1": 0.1, "one_minus_beta_2": 0.001, "epsilon": 1e-7})
    assert id(v._value) == identity


def _numpy_only(monkeypatch):
    """Make every update take its NumPy path (as on a machine without a C compiler)."""
    monkeypatch.setattr(kernels, "_kernel", lambda *args: None)


@pytest.mark.skipif(not cjit.available(), reason="no C compiler")
@pytest.mark.parametrize("n", [7, 5000, kernels.PARALLEL_MIN + 3])  # one thread, and split across threads
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_updates_equal_numpy_versions_bit_for_bit(monkeypatch, n, dtype):
    rng = np.random.default_rng(3)
    base = [rng.normal(size=n).astype(dtype) for _ in range(2)] + [np.abs(rng.normal(size=n)).astype(dtype)]
    g = rng.normal(size=n).astype(dtype)
    compiled = [a.copy() for a in base]
    kernels.adam(*compiled, g, 1e-3, 0.1, 0.001, 1e-7)
    momentum = {}
    for nesterov in (False, True):
        momentum[nesterov] = [base[0].copy(), base[1].copy()]
        kernels.sgd_momentum(*momentum[nesterov], g, 0.01, 0.9, nesterov)
    assert kernels._kernel("adam", np.dtype(dtype), 4, "TTTT") is not None
    with monkeypatch.context() as patch:
        _numpy_only(patch)
        plain = [a.copy() for a in base]
        kernels.adam(*plain, g, 1e-3, 0.1, 0.001, 1e-7)
        for a, b in zip(compiled, plain):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(plain[0], base[0])
        for nesterov in (False, True):
            var, m = base[0].copy(), base[1].copy()
            kernels.sgd_momentum(var, m, g, 0.01, 0.9, nesterov)
            np.testing.assert_array_equal(momentum[nesterov][0], var)
            np.testing.assert_array_equal(momentum[nesterov][1], m)


def test_updates_of_non_contiguous_gradients_and_other_dtypes(monkeypatch):
    rng = np.random.default_rng(4)
    g = rng.normal(size=(6, 4)).astype(np.float32).T  # a transposed (non-contiguous) gradient
    var, m, v = (np.ones((4, 6), np.float32), np.zeros((4, 6), np.float32), np.zeros((4, 6), np.float32))
    kernels.adam(var, m, v, g, 0.1, 0.1, 0.001, 1e-7)
    np.testing.assert_allclose(m, 0.1 * g, rtol=1e-6)
    np.testing.assert_allclose(var, 1 - 0.1 * (0.1 * g) / (np.sqrt(0.001 * g * g) + 1e-7), rtol=1e-5)
    half = np.ones(3, np.float16), np.zeros(3, np.float16)
    kernels.sgd_momentum(*half, np.ones(3, np.float16), 0.5, 0.0, False)  # no kernel: NumPy
    np.testing.assert_array_equal(half[0], np.full(3, 0.5, np.float16))
