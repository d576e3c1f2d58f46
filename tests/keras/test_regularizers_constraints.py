"""Regularizers and constraints against NumPy formulas; get / serialize / config."""
import numpy as np
import pytest

import cornu as tf
from cornu.keras import constraints as C
from cornu.keras import optimizers
from cornu.keras import regularizers as R

W = np.random.default_rng(0).normal(size=(4, 5))
W4 = np.random.default_rng(1).normal(size=(3, 3, 2, 4))


# -- regularizers ------------------------------------------------------------------------------------
def test_l1_l2_l1l2_formulas():
    x = tf.constant(W)
    assert float(R.L1(0.3)(x)) == pytest.approx(0.3 * np.abs(W).sum())
    assert float(R.L2(0.1)(x)) == pytest.approx(0.1 * (W ** 2).sum())
    assert float(R.L1L2(l1=0.3, l2=0.1)(x)) == pytest.approx(0.3 * np.abs(W).sum() + 0.1 * (W ** 2).sum())
    assert float(R.L1L2(l2=0.1)(x)) == pytest.approx(0.1 * (W ** 2).sum())
    assert float(R.L1L2()(x)) == 0.0
    assert float(R.L2(2.0)(tf.ones((5, 5)))) == 50.0  # Keras's docstring example
    out = R.L2()(tf.constant(W.astype(np.float32)))
    assert out.shape == () and out.dtype == tf.float32
    assert R.L2()(x).dtype == tf.float64


def test_defaults_match_keras_3():
    assert R.L1().l1 == 0.01
    assert R.L2().l2 == 0.01
    assert (R.L1L2().l1, R.L1L2().l2) == (0.0, 0.0)
    assert R.L2(None).l2 == 0.01


def test_regularizer_gradients_flow():
    w = tf.Variable(W)
    with tf.GradientTape() as tape:
        loss = R.L1L2(l1=0.2, l2=0.3)(w)
    g = tape.gradient(loss, w)
    np.testing.assert_allclose(g.numpy(), 0.2 * np.sign(W) + 0.6 * W)


def test_orthogonal_regularizer():
    def reference(x, factor, mode):
        x = x / np.linalg.norm(x, axis=1 if mode == "rows" else 0, keepdims=True)
        product = x @ x.T if mode == "rows" else x.T @ x
        n = product.shape[0]
        return factor * 0.5 * np.abs(product * (1 - np.eye(n))).sum() / (n * (n - 1) / 2)

    for mode in ("rows", "columns"):
        got = float(R.OrthogonalRegularizer(0.1, mode)(tf.constant(W)))
        assert got == pytest.approx(reference(W, 0.1, mode))
    assert float(R.OrthogonalRegularizer()(tf.eye(4))) == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="rank 2"):
        R.OrthogonalRegularizer()(tf.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="mode"):
        R.OrthogonalRegularizer(mode="diagonal")


def test_validation():
    for bad in (-0.1, float("inf"), float("nan"), "0.1"):
        with pytest.raises(ValueError, match="non-negative"):
            R.L2(bad)
    with pytest.raises(ValueError, match="l1"):
        R.L1L2(l1=-1.0)


def test_regularizer_get():
    assert type(R.get("l1")) is R.L1 and R.get("l1").l1 == 0.01
    assert type(R.get("l2")) is R.L2 and R.get("l2").l2 == 0.01
    both = R.get("l1_l2")
    assert type(both) is R.L1L2 and (both.l1, both.l2) == (0.01, 0.01)
    assert type(R.get("L1L2")) is R.L1L2 and type(R.get("L2")) is R.L2
    assert type(R.get("orthogonal_regularizer")) is R.OrthogonalRegularizer
    assert R.get(None) is None
    reg = R.L2(0.5)
    assert R.get(reg) is reg
    assert R.get({"class_name": "L2", "config": {"l2": 0.3}}).l2 == 0.3

    def custom(x):
        return tf.reduce_sum(x)

    assert R.get(custom) is custom
    with pytest.raises(ValueError, match="Could not interpret"):
        R.get("l3")


