"""cornu.train: Checkpoint, CheckpointManager, latest_checkpoint and the file format.

Reference values come from running the same training steps without any checkpoint in between, so
a restore that loses or alters any state (weights, Adam's moments, the iteration count) shows up as
a difference in the final weights, compared bitwise.
"""
import doctest
import gc
import json
import os
import pathlib
import warnings

import numpy as np
import pytest

import cornu as tf
from cornu.train import DataLossError


@pytest.fixture(autouse=True)
def fresh_names():
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(0)


RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")


def make_model(seed=0, with_input=True):
    tf.keras.utils.set_random_seed(seed)
    layers = [tf.keras.layers.Dense(5, activation="tanh"), tf.keras.layers.BatchNormalization(),
              tf.keras.layers.Dense(1)]
    return tf.keras.Sequential(([tf.keras.Input((3,))] if with_input else []) + layers)


def train_step(model, optimizer):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X, training=True) - Y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def assert_same_weights(expected, model):
    got = model.get_weights()
    assert len(expected) == len(got)
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)


# -- the custom-training-loop round trip -----------------------------------------------------------
@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "cornu.function"])
def test_resume_a_custom_training_loop_gives_the_same_weights(tmp_path, compiled):
    """Train 3 steps, save, train 2 more; a fresh model + optimizer restored from the save and trained
    2 steps ends with bitwise the same weights (so Adam's moments and iterations came back)."""
    model, optimizer = make_model(), tf.keras.optimizers.Adam(0.05)
    step = tf.function(train_step) if compiled else train_step
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    for _ in range(3):
        step(model, optimizer)
    path = checkpoint.save(tmp_path / "ckpt")
    assert path == os.path.join(str(tmp_path), "ckpt-1")
    for _ in range(2):
        step(model, optimizer)
    expected = model.get_weights()

    model2, optimizer2 = make_model(seed=1), tf.keras.optimizers.Adam(0.05)
    step2 = tf.function(train_step) if compiled else train_step
    checkpoint2 = tf.train.Checkpoint(model=model2, optimizer=optimizer2)
    status = checkpoint2.restore(path)
    assert int(optimizer2.iterations) == 3 and int(checkpoint2.save_counter) == 1
    status.assert_existing_objects_matched()
    with pytest.raises(AssertionError, match="waiting for their object to be built"):
        status.assert_consumed()  # Adam's slots do not exist before the first step
    for _ in range(2):
        step2(model2, optimizer2)
    status.assert_consumed()  # ... and were restored when the optimizer built them
    assert int(optimizer2.iterations) == 5
    assert_same_weights(expected, model2)
    for a, b in zip(optimizer.variables, optimizer2.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_restore_into_a_built_optimizer_and_an_unbuilt_model(tmp_path):
    model, optimizer = make_model(), tf.keras.optimizers.RMSprop(0.01, momentum=0.9)
    for _ in range(2):
        train_step(model, optimizer)
    path = tf.train.Checkpoint(model=model, optimizer=optimizer).save(tmp_path / "ckpt")
    train_step(model, optimizer)
    expected = model.get_weights()

    model2 = make_model(seed=3, with_input=False)  # weights created at the first call
    optimizer2 = tf.keras.optimizers.RMSprop(0.01, momentum=0.9)
    assert not model2.built
    status = tf.train.Checkpoint(model=model2, optimizer=optimizer2).restore(path)
    model2(X[:1])  # builds the layers: their weights are restored right after
    optimizer2.build(model2.trainable_variables)  # slots restored at once
    status.assert_consumed()
    train_step(model2, optimizer2)
    assert_same_weights(expected, model2)


def test_variables_nested_objects_and_save_counter(tmp_path):
    class Module:
        def __init__(self):
            self.scale = tf.Variable([1.0, 2.0])
            self.bias = tf.Variable(0.5)

        def _trackable_children(self):
            return {"scale": self.scale, "bias": self.bias}

    step, module, metric = tf.Variable(7, dtype=tf.int64), Module(), tf.keras.metrics.Mean()
    metric.update_state([1.0, 3.0])
    inner = tf.train.Checkpoint(module=module)
    checkpoint = tf.train.Checkpoint(step=step, inner=inner, items=[tf.Variable(1.0), {"w": tf.Variable(2.0)}],
                                     metric=metric)
    checkpoint.extra = tf.Variable(3.0)  # attributes are tracked too
    first = checkpoint.save(tmp_path / "ckpt")
    second = checkpoint.save(tmp_path / "ckpt")
    assert (os.path.basename(first), os.path.basename(second)) == ("ckpt-1", "ckpt-2")
    names = [name for name, _ in tf.train.list_variables(second)]
    assert names == sorted(["extra", "inner/module/bias", "inner/module/scale", "inner/save_counter",
                            "items/0", "items/1/w", "metric/variables/0", "metric/variables/1",
                            "save_counter", "step"])
    for v in (step, module.scale, module.bias, checkpoint.extra, checkpoint.items[0], checkpoint.items[1]["w"]):
        v.assign(tf.zeros_like(v))
    metric.reset_state()
    checkpoint.restore(first).assert_consumed()
    assert int(step) == 7 and float(module.bias) == 0.5 and float(checkpoint.extra) == 3.0
    np.testing.assert_array_equal(module.scale.numpy(), [1.0, 2.0])
    assert float(checkpoint.items[1]["w"]) == 2.0 and float(metric.result()) == 2.0
    assert int(checkpoint.save_counter) == 1  # restored with the rest


def test_write_and_read_use_the_exact_prefix(tmp_path):
    v = tf.Variable([1.0, 2.0, 3.0])
    checkpoint = tf.train.Checkpoint(v=v)
    path = checkpoint.write(str(tmp_path / "weights"))
    assert path == str(tmp_path / "weights") and int(checkpoint.save_counter) == 0
    assert sorted(os.listdir(tmp_path)) == ["weights.data-00000-of-00001", "weights.index"]
    assert tf.train.latest_checkpoint(tmp_path) is None  # write does not record it
    v.assign([0.0, 0.0, 0.0])
    checkpoint.read(path).assert_consumed()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])


