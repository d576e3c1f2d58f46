"""The `.keras` format: every layer, optimizer and model kind round-trips through a file exactly, the
file is Keras 3's (config.json / metadata.json / model.weights.h5 with Keras's layout), and training
resumes exactly where it stopped."""
import inspect
import json
import zipfile

import numpy as np
import pytest

import cornu as tf
from cornu.saving import layout

h5py = pytest.importorskip("h5py")
L = tf.keras.layers


@tf.keras.saving.register_keras_serializable(package="cornu_tests")
def times_two(x):
    return x * 2.0


def _float(shape):
    return ("float", shape)


# name -> (input specs, function building the outputs from the input tensors)
LAYER_CASES = {
    "Activation": ([_float((4,))], lambda x: L.Activation("tanh")(x)),
    "ActivityRegularization": ([_float((4,))], lambda x: L.ActivityRegularization(0.1, 0.2)(x)),
    "Add": ([_float((3,)), _float((3,))], lambda a, b: L.Add()([a, b])),
    "Average": ([_float((3,)), _float((3,))], lambda a, b: L.Average()([a, b])),
    "AveragePooling1D": ([_float((6, 2))], lambda x: L.AveragePooling1D(2)(x)),
    "AveragePooling2D": ([_float((4, 4, 2))], lambda x: L.AveragePooling2D()(x)),
    "BatchNormalization": ([_float((5,))], lambda x: L.BatchNormalization(momentum=0.9)(x)),
    "Bidirectional": ([_float((5, 3))], lambda x: L.Bidirectional(L.LSTM(2, return_sequences=True))(x)),
    "CenterCrop": ([_float((5, 5, 2))], lambda x: L.CenterCrop(3, 3)(x)),
    "Concatenate": ([_float((3,)), _float((2,))], lambda a, b: L.Concatenate()([a, b])),
    "Conv1D": ([_float((8, 3))], lambda x: L.Conv1D(4, 3, padding="same", activation="relu")(x)),
    "Conv2D": ([_float((6, 6, 2))], lambda x: L.Conv2D(3, 3, strides=2, kernel_regularizer="l2")(x)),
    "Conv2DTranspose": ([_float((3, 3, 2))], lambda x: L.Conv2DTranspose(2, 3, strides=2)(x)),
    "Dense": ([_float((6,))], lambda x: L.Dense(3, activation="relu", kernel_constraint="max_norm")(x)),
    "Dot": ([_float((3,)), _float((3,))], lambda a, b: L.Dot(axes=1, normalize=True)([a, b])),
    "Dropout": ([_float((5,))], lambda x: L.Dropout(0.3, seed=1)(x)),
    "ELU": ([_float((4,))], lambda x: L.ELU(0.5)(x)),
    "Embedding": ([("int", (5,))], lambda x: L.Embedding(10, 3)(x)),
    "Flatten": ([_float((2, 3))], lambda x: L.Flatten()(x)),
    "GRU": ([_float((5, 3))], lambda x: L.GRU(4, reset_after=True)(x)),
    "GaussianDropout": ([_float((4,))], lambda x: L.GaussianDropout(0.2)(x)),
    "GaussianNoise": ([_float((4,))], lambda x: L.GaussianNoise(0.2)(x)),
    "GlobalAveragePooling1D": ([_float((4, 2))], lambda x: L.GlobalAveragePooling1D()(x)),
    "GlobalAveragePooling2D": ([_float((4, 4, 2))], lambda x: L.GlobalAveragePooling2D()(x)),
    "GlobalMaxPooling1D": ([_float((4, 2))], lambda x: L.GlobalMaxPooling1D()(x)),
    "GlobalMaxPooling2D": ([_float((4, 4, 2))], lambda x: L.GlobalMaxPooling2D()(x)),
    "Identity": ([_float((4,))], lambda x: L.Identity()(x)),
    "LSTM": ([_float((5, 3))], lambda x: L.LSTM(4, return_sequences=True, go_backwards=True)(x)),
    "Lambda": ([_float((4,))], lambda x: L.Lambda(times_two)(x)),
    "LayerNormalization": ([_float((5,))], lambda x: L.LayerNormalization(epsilon=1e-4)(x)),
    "LeakyReLU": ([_float((4,))], lambda x: L.LeakyReLU(0.2)(x)),
    "Masking": ([_float((5, 3))], lambda x: L.LSTM(2)(L.Masking()(x))),
    "MaxPooling1D": ([_float((6, 2))], lambda x: L.MaxPooling1D(2)(x)),
    "MaxPooling2D": ([_float((4, 4, 2))], lambda x: L.MaxPooling2D()(x)),
    "Maximum": ([_float((3,)), _float((3,))], lambda a, b: L.Maximum()([a, b])),
    "Minimum": ([_float((3,)), _float((3,))], lambda a, b: L.Minimum()([a, b])),
    "Multiply": ([_float((3,)), _float((3,))], lambda a, b: L.Multiply()([a, b])),
    "Normalization": ([_float((4,))], lambda x: _adapted_normalization()(x)),
    "PReLU": ([_float((4,))], lambda x: L.PReLU()(x)),
    "Permute": ([_float((2, 3))], lambda x: L.Permute((2, 1))(x)),
    "RNN": ([_float((5, 3))], lambda x: L.RNN(L.LSTMCell(3), return_sequences=True)(x)),
    "RandomContrast": ([_float((4, 4, 2))], lambda x: L.RandomContrast(0.2)(x)),
    "RandomCrop": ([_float((4, 4, 2))], lambda x: L.RandomCrop(2, 2)(x)),
    "RandomFlip": ([_float((4, 4, 2))], lambda x: L.RandomFlip("horizontal")(x)),
    "RandomRotation": ([_float((4, 4, 2))], lambda x: L.RandomRotation(0.1)(x)),
    "RandomTranslation": ([_float((4, 4, 2))], lambda x: L.RandomTranslation(0.1, 0.2)(x)),
    "RandomZoom": ([_float((4, 4, 2))], lambda x: L.RandomZoom(0.1)(x)),
    "ReLU": ([_float((4,))], lambda x: L.ReLU(max_value=1.0)(x)),
    "RepeatVector": ([_float((3,))], lambda x: L.RepeatVector(2)(x)),
    "Rescaling": ([_float((4,))], lambda x: L.Rescaling(0.5, 1.0)(x)),
    "Reshape": ([_float((6,))], lambda x: L.Reshape((2, 3))(x)),
    "Resizing": ([_float((4, 4, 2))], lambda x: L.Resizing(2, 3)(x)),
    "SimpleRNN": ([_float((5, 3))], lambda x: L.SimpleRNN(4)(x)),
    "Softmax": ([_float((4,))], lambda x: L.Softmax()(x)),
    "SpatialDropout1D": ([_float((4, 3))], lambda x: L.SpatialDropout1D(0.1)(x)),
    "SpatialDropout2D": ([_float((4, 4, 3))], lambda x: L.SpatialDropout2D(0.1)(x)),
    "SpatialDropout3D": ([_float((2, 2, 2, 3))], lambda x: L.SpatialDropout3D(0.1)(x)),
    "StackedRNNCells": ([_float((5, 3))], lambda x: L.RNN(L.StackedRNNCells(
        [L.SimpleRNNCell(2), L.GRUCell(3), L.LSTMCell(2)]))(x)),
    "Subtract": ([_float((3,)), _float((3,))], lambda a, b: L.Subtract()([a, b])),
    "TimeDistributed": ([_float((5, 3))], lambda x: L.TimeDistributed(L.Dense(2))(x)),
    "UpSampling2D": ([_float((2, 2, 2))], lambda x: L.UpSampling2D()(x)),
    "ZeroPadding2D": ([_float((4, 4, 2))], lambda x: L.ZeroPadding2D(1)(x)),
}
COVERED_ELSEWHERE = {"Layer", "InputLayer", "SimpleRNNCell", "GRUCell", "LSTMCell"}  # base / via RNN


