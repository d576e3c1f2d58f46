"""Activations against NumPy formulas (float64), Keras's relu options, gradients, get / serialize."""
import math

import numpy as np
import pytest

import cornu as tf
from cornu.keras import activations as A

X = np.concatenate([np.linspace(-8, 8, 161), [-100.0, -3.0, 3.0, 100.0]])
ERF = np.vectorize(math.erf)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def softplus(x):
    return np.logaddexp(x, 0.0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "softplus": softplus,
    "softsign": lambda x: x / (np.abs(x) + 1),
    "silu": lambda x: x * sigmoid(x),
    "swish": lambda x: x * sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1 + ERF(x / math.sqrt(2))),
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "exponential": lambda x: np.exp(np.minimum(x, 50)),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_swish": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "mish": lambda x: x * np.tanh(softplus(x)),
    "linear": lambda x: x,
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_elementwise_against_formula(name):
    fn = A.get(name)
    x = np.minimum(X, 50) if name == "exponential" else X
    got = fn(tf.constant(x))
    got = got.numpy() if isinstance(got, tf.Tensor) else np.asarray(got)
    # cornu's erf is a rational approximation (|error| < 1.5e-7), hence gelu's looser tolerance
    atol = 1e-6 if name == "gelu" else 1e-7
    np.testing.assert_allclose(got, REFERENCES[name](x), rtol=1e-6, atol=atol, err_msg=name)
    # float32 in, float32 out; Python lists are accepted
    out32 = fn(tf.constant(x.astype(np.float32)))
    assert out32.dtype == tf.float32
    if name != "linear":
        assert isinstance(fn([0.5, -0.5]), tf.Tensor)


def test_gelu_approximate():
    x = X
    ref = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(A.gelu(tf.constant(x), approximate=True).numpy(), ref, rtol=1e-6, atol=1e-7)


def test_elu_alpha():
    x = X
    np.testing.assert_allclose(A.elu(tf.constant(x), alpha=0.5).numpy(),
                               np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0))), rtol=1e-12)


def test_leaky_relu_slope():
    np.testing.assert_allclose(A.leaky_relu(tf.constant(X), negative_slope=0.01).numpy(),
                               np.where(X > 0, X, 0.01 * X))


def test_relu_options_as_keras():
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    # the examples of Keras 3's docstring
    np.testing.assert_array_equal(A.relu(x).numpy(), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(x, negative_slope=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(x, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(A.relu(x, threshold=5.0).numpy(), [0, 0, 0, 0, 10])
    np.testing.assert_array_equal(A.relu(x, max_value=6).numpy(), [0, 0, 0, 5, 6])


@pytest.mark.parametrize("slope,max_value,threshold", [
    (0.0, None, 0.0), (0.1, None, 0.0), (0.0, 3.0, 0.0), (0.0, None, 1.5), (0.2, 4.0, 0.0),
    (0.3, None, -1.0), (0.25, 2.0, 1.0), (0.0, 6.0, 0.0), (0.1, 6.0, 0.5)])
def test_relu_general_formula(slope, max_value, threshold):
    x = X
    # Keras 3: x above the threshold (capped at max_value), slope * (x - threshold) below it
    y = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    y = y - slope * np.maximum(threshold - x, 0.0)
    got = A.relu(tf.constant(x), negative_slope=slope, max_value=max_value, threshold=threshold).numpy()
    np.testing.assert_allclose(got, y, rtol=1e-12, atol=1e-12)


def test_softmax_and_log_softmax():
    x = np.random.default_rng(0).normal(size=(3, 4, 5)) * 10
    for axis in (-1, 0, 1):
        np.testing.assert_allclose(A.softmax(tf.constant(x), axis=axis).numpy(), softmax(x, axis), rtol=1e-10)
        np.testing.assert_allclose(A.log_softmax(tf.constant(x), axis=axis).numpy(),
                                   np.log(softmax(x, axis)), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(A.softmax(tf.constant([0.0, 1000.0])).numpy(), [0.0, 1.0])


def test_crelu():
    x = np.array([[-1.0, 2.0]])
    np.testing.assert_array_equal(A.crelu(tf.constant(x)).numpy(), [[0, 2, 1, 0]])


@pytest.mark.parametrize("name", ["hard_sigmoid", "hard_silu", "mish", "selu", "elu", "gelu", "softsign", "silu"])
def test_gradients_match_finite_differences(name):
    x = tf.constant(np.array([-2.7, -1.1, -0.3, 0.4, 1.3, 2.2]))  # away from the kinks
    theory, numeric = tf.test.compute_gradient(A.get(name), [x])
    # gelu's forward uses an approximate erf (error 1.5e-7) while its gradient is exact
    atol = 1e-6 if name == "gelu" else 1e-7
    np.testing.assert_allclose(theory[0], numeric[0], rtol=1e-5, atol=atol)


def test_relu_options_gradient():
    x = tf.constant(np.array([-2.5, -0.7, 0.6, 1.9, 3.5]))
    fn = lambda t: A.relu(t, negative_slope=0.2, max_value=3.0, threshold=0.5)  # noqa: E731
    theory, numeric = tf.test.compute_gradient(fn, [x])
    np.testing.assert_allclose(theory[0], numeric[0], rtol=1e-5, atol=1e-7)


def test_get():
    assert A.get(None) is A.linear
    assert A.get("relu") is A.relu
    assert A.get("swish") is A.silu and A.swish is A.silu
    assert A.get("hard_swish") is A.hard_silu
    for name in ("sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu", "softplus", "softsign",
                 "exponential", "hard_sigmoid", "leaky_relu", "relu6", "log_softmax", "mish", "silu"):
        assert callable(A.get(name)) and A.get(name).__name__ == name

    def custom(x):
        return x * 2

    assert A.get(custom) is custom
    with pytest.raises(ValueError, match="Could not interpret activation"):
        A.get("relux")
    with pytest.raises(ValueError, match="Could not interpret activation"):
        A.get(5)


def test_serialize_deserialize():
    assert A.serialize(A.relu) == "relu"
    assert A.serialize(A.swish) == "silu"
    assert A.serialize(A.get("linear")) == "linear"
    for name in ("relu", "softmax", "gelu", "hard_sigmoid", "swish"):
        assert A.deserialize(A.serialize(A.get(name))) is A.get(name)

    def custom(x):
        return x

    data = A.serialize(custom)
    assert data["class_name"] == "function" and data["config"] == "custom"
    assert A.deserialize(data, custom_objects={"custom": custom}) is custom
    assert A.get({"class_name": "function", "config": "relu"}) is A.relu
    with pytest.raises(ValueError):
        A.deserialize("no_such_activation")
