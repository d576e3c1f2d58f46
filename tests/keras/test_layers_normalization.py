"""BatchNormalization and LayerNormalization: values against NumPy, moving statistics, training vs
inference, frozen layers, gradients against finite differences, configs."""
import numpy as np
import pytest

import cornu as tf
from tests.keras.layer_harness import check_gradients, check_layer

L = tf.keras.layers


def rand(*shape, seed=0, dtype="float32", scale=1.0, shift=0.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale + shift).astype(dtype)


def names(layer):
    return [w.name.split("/")[-1].split(":")[0] for w in layer.weights]


def _bn_reference(x, mean, var, gamma, beta, eps, axes):
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]
    sizes = [x.shape[a] for a in axes]
    r = lambda v: np.broadcast_to(np.asarray(v, dtype=x.dtype), sizes).reshape(shape)  # noqa: E731
    return r(gamma) * (x - r(mean)) / np.sqrt(r(var) + eps) + r(beta)


# -- BatchNormalization -------------------------------------------------------------------------------------
def test_batch_norm_weights_and_config():
    x = rand(4, 3)
    out = check_layer(L.BatchNormalization, x, (4, 3), expected_num_weights=4, expected_num_trainable=2)
    # inference with fresh moving statistics (0, 1): x / sqrt(1 + eps)
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    layer = L.BatchNormalization()
    layer(x)
    assert names(layer) == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, True, False, False]
    config = layer.get_config()
    assert (config["axis"], config["momentum"], config["epsilon"], config["center"], config["scale"]) == (
        -1, 0.99, 1e-3, True, True)
    for key, cls in (("gamma_initializer", "Ones"), ("beta_initializer", "Zeros"),
                     ("moving_mean_initializer", "Zeros"), ("moving_variance_initializer", "Ones")):
        assert config[key]["class_name"] == cls
    check_layer(lambda: L.BatchNormalization(center=False), x, (4, 3), expected_num_weights=3,
                expected_num_trainable=1)
    plain = L.BatchNormalization(center=False, scale=False)
    plain(x)
    assert names(plain) == ["moving_mean", "moving_variance"] and plain.trainable_weights == []


def test_batch_norm_training_uses_batch_statistics_and_updates_moving_averages():
    x = rand(16, 3, scale=2.0, shift=5.0)
    layer = L.BatchNormalization(momentum=0.9, epsilon=1e-3, beta_initializer="ones",
                                 gamma_initializer=tf.keras.initializers.Constant(2.0))
    y = layer(x, training=True).numpy()
    mean, var = x.mean(axis=0), x.var(axis=0)  # the biased variance, as Keras 3
    np.testing.assert_allclose(y, 2.0 * (x - mean) / np.sqrt(var + 1e-3) + 1.0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.9 * 0 + 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 * 1 + 0.1 * var, rtol=1e-5)
    # a second step updates from there
    x2 = rand(16, 3, seed=1, shift=-1.0)
    layer(x2, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.9 * (0.1 * mean) + 0.1 * x2.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 * (0.9 + 0.1 * var) + 0.1 * x2.var(0),
                               rtol=1e-5)
    # inference uses the moving statistics and changes nothing
    mm, mv = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    y_inf = layer(x).numpy()
    np.testing.assert_allclose(y_inf, _bn_reference(x, mm, mv, 2.0, 1.0, 1e-3, [1]), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mm)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), y_inf)


def test_batch_norm_moving_update_is_outside_the_gradient():
    x = tf.constant(rand(8, 2))
    layer = L.BatchNormalization()
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(layer(x, training=True) * tf.constant(rand(8, 2, seed=4)))
    grads = tape.gradient(loss, [x] + layer.trainable_weights + layer.non_trainable_weights)
    assert all(g is not None for g in grads[:3])
    assert grads[3] is None and grads[4] is None  # moving statistics get no gradient


