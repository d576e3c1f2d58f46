"""Loading never runs code from a file, and a bad file gives a clear error and no model; saving is
atomic (DESIGN principle 6)."""
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import cornu as tf
from cornu.saving import h5_weights, keras_format

h5py = pytest.importorskip("h5py")
L = tf.keras.layers


class Boom:
    """What a pickle payload would construct: unpickling it calls os.system."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/cornu_pwned",))


PAYLOAD = pickle.dumps(Boom())  # made before the fixture below replaces os.system

def _saved(tmp_path, name="m.keras"):
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    path = tmp_path / name
    model.save(path)
    return path, model


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.fixture(autouse=True)
def no_shell(monkeypatch):
    """Any attempt to run a command while loading fails the test."""
    def forbidden(*args, **kwargs):
        raise AssertionError("code from the file was executed")
    monkeypatch.setattr(os, "system", forbidden)


def test_truncated_zip(tmp_path):
    path, _ = _saved(tmp_path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        bad = tmp_path / f"cut{cut}.keras"
        bad.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="not a valid .keras file|truncated|corrupted"):
            tf.keras.models.load_model(bad)


def test_corrupted_member_bytes(tmp_path):
    path, _ = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    offset = data.find(b"\x89HDF")  # inside the stored weights member
    data[offset + 600:offset + 700] = b"\xff" * 100
    bad = tmp_path / "bad.keras"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupted|truncated"):
        tf.keras.models.load_model(bad)


@pytest.mark.parametrize("member", ["../evil", "/etc/passwd", "assets/../../evil", "C:\\evil"])
def test_path_traversal_member(tmp_path, member):
    path, _ = _saved(tmp_path)
    members = _members(path)
    members[member] = b"x"
    _write_zip(tmp_path / "t.keras", members)
    with pytest.raises(ValueError, match="path traversal"):
        tf.keras.models.load_model(tmp_path / "t.keras")


def test_pickle_member_is_refused(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    members["model.pkl"] = PAYLOAD
    _write_zip(tmp_path / "p.keras", members)
    with pytest.raises(ValueError, match="model.pkl.*pickled"):
        tf.keras.models.load_model(tmp_path / "p.keras")
    members.pop("model.pkl")
    members["notes.txt"] = b"hello"
    _write_zip(tmp_path / "n.keras", members)
    with pytest.raises(ValueError, match="Unexpected archive member 'notes.txt'"):
        tf.keras.models.load_model(tmp_path / "n.keras")


def test_pickle_payload_as_config(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    members["config.json"] = PAYLOAD
    _write_zip(tmp_path / "c.keras", members)
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        tf.keras.models.load_model(tmp_path / "c.keras")
    assert not os.path.exists("/tmp/cornu_pwned")


def test_config_naming_arbitrary_callables_is_refused(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    for evil in ({"module": "os", "class_name": "system", "config": {"command": "echo pwned"},
                  "registered_name": None},
                 {"module": "builtins", "class_name": "eval", "config": {}, "registered_name": "eval"}):
        members["config.json"] = json.dumps(evil).encode()
        _write_zip(tmp_path / "e.keras", members)
        with pytest.raises(ValueError, match="Could not locate class"):
            tf.keras.models.load_model(tmp_path / "e.keras")
    # a nested function reference to a builtin is not resolved either
    config = json.loads(_members(path)["config.json"])
    config["config"]["layers"][1]["config"]["activation"] = {
        "module": "builtins", "class_name": "function", "config": "exec", "registered_name": "exec"}
    members["config.json"] = json.dumps(config).encode()
    _write_zip(tmp_path / "f.keras", members)
    with pytest.raises(ValueError, match="Could not locate function 'exec'"):
        tf.keras.models.load_model(tmp_path / "f.keras")


def test_lambda_bytecode_is_refused_even_without_safe_mode(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    config = json.loads(members["config.json"])
    config["config"]["layers"].append({
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "lam", "trainable": True, "dtype": "float32",
                   "function": {"class_name": "__lambda__",
                                "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7p"
                                                   "AgAAAKkAKQHaAXhyAgAAAHICAAAA+gg8c3RkaW4+2gg8bGFtYmRhPgEA",
                                           "defaults": None, "closure": None}},
                   "arguments": {}}})
    members["config.json"] = json.dumps(config).encode()
    _write_zip(tmp_path / "l.keras", members)
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match="never runs code stored in a file.*register_keras_serializable"):
            tf.keras.models.load_model(tmp_path / "l.keras", safe_mode=safe_mode)


def test_lambda_restored_only_from_registered_or_given_function(tmp_path):
    def plus_one(x):
        return x + 1.0

    model = tf.keras.Sequential([tf.keras.Input((2,)), L.Lambda(plus_one)])
    model.save(tmp_path / "l.keras")
    with pytest.raises(ValueError, match="Could not locate function 'plus_one'"):
        tf.keras.models.load_model(tmp_path / "l.keras")
    loaded = tf.keras.models.load_model(tmp_path / "l.keras", custom_objects={"plus_one": plus_one})
    np.testing.assert_array_equal(loaded.predict(np.zeros((1, 2), "float32"), verbose=0), [[1.0, 1.0]])


def _h5_bytes(build):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        build(f)
    return buffer.getvalue()


def test_wrong_h5_layout_and_shapes(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(2), L.Dense(1)])
    before = [w.copy() for w in model.get_weights()]

    def wrong_shapes(f):
        f.create_dataset("layers/dense/vars/0", data=np.zeros((4, 2), "float32"))
        f.create_dataset("layers/dense/vars/1", data=np.zeros((2,), "float32"))
        f.create_dataset("layers/dense_1/vars/0", data=np.zeros((2, 1), "float32"))
    (tmp_path / "a.weights.h5").write_bytes(_h5_bytes(wrong_shapes))
    with pytest.raises(ValueError, match=r"'layers/dense'.*\(3, 2\) in the model but \(4, 2\).*\n.*layers/dense_1"):
        model.load_weights(tmp_path / "a.weights.h5")

    def strings(f):
        f.create_dataset("layers/dense/vars/0", data=np.array([b"x"] * 6).reshape(3, 2))
        f.create_dataset("layers/dense/vars/1", data=np.zeros((2,), "float32"))
        f.create_dataset("layers/dense_1/vars/0", data=np.zeros((2, 1), "float32"))
        f.create_dataset("layers/dense_1/vars/1", data=np.zeros((1,), "float32"))
    (tmp_path / "b.weights.h5").write_bytes(_h5_bytes(strings))
    with pytest.raises(ValueError, match="not numbers"):
        model.load_weights(tmp_path / "b.weights.h5")

    def external(f):
        f["layers/dense/vars/0"] = h5py.ExternalLink("/etc/other.h5", "/data")
        f.create_dataset("layers/dense/vars/1", data=np.zeros((2,), "float32"))
        f.create_dataset("layers/dense_1/vars/0", data=np.zeros((2, 1), "float32"))
        f.create_dataset("layers/dense_1/vars/1", data=np.zeros((1,), "float32"))
    (tmp_path / "c.weights.h5").write_bytes(_h5_bytes(external))
    with pytest.raises(ValueError, match="ExternalLink"):
        model.load_weights(tmp_path / "c.weights.h5")
    (tmp_path / "d.weights.h5").write_bytes(b"not an hdf5 file at all")
    with pytest.raises(ValueError, match="not a valid HDF5 file"):
        model.load_weights(tmp_path / "d.weights.h5")
    for a, b in zip(model.get_weights(), before):  # nothing was half-loaded
        np.testing.assert_array_equal(a, b)


def test_weights_member_not_matching_the_config(tmp_path):
    path, _ = _saved(tmp_path)
    members = _members(path)
    members["model.weights.h5"] = _h5_bytes(lambda f: f.create_dataset("layers/dense/vars/0",
                                                                        data=np.zeros((7, 7), "float32")))
    _write_zip(tmp_path / "w.keras", members)
    with pytest.raises(ValueError, match=r"does not match the model.*\n.*Dense"):
        tf.keras.models.load_model(tmp_path / "w.keras")


def test_hand_crafted_safetensors(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(2)])
    model.save_weights(tmp_path / "w.safetensors")
    data = (tmp_path / "w.safetensors").read_bytes()
    (tmp_path / "t.safetensors").write_bytes(data[:-4])
    with pytest.raises(ValueError, match="data_offsets|truncated"):
        model.load_weights(tmp_path / "t.safetensors")
    (tmp_path / "h.safetensors").write_bytes((2 ** 40).to_bytes(8, "little") + b"{}")
    with pytest.raises(ValueError, match="header length"):
        model.load_weights(tmp_path / "h.safetensors")


def test_crash_during_save_keeps_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path, model = _saved(tmp_path)
    original = path.read_bytes()
    model.save_weights(tmp_path / "w.weights.h5")
    original_weights = (tmp_path / "w.weights.h5").read_bytes()
    model.layers[0].kernel.assign(np.zeros((3, 2), "float32"))

    def crash(entries):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(h5_weights, "write_h5", crash)
    with pytest.raises(OSError, match="simulated"):
        model.save(path)
    with pytest.raises(OSError, match="simulated"):
        model.save_weights(tmp_path / "w.weights.h5")
    assert path.read_bytes() == original
    assert (tmp_path / "w.weights.h5").read_bytes() == original_weights
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "w.weights.h5"]
    monkeypatch.undo()
    loaded = tf.keras.models.load_model(path)  # the previous file still loads
    assert not np.all(loaded.layers[0].kernel.numpy() == 0)


def test_zip_member_size_limits(tmp_path, monkeypatch):
    path, _ = _saved(tmp_path)
    monkeypatch.setitem(keras_format._ALLOWED, "config.json", 100)
    with pytest.raises(ValueError, match="config.json.*limit|larger"):
        tf.keras.models.load_model(path)