def _adapted_normalization():
    layer = L.Normalization()
    layer.adapt(np.random.default_rng(0).random((20, 4)).astype("float32") * 3.0)
    return layer


def _inputs(specs, rng, batch=3):
    tensors, arrays = [], []
    for kind, shape in specs:
        if kind == "int":
            tensors.append(tf.keras.Input(shape, dtype="int32"))
            arrays.append(rng.integers(0, 10, (batch,) + shape).astype("int32"))
        else:
            tensors.append(tf.keras.Input(shape))
            arrays.append(rng.random((batch,) + shape).astype("float32"))
    return tensors, arrays


def _randomize(model, rng):
    """Weights away from their initial values (non-trainable ones too, e.g. moving statistics)."""
    for v in model.weights:
        if v.dtype.is_floating:
            v.assign(rng.random(tuple(v.shape)).astype(v.dtype.name) * 0.5 + 0.25)


def _outputs(model, arrays):
    out = model.predict(arrays if len(arrays) > 1 else arrays[0], verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def test_every_exported_layer_has_a_round_trip_case():
    exported = {v.__name__ for v in vars(L).values() if inspect.isclass(v) and issubclass(v, L.Layer)}
    missing = exported - set(LAYER_CASES) - COVERED_ELSEWHERE
    assert not missing, f"layers without a saving round-trip case: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_layer_round_trip(name, tmp_path):
    rng = np.random.default_rng(0)
    specs, build = LAYER_CASES[name]
    inputs, arrays = _inputs(specs, rng)
    model = tf.keras.Model(inputs, build(*inputs), name=f"around_{name.lower()}")
    _randomize(model, rng)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert type(loaded) is type(model)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    assert len(loaded.weights) == len(model.weights)
    for a, b in zip(loaded.weights, model.weights):
        assert a.name.split("/")[-1] == b.name.split("/")[-1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for got, expected in zip(_outputs(loaded, arrays), _outputs(model, arrays)):
        np.testing.assert_array_equal(got, expected)
    # the config survives a second trip unchanged
    config = tf.keras.saving.serialize_keras_object(model)["config"]
    assert tf.keras.saving.serialize_keras_object(loaded)["config"] == config


def test_sequential_keras_file_layout(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 3)), L.Conv2D(4, 3, activation="relu"),
                                 L.BatchNormalization(), L.MaxPooling2D(), L.Flatten(), L.Dropout(0.2),
                                 L.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).random((8, 8, 8, 3)).astype("float32")
    model.fit(x, np.arange(8) % 3, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
        metadata = json.loads(zf.read("metadata.json"))
        weights = zf.read("model.weights.h5")
    assert metadata["keras_version"].startswith("3.") and "date_saved" in metadata
    assert set(config) == {"module", "class_name", "config", "registered_name", "build_config",
                           "compile_config"}
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    assert config["build_config"] == {"input_shape": [None, 8, 8, 3]}
    layers = config["config"]["layers"]
    assert layers[0]["class_name"] == "InputLayer" and layers[0]["config"]["batch_shape"] == [None, 8, 8, 3]
    dense = layers[-1]
    assert dense["module"] == "keras.layers" and dense["registered_name"] is None
    assert dense["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert dense["config"]["kernel_initializer"]["class_name"] == "GlorotUniform"
    compile_config = config["compile_config"]
    assert compile_config["optimizer"]["class_name"] == "Adam"
    assert compile_config["loss"] == "sparse_categorical_crossentropy"
    assert compile_config["metrics"] == ["accuracy"]
    import io
    with h5py.File(io.BytesIO(weights), "r") as f:
        assert f["layers/conv2d/vars/0"].shape == (3, 3, 3, 4)
        assert f["layers/batch_normalization/vars/3"].shape == (4,)
        assert f["layers/dense/vars/1"].shape == (3,)
        assert f["layers/dense/vars"].attrs["name"] == model.layers[-1].name
        assert len(f["layers/dropout/vars"]) == 0
        assert len(f["optimizer/vars"]) == 2 + 2 * 6  # iterations, learning rate, m and v of 6 weights
        assert f["optimizer/vars/0"][()] == 1
        # Keras interleaves each weight's slots: conv kernel's momentum then its velocity
        assert f["optimizer/vars/2"].shape == f["optimizer/vars/3"].shape == (3, 3, 3, 4)
        assert f["vars"].attrs["name"] == model.name


def _functional():
    a = tf.keras.Input((4,), name="a")
    b = tf.keras.Input((3,), name="b")
    shared = L.Dense(5, activation="tanh", name="shared")
    inner_in = tf.keras.Input((5,))
    inner = tf.keras.Model(inner_in, L.Dense(2)(inner_in), name="inner")
    merged = L.Concatenate(name="merge")([shared(L.Dense(5, name="da")(a)), shared(L.Dense(5, name="db")(b))])
    return tf.keras.Model([a, b],
                          [L.Dense(1, name="score")(merged), inner(shared(L.Dense(5, name="dm")(merged)))],
                          name="towers")


def test_functional_multi_io_shared_and_nested(tmp_path):
    model = _functional()
    rng = np.random.default_rng(1)
    _randomize(model, rng)
    xs = [rng.random((4, 4)).astype("float32"), rng.random((4, 3)).astype("float32")]
    config = model.get_config()
    assert set(config) == {"name", "trainable", "layers", "input_layers", "output_layers"}
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["score", 0, 0], ["inner", 1, 0]]  # a nested model counts from 1
    shared = next(entry for entry in config["layers"] if entry["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 3
    history = [node["args"][0]["config"]["keras_history"] for node in shared["inbound_nodes"]]
    assert history == [["da", 0, 0], ["db", 0, 0], ["dm", 0, 0]]
    model.save(tmp_path / "f.keras")
    loaded = tf.keras.models.load_model(tmp_path / "f.keras")
    for got, expected in zip(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0)):
        np.testing.assert_array_equal(got, expected)
    rebuilt = tf.keras.Model.from_config(config)
    assert sorted(l.name for l in rebuilt.layers) == sorted(l.name for l in model.layers)
    assert rebuilt.get_config() == config


def test_model_from_json_and_clone_model():
    model = _functional()
    rng = np.random.default_rng(2)
    xs = [rng.random((4, 4)).astype("float32"), rng.random((4, 3)).astype("float32")]
    again = tf.keras.models.model_from_json(model.to_json())
    assert again.get_config() == model.get_config()
    clone = tf.keras.models.clone_model(model)
    assert clone.get_config() == model.get_config()
    assert [tuple(v.shape) for v in clone.weights] == [tuple(v.shape) for v in model.weights]
    assert not all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(clone.weights, model.weights))
    clone.set_weights(model.get_weights())
    for got, expected in zip(clone.predict(xs, verbose=0), model.predict(xs, verbose=0)):
        np.testing.assert_array_equal(got, expected)
    seq = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4), L.Dense(1)])
    seq_clone = tf.keras.models.clone_model(
        seq, clone_function=lambda layer: type(layer).from_config(layer.get_config()))
    assert [type(l) for l in seq_clone.layers] == [type(l) for l in seq.layers]
    assert seq_clone.output_shape == (None, 1)