def test_batch_norm_frozen_runs_in_inference_mode():
    x = rand(8, 3, shift=4.0)
    layer = L.BatchNormalization()
    layer(x)
    layer.trainable = False
    before = [w.numpy() for w in layer.weights]
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3), rtol=1e-5)  # moving statistics, not the batch's
    for w, b in zip(layer.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    assert names(layer) == ["gamma", "beta", "moving_mean", "moving_variance"]
    frozen = L.BatchNormalization(trainable=False)
    frozen(x, training=True)
    np.testing.assert_array_equal(frozen.moving_mean.numpy(), np.zeros(3))


@pytest.mark.parametrize("axis", [1, -1, [1, 3]])
def test_batch_norm_axes(axis):
    x = rand(4, 3, 2, 5, shift=1.0)
    layer = L.BatchNormalization(axis=axis, momentum=0.5)
    y = layer(x, training=True).numpy()
    axes = [a % 4 for a in (axis if isinstance(axis, list) else [axis])]
    reduce = tuple(i for i in range(4) if i not in axes)
    mean, var = x.mean(axis=reduce), x.var(axis=reduce)
    assert tuple(layer.gamma.shape) == tuple(x.shape[a] for a in axes)
    np.testing.assert_allclose(y, _bn_reference(x, mean, var, 1.0, 0.0, 1e-3, axes), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * mean, rtol=1e-5, atol=1e-7)
    check_layer(lambda: L.BatchNormalization(axis=axis), x, x.shape, expected_num_weights=4,
                expected_num_trainable=2)
    with pytest.raises(ValueError, match="incompatible"):
        layer(rand(4, 6, 2, 7))


def test_batch_norm_gradients():
    x = rand(5, 3, dtype="float64", shift=0.5)
    layer = L.BatchNormalization(dtype="float64", beta_initializer="ones",
                                 gamma_initializer=tf.keras.initializers.Constant(1.5))
    layer(x)
    check_gradients(layer, x, training=True, rtol=1e-5, atol=1e-6)
    layer.moving_mean.assign(np.array([0.3, -0.2, 0.1]))
    layer.moving_variance.assign(np.array([1.5, 0.5, 2.0]))
    check_gradients(layer, x, training=False)
    conv_like = L.BatchNormalization(axis=1, dtype="float64")
    data = rand(2, 2, 3, dtype="float64")
    conv_like(data)
    check_gradients(conv_like, data, training=True)


def test_batch_norm_mask():
    x = rand(2, 4, 3)
    mask = np.array([[True, True, False, False], [True, True, True, False]])
    layer = L.BatchNormalization(momentum=0.0)
    layer(tf.constant(x), training=True, mask=tf.constant(mask))
    kept = x[mask]  # (5, 3): only unmasked steps count
    np.testing.assert_allclose(layer.moving_mean.numpy(), kept.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), kept.var(0), rtol=1e-4)


def test_batch_norm_in_a_model_trained_with_fit():
    x = rand(64, 4, shift=3.0)
    y = rand(64, 1)
    model = tf.keras.Sequential([tf.keras.Input((4,)), L.BatchNormalization(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    bn = [layer for layer in model.layers if isinstance(layer, L.BatchNormalization)][0]
    moved = bn.moving_mean.numpy()
    assert np.all(moved > 0.1)  # four updates towards the batch means (about 3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moved)  # predict changes nothing


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="axis"):
        L.BatchNormalization(axis=3)(rand(2, 3))
    layer = L.BatchNormalization()
    layer(rand(2, 3))
    with pytest.raises(ValueError, match=r"batch_normalization.*incompatible.*axis 1 .*value 3.*\(2, 4\)"):
        layer(rand(2, 4))


# -- LayerNormalization ---------------------------------------------------------------------------------------
def _ln_reference(x, axes, eps=1e-3, gamma=1.0, beta=0.0):
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def test_layer_norm():
    x = rand(3, 4, 5, scale=3.0, shift=2.0)
    out = check_layer(L.LayerNormalization, x, (3, 4, 5), expected_num_weights=2, expected_num_trainable=2)
    np.testing.assert_allclose(out, _ln_reference(x, [2]), rtol=1e-4, atol=1e-5)
    layer = L.LayerNormalization(axis=[1, 2], epsilon=1e-5)
    y = layer(x).numpy()
    assert names(layer) == ["gamma", "beta"] and tuple(layer.gamma.shape) == (4, 5)
    gamma, beta = rand(4, 5, seed=1), rand(4, 5, seed=2)
    layer.set_weights([gamma, beta])
    np.testing.assert_allclose(layer(x).numpy(), _ln_reference(x, [1, 2], 1e-5, gamma, beta), rtol=1e-4,
                               atol=1e-5)
    assert y.shape == x.shape
    # the same in training and inference
    np.testing.assert_array_equal(layer(x, training=True).numpy(), layer(x).numpy())
    config = L.LayerNormalization().get_config()
    assert (config["axis"], config["epsilon"], config["center"], config["scale"]) == (-1, 1e-3, True, True)
    check_layer(lambda: L.LayerNormalization(axis=1, center=False), x, (3, 4, 5), expected_num_weights=1,
                expected_num_trainable=1)
    check_layer(lambda: L.LayerNormalization(scale=False, center=False), x, (3, 4, 5), expected_num_weights=0,
                expected_num_trainable=0)


def test_layer_norm_rms_scaling():
    x = rand(2, 6, shift=1.0)
    layer = L.LayerNormalization(rms_scaling=True)
    y = check_layer(lambda: L.LayerNormalization(rms_scaling=True), x, (2, 6), expected_num_weights=1,
                    expected_num_trainable=1)
    np.testing.assert_allclose(y, x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-3), rtol=1e-5)
    layer(x)
    assert names(layer) == ["gamma"]


def test_layer_norm_gradients():
    x = rand(2, 4, dtype="float64")
    layer = L.LayerNormalization(dtype="float64", beta_initializer="ones",
                                 gamma_initializer=tf.keras.initializers.Constant(0.7))
    layer(x)
    check_gradients(layer, x)
    multi = L.LayerNormalization(axis=[1, 2], dtype="float64")
    data = rand(2, 2, 3, dtype="float64")
    multi(data)
    check_gradients(multi, data)


def test_layer_norm_errors():
    with pytest.raises(TypeError, match="axis"):
        L.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="axis"):
        L.LayerNormalization(axis=2)(rand(2, 3))