def test_root_argument_puts_the_roots_children_at_the_top(tmp_path):
    model = make_model()
    path = tf.train.Checkpoint(root=model).save(tmp_path / "ckpt")
    assert "layer-0/kernel" in dict(tf.train.list_variables(path))
    model2 = make_model(seed=5)
    tf.train.Checkpoint(root=model2).restore(path).assert_consumed()
    assert_same_weights(model.get_weights(), model2)


def test_restore_none_and_not_trackable_arguments():
    status = tf.train.Checkpoint(v=tf.Variable(1.0)).restore(None)
    assert status.expect_partial() is status
    with pytest.raises(AssertionError, match="No checkpoint specified"):
        status.assert_consumed()
    with pytest.raises(ValueError, match="trackable"):
        tf.train.Checkpoint(lr=0.1)


def test_augmentation_streams_are_saved(tmp_path):
    layer = tf.keras.layers.RandomFlip("horizontal", seed=3)
    images = tf.reshape(tf.range(2 * 4 * 4 * 1, dtype=tf.float32), (2, 4, 4, 1))
    layer(images, training=True)
    path = tf.train.Checkpoint(layer=layer).save(tmp_path / "ckpt")
    expected = [layer(images, training=True).numpy() for _ in range(4)]
    tf.train.Checkpoint(layer=layer).restore(path).assert_consumed()
    np.testing.assert_array_equal(np.stack(expected), np.stack([layer(images, training=True).numpy()
                                                                for _ in range(4)]))


# -- mismatches --------------------------------------------------------------------------------------
def test_shape_mismatch_names_the_path_and_assigns_nothing(tmp_path):
    a, b = tf.Variable([1.0, 2.0]), tf.Variable([[1.0, 2.0]])
    path = tf.train.Checkpoint(a=a, b=b).save(tmp_path / "ckpt")
    a2, b2 = tf.Variable([5.0, 5.0]), tf.Variable([[5.0, 5.0, 5.0]])
    with pytest.raises(ValueError, match=r"'b'.*shape \(1, 2\).*shape \(1, 3\)"):
        tf.train.Checkpoint(a=a2, b=b2).restore(path)
    np.testing.assert_array_equal(a2.numpy(), [5.0, 5.0])  # checked before anything was written


def test_dtype_kind_mismatch_is_an_error_and_widening_is_allowed(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable([1.5, 2.5])).save(tmp_path / "ckpt")
    with pytest.raises(ValueError, match="float32.*int32"):
        tf.train.Checkpoint(v=tf.Variable([1, 2])).restore(path)
    wide = tf.Variable([0.0, 0.0], dtype=tf.float64)
    tf.train.Checkpoint(v=wide).restore(path).assert_consumed()
    np.testing.assert_array_equal(wide.numpy(), [1.5, 2.5])


def test_unused_and_missing_values_are_reported(tmp_path):
    path = tf.train.Checkpoint(a=tf.Variable(1.0), b=tf.Variable(2.0)).save(tmp_path / "ckpt")
    a, c = tf.Variable(0.0), tf.Variable(0.0)
    status = tf.train.Checkpoint(a=a, c=c).restore(path)
    assert float(a) == 1.0
    with pytest.raises(AssertionError, match=r"no matching object: b(.|\n)*no value in the checkpoint: c"):
        status.assert_consumed()
    with pytest.raises(AssertionError, match="no value for these objects: c"):
        status.assert_existing_objects_matched()
    status.assert_nontrivial_match()
    status.expect_partial()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del status
        gc.collect()
    assert not caught  # expect_partial() silenced the warning

    with pytest.warns(UserWarning, match=r"not all checkpointed values were used(.|\n)*\(root\)\.b"):
        tf.train.Checkpoint(a=tf.Variable(0.0)).restore(path)
        gc.collect()


