"""Core, reshaping, regularization, activation and embedding layers: shapes, values against NumPy,
gradients against finite differences, training vs inference, masking, configs and errors."""
import numpy as np
import pytest

import cornu as tf
from tests.keras.layer_harness import check_gradients, check_layer

L = tf.keras.layers


def rand(*shape, seed=0, dtype="float32", low=-1.0, high=1.0):
    """Data away from 0 (the kink of relu-like functions)."""
    x = np.random.default_rng(seed).uniform(low, high, size=shape)
    x = np.where(np.abs(x) < 0.05, 0.1, x)
    return x.astype(dtype)


def names(layer):
    return [w.name.split("/")[-1].split(":")[0] for w in layer.weights]


def double(x):  # module level, so a Lambda config can name it
    return x * 2.0


def scaled(x, factor=1.0):
    return x * factor


def needs_values(x):
    return tf.constant(x.numpy() * 3.0)  # works on real tensors only


# -- harness -----------------------------------------------------------------------------------------
class _WrongShapeRule(L.Layer):
    def call(self, x):
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (1,)


class _UnregisteredLayer(L.Layer):
    def call(self, x):
        return x * 2.0


class _WrongInputGradient(L.Layer):
    def call(self, x):
        @tf.custom_gradient
        def twice(t):
            return t * 2.0, lambda g: g * 3.0
        return twice(x)


class _WrongWeightGradient(L.Layer):
    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.w + x * tf.stop_gradient(self.w)  # autodiff misses half of d/dw


def test_harness_catches_wrong_gradients():
    x = rand(2, 3, dtype="float64")
    with pytest.raises(AssertionError, match="input 0"):
        check_gradients(_WrongInputGradient(dtype="float64"), x)
    layer = _WrongWeightGradient(dtype="float64")
    layer(x)
    with pytest.raises(AssertionError, match="weight"):
        check_gradients(layer, x, wrt_inputs=False)


def test_harness_catches_broken_layers():
    x = rand(2, 3)
    with pytest.raises(AssertionError, match="output shape"):
        check_layer(L.Identity, x, (2, 4), expected_num_weights=0, expected_num_trainable=0)
    with pytest.raises(AssertionError, match="weights"):
        check_layer(lambda: L.Dense(2), x, (2, 2), expected_num_weights=1, expected_num_trainable=1)
    with pytest.raises(AssertionError, match="compute_output_shape"):
        check_layer(_WrongShapeRule, x, (2, 3), expected_num_weights=0, expected_num_trainable=0)
    with pytest.raises(ValueError, match="Unknown layer"):
        check_layer(_UnregisteredLayer, x, (2, 3), expected_num_weights=0, expected_num_trainable=0)


# -- Dense, Identity, Masking ---------------------------------------------------------------------------
def test_dense():
    x = rand(3, 4)
    layer = L.Dense(2, activation="tanh")
    out = check_layer(lambda: L.Dense(2, activation="tanh", kernel_initializer="ones"), x, (3, 2),
                      expected_num_weights=2, expected_num_trainable=2)
    np.testing.assert_allclose(out, np.tanh(x @ np.ones((4, 2))), rtol=1e-5)
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert names(layer) == ["kernel", "bias"]
    np.testing.assert_allclose(y.numpy(), np.tanh(x @ kernel + bias), rtol=1e-5, atol=1e-6)
    check_layer(lambda: L.Dense(2), rand(2, 3, 4), (2, 3, 2), expected_num_weights=2, expected_num_trainable=2)
    g = L.Dense(3, activation="sigmoid", bias_initializer="glorot_uniform", dtype="float64")
    g(rand(2, 4, dtype="float64"))
    check_gradients(g, rand(2, 4, dtype="float64"))


