"""ModelCheckpoint: file names, best-only decisions, weights-only files and batch frequencies.

The callback's decisions are checked on a model whose `save` / `save_weights` record their calls
(and write a small file), so these tests do not depend on the model file format; the last tests
round-trip real `.keras` / `.weights.h5` files through `keras.models.load_model` / `load_weights`.
Expected file names and messages are written out by hand from Keras 3's rules.
"""
import doctest
import os
import warnings

import numpy as np
import pytest

import cornu as tf
from cornu.keras.callbacks import model_checkpoint

RNG = np.random.default_rng(0)
X = RNG.normal(size=(10, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")


@pytest.fixture(autouse=True)
def fresh_names():
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(0)


def recording_model(metrics=None):
    """A compiled model whose save / save_weights record (kind, path, overwrite) and touch the file."""
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    model.compile(tf.keras.optimizers.SGD(0.01), loss="mse", metrics=metrics)
    model.calls = []

    def recorder(kind):
        def save(filepath, overwrite=True, **kwargs):
            model.calls.append((kind, os.fspath(filepath), overwrite))
            with open(filepath, "w") as f:
                f.write(kind)
        return save
    model.save = recorder("save")
    model.save_weights = recorder("save_weights")
    return model


def drive(callback, values, key="val_loss", model=None):
    """Epoch hooks with logs {key: value}, as fit calls them."""
    model = model or recording_model()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {key: value})
    return model


# -- file names --------------------------------------------------------------------------------------
def test_file_names_use_the_epoch_from_one_and_the_logs(tmp_path):
    model = recording_model()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{loss:.2f}.keras")
    history = model.fit(X, Y, batch_size=5, epochs=3, verbose=0,
                        callbacks=[tf.keras.callbacks.ModelCheckpoint(pattern, monitor="loss")])
    expected = [str(tmp_path / f"ckpt-{e + 1:02d}-{loss:.2f}.keras")
                for e, loss in enumerate(history.history["loss"])]
    assert model.calls == [("save", p, True) for p in expected]
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in expected)


def test_missing_directories_are_created_and_bad_paths_are_errors(tmp_path):
    model = drive(tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "a" / "b" / "m-{epoch}.keras")), [1.0])
    assert model.calls == [("save", str(tmp_path / "a" / "b" / "m-1.keras"), True)]
    with pytest.raises(KeyError, match=r'Failed to format this callback filepath: ".*\{val_acc\}.*"'):
        drive(tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "{val_acc}.keras")), [1.0])
    (tmp_path / "dir.keras").mkdir()
    with pytest.raises(IOError, match="non-directory filepath"):
        drive(tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "dir.keras")), [1.0])


def test_extension_rules():
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`.*Received: filepath=w\.keras"):
        tf.keras.callbacks.ModelCheckpoint("w.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`.*Received: filepath=model\.ckpt"):
        tf.keras.callbacks.ModelCheckpoint("model.ckpt")
    tf.keras.callbacks.ModelCheckpoint("model.h5")  # the legacy format is accepted, as in Keras 3
    tf.keras.callbacks.ModelCheckpoint(os.path.join("d", "w.weights.h5"), save_weights_only=True)
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        tf.keras.callbacks.ModelCheckpoint("m.keras", save_freq="batch")


def test_weights_only_calls_save_weights(tmp_path):
    model = drive(tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch}.weights.h5"),
                                                     save_weights_only=True), [0.5, 0.4])
    assert model.calls == [("save_weights", str(tmp_path / "w-1.weights.h5"), True),
                           ("save_weights", str(tmp_path / "w-2.weights.h5"), True)]