# -- optimizers and resuming --------------------------------------------------------------------------
OPTIMIZERS = {
    "sgd": lambda: tf.keras.optimizers.SGD(0.05),
    "sgd_nesterov": lambda: tf.keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: tf.keras.optimizers.Adam(0.01),
    "adam_amsgrad_ema": lambda: tf.keras.optimizers.Adam(0.01, amsgrad=True, use_ema=True),
    "adamw": lambda: tf.keras.optimizers.AdamW(0.01, weight_decay=0.01),
    "adamax": lambda: tf.keras.optimizers.Adamax(0.01),
    "nadam": lambda: tf.keras.optimizers.Nadam(0.01),
    "rmsprop_centered": lambda: tf.keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: tf.keras.optimizers.Adagrad(0.05),
    "adadelta": lambda: tf.keras.optimizers.Adadelta(1.0),
    "ftrl": lambda: tf.keras.optimizers.Ftrl(0.05, l1_regularization_strength=0.01),
    "adam_schedule": lambda: tf.keras.optimizers.Adam(
        tf.keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.5)),
}


def _data():
    rng = np.random.default_rng(3)
    x = rng.random((24, 5)).astype("float32")
    return x, (x @ rng.random((5, 2))).astype("float32")


def _small_model(optimizer):
    tf.random.set_seed(7)
    model = tf.keras.Sequential([tf.keras.Input((5,)), L.Dense(6, activation="relu"),
                                 L.BatchNormalization(), L.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_state_restored_and_training_resumes_exactly(name, tmp_path):
    x, y = _data()
    straight = _small_model(OPTIMIZERS[name]())
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)

    first = _small_model(OPTIMIZERS[name]())
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first.save(tmp_path / "ckpt.keras")
    resumed = tf.keras.models.load_model(tmp_path / "ckpt.keras")
    assert type(resumed.optimizer) is type(first.optimizer)
    assert resumed.optimizer.get_config() == first.optimizer.get_config()
    saved = layout.keras_optimizer_variables(first.optimizer, first)
    restored = layout.keras_optimizer_variables(resumed.optimizer, resumed)
    assert len(saved) == len(restored)
    for a, b in zip(restored, saved):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(resumed.weights, straight.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_load_without_compile_and_include_optimizer_false(tmp_path):
    x, y = _data()
    model = _small_model("adam")
    model.fit(x, y, verbose=0)
    model.save(tmp_path / "m.keras")
    plain = tf.keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert not plain.compiled
    np.testing.assert_array_equal(plain.predict(x, verbose=0), model.predict(x, verbose=0))
    model.save(tmp_path / "no_opt.keras", include_optimizer=False)
    with zipfile.ZipFile(tmp_path / "no_opt.keras") as zf:
        assert "compile_config" not in json.loads(zf.read("config.json"))


# -- subclassed models and custom objects --------------------------------------------------------------
@tf.keras.saving.register_keras_serializable(package="cornu_tests")
class Scale(L.Layer):
    def __init__(self, init=1.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer=tf.keras.initializers.Constant(self.init))

    def call(self, x):
        return x * self.w

    def get_config(self):
        return {**super().get_config(), "init": self.init}


@tf.keras.saving.register_keras_serializable(package="cornu_tests")
class Net(tf.keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.encoder = L.Dense(units, activation="relu")
        self.scale = Scale(2.0)
        self.heads = [L.Dense(1), L.Dense(1)]

    def call(self, x):
        h = self.scale(self.encoder(x))
        return self.heads[0](h) + self.heads[1](h)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_registered_model_round_trip_and_resume(tmp_path):
    x, y = _data()
    y = y[:, :1]
    model = Net(units=3)
    model.compile(tf.keras.optimizers.Adam(0.01), "mse")
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "net.keras")
    with zipfile.ZipFile(tmp_path / "net.keras") as zf:
        config = json.loads(zf.read("config.json"))
        names = set()
        h5py.File(__import__("io").BytesIO(zf.read("model.weights.h5")), "r").visit(names.add)
    assert config["registered_name"] == "cornu_tests>Net" and config["config"]["units"] == 3
    assert config["build_config"]["input_shape"][1:] == [5]
    # Keras's walk: attributes in sorted order, and a model's `layers` list comes before `scale`
    assert {"encoder/vars/0", "layers/scale/vars/0", "heads/dense/vars/0", "heads/dense_1/vars/1"} <= names
    loaded = tf.keras.models.load_model(tmp_path / "net.keras")
    assert isinstance(loaded, Net) and loaded.units == 3
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(loaded.weights, model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_unregistered_class_needs_custom_objects(tmp_path):
    class Unregistered(tf.keras.Model):  # local: no module attribute finds it
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = L.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Unregistered()
    model(np.ones((2, 3), "float32"))
    model.save(tmp_path / "u.keras")
    with pytest.raises(ValueError, match="Unregistered.*register_keras_serializable|custom_objects"):
        tf.keras.models.load_model(tmp_path / "u.keras")
    loaded = tf.keras.models.load_model(tmp_path / "u.keras", custom_objects={"Unregistered": Unregistered})
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 3), "float32"), verbose=0),
                                  model.predict(np.ones((2, 3), "float32"), verbose=0))
    with tf.keras.saving.custom_object_scope({"Unregistered": Unregistered}):
        assert isinstance(tf.keras.models.load_model(tmp_path / "u.keras"), Unregistered)


