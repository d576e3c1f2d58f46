"""BackupAndRestore: a fit interrupted anywhere and run again ends exactly where an uninterrupted fit
ends. Shuffling and Dropout are on, so the random state has to come back too; the resumed run uses a
freshly built model (other initial weights, another global seed), as a restarted process would.
"""
import doctest
import os

import numpy as np
import pytest

import cornu as tf
from cornu.keras.callbacks import backup_and_restore

EPOCHS = 5
RNG = np.random.default_rng(1)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = (X @ RNG.normal(size=(4, 1)) > 0).astype("float32")


@pytest.fixture(autouse=True)
def fresh_names():
    tf.keras.backend.clear_session()


def make_model(seed=0, optimizer="adam"):
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dropout(0.3), tf.keras.layers.Dense(1, activation="sigmoid")])
    opt = tf.keras.optimizers.Adam(0.01) if optimizer == "adam" else tf.keras.optimizers.SGD(0.1, momentum=0.9)
    model.compile(opt, loss="binary_crossentropy", metrics=["accuracy"])
    return model


class Interrupt(tf.keras.callbacks.Callback):
    """Raise at the start of `epoch` (or of its batch `batch`)."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch
        if epoch == self.epoch and self.batch is None:
            raise RuntimeError("interrupted")

    def on_train_batch_begin(self, batch, logs=None):
        if self.current == self.epoch and batch == self.batch:
            raise RuntimeError("interrupted")


def fit(model, callbacks, data=None, **kwargs):
    if data is None:
        return model.fit(X, Y, batch_size=8, epochs=EPOCHS, validation_split=0.2, shuffle=True, verbose=0,
                         callbacks=callbacks, **kwargs)
    return model.fit(data, epochs=EPOCHS, verbose=0, callbacks=callbacks, **kwargs)


def uninterrupted(data_fn=None, **kwargs):
    model = make_model(**kwargs)
    history = fit(model, [], None if data_fn is None else data_fn())
    return model, history, float(tf.random.uniform(()))


def assert_same_state(reference, model):
    for a, b in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(reference.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(reference.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.fixture(scope="module")
def reference():
    return uninterrupted()


@pytest.mark.parametrize("epoch, batch, save_freq", [
    (1, None, "epoch"), (3, None, "epoch"), (4, 2, "epoch"),  # at an epoch start / mid-epoch
    (2, 2, 3), (0, 3, 1), (3, 0, 2)],                         # backups every N batches
    ids=["epoch1", "epoch3", "epoch4-batch2", "freq3-epoch2-batch2", "freq1-epoch0-batch3",
         "freq2-epoch3-batch0"])
def test_resumed_fit_matches_an_uninterrupted_one(tmp_path, reference, epoch, batch, save_freq):
    ref_model, ref_history, ref_next_draw = reference
    backup_dir = tmp_path / "backup"
    model = make_model()
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(model, [tf.keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq), Interrupt(epoch, batch)])
    assert os.path.isdir(backup_dir)

    resumed = make_model(seed=123)  # a fresh process: other initial weights and random state
    history = fit(resumed, [tf.keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)])
    assert_same_state(ref_model, resumed)
    assert float(tf.random.uniform(())) == ref_next_draw  # the random streams went on the same way
    assert not os.path.exists(backup_dir)  # deleted after the completed fit
    ran = len(history.history["loss"])
    first = EPOCHS - ran
    # epochs finished before the last backup are not run again; later ones log the same values
    assert history.history["val_loss"][1:] == ref_history.history["val_loss"][first + 1:]
    if save_freq == "epoch":
        assert first == epoch
        assert history.history["loss"] == ref_history.history["loss"][first:]


def test_resume_in_the_same_process_with_the_same_objects(tmp_path, reference):
    model = make_model()
    backup = tf.keras.callbacks.BackupAndRestore(tmp_path / "b", save_freq=2)
    with pytest.raises(RuntimeError):
        fit(model, [backup, Interrupt(2, 3)])
    fit(model, [backup])
    assert_same_state(reference[0], model)


@pytest.mark.parametrize("seed", [5, None], ids=["seeded-shuffle", "unseeded-shuffle"])
@pytest.mark.parametrize("epoch, batch, save_freq", [(2, None, "epoch"), (3, 2, 2)], ids=["epoch", "batches"])
def test_resume_with_a_shuffled_dataset(tmp_path, seed, epoch, batch, save_freq):
    """Dataset.shuffle draws each epoch's order from its own seed material and epoch counter (fresh
    OS entropy when unseeded): the backup carries them, so the resumed run shuffles as the
    interrupted one would have."""
    def data():
        return tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(40, seed=seed).batch(8)
    model, dataset = make_model(), data()
    entropy = [list(node._entropy) for node in _shuffles(dataset)]
    with pytest.raises(RuntimeError):
        fit(model, [tf.keras.callbacks.BackupAndRestore(tmp_path, save_freq=save_freq), Interrupt(epoch, batch)],
            dataset)
    resumed = make_model(seed=9)
    fit(resumed, [tf.keras.callbacks.BackupAndRestore(tmp_path, save_freq=save_freq)], data())

    reference, reference_data = make_model(), data()  # the interrupted run, had it not been stopped
    for node, e in zip(_shuffles(reference_data), entropy):
        node._entropy = e
    fit(reference, [], reference_data)
    assert_same_state(reference, resumed)


def _shuffles(dataset):
    from cornu.data.transformations import ShuffleDataset
    out, stack = [], [dataset]
    while stack:
        node = stack.pop()
        out += [node] if isinstance(node, ShuffleDataset) else []
        stack.extend(getattr(node, "_inputs", ()))
    return out


def test_learning_rate_changes_are_restored(tmp_path):
    """LearningRateScheduler's new rate depends on the current one: it must come back too."""
    def callbacks(extra=()):
        halve = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
        return [tf.keras.callbacks.BackupAndRestore(tmp_path), halve, *extra]
    reference = make_model(optimizer="sgd")
    fit(reference, callbacks()[1:])
    model = make_model(optimizer="sgd")
    with pytest.raises(RuntimeError):
        fit(model, callbacks([Interrupt(3)]))
    resumed = make_model(seed=4, optimizer="sgd")
    fit(resumed, callbacks())
    assert float(resumed.optimizer.learning_rate) == pytest.approx(0.1 * 0.5 ** EPOCHS)
    assert_same_state(reference, resumed)