# -- best only -----------------------------------------------------------------------------------------
def test_best_only_saves_on_improvement_with_keras_messages(tmp_path, capsys):
    path = str(tmp_path / "best.keras")
    callback = tf.keras.callbacks.ModelCheckpoint(path, save_best_only=True, verbose=1)
    model = drive(callback, [0.5, 0.6, 0.4, 0.4, 0.3])
    assert len(model.calls) == 3  # epochs 1, 3 and 5 improve
    assert callback.best == 0.3
    out = capsys.readouterr().out
    assert out.startswith("\nEpoch 1: ")  # each message starts on a new line, as Keras prints it
    assert [line for line in out.splitlines() if line] == [
        f"Epoch 1: val_loss improved from inf to 0.50000, saving model to {path}",
        f"Epoch 1: finished saving model to {path}",
        "Epoch 2: val_loss did not improve from 0.50000",
        f"Epoch 3: val_loss improved from 0.50000 to 0.40000, saving model to {path}",
        f"Epoch 3: finished saving model to {path}",
        "Epoch 4: val_loss did not improve from 0.40000",
        f"Epoch 5: val_loss improved from 0.40000 to 0.30000, saving model to {path}",
        f"Epoch 5: finished saving model to {path}"]


@pytest.mark.parametrize("monitor, mode, values, saved_epochs", [
    ("val_loss", "auto", [3.0, 2.0, 2.5, 1.0], [1, 2, 4]),
    ("val_accuracy", "auto", [0.5, 0.7, 0.6, 0.9], [1, 2, 4]),     # accuracy goes up
    ("val_mean_absolute_error", "auto", [3.0, 4.0, 1.0], [1, 3]),  # an error goes down
    ("val_score", "max", [1.0, 0.5, 2.0], [1, 3]),
    ("val_score", "min", [1.0, 0.5, 2.0], [1, 2]),
])
def test_best_only_direction(tmp_path, monitor, mode, values, saved_epochs):
    pattern = str(tmp_path / "m-{epoch}.keras")
    model = drive(tf.keras.callbacks.ModelCheckpoint(pattern, monitor=monitor, mode=mode, save_best_only=True),
                  values, key=monitor)
    assert [path for _, path, _ in model.calls] == [pattern.format(epoch=e) for e in saved_epochs]


def test_initial_value_threshold(tmp_path):
    pattern = str(tmp_path / "m-{epoch}.keras")
    model = drive(tf.keras.callbacks.ModelCheckpoint(pattern, save_best_only=True, initial_value_threshold=0.45),
                  [0.5, 0.47, 0.44, 0.46, 0.2])
    assert [path for _, path, _ in model.calls] == [pattern.format(epoch=3), pattern.format(epoch=5)]


def test_best_only_odd_monitors(tmp_path):
    path = str(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        model = drive(tf.keras.callbacks.ModelCheckpoint(path, save_best_only=True), [1.0], key="loss")
    assert len(model.calls) == 1  # Keras 3 then saves anyway
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        drive(tf.keras.callbacks.ModelCheckpoint(path, monitor="val_thing", save_best_only=True), [1.0],
              key="val_thing")
    with pytest.warns(UserWarning, match="mode 'maximum' is unknown, fallback to auto mode"):
        tf.keras.callbacks.ModelCheckpoint(path, mode="maximum")
    model = drive(tf.keras.callbacks.ModelCheckpoint(path, save_best_only=True),
                  [tf.constant(0.5), tf.constant(0.7)])
    assert len(model.calls) == 1  # Tensor values compare as numbers


def test_best_only_during_fit_with_a_model_metric(tmp_path):
    model = recording_model(metrics=["mae"])
    callback = tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch}.keras"), monitor="val_mae",
                                                  save_best_only=True)
    history = model.fit(X, Y, validation_data=(X, Y), epochs=4, batch_size=5, verbose=0, callbacks=[callback])
    maes = history.history["val_mae"]
    improving = [e + 1 for e in range(len(maes)) if maes[e] < min([np.inf] + maes[:e])]
    assert [p for _, p, _ in model.calls] == [str(tmp_path / f"m-{e}.keras") for e in improving]
    assert callback.best == min(maes)