def test_custom_layer_in_sequential_and_registry_names(tmp_path):
    assert tf.keras.saving.get_registered_name(Scale) == "cornu_tests>Scale"
    assert tf.keras.saving.get_registered_object("cornu_tests>Scale") is Scale
    model = tf.keras.Sequential([tf.keras.Input((3,)), Scale(0.5), L.Lambda(times_two)])
    model.save(tmp_path / "s.keras")
    loaded = tf.keras.models.load_model(tmp_path / "s.keras")
    assert isinstance(loaded.layers[0], Scale) and loaded.layers[1].function is times_two
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 3), "float32"), verbose=0), [[1.0, 1.0, 1.0]])


def test_serialize_deserialize_keras_object_for_other_objects():
    ser = tf.keras.saving.serialize_keras_object
    de = tf.keras.saving.deserialize_keras_object
    init = de(ser(tf.keras.initializers.RandomNormal(stddev=0.3, seed=4)))
    assert isinstance(init, tf.keras.initializers.RandomNormal) and init.stddev == 0.3
    opt = de(ser(tf.keras.optimizers.RMSprop(0.02, momentum=0.5)))
    assert isinstance(opt, tf.keras.optimizers.RMSprop) and opt.momentum == 0.5
    loss = de(ser(tf.keras.losses.Huber(delta=2.0)))
    assert isinstance(loss, tf.keras.losses.Huber)
    assert de(ser(times_two)) is times_two
    assert ser(times_two)["registered_name"] == "cornu_tests>times_two"


def test_keras_adds_unknown_config_keys():
    config = tf.keras.saving.serialize_keras_object(L.Dense(2, name="d"))
    config["config"]["quantization_config"] = None  # Keras 3.15's, at its default: dropped silently
    config["config"]["kernel_initializer"]["config"].update(input_axes=None, output_axes=None)
    layer = tf.keras.saving.deserialize_keras_object(config)
    assert layer.units == 2
    config["config"]["brand_new_option"] = 3
    with pytest.warns(UserWarning, match="brand_new_option"):
        tf.keras.saving.deserialize_keras_object(config)
    config["config"]["quantization_config"] = {"mode": "int8"}
    with pytest.raises(ValueError, match="quantization_config.*not supported"):
        tf.keras.saving.deserialize_keras_object(config)


def test_save_requires_keras_extension(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(1)])
    with pytest.raises(ValueError, match=".keras"):
        model.save(tmp_path / "model.h5")
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)


def test_docstring_examples_run():
    import doctest

    import cornu.keras.saving
    import cornu.saving.keras_format
    import cornu.saving.object_registration
    import cornu.saving.serialization
    for module in (cornu.keras.saving, cornu.saving.keras_format, cornu.saving.object_registration,
                   cornu.saving.serialization):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