# -- CheckpointManager and latest_checkpoint ------------------------------------------------------
def test_manager_keeps_max_to_keep_and_records_the_latest(tmp_path):
    v = tf.Variable(0.0)
    checkpoint = tf.train.Checkpoint(v=v)
    manager = tf.train.CheckpointManager(checkpoint, tmp_path, max_to_keep=2)
    assert manager.latest_checkpoint is None and tf.train.latest_checkpoint(tmp_path) is None
    paths = []
    for i in range(4):
        v.assign(float(i))
        paths.append(manager.save())
    assert [os.path.basename(p) for p in paths] == ["ckpt-1", "ckpt-2", "ckpt-3", "ckpt-4"]
    assert manager.checkpoints == paths[2:] and manager.latest_checkpoint == paths[3]
    assert tf.train.latest_checkpoint(tmp_path) == paths[3]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-3.data-00000-of-00001", "ckpt-3.index",
                                            "ckpt-4.data-00000-of-00001", "ckpt-4.index"]
    state = (tmp_path / "checkpoint").read_text().splitlines()
    assert state[:3] == ['model_checkpoint_path: "ckpt-4"', 'all_model_checkpoint_paths: "ckpt-3"',
                         'all_model_checkpoint_paths: "ckpt-4"']
    checkpoint.restore(paths[2])
    assert float(v) == 2.0

    # a restarted program: a new manager finds the checkpoints, the numbering goes on after restore
    v2 = tf.Variable(-1.0)
    checkpoint2 = tf.train.Checkpoint(v=v2)
    manager2 = tf.train.CheckpointManager(checkpoint2, tmp_path, max_to_keep=2)
    assert manager2.checkpoints == paths[2:]
    assert manager2.restore_or_initialize() == paths[3] and float(v2) == 3.0
    assert os.path.basename(manager2.save()) == "ckpt-5"
    assert [os.path.basename(p) for p in manager2.checkpoints] == ["ckpt-4", "ckpt-5"]
    assert not os.path.exists(paths[2] + ".index")