def test_regularizer_config_round_trip():
    for obj in (R.L1(0.2), R.L2(0.3), R.L1L2(0.1, 0.2), R.OrthogonalRegularizer(0.5, "columns")):
        config = obj.get_config()
        assert type(obj).from_config(config).get_config() == config
        data = R.serialize(obj)
        assert data["module"] == "keras.regularizers" and data["class_name"] == type(obj).__name__
        assert R.deserialize(data).get_config() == config
    assert R.L2(0.3).get_config() == {"l2": 0.3}
    assert R.L1L2(0.1, 0.2).get_config() == {"l1": 0.1, "l2": 0.2}
    with pytest.raises(NotImplementedError):
        R.Regularizer().get_config()
    assert R.Regularizer()(tf.ones((2,))) == 0.0


# -- constraints -----------------------------------------------------------------------------------
def np_norms(w, axis):
    return np.sqrt((w ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("w,axis", [(W, 0), (W, 1), (W4, [0, 1, 2]), (W4, 3)])
def test_max_norm(w, axis):
    for max_value in (2, 0.5):
        norms = np_norms(w, tuple(axis) if isinstance(axis, list) else axis)
        expected = w * np.clip(norms, 0, max_value) / (1e-7 + norms)
        got = C.MaxNorm(max_value, axis)(tf.constant(w)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        assert np.all(np_norms(got, tuple(axis) if isinstance(axis, list) else axis) <= max_value + 1e-9)


@pytest.mark.parametrize("w,axis", [(W, 0), (W, 1), (W4, [0, 1, 2])])
def test_unit_norm_and_min_max_norm(w, axis):
    ax = tuple(axis) if isinstance(axis, list) else axis
    norms = np_norms(w, ax)
    got = C.UnitNorm(axis)(tf.constant(w)).numpy()
    np.testing.assert_allclose(got, w / (1e-7 + norms), rtol=1e-12)
    np.testing.assert_allclose(np_norms(got, ax), 1.0, rtol=1e-6)
    for min_value, max_value, rate in [(0.5, 1.5, 1.0), (1.0, 2.0, 0.3), (0.0, 1.0, 1.0)]:
        desired = rate * np.clip(norms, min_value, max_value) + (1 - rate) * norms
        got = C.MinMaxNorm(min_value, max_value, rate, axis)(tf.constant(w)).numpy()
        np.testing.assert_allclose(got, w * desired / (1e-7 + norms), rtol=1e-12)


def test_non_neg_and_defaults():
    np.testing.assert_array_equal(C.NonNeg()(tf.constant(W)).numpy(), np.maximum(W, 0))
    assert (C.MaxNorm().max_value, C.MaxNorm().axis) == (2, 0)
    assert C.UnitNorm().axis == 0
    m = C.MinMaxNorm()
    assert (m.min_value, m.max_value, m.rate, m.axis) == (0.0, 1.0, 1.0, 0)
    w = tf.constant([1.0, 2.0])
    assert C.Constraint()(w) is w


def test_constraint_on_a_variable_with_an_optimizer():
    w = tf.Variable(np.array([[3.0, 0.1], [4.0, 0.1]]), constraint=C.MaxNorm(1.0))
    optimizers.SGD(learning_rate=0.0).apply_gradients([(tf.zeros((2, 2), tf.float64), w)])
    np.testing.assert_allclose(np_norms(w.numpy(), 0), [[1.0, np.sqrt(0.02)]], rtol=1e-6)


def test_constraint_get_and_config():
    for name, cls in [("max_norm", C.MaxNorm), ("non_neg", C.NonNeg), ("unit_norm", C.UnitNorm),
                      ("min_max_norm", C.MinMaxNorm), ("MaxNorm", C.MaxNorm), ("NonNeg", C.NonNeg)]:
        assert type(C.get(name)) is cls
    assert C.get(None) is None
    c = C.UnitNorm(1)
    assert C.get(c) is c
    with pytest.raises(ValueError, match="Unknown constraint"):
        C.get("positive")
    for obj in (C.MaxNorm(3, 1), C.NonNeg(), C.UnitNorm([0, 1]), C.MinMaxNorm(0.1, 0.9, 0.5, 1)):
        config = obj.get_config()
        assert type(obj).from_config(config).get_config() == config
        data = C.serialize(obj)
        assert data["module"] == "keras.constraints" and data["class_name"] == type(obj).__name__
        assert C.deserialize(data).get_config() == config
    assert C.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