# -- save_freq in batches ------------------------------------------------------------------------------
def test_save_freq_counts_batches_across_epochs(tmp_path):
    model = recording_model()
    pattern = str(tmp_path / "m-{epoch}-{batch}.keras")
    # 10 samples in batches of 2: 5 batches an epoch; every 3rd batch of 10 is batch 3 and 6 and 9
    model.fit(X, Y, batch_size=2, epochs=2, verbose=0,
              callbacks=[tf.keras.callbacks.ModelCheckpoint(pattern, save_freq=3, monitor="loss")])
    assert [p for _, p, _ in model.calls] == [pattern.format(epoch=1, batch=3), pattern.format(epoch=2, batch=1),
                                              pattern.format(epoch=2, batch=4)]


def test_save_freq_with_best_only_uses_batch_logs(tmp_path):
    callback = tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), monitor="loss", save_freq=1,
                                                  save_best_only=True)
    model = recording_model()
    callback.set_model(model)
    callback.on_epoch_begin(0)
    for batch, loss in enumerate([1.0, 0.8, 0.9, 0.5]):
        callback.on_train_batch_end(batch, {"loss": loss})
    assert len(model.calls) == 3 and callback.best == 0.5


# -- real files (cornu.saving) ----------------------------------------------------------------------------
def real_model():
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    model.compile(tf.keras.optimizers.Adam(0.01), loss="mse")
    return model


def test_whole_model_checkpoints_load_back(tmp_path):
    model = real_model()
    pattern = str(tmp_path / "ckpt-{epoch:02d}.keras")
    model.fit(X, Y, epochs=2, batch_size=5, verbose=0, callbacks=[tf.keras.callbacks.ModelCheckpoint(pattern)])
    assert sorted(os.listdir(tmp_path)) == ["ckpt-01.keras", "ckpt-02.keras"]
    loaded = tf.keras.models.load_model(pattern.format(epoch=2))
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_only_checkpoints_load_back(tmp_path):
    model = real_model()
    path = str(tmp_path / "best.weights.h5")
    model.fit(X, Y, validation_data=(X, Y), epochs=3, batch_size=5, verbose=0,
              callbacks=[tf.keras.callbacks.ModelCheckpoint(path, save_weights_only=True, save_best_only=True)])
    other = real_model()
    other.load_weights(path)
    assert os.listdir(tmp_path) == ["best.weights.h5"]
    for a, b in zip(model.get_weights(), other.get_weights()):  # val_loss falls each epoch here
        np.testing.assert_array_equal(a, b)


def test_docstring_example():
    with warnings.catch_warnings():
        result = doctest.testmod(model_checkpoint)
    assert result.failed == 0 and result.attempted > 0


def test_training_resumed_from_a_checkpoint_ends_where_an_uninterrupted_run_does(tmp_path):
    """Whole-model checkpoints hold the optimizer state, so fit 2 epochs + load + fit 2 more equals
    fitting 4 epochs straight (no shuffling or dropout: the RNG state is BackupAndRestore's job)."""
    def build():
        tf.keras.utils.set_random_seed(7)
        model = tf.keras.Sequential([tf.keras.Input((X.shape[1],)), tf.keras.layers.Dense(8, activation="relu"),
                                     tf.keras.layers.Dense(1)])
        model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
        return model

    straight = build()
    straight.fit(X, Y, epochs=4, batch_size=5, shuffle=False, verbose=0)
    pattern = str(tmp_path / "ckpt-{epoch:02d}.keras")
    first = build()
    first.fit(X, Y, epochs=2, batch_size=5, shuffle=False, verbose=0,
              callbacks=[tf.keras.callbacks.ModelCheckpoint(pattern)])
    resumed = tf.keras.models.load_model(pattern.format(epoch=2))
    resumed.fit(X, Y, epochs=4, initial_epoch=2, batch_size=5, shuffle=False, verbose=0)
    assert int(resumed.optimizer.iterations.numpy()) == int(straight.optimizer.iterations.numpy())
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