def test_identity_and_masking():
    x = rand(2, 3)
    np.testing.assert_array_equal(check_layer(L.Identity, x, (2, 3), expected_num_weights=0,
                                              expected_num_trainable=0), x)
    data = rand(2, 4, 3)
    data[0, 1] = 0.0
    data[1, 3] = 0.0
    out = check_layer(L.Masking, data, (2, 4, 3), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_array_equal(out, data)
    mask = L.Masking()(tf.constant(data))._keras_mask.numpy()
    np.testing.assert_array_equal(mask, np.any(data != 0, axis=-1))
    data2 = data.copy()
    data2[0, 2] = -1.0
    masking = L.Masking(mask_value=-1.0)
    out2 = masking(tf.constant(data2)).numpy()
    assert masking.get_config()["mask_value"] == -1.0
    np.testing.assert_array_equal(out2[0, 2], 0.0)
    np.testing.assert_array_equal(masking.compute_mask(tf.constant(data2)).numpy()[0], [True, True, False, True])


# -- Activation and activation layers -------------------------------------------------------------------
def test_activation():
    x = rand(2, 5)
    out = check_layer(lambda: L.Activation("relu"), x, (2, 5), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    np.testing.assert_allclose(L.Activation("tanh")(x).numpy(), np.tanh(x), rtol=1e-6)
    np.testing.assert_allclose(L.Activation(tf.keras.activations.sigmoid)(x).numpy(), 1 / (1 + np.exp(-x)),
                               rtol=1e-6)
    assert L.Activation("relu").get_config()["activation"] == "relu"
    assert L.Activation(None)(x).numpy() is not None  # None is linear, as in Keras
    with pytest.raises(ValueError, match="activation"):
        L.Activation("no_such_activation")
    layer = L.Activation("softplus", dtype="float64")
    check_gradients(layer, rand(2, 3, dtype="float64"))


def _relu_reference(x, max_value=None, negative_slope=0.0, threshold=0.0):
    y = np.where(x >= threshold, x, negative_slope * (x - threshold))
    return y if max_value is None else np.minimum(y, max_value)


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 0.5}, {"negative_slope": 0.1},
                                    {"threshold": 0.3}, {"max_value": 0.6, "negative_slope": 0.2, "threshold": 0.25},
                                    {"max_value": 6.0}])
def test_relu_layer(kwargs):
    x = rand(3, 8, low=-2, high=2) * 4
    out = check_layer(lambda: L.ReLU(**kwargs), x, (3, 8), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_allclose(out, _relu_reference(x, **kwargs), rtol=1e-6, atol=1e-7)
    config = L.ReLU(**kwargs).get_config()
    assert {k: config[k] for k in ("max_value", "negative_slope", "threshold")} == {
        "max_value": kwargs.get("max_value"), "negative_slope": kwargs.get("negative_slope", 0.0),
        "threshold": kwargs.get("threshold", 0.0)}
    # away from the kinks at 0, threshold and max_value
    layer = L.ReLU(dtype="float64", **kwargs)
    data = np.array([[-1.3, -0.7, 0.15, 0.4, 0.45, 0.9, 7.0]])
    check_gradients(layer, data)


def test_relu_errors():
    for kwargs, word in (({"max_value": -1.0}, "max_value"), ({"negative_slope": -0.1}, "negative_slope"),
                         ({"threshold": -1.0}, "threshold")):
        with pytest.raises(ValueError, match=word):
            L.ReLU(**kwargs)


def test_leaky_relu():
    x = rand(2, 6)
    out = check_layer(L.LeakyReLU, x, (2, 6), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_allclose(out, np.where(x > 0, x, 0.3 * x), rtol=1e-6)  # Keras 3's default slope
    assert L.LeakyReLU().get_config()["negative_slope"] == 0.3
    np.testing.assert_allclose(L.LeakyReLU(alpha=0.1)(x).numpy(), np.where(x > 0, x, 0.1 * x), rtol=1e-6)
    with pytest.raises(ValueError, match="negative_slope"):
        L.LeakyReLU(negative_slope=-1)
    check_gradients(L.LeakyReLU(0.2, dtype="float64"), rand(2, 3, dtype="float64"))


def test_prelu():
    x = rand(2, 3, 4)
    out = check_layer(L.PReLU, x, (2, 3, 4), expected_num_weights=1, expected_num_trainable=1)
    np.testing.assert_array_equal(out, np.maximum(x, 0))  # alpha starts at zero
    layer = L.PReLU(shared_axes=[1])
    layer(x)
    assert names(layer) == ["alpha"] and tuple(layer.alpha.shape) == (1, 4)
    alpha = rand(1, 4, seed=5)
    layer.set_weights([alpha])
    np.testing.assert_allclose(layer(x).numpy(), np.where(x > 0, x, alpha * x), rtol=1e-6)
    check_layer(lambda: L.PReLU(alpha_initializer="ones", shared_axes=(1, 2)), x, (2, 3, 4),
                expected_num_weights=1, expected_num_trainable=1)
    assert L.PReLU(shared_axes=2).get_config()["shared_axes"] == [2]
    g = L.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.25), dtype="float64")
    data = rand(2, 3, dtype="float64")
    g(data)
    check_gradients(g, data)
    with pytest.raises(ValueError, match="incompatible"):
        layer(rand(2, 3, 5))