def test_manager_options(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    checkpoint = tf.train.Checkpoint(step=step)
    keep_all = tf.train.CheckpointManager(checkpoint, tmp_path / "all", max_to_keep=None)
    for _ in range(3):
        keep_all.save()
    assert len(keep_all.checkpoints) == 3
    numbered = tf.train.CheckpointManager(checkpoint, tmp_path / "n", max_to_keep=3, checkpoint_name="model")
    assert numbered.save(checkpoint_number=tf.Variable(100)).endswith("model-100")
    interval = tf.train.CheckpointManager(checkpoint, tmp_path / "i", max_to_keep=3, step_counter=step,
                                          checkpoint_interval=10)
    saved = []
    for s in (0, 5, 10, 12, 20):
        step.assign(s)
        saved.append(interval.save() is not None)
    assert saved == [True, False, True, False, True]
    called = []
    fresh = tf.train.CheckpointManager(checkpoint, tmp_path / "empty", max_to_keep=1,
                                       init_fn=lambda: called.append(True))
    assert fresh.restore_or_initialize() is None and called == [True]
    with pytest.raises(ValueError, match="max_to_keep"):
        tf.train.CheckpointManager(checkpoint, tmp_path, max_to_keep=0)
    with pytest.raises(TypeError, match="Checkpoint"):
        tf.train.CheckpointManager(tf.Variable(1.0), tmp_path, max_to_keep=1)


def test_latest_checkpoint_ignores_missing_files_and_bad_state(tmp_path):
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    path = checkpoint.save(tmp_path / "ckpt")
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    assert tf.train.get_checkpoint_state(tmp_path).all_model_checkpoint_paths == [path]
    os.remove(path + ".index")
    assert tf.train.latest_checkpoint(tmp_path) is None
    (tmp_path / "checkpoint").write_text("this is not a checkpoint state\n")
    with pytest.warns(UserWarning, match="Checkpoint ignored"):
        assert tf.train.latest_checkpoint(tmp_path) is None


# -- the file format, errors and atomic writes --------------------------------------------------------
def test_the_index_is_json_and_the_data_a_plain_npz(tmp_path):
    model = make_model()
    path = tf.train.Checkpoint(model=model).save(tmp_path / "ckpt")
    index = json.loads((tmp_path / "ckpt-1.index").read_text())
    assert index["format"] == "cornu.train.Checkpoint" and index["version"] == 1
    assert index["data_file"] == "ckpt-1.data-00000-of-00001"
    kernel = index["variables"]["model/layer-0/kernel"]
    assert kernel["dtype"] == "float32" and kernel["shape"] == [3, 5]
    assert index["objects"]["model"] == "Sequential" and index["objects"]["model/layer-0"] == "Dense"
    with np.load(path + ".data-00000-of-00001", allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive[kernel["entry"]], model.layers[0].kernel.numpy())
    assert tf.train.load_variable(path, "model/layer-0/kernel").shape == (3, 5)
    assert tf.train.load_checkpoint(tmp_path).has_tensor("save_counter")  # a directory: its latest


def _saved(tmp_path):
    v = tf.Variable(np.arange(64, dtype="float32"))
    return v, tf.train.Checkpoint(v=v).save(tmp_path / "ckpt")


def test_missing_checkpoints_are_not_found_errors(tmp_path):
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
        checkpoint.restore(str(tmp_path / "nothing-1"))
    with pytest.raises(tf.errors.NotFoundError, match="is a directory.*latest_checkpoint"):
        checkpoint.restore(str(tmp_path))


@pytest.mark.parametrize("damage", ["truncate data", "flip a data byte", "delete data", "garbage index",
                                    "foreign index"])
def test_corrupt_checkpoints_are_data_loss_errors(tmp_path, damage):
    v, path = _saved(tmp_path)
    data, index = path + ".data-00000-of-00001", path + ".index"
    if damage == "truncate data":
        with open(data, "r+b") as f:
            f.truncate(os.path.getsize(data) // 2)
    elif damage == "flip a data byte":
        raw = bytearray(pathlib.Path(data).read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        pathlib.Path(data).write_bytes(bytes(raw))
    elif damage == "delete data":
        os.remove(data)
    elif damage == "garbage index":
        pathlib.Path(index).write_bytes(b"\x00\x01 not json")
    else:
        pathlib.Path(index).write_text(json.dumps({"format": "something else"}))
    v.assign(tf.zeros_like(v))
    with pytest.raises(DataLossError, match="corrupt"):
        tf.train.Checkpoint(v=v).restore(path)
    assert float(tf.reduce_sum(v)) == 0.0


def test_a_pickled_array_is_never_loaded(tmp_path):
    """Even with a matching SHA-256 in the index, an object array (which only pickle can load) is
    refused: the archive is read with allow_pickle=False."""
    import hashlib
    v, path = _saved(tmp_path)
    data = path + ".data-00000-of-00001"
    with open(data, "wb") as f:
        np.savez(f, v0=np.array([{"evil": 1}], dtype=object))  # an entry only pickle can read
    index = json.loads(pathlib.Path(path + ".index").read_text())
    index["data_bytes"] = os.path.getsize(data)
    index["data_sha256"] = hashlib.sha256(pathlib.Path(data).read_bytes()).hexdigest()
    pathlib.Path(path + ".index").write_text(json.dumps(index))
    with pytest.raises(DataLossError, match="cannot read"):
        tf.train.Checkpoint(v=v).restore(path)


def test_a_failed_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    v = tf.Variable([1.0, 2.0])
    checkpoint = tf.train.Checkpoint(v=v)
    path = checkpoint.write(str(tmp_path / "w"))
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}

    def broken_savez(f, **arrays):
        f.write(b"half an archive")
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", broken_savez)
    v.assign([3.0, 4.0])
    with pytest.raises(OSError, match="disk full"):
        checkpoint.write(path)
    monkeypatch.undo()
    assert {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)} == before  # no temp files
    checkpoint.restore(path).assert_consumed()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_docstring_examples():
    import cornu.train
    from cornu.train import checkpoint, checkpoint_management, checkpoint_utils
    for module in (cornu.train, checkpoint, checkpoint_management, checkpoint_utils):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_variables_set_as_layer_attributes_are_saved(tmp_path):
    class Counter(tf.keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.calls = tf.Variable(0, dtype=tf.int64, trainable=False)

        def call(self, x):
            self.calls.assign_add(1)
            return x

    layer = Counter()
    layer(tf.ones((1, 2)))
    path = tf.train.Checkpoint(layer=layer).save(tmp_path / "ckpt")
    assert "layer/calls" in dict(tf.train.list_variables(path))
    other = Counter()
    tf.train.Checkpoint(layer=other).restore(path).assert_consumed()
    assert int(other.calls) == 1


def test_python_state_that_is_not_json_is_refused_before_writing(tmp_path):
    class State:
        def _checkpoint_state(self):
            return {"value": object()}

        def _restore_checkpoint_state(self, value):
            pass
    with pytest.raises(TypeError, match="not JSON-serializable"):
        tf.train.Checkpoint(state=State()).write(str(tmp_path / "s"))
    assert os.listdir(tmp_path) == []
