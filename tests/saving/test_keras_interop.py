"""Interoperability with real Keras 3: fixture files written by Keras (tests/saving/fixtures, made by
make_fixtures.py) load in cornu and predict what Keras predicted; when `keras` is importable, files go
both ways live (cornu saves -> Keras loads, and back). CI has no Keras: those tests skip."""
import importlib.util
import os
import pathlib

import numpy as np
import pytest

import cornu as tf

pytest.importorskip("h5py")
FIXTURES = pathlib.Path(__file__).parent / "fixtures"
L = tf.keras.layers


def _npz(name):
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as data:
        xs = [data[k] for k in sorted(k for k in data.files if k.startswith("x"))]
        ys = [data[k] for k in sorted(k for k in data.files if k.startswith("y"))]
    return (xs[0] if len(xs) == 1 else xs), ys


def _as_list(out):
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


@pytest.mark.parametrize("name", ["sequential_cnn", "functional_multi_io", "recurrent"])
def test_keras_fixture_loads_and_predicts_identically(name):
    model = tf.keras.models.load_model(FIXTURES / f"{name}.keras")
    x, expected = _npz(name)
    got = _as_list(model.predict(x, verbose=0))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5)
    assert model.compiled and int(model.optimizer.iterations.numpy()) > 0  # optimizer state restored


@pytest.mark.parametrize("name", ["sequential_cnn", "functional_multi_io", "recurrent"])
def test_keras_weights_file_loads_into_the_same_architecture(name):
    model = tf.keras.models.load_model(FIXTURES / f"{name}.keras", compile=False)
    for v in model.weights:
        v.assign(np.zeros(v.shape, v.dtype.name))
    model.load_weights(FIXTURES / f"{name}.weights.h5")
    x, expected = _npz(name)
    for g, e in zip(_as_list(model.predict(x, verbose=0)), expected):
        np.testing.assert_allclose(g, e, atol=1e-5)


def test_keras_fixture_config_layer_order_and_training_continue():
    model = tf.keras.models.load_model(FIXTURES / "functional_multi_io.keras")
    assert [layer.name for layer in model.layers][:2] == ["a", "b"]
    assert model.get_layer("inner").output_shape == (None, 2)
    (xa, xb), _ = _npz("functional_multi_io")
    before = model.optimizer.iterations.numpy()
    model.fit([xa, xb], [np.zeros((len(xa), 1), "float32"), np.zeros((len(xa), 2), "float32")], verbose=0)
    assert model.optimizer.iterations.numpy() == before + 1


# -- live round trips ---------------------------------------------------------------------------------
def _keras():
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed (pip install keras torch; KERAS_BACKEND=torch)")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except Exception as e:  # a Keras without a usable backend
        pytest.skip(f"keras cannot be imported: {e}")
    if not keras.__version__.startswith("3."):
        pytest.skip("needs Keras 3")
    return keras


LIVE_LAYERS = {
    "Dense": ((6,), lambda: L.Dense(3, activation="relu")),
    "Conv2D": ((6, 6, 2), lambda: L.Conv2D(2, 3, padding="same", strides=2)),
    "Conv2DTranspose": ((4, 4, 2), lambda: L.Conv2DTranspose(2, 3, strides=2)),
    "BatchNormalization": ((5,), lambda: L.BatchNormalization()),
    "LayerNormalization": ((5,), lambda: L.LayerNormalization()),
    "Embedding+LSTM": (("int", 5), lambda: [L.Embedding(10, 3, mask_zero=True), L.LSTM(4)]),
    "GRU": ((5, 3), lambda: L.GRU(4, return_sequences=True)),
    "Bidirectional": ((5, 3), lambda: L.Bidirectional(L.LSTM(2))),
    "TimeDistributed": ((5, 3), lambda: L.TimeDistributed(L.Dense(2))),
    "StackedRNNCells": ((5, 3), lambda: L.RNN([L.SimpleRNNCell(2), L.GRUCell(3)])),
    "PReLU": ((4,), lambda: L.PReLU()),
    "SpatialDropout1D": ((4, 3), lambda: L.SpatialDropout1D(0.1)),
    "Resizing": ((4, 4, 2), lambda: L.Resizing(2, 2)),
}


