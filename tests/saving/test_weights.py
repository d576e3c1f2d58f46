"""Weights-only files: `.weights.h5` in Keras 3's layout and `.safetensors`, with errors that name the
mismatching layers and shapes and leave the model untouched."""
import importlib.util

import numpy as np
import pytest

import cornu as tf

h5py = pytest.importorskip("h5py")
L = tf.keras.layers


def _model(units=4, name=None):
    return tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(units, activation="relu"),
                                L.BatchNormalization(), L.Dense(2)], name=name)


def _x():
    return np.random.default_rng(0).random((5, 3)).astype("float32")


def _weights(model):
    return [w.copy() for w in model.get_weights()]


@pytest.mark.parametrize("ext", [".weights.h5", ".safetensors"])
def test_save_and_load_weights_round_trip(tmp_path, ext):
    source = _model()
    source.compile("adam", "mse")
    source.fit(_x(), np.ones((5, 2), "float32"), verbose=0)
    path = tmp_path / f"w{ext}"
    source.save_weights(path)
    target = _model()
    target.load_weights(path)
    for a, b in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(target.predict(_x(), verbose=0), source.predict(_x(), verbose=0))
    # optimizer state travels too: a compiled target resumes with the same slots
    resumed = _model()
    resumed.compile("adam", "mse")
    resumed.load_weights(path)
    assert int(resumed.optimizer.iterations.numpy()) == 1
    for a, b in zip(resumed.optimizer.variables, source.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_weights_h5_layout(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert f["layers/dense/vars/0"].shape == (3, 4)
        assert f["layers/batch_normalization/vars/2"].shape == (4,)  # moving mean, after gamma and beta
        assert f["layers/dense_1/vars/1"].shape == (2,)
        assert "optimizer" not in f


def test_mismatch_lists_layers_and_shapes_and_loads_nothing(tmp_path):
    _model(units=4).save_weights(tmp_path / "w.weights.h5")
    target = _model(units=5)
    before = _weights(target)
    with pytest.raises(ValueError) as info:
        target.load_weights(tmp_path / "w.weights.h5")
    message = str(info.value)
    assert "dense" in message and "(3, 5)" in message and "(3, 4)" in message
    assert "batch_normalization" in message  # every mismatching layer is listed, not just the first
    for a, b in zip(target.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_missing_layer_and_skip_mismatch(tmp_path):
    small = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4)])
    small.save_weights(tmp_path / "w.weights.h5")
    bigger = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4), L.Dense(2)])
    with pytest.raises(ValueError, match=r"Dense 'dense_\d+' \(at 'layers/dense_1'\).*none"):
        bigger.load_weights(tmp_path / "w.weights.h5")
    with pytest.warns(UserWarning, match="Skipping"):
        bigger.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(bigger.layers[0].kernel.numpy(), small.layers[0].kernel.numpy())


def test_load_weights_from_a_keras_file_and_errors(tmp_path):
    model = _model()
    model.save(tmp_path / "m.keras")
    other = _model()
    other.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(other.predict(_x(), verbose=0), model.predict(_x(), verbose=0))
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "weights.bin")
    unbuilt = tf.keras.Sequential([L.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        unbuilt.load_weights(tmp_path / "m.keras")


def test_safetensors_file_is_standard(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.safetensors")
    from cornu.saving import safetensors_format
    tensors, metadata = safetensors_format.loads((tmp_path / "w.safetensors").read_bytes())
    assert metadata["format"] == "keras"
    assert tensors["layers/dense/vars/0"].shape == (3, 4) and tensors["layers/dense/vars/0"].dtype == np.float32
    if importlib.util.find_spec("safetensors") is None:
        pytest.skip("the safetensors package is not installed")
    from safetensors.numpy import load_file, save_file
    theirs = load_file(str(tmp_path / "w.safetensors"))
    assert sorted(theirs) == sorted(tensors)
    for name in theirs:
        np.testing.assert_array_equal(theirs[name], tensors[name])
    save_file({k: v * 0 + 1 for k, v in theirs.items()}, str(tmp_path / "ones.safetensors"))
    model.load_weights(tmp_path / "ones.safetensors")
    assert all((w == 1).all() for w in model.get_weights())


def test_functional_and_subclassed_weights(tmp_path):
    inp = tf.keras.Input((3,))
    shared = L.Dense(3)
    model = tf.keras.Model(inp, L.Dense(1)(shared(shared(inp))))
    model.save_weights(tmp_path / "f.weights.h5")
    twin = tf.keras.models.clone_model(model)
    twin.load_weights(tmp_path / "f.weights.h5")
    np.testing.assert_array_equal(twin.predict(_x(), verbose=0), model.predict(_x(), verbose=0))