def test_backup_files_and_delete_checkpoint(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [tf.keras.callbacks.BackupAndRestore(tmp_path), Interrupt(2)])
    assert sorted(os.listdir(tmp_path)) == ["backup-2.data-00000-of-00001", "backup-2.index", "checkpoint",
                                            "notes.txt"]
    assert tf.train.latest_checkpoint(tmp_path).endswith("backup-2")
    fit(model, [tf.keras.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)])
    assert tf.train.latest_checkpoint(tmp_path).endswith("backup-5")
    # a finished backup: the next fit has no epoch left to run
    history = fit(model, [tf.keras.callbacks.BackupAndRestore(tmp_path)])
    assert history.history == {}
    assert os.listdir(tmp_path) == ["notes.txt"]  # only the callback's own files are deleted


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        tf.keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        tf.keras.callbacks.BackupAndRestore(tmp_path, save_freq="batch")
    unbuilt = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    unbuilt.compile("sgd", loss="mse")
    with pytest.raises(ValueError, match="must be built"):
        unbuilt.fit(X, Y, epochs=1, verbose=0, callbacks=[tf.keras.callbacks.BackupAndRestore(tmp_path)])

    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [tf.keras.callbacks.BackupAndRestore(tmp_path), Interrupt(1)])
    other = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3), tf.keras.layers.Dense(1)])
    other.compile("adam", loss="mse")
    with pytest.raises(ValueError, match="does not match this model"):
        fit(other, [tf.keras.callbacks.BackupAndRestore(tmp_path)])


def test_a_corrupt_backup_is_an_error_or_falls_back_with_double_checkpoint(tmp_path, reference):
    model = make_model()
    with pytest.raises(RuntimeError):
        fit(model, [tf.keras.callbacks.BackupAndRestore(tmp_path, double_checkpoint=True), Interrupt(3)])
    assert sorted(p for p in os.listdir(tmp_path) if p.endswith(".index")) == ["backup-2.index", "backup-3.index"]
    with open(tmp_path / "backup-3.data-00000-of-00001", "r+b") as f:
        f.truncate(100)
    with pytest.raises(tf.train.DataLossError):
        fit(make_model(), [tf.keras.callbacks.BackupAndRestore(tmp_path)])
    resumed = make_model(seed=8)
    history = fit(resumed, [tf.keras.callbacks.BackupAndRestore(tmp_path, double_checkpoint=True)])
    assert len(history.history["loss"]) == EPOCHS - 2  # from the previous backup, after epoch 2
    assert_same_state(reference[0], resumed)


def test_docstring_example():
    result = doctest.testmod(backup_and_restore)
    assert result.failed == 0 and result.attempted > 0


def test_warnings_when_the_data_cannot_be_resumed_exactly(tmp_path):
    def batches():
        for i in range(0, 40, 8):
            yield X[i:i + 8], Y[i:i + 8]
    model = make_model()
    with pytest.raises(RuntimeError):
        model.fit(batches(), epochs=3, verbose=0,
                  callbacks=[tf.keras.callbacks.BackupAndRestore(tmp_path / "g"), Interrupt(1)])
    with pytest.warns(UserWarning, match="generator"):
        make_model().fit(batches(), epochs=1, steps_per_epoch=5, verbose=0,
                         callbacks=[tf.keras.callbacks.BackupAndRestore(tmp_path / "g")])

    shuffled = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(40, seed=1).batch(8)
    with pytest.raises(RuntimeError):
        make_model().fit(shuffled, epochs=3, verbose=0,
                         callbacks=[tf.keras.callbacks.BackupAndRestore(tmp_path / "d"), Interrupt(1)])
    with pytest.warns(UserWarning, match="shuffles differ"):
        make_model().fit(tf.data.Dataset.from_tensor_slices((X, Y)).batch(8), epochs=3, verbose=0,
                         callbacks=[tf.keras.callbacks.BackupAndRestore(tmp_path / "d")])
