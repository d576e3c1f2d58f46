"""Models in all three styles (Sequential, functional, subclassed), summary() and weights."""
import numpy as np
import pytest

import cornu as tf

layers = tf.keras.layers


@pytest.fixture(autouse=True)
def fresh_names():
    tf.keras.backend.clear_session()


def mlp():
    return tf.keras.Sequential([tf.keras.Input((28, 28)), layers.Flatten(),
                                layers.Dense(512, activation="relu"), layers.Dense(512, activation="relu"),
                                layers.Dense(10)])


def test_sequential_summary_matches_keras_counts(capsys):
    model = mlp()
    model.summary()
    text = capsys.readouterr().out
    assert 'Model: "sequential"' in text
    assert "dense (Dense)" in text and "(None, 512)" in text and "401,920" in text
    assert "262,656" in text and "5,130" in text
    assert "Total params: 669,706 (2.55 MB)" in text
    assert "Trainable params: 669,706" in text and "Non-trainable params: 0 (0.00 B)" in text
    assert "InputLayer" not in text  # Keras 3's Sequential summary lists no input row
    assert model.count_params() == 669706


def test_cnn_summary_counts():
    model = tf.keras.Sequential([tf.keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                                 layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10)])
    assert [l.count_params() for l in model.layers] == [320, 18496, 0, 0, 1179776, 1290]
    assert model.count_params() == 1199882
    assert model.output_shape == (None, 10)


def test_batchnorm_counts_as_non_trainable(capsys):
    model = tf.keras.Sequential([tf.keras.Input((4,)), layers.Dense(3), layers.BatchNormalization()])
    model.summary()
    text = capsys.readouterr().out
    assert "Total params: 27" in text and "Trainable params: 21" in text and "Non-trainable params: 6" in text


def test_sequential_add_pop_and_lazy_build():
    model = tf.keras.Sequential()
    model.add(layers.Dense(4, activation="relu"))
    model.add(layers.Dense(2))
    assert not model.built
    with pytest.raises(ValueError, match="not been built"):
        model.summary()
    out = model(np.ones((3, 5), np.float32))
    assert out.shape == (3, 2) and model.built
    assert model.input_shape == (None, 5) and model.output_shape == (None, 2)
    assert len(model.weights) == 4
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and len(model.layers) == 1


def test_input_shape_keyword_builds_immediately():
    model = tf.keras.Sequential([layers.Dense(8, input_shape=(3,)), layers.Dense(1)])
    assert model.built and model.output_shape == (None, 1)
    assert model.count_params() == 3 * 8 + 8 + 8 + 1


def test_functional_multi_input_multi_output():
    a, b = tf.keras.Input((4,), name="a"), tf.keras.Input((3,), name="b")
    merged = layers.Concatenate()([layers.Dense(5)(a), b])
    out1 = layers.Dense(1, name="score")(merged)
    out2 = layers.Dense(3, activation="softmax", name="klass")(merged)
    model = tf.keras.Model([a, b], [out1, out2])
    xa, xb = np.random.rand(6, 4).astype("float32"), np.random.rand(6, 3).astype("float32")
    y1, y2 = model([xa, xb])
    assert y1.shape == (6, 1) and y2.shape == (6, 3)
    np.testing.assert_allclose(y2.numpy().sum(axis=1), 1, rtol=1e-5)
    # the same computation by hand from the weights
    k0, b0 = model.get_layer("dense").get_weights()
    m = np.concatenate([xa @ k0 + b0, xb], axis=1)
    k1, b1 = model.get_layer("score").get_weights()
    np.testing.assert_allclose(y1.numpy(), m @ k1 + b1, rtol=1e-5, atol=1e-6)
    y1d, _ = model({"a": xa, "b": xb})
    np.testing.assert_allclose(y1d.numpy(), y1.numpy())


def test_shared_tower_counts_weights_once_and_applies_same_weights():
    tower = layers.Dense(8, activation="tanh")
    left, right = tf.keras.Input((5,)), tf.keras.Input((5,))
    model = tf.keras.Model([left, right], layers.Subtract()([tower(left), tower(right)]))
    assert model.count_params() == 5 * 8 + 8
    x = np.random.rand(2, 5).astype("float32")
    np.testing.assert_allclose(model([x, x]).numpy(), 0, atol=1e-7)


def test_nested_model_as_layer():
    inner_in = tf.keras.Input((4,))
    inner = tf.keras.Model(inner_in, layers.Dense(3, activation="relu")(inner_in), name="inner")
    outer_in = tf.keras.Input((4,))
    outer = tf.keras.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    assert outer.count_params() == 4 * 3 + 3 + 3 + 1
    x = np.random.rand(2, 4).astype("float32")
    expected = outer.layers[-1](inner(x))
    np.testing.assert_allclose(outer(x).numpy(), expected.numpy(), rtol=1e-6)


def test_ops_on_symbolic_tensors_become_part_of_the_model():
    inp = tf.keras.Input((3,))
    out = tf.reduce_sum(layers.Dense(2)(inp) * 2.0, axis=1, keepdims=True)
    model = tf.keras.Model(inp, out)
    x = np.random.rand(4, 3).astype("float32")
    k, b = model.layers[1].get_weights()
    np.testing.assert_allclose(model(x).numpy(), ((x @ k + b) * 2).sum(1, keepdims=True), rtol=1e-5)


def test_graph_disconnected_error():
    a, b = tf.keras.Input((2,)), tf.keras.Input((2,))
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        tf.keras.Model(a, out)


def test_subclassed_model():
    class TwoLayer(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(1)

        def call(self, x, training=False):
            return self.out(self.hidden(x))

    model = TwoLayer()
    y = model(np.ones((2, 3), np.float32))
    assert y.shape == (2, 1)
    assert len(model.trainable_weights) == 4 and model.count_params() == 3 * 4 + 4 + 4 + 1
    assert [l.name for l in model.layers] == [model.hidden.name, model.out.name]


def test_layer_input_check_names_layer_and_shapes():
    model = tf.keras.Sequential([tf.keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r'dense.*expected axis -1.*value 4.*\(3, 5\)'):
        model(np.ones((3, 5), np.float32))


def test_get_set_weights_round_trip():
    a, b = mlp(), mlp()
    b.set_weights(a.get_weights())
    x = np.random.rand(2, 28, 28).astype("float32")
    np.testing.assert_allclose(a.predict(x, verbose=0), b.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        b.layers[-1].set_weights([np.zeros((3, 3)), np.zeros(10)])


def test_freezing_a_layer():
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(4), layers.Dense(1)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    frozen = model.layers[0].get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.random.rand(16, 3), np.random.rand(16, 1), epochs=2, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)


def test_regularization_losses_are_collected():
    layer = layers.Dense(2, kernel_regularizer=tf.keras.regularizers.L2(0.1), kernel_initializer="ones")
    layer(np.ones((1, 3), np.float32))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 0.1 * 6, rtol=1e-6)
