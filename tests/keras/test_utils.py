"""keras.utils: to_categorical and normalize against NumPy, set_random_seed's reproducibility."""
import doctest
import random

import numpy as np
import pytest

import cornu as tf
from cornu.keras import utils


# -- to_categorical ---------------------------------------------------------------------------------------
def test_to_categorical_matches_identity_rows():
    y = [0, 2, 1, 3, 3]
    out = utils.to_categorical(y)
    assert out.dtype == np.float64 and out.shape == (5, 4)
    np.testing.assert_array_equal(out, np.eye(4)[y])


def test_to_categorical_num_classes_and_shapes():
    y = np.array([1, 0, 2])
    np.testing.assert_array_equal(utils.to_categorical(y, num_classes=5), np.eye(5)[y])
    # (n, 1) labels: the trailing 1 is dropped, as in Keras
    col = y.reshape(3, 1)
    assert utils.to_categorical(col, 3).shape == (3, 3)
    np.testing.assert_array_equal(utils.to_categorical(col, 3), np.eye(3)[y])
    # higher rank labels keep their shape
    grid = np.array([[0, 1, 2], [2, 1, 0]])
    out = utils.to_categorical(grid, num_classes=3)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out, np.eye(3)[grid])
    # a scalar label and float labels (cast to int)
    np.testing.assert_array_equal(utils.to_categorical(2, num_classes=4), [0, 0, 1, 0])
    np.testing.assert_array_equal(utils.to_categorical([1.0, 0.0]), [[0, 1], [1, 0]])
    with pytest.raises(IndexError):
        utils.to_categorical([0, 5], num_classes=3)


def test_to_categorical_tensor_input_gives_tensor():
    out = utils.to_categorical(tf.constant([[2], [0]]), num_classes=3)
    assert isinstance(out, tf.Tensor) and out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(utils.to_categorical(tf.constant([1, 0])).numpy(), [[0, 1], [1, 0]])


def test_to_categorical_from_tf_namespace():
    assert tf.keras.utils.to_categorical is utils.to_categorical


# -- normalize -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_normalize_matches_numpy(order, axis):
    x = np.random.default_rng(0).normal(size=(4, 5))
    norm = np.sum(np.abs(x) ** order, axis=axis, keepdims=True) ** (1.0 / order)
    np.testing.assert_allclose(utils.normalize(x, axis=axis, order=order), x / norm, rtol=1e-12)


def test_normalize_defaults_zero_rows_and_rank3():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [-1.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0.0, 0.0], [-1.0, 0.0]])
    x3 = np.random.default_rng(1).normal(size=(2, 3, 4))
    out = utils.normalize(x3, axis=1)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), np.ones((2, 4)))
    np.testing.assert_allclose(utils.normalize([[1, 1]]), [[2 ** -0.5, 2 ** -0.5]])  # ints and lists


@pytest.mark.parametrize("order", [1, 2])
def test_normalize_tensor(order):
    x = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    out = utils.normalize(tf.constant(x), order=order)
    assert isinstance(out, tf.Tensor)
    want = x / np.sum(np.abs(x) ** order, axis=-1, keepdims=True) ** (1.0 / order)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5)
    # differentiable: the L2-normalized vector's gradient of its sum is orthogonal to it
    v = tf.Variable(x[0])
    with tf.GradientTape() as tape:
        s = tf.reduce_sum(utils.normalize(v, axis=0))
    g = tape.gradient(s, v).numpy()
    if order == 2:
        assert abs(float(np.dot(g, x[0]))) < 1e-5
    zero = utils.normalize(tf.zeros((1, 3)), order=order).numpy()
    np.testing.assert_array_equal(zero, np.zeros((1, 3)))


# -- set_random_seed -------------------------------------------------------------------------------------------
def _draws():
    layer = tf.keras.layers.Dense(3)
    layer.build((None, 2))
    return (random.random(), float(np.random.rand()), tf.random.normal((3,)).numpy().tolist(),
            layer.kernel.numpy().tolist())


def test_set_random_seed_repeats_python_numpy_and_cornu():
    utils.set_random_seed(123)
    first = _draws()
    utils.set_random_seed(123)
    assert _draws() == first
    utils.set_random_seed(124)
    other = _draws()
    assert all(a != b for a, b in zip(first, other))
    # the same streams as seeding each library by hand
    utils.set_random_seed(7)
    py, npv = random.random(), np.random.rand()
    random.seed(7)
    np.random.seed(7)
    assert (py, npv) == (random.random(), np.random.rand())
    assert tf.random.get_global_seed() == 7


@pytest.mark.parametrize("bad", [1.5, "1", None, True])
def test_set_random_seed_needs_an_int(bad):
    with pytest.raises(ValueError, match="integer"):
        utils.set_random_seed(bad)


def test_set_random_seed_makes_fit_repeat():
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    def train():
        utils.set_random_seed(42)
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="relu"),
                                     tf.keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss=tf.keras.losses.MeanSquaredError())
        history = model.fit(x, y, epochs=2, batch_size=4, shuffle=True, verbose=0)
        return history.history["loss"], [w.tolist() for w in model.get_weights()]
    assert train() == train()


@pytest.mark.parametrize("module", ["numerical_utils", "rng_utils"])
def test_docstring_examples(module):
    import importlib
    mod = importlib.import_module(f"cornu.keras.utils.{module}")
    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0