def test_elu():
    x = rand(2, 5, low=-3, high=3)
    out = check_layer(L.ELU, x, (2, 5), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_allclose(out, np.where(x > 0, x, np.expm1(x)), rtol=1e-5, atol=1e-7)
    layer = L.ELU(alpha=0.5)
    np.testing.assert_allclose(layer(x).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-5, atol=1e-7)
    assert layer.get_config()["alpha"] == 0.5
    check_gradients(L.ELU(alpha=0.7, dtype="float64"), rand(2, 3, dtype="float64"))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_softmax():
    x = rand(2, 3, 4) * 3
    out = check_layer(L.Softmax, x, (2, 3, 4), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_allclose(out, _softmax(x), rtol=1e-5)
    np.testing.assert_allclose(L.Softmax(axis=1)(x).numpy(), _softmax(x, axis=1), rtol=1e-5)
    np.testing.assert_allclose(L.Softmax(axis=[1, 2])(x).numpy(),
                               np.exp(x) / np.exp(x).sum(axis=(1, 2), keepdims=True), rtol=1e-5)
    assert L.Softmax(axis=[1, 2]).get_config()["axis"] == [1, 2]
    check_gradients(L.Softmax(dtype="float64"), rand(2, 4, dtype="float64"))


def test_softmax_mask():
    x = rand(2, 4) * 3
    mask = np.array([[True, True, False, True], [False, True, True, True]])
    y = L.Softmax()(tf.constant(x), mask=tf.constant(mask)).numpy()
    expected = np.where(mask, np.exp(x), 0)
    expected /= expected.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-7)
    # a mask of lower rank covers whole rows; a mask from an Embedding propagates into it
    ids = np.array([[3, 1, 0]])
    emb = L.Embedding(5, 4, mask_zero=True)
    out = L.Softmax()(emb(tf.constant(ids))).numpy()
    np.testing.assert_allclose(out[0, 2], 0.0)
    np.testing.assert_allclose(out[0, :2].sum(axis=-1), [1.0, 1.0], rtol=1e-6)


# -- reshaping --------------------------------------------------------------------------------------------
def test_flatten():
    x = rand(2, 3, 4, 5)
    out = check_layer(L.Flatten, x, (2, 60), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_array_equal(out, x.reshape(2, -1))
    first = L.Flatten(data_format="channels_first")
    np.testing.assert_array_equal(first(x).numpy(), np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))
    assert first.get_config()["data_format"] == "channels_first"
    assert L.Flatten().get_config()["data_format"] == "channels_last"
    np.testing.assert_array_equal(L.Flatten()(rand(3)).numpy(), rand(3).reshape(3, 1))
    inp = tf.keras.Input((None, 4))  # example size unknown until run time
    model = tf.keras.Model(inp, L.Flatten()(inp))
    assert model.output_shape == (None, None)
    seq = rand(2, 7, 4)
    np.testing.assert_array_equal(model(seq).numpy(), seq.reshape(2, -1))
    check_gradients(L.Flatten(dtype="float64"), rand(2, 2, 3, dtype="float64"))
    with pytest.raises(ValueError, match="data_format"):
        L.Flatten(data_format="NCHW")


def test_reshape():
    x = rand(2, 12)
    out = check_layer(lambda: L.Reshape((3, 4)), x, (2, 3, 4), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_array_equal(out, x.reshape(2, 3, 4))
    out = check_layer(lambda: L.Reshape((-1, 2)), x, (2, 6, 2), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_array_equal(out, x.reshape(2, 6, 2))
    assert L.Reshape((-1, 2)).get_config()["target_shape"] == (-1, 2)
    inp = tf.keras.Input((None, 3))
    model = tf.keras.Model(inp, L.Reshape((-1,))(inp))
    assert model.output_shape == (None, None)
    np.testing.assert_array_equal(model(rand(2, 4, 3)).numpy(), rand(2, 4, 3).reshape(2, 12))
    check_gradients(L.Reshape((3, 2), dtype="float64"), rand(2, 6, dtype="float64"))
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"total size.*\(2, 12\).*\(5,\)"):
        L.Reshape((5,))(x)
    with pytest.raises(ValueError, match="total size"):
        L.Reshape((5, -1))(x)
    with pytest.raises(ValueError, match="total size"):
        L.Reshape((5,))(tf.keras.Input((12,)))


def test_permute():
    x = rand(2, 3, 4, 5)
    out = check_layer(lambda: L.Permute((3, 1, 2)), x, (2, 5, 3, 4), expected_num_weights=0,
                      expected_num_trainable=0)
    np.testing.assert_array_equal(out, np.transpose(x, (0, 3, 1, 2)))
    assert L.Permute((2, 1)).get_config()["dims"] == (2, 1)
    check_gradients(L.Permute((2, 1), dtype="float64"), rand(2, 2, 3, dtype="float64"))
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match="expected ndim=3"):
        L.Permute((2, 1))(x)


def test_repeat_vector():
    x = rand(2, 3)
    out = check_layer(lambda: L.RepeatVector(4), x, (2, 4, 3), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_array_equal(out, np.repeat(x[:, None, :], 4, axis=1))
    assert L.RepeatVector(4).get_config()["n"] == 4
    check_gradients(L.RepeatVector(3, dtype="float64"), rand(2, 2, dtype="float64"))
    with pytest.raises(TypeError, match="n"):
        L.RepeatVector(2.5)
    with pytest.raises(ValueError, match="expected ndim=2"):
        L.RepeatVector(2)(rand(2, 3, 4))


# -- Lambda ------------------------------------------------------------------------------------------------
def test_lambda():
    x = rand(2, 3)
    out = check_layer(lambda: L.Lambda(double), x, (2, 3), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_allclose(out, 2 * x)
    config = L.Lambda(double).get_config()
    assert config["function"]["config"] == "double" and config["function"]["class_name"] == "function"
    out = check_layer(lambda: L.Lambda(scaled, arguments={"factor": 3.0}), x, (2, 3), expected_num_weights=0,
                      expected_num_trainable=0)
    np.testing.assert_allclose(out, 3 * x, rtol=1e-6)
    assert L.Lambda(tf.keras.activations.relu).get_config()["function"] == "relu"
    # a lambda works in a model; its config names it but it cannot be restored
    anon = L.Lambda(lambda t: t + 1.0)
    inp = tf.keras.Input((3,))
    np.testing.assert_allclose(tf.keras.Model(inp, anon(inp))(x).numpy(), x + 1, rtol=1e-6)
    with pytest.raises(ValueError, match="anonymous lambda"):
        L.Lambda.from_config(anon.get_config())
    restored = L.Lambda.from_config(anon.get_config(), custom_objects={"<lambda>": anon.function})
    np.testing.assert_allclose(restored(x).numpy(), x + 1, rtol=1e-6)
    with pytest.raises(ValueError, match="custom_objects"):
        L.Lambda.from_config({"function": {"module": "no.such.module", "class_name": "function",
                                           "config": "f", "registered_name": "f"}})
    with pytest.raises(TypeError, match="callable"):
        L.Lambda(3)
    check_gradients(L.Lambda(lambda t: tf.sin(t) * t, dtype="float64"), rand(2, 3, dtype="float64"))


def test_lambda_output_shape_mask_and_training():
    x = rand(2, 3)
    inp = tf.keras.Input((3,))
    out = L.Lambda(needs_values, output_shape=(3,))(inp)  # the function is not run symbolically
    assert tuple(out.shape) == (None, 3)
    np.testing.assert_allclose(tf.keras.Model(inp, out)(x).numpy(), 3 * x, rtol=1e-6)
    assert L.Lambda(double, output_shape=(3,)).compute_output_shape((None, 3)) == (None, 3)
    assert L.Lambda(double, output_shape=lambda s: s).compute_output_shape((None, 3)) == (None, 3)
    seen = {}

    def fn(t, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return t

    layer = L.Lambda(fn, mask=lambda t, m: tf.not_equal(t, 0.0))
    y = layer(tf.constant(x), training=True)
    assert seen["training"] is True
    np.testing.assert_array_equal(y._keras_mask.numpy(), x != 0)


# -- regularization ----------------------------------------------------------------------------------------
def test_dropout_inference_is_identity():
    x = rand(4, 5)
    out = check_layer(lambda: L.Dropout(0.5), x, (4, 5), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(L.Dropout(0.5)(x, training=False).numpy(), x)
    config = L.Dropout(0.2, noise_shape=(None, 1), seed=3).get_config()
    assert (config["rate"], config["noise_shape"], config["seed"]) == (0.2, (None, 1), 3)


def test_dropout_training():
    x = np.ones((200, 50), "float32")
    layer = L.Dropout(0.3, seed=1)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.02
    y2 = layer(x, training=True).numpy()
    assert not np.array_equal(y, y2)  # a fresh draw on every call
    tf.random.set_seed(5)
    a = L.Dropout(0.5)(x, training=True).numpy()
    tf.random.set_seed(5)
    b = L.Dropout(0.5)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    shared = L.Dropout(0.5, noise_shape=(None, 1))(x, training=True).numpy()
    assert np.all(shared == shared[:, :1])  # one draw per row
    np.testing.assert_array_equal(L.Dropout(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(L.Dropout(1.0)(x, training=True).numpy(), 0 * x)
    # the gradient is the mask: d(sum(y * p))/dx = p * y / x
    data = tf.constant(rand(3, 4, dtype="float64"))
    drop = L.Dropout(0.5, dtype="float64")
    p = tf.constant(rand(3, 4, seed=2, dtype="float64"))
    with tf.GradientTape() as tape:
        tape.watch(data)
        out = drop(data, training=True)
        loss = tf.reduce_sum(out * p)
    np.testing.assert_allclose(tape.gradient(loss, data).numpy(), p.numpy() * out.numpy() / data.numpy(),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="rate"):
        L.Dropout(1.5)


def test_dropout_in_models():
    x = np.ones((8, 30), "float32")
    inp = tf.keras.Input((30,))
    model = tf.keras.Model(inp, L.Dropout(0.5)(inp))
    np.testing.assert_array_equal(model(x).numpy(), x)
    assert (model(x, training=True).numpy() == 0).any()
    seq = tf.keras.Sequential([tf.keras.Input((30,)), L.Dense(4), L.Dropout(0.5)])
    np.testing.assert_array_equal(seq(x).numpy(), seq(x).numpy())
    sym = L.Dropout(0.5)(inp, training=True)  # training fixed at call time (Monte Carlo dropout)
    assert tuple(sym.shape) == (None, 30)


def test_spatial_dropout():
    x = np.ones((20, 6, 8), "float32")
    out = check_layer(lambda: L.SpatialDropout1D(0.5), x, (20, 6, 8), expected_num_weights=0,
                      expected_num_trainable=0)
    np.testing.assert_array_equal(out, x)
    y = L.SpatialDropout1D(0.5, seed=0)(x, training=True).numpy()
    assert np.all(y == y[:, :1, :]) and (y == 0).any() and (y == 2).any()
    x4 = np.ones((10, 3, 4, 6), "float32")
    y = L.SpatialDropout2D(0.5, seed=0)(x4, training=True).numpy()
    assert np.all(y == y[:, :1, :1, :]) and (y == 0).any()
    y = L.SpatialDropout2D(0.5, data_format="channels_first", seed=0)(x4, training=True).numpy()
    assert np.all(y == y[:, :, :1, :1]) and (y == 0).any()
    check_layer(lambda: L.SpatialDropout2D(0.3, data_format="channels_first"), x4, (10, 3, 4, 6),
                expected_num_weights=0, expected_num_trainable=0)
    assert L.SpatialDropout2D(0.3).get_config()["data_format"] == "channels_last"
    y = L.SpatialDropout3D(0.5, seed=0)(np.ones((4, 2, 2, 2, 5), "float32"), training=True).numpy()
    assert np.all(y == y[:, :1, :1, :1, :])
    with pytest.raises(ValueError, match="expected ndim=3"):
        L.SpatialDropout1D(0.5)(x4)


def test_gaussian_noise():
    x = np.zeros((400, 50), "float32")
    out = check_layer(lambda: L.GaussianNoise(0.5), x[:4], (4, 50), expected_num_weights=0,
                      expected_num_trainable=0)
    np.testing.assert_array_equal(out, x[:4])
    y = L.GaussianNoise(0.5, seed=2)(x, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.std() - 0.5) < 0.01
    assert L.GaussianNoise(0.5, seed=2).get_config()["stddev"] == 0.5
    inp = tf.keras.Input((50,))
    model = tf.keras.Model(inp, L.GaussianNoise(0.5)(inp))
    assert model(x, training=True).numpy().std() > 0.4 and model(x).numpy().std() == 0
    data = tf.constant(rand(2, 3, dtype="float64"))
    with tf.GradientTape() as tape:
        tape.watch(data)
        loss = tf.reduce_sum(L.GaussianNoise(0.3, dtype="float64")(data, training=True) * data)
    np.testing.assert_allclose(tape.gradient(loss, data).numpy(), 2 * data.numpy() + 0 * data.numpy(),
                               atol=1.0)  # d/dx (x + n) x = 2x + n; n ~ N(0, 0.3)
    with pytest.raises(ValueError, match="stddev"):
        L.GaussianNoise(-1)


def test_gaussian_dropout_and_activity_regularization():
    x = np.ones((400, 50), "float32")
    np.testing.assert_array_equal(L.GaussianDropout(0.2)(x).numpy(), x)
    y = L.GaussianDropout(0.2, seed=0)(x, training=True).numpy()
    assert abs(y.mean() - 1) < 0.01 and abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.01
    check_layer(lambda: L.GaussianDropout(0.2), x[:2], (2, 50), expected_num_weights=0, expected_num_trainable=0)
    layer = L.ActivityRegularization(l1=0.1, l2=0.01)
    data = rand(2, 3)
    np.testing.assert_array_equal(layer(data).numpy(), data)
    expected = (0.1 * np.abs(data).sum() + 0.01 * (data ** 2).sum()) / 2
    np.testing.assert_allclose(float(tf.add_n(layer.losses)), expected, rtol=1e-5)
    check_layer(lambda: L.ActivityRegularization(l1=0.1), data, (2, 3), expected_num_weights=0,
                expected_num_trainable=0)


# -- Embedding -----------------------------------------------------------------------------------------------
def test_embedding_values_and_config():
    ids = np.array([[0, 3, 9], [4, 4, 1]], "int32")
    out = check_layer(lambda: L.Embedding(10, 4), ids, (2, 3, 4), expected_num_weights=1, expected_num_trainable=1)
    layer = L.Embedding(10, 4)
    y = layer(ids).numpy()
    table = layer.embeddings.numpy()
    assert names(layer) == ["embeddings"] and table.shape == (10, 4)
    np.testing.assert_array_equal(y, table[ids])
    assert out.shape == (2, 3, 4) and np.abs(table).max() <= 0.05  # RandomUniform(-0.05, 0.05)
    config = layer.get_config()
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert config["embeddings_initializer"]["config"]["minval"] == -0.05
    assert (config["input_dim"], config["output_dim"], config["mask_zero"]) == (10, 4, False)
    np.testing.assert_array_equal(layer(ids.astype("float32")).numpy(), y)  # float ids are cast
    weights = rand(5, 2)
    np.testing.assert_array_equal(L.Embedding(5, 2, weights=[weights])(np.array([[4]])).numpy()[0, 0], weights[4])
    with pytest.raises(ValueError, match="input_dim"):
        L.Embedding(0, 3)
    with pytest.raises(Exception, match=r"Embedding .*input_dim=10.*index 12"):
        layer(np.array([[12]]))


def test_embedding_gradient():
    layer = L.Embedding(6, 3, embeddings_initializer="glorot_uniform", dtype="float64")
    ids = np.array([[1, 5, 1], [0, 2, 1]])
    layer(ids)
    check_gradients(layer, ids)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(ids))
    grad = tape.gradient(loss, layer.embeddings).numpy()
    np.testing.assert_array_equal(grad[:, 0], [1, 3, 1, 0, 0, 1])  # how often each row was picked


def test_mask_propagates_through_mask_supporting_layers():
    ids = np.array([[3, 1, 0, 0]])
    hidden = L.Embedding(5, 2, mask_zero=True)(tf.constant(ids))
    for layer in (L.Activation("relu"), L.Dropout(0.5), L.LayerNormalization(), L.Dense(3)):
        mask = getattr(layer(hidden), "_keras_mask", None)
        assert mask is not None, type(layer).__name__
        np.testing.assert_array_equal(mask.numpy(), ids != 0)


def test_embedding_mask_zero():
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])
    layer = L.Embedding(5, 2, mask_zero=True)
    y = layer(ids)
    np.testing.assert_array_equal(y._keras_mask.numpy(), ids != 0)
    np.testing.assert_array_equal(layer.compute_mask(tf.constant(ids)).numpy(), ids != 0)
    assert layer.get_config()["mask_zero"] is True
    assert L.Embedding(5, 2).compute_mask(tf.constant(ids)) is None
    # in a functional model the mask is built symbolically and replayed on real data
    inp = tf.keras.Input((4,), dtype="int32")
    model = tf.keras.Model(inp, L.Softmax()(L.Embedding(5, 2, mask_zero=True)(inp)))
    out = model(ids).numpy()
    np.testing.assert_array_equal(out[ids == 0], 0.0)
    np.testing.assert_allclose(out[ids != 0].sum(axis=-1), 1.0, rtol=1e-6)
    check_layer(lambda: L.Embedding(5, 2, mask_zero=True), ids, (2, 4, 2), expected_num_weights=1,
                expected_num_trainable=1)