@pytest.mark.parametrize("name", sorted(LIVE_LAYERS))
def test_live_cornu_to_keras_and_back(name, tmp_path):
    keras = _keras()
    shape, make = LIVE_LAYERS[name]
    rng = np.random.default_rng(0)
    if shape[0] == "int":
        inp, x = tf.keras.Input((shape[1],), dtype="int32"), rng.integers(0, 10, (3, shape[1])).astype("int32")
        x[0, 3:] = 0
    else:
        inp, x = tf.keras.Input(shape), rng.random((3,) + shape).astype("float32")
    layers = make()
    model = tf.keras.Sequential([inp] + (layers if isinstance(layers, list) else [layers]))
    for v in model.non_trainable_weights:  # e.g. BatchNormalization's statistics: not the initial ones
        v.assign(rng.random(tuple(v.shape)).astype(v.dtype.name) + 0.5)
    model.save(tmp_path / "cornu.keras")
    keras_model = keras.models.load_model(tmp_path / "cornu.keras")
    np.testing.assert_allclose(np.asarray(keras_model.predict(x, verbose=0)), model.predict(x, verbose=0),
                               atol=1e-5)
    keras_model.save(tmp_path / "keras.keras")
    back = tf.keras.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)


def test_live_functional_with_optimizer_state_trains_identically_in_keras(tmp_path):
    keras = _keras()
    rng = np.random.default_rng(1)
    a, b = tf.keras.Input((4,), name="a"), tf.keras.Input((3,), name="b")
    shared = L.Dense(5, name="shared")
    inner_in = tf.keras.Input((5,))
    inner = tf.keras.Model(inner_in, L.Dense(2)(inner_in), name="inner")
    x = L.Concatenate()([shared(L.Dense(5)(a)), shared(L.Dense(5)(b))])
    model = tf.keras.Model([a, b], [L.Dense(1, name="o1")(x), inner(shared(L.Dense(5)(x)))])
    model.compile(tf.keras.optimizers.Adam(0.01), ["mse", "mse"])
    xs = [rng.random((8, 4)).astype("float32"), rng.random((8, 3)).astype("float32")]
    ys = [rng.random((8, 1)).astype("float32"), rng.random((8, 2)).astype("float32")]
    model.fit(xs, ys, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "f.keras")
    keras_model = keras.models.load_model(tmp_path / "f.keras")
    from cornu.saving.functional_config import keras_layer_order
    assert [layer.name for layer in keras_model.layers] == [layer.name for layer in keras_layer_order(model)]
    keras_model.fit(xs, ys, epochs=1, batch_size=4, verbose=0, shuffle=False)
    model.fit(xs, ys, epochs=1, batch_size=4, verbose=0, shuffle=False)
    for k, c in zip(keras_model.predict(xs, verbose=0), model.predict(xs, verbose=0)):
        np.testing.assert_allclose(np.asarray(k), c, atol=1e-5)


def test_live_subclassed_model_both_ways(tmp_path):
    keras = _keras()

    class CornuNet(tf.keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = L.Dense(units, activation="relu")
            self.out = L.Dense(1)
            self.blocks = [L.Dense(2), L.Dense(2)]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.out(self.hidden(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class KerasNet(keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = keras.layers.Dense(units, activation="relu")
            self.out = keras.layers.Dense(1)
            self.blocks = [keras.layers.Dense(2), keras.layers.Dense(2)]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.out(self.hidden(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    x = np.random.default_rng(2).random((4, 5)).astype("float32")
    model = CornuNet(units=4)
    model.compile("adam", "mse")
    model.fit(x, np.ones((4, 1), "float32"), verbose=0)
    model.save(tmp_path / "c.keras")
    keras_model = keras.models.load_model(tmp_path / "c.keras", custom_objects={"CornuNet": KerasNet})
    np.testing.assert_allclose(np.asarray(keras_model.predict(x, verbose=0)), model.predict(x, verbose=0),
                               atol=1e-5)
    keras_model.save(tmp_path / "k.keras")
    back = tf.keras.models.load_model(tmp_path / "k.keras", custom_objects={"KerasNet": CornuNet})
    assert back.units == 4
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
