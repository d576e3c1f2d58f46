"""Callbacks: EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN, CSVLogger,
LambdaCallback and History, driven both by hand (hooks called with hand-made logs) and by `fit`.

Expected values are worked out by hand from Keras 3's documented rules and written down here, so the
tests do not share code with the callbacks they check.
"""
import csv
import doctest
import math
import warnings

import numpy as np
import pytest

import cornu as tf
from cornu.keras import callbacks as cbm

F32 = lambda x: float(np.float32(x))  # noqa: E731 - optimizers keep the learning rate in float32


# -- helpers ------------------------------------------------------------------------------------------
class FakeModel:
    """What a callback needs from a model: stop_training, weights, an optimizer."""

    def __init__(self, learning_rate=1.0):
        self.stop_training = False
        self.optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate)
        self.weights_value = [np.zeros(2, "float32")]
        self.set_weights_calls = []

    def get_weights(self):
        return [w.copy() for w in self.weights_value]

    def set_weights(self, weights):
        self.set_weights_calls.append([w.copy() for w in weights])
        self.weights_value = [w.copy() for w in weights]


def drive_epochs(callback, values, key="loss", model=None):
    """Run epoch-end hooks with logs {key: value} until the callback stops training.

    Returns the epoch at which model.stop_training became True (None if never) and the model."""
    model = model or FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    stopped = None
    for epoch, value in enumerate(values):
        model.weights_value = [np.full(2, epoch, "float32")]  # epoch-tagged weights
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            stopped = epoch
            break
    callback.on_train_end()
    return stopped, model


def tiny_model(learning_rate=0.01, seed=0):
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=learning_rate),
                  loss=tf.keras.losses.MeanSquaredError())
    return model


def tiny_data(n=12, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3).astype("float32")
    return x, y


def inject(key, values):
    """A LambdaCallback that puts values[epoch] into the epoch logs under `key` (placed before the
    callback under test, which sees the same logs dict)."""
    return cbm.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update({key: values[epoch]}))


# -- EarlyStopping --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, values, expected_stop", [
    # patience 0: the first epoch without improvement stops (never the first epoch itself)
    (dict(patience=0), [1.0, 0.9, 0.95, 0.8], 2),
    (dict(patience=0), [1.0, 1.0], 1),  # equal is no improvement
    (dict(patience=2), [1.0, 0.9, 0.95, 0.96, 0.5], 3),
    # an improvement in between resets the wait
    (dict(patience=2), [1.0, 1.1, 0.9, 1.0, 1.0, 1.0], 4),
    (dict(patience=2), [1.0, 0.9, 0.8, 0.7, 0.6], None),
    # min_delta 0.1: 0.95 is no improvement over 1.0, 0.85 is; 0.84 and 0.80 are not over 0.85
    (dict(patience=2, min_delta=0.1), [1.0, 0.95, 0.85, 0.84, 0.80, 0.1], 4),
    (dict(patience=2, min_delta=-0.1), [1.0, 0.95, 0.85, 0.84, 0.80, 0.1], 4),  # the sign is ignored
    # max mode: higher is better
    (dict(patience=1, mode="max"), [0.5, 0.6, 0.6, 0.59], 2),
    (dict(patience=1, mode="max"), [1.0, 0.9], 1),
    (dict(patience=1, mode="min"), [0.5, 0.6], 1),
    # baseline: improving epochs that do not beat it keep counting, and the next flat epoch stops
    (dict(patience=2, baseline=0.5), [1.0, 0.9, 0.9], 2),
    (dict(patience=2), [1.0, 0.9, 0.9, 0.9], 3),
    (dict(patience=2, baseline=0.5), [0.4, 0.45, 0.45, 0.45], 2),
    (dict(patience=2, baseline=0.5), [1.0, 0.4, 0.45, 0.45], 3),
    # start_from_epoch: the first epochs are not looked at at all
    (dict(patience=0), [1.0, 2.0, 3.0, 4.0, 5.0], 1),
    (dict(patience=0, start_from_epoch=2), [1.0, 2.0, 3.0, 4.0, 5.0], 3),
    (dict(patience=1, start_from_epoch=3), [5.0, 4.0, 3.0, 9.0, 9.5, 9.6], 4),
])
def test_early_stopping_stop_epoch(kwargs, values, expected_stop):
    cb = cbm.EarlyStopping(monitor="loss", **kwargs)
    stopped, _ = drive_epochs(cb, values)
    assert stopped == expected_stop
    assert cb.stopped_epoch == (expected_stop or 0)


@pytest.mark.parametrize("monitor, values, expected_stop", [
    ("val_loss", [1.0, 0.5, 0.6], 2),            # loss: lower is better
    ("val_accuracy", [0.5, 0.6, 0.55], 2),       # accuracy: higher is better
    ("acc", [0.5, 0.4], 1),
    ("val_auc", [0.9, 0.95, 0.96, 0.94], 3),
    ("precision", [0.1, 0.2, 0.3], None),
    ("val_recall", [0.3, 0.2], 1),
    ("mean_absolute_error", [1.0, 0.5, 0.7], 2),
])
def test_early_stopping_auto_mode_direction(monitor, values, expected_stop):
    cb = cbm.EarlyStopping(monitor=monitor, patience=0)
    stopped, _ = drive_epochs(cb, values, key=monitor)
    assert stopped == expected_stop


def test_early_stopping_auto_mode_unknown_metric_raises():
    cb = cbm.EarlyStopping(monitor="val_something", mode="auto")
    with pytest.raises(ValueError, match="mode='max'"):
        drive_epochs(cb, [1.0, 2.0], key="val_something")
    # an explicit mode makes it fine
    stopped, _ = drive_epochs(cbm.EarlyStopping(monitor="val_something", mode="max"), [1.0, 0.5],
                              key="val_something")
    assert stopped == 1


def test_early_stopping_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="unknown"):
        cb = cbm.EarlyStopping(monitor="loss", mode="sideways")
    assert cb.mode == "auto"


def test_early_stopping_defaults():
    cb = cbm.EarlyStopping()
    assert (cb.monitor, cb.min_delta, cb.patience, cb.verbose, cb.mode, cb.baseline,
            cb.restore_best_weights, cb.start_from_epoch) == ("val_loss", 0, 0, 0, "auto", None, False, 0)


def test_early_stopping_missing_monitor_warns_and_never_stops():
    cb = cbm.EarlyStopping(monitor="val_loss", patience=0)
    model = FakeModel()
    cb.set_model(model)
    cb.on_train_begin()
    with pytest.warns(UserWarning, match="val_loss.*not available.*Available metrics are: loss"):
        for epoch in range(3):
            cb.on_epoch_end(epoch, {"loss": 1.0})
    assert not model.stop_training


def test_early_stopping_is_reusable():
    # on_train_begin resets the state; the min_delta sign is set only once
    cb = cbm.EarlyStopping(monitor="loss", patience=2, min_delta=0.1)
    values = [1.0, 0.95, 0.85, 0.84, 0.80, 0.1]
    assert drive_epochs(cb, values)[0] == 4
    assert drive_epochs(cb, values)[0] == 4
    assert cb.min_delta == -0.1


def test_early_stopping_restores_best_weights_when_stopping():
    cb = cbm.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    stopped, model = drive_epochs(cb, [1.0, 0.7, 0.8, 0.9, 0.1])
    assert stopped == 3
    assert cb.best_epoch == 1 and cb.best == 0.7
    np.testing.assert_array_equal(model.weights_value[0], np.full(2, 1.0))


def test_early_stopping_restores_best_weights_without_stopping():
    cb = cbm.EarlyStopping(monitor="loss", patience=10, restore_best_weights=True)
    stopped, model = drive_epochs(cb, [1.0, 0.7, 0.2, 0.9, 0.8])
    assert stopped is None
    np.testing.assert_array_equal(model.weights_value[0], np.full(2, 2.0))


def test_early_stopping_no_restore_by_default():
    cb = cbm.EarlyStopping(monitor="loss", patience=1)
    stopped, model = drive_epochs(cb, [1.0, 0.7, 0.8])
    assert stopped == 2 and model.set_weights_calls == []


def test_early_stopping_verbose_messages(capsys):
    cb = cbm.EarlyStopping(monitor="loss", patience=1, verbose=1, restore_best_weights=True)
    drive_epochs(cb, [1.0, 0.7, 0.8])
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


def test_early_stopping_in_fit_restores_best_epoch_weights():
    x, y = tiny_data()
    scores = [0.5, 0.3, 0.2, 0.25, 0.4, 0.1, 0.15]
    for patience, expected_epochs in [(2, 5), (10, 7)]:
        model = tiny_model()
        recorded = []
        record = cbm.LambdaCallback(on_epoch_end=lambda e, logs: recorded.append(model.get_weights()))
        es = cbm.EarlyStopping(monitor="score", mode="min", patience=patience, restore_best_weights=True)
        history = model.fit(x, y, epochs=7, batch_size=4, verbose=0,
                            callbacks=[inject("score", scores), record, es])
        assert history.epoch == list(range(expected_epochs))
        best = int(np.argmin(scores[:expected_epochs]))
        assert es.best_epoch == best
        for got, want in zip(model.get_weights(), recorded[best]):
            np.testing.assert_array_equal(got, want)
        # and the restored weights differ from the last epoch's (training did change them)
        assert not np.array_equal(recorded[best][0], recorded[-1][0])


def test_early_stopping_in_fit_stops_and_history_is_truncated():
    x, y = tiny_data()
    model = tiny_model()
    es = cbm.EarlyStopping(monitor="score", patience=1, mode="max")
    history = model.fit(x, y, epochs=10, batch_size=4, verbose=0,
                        callbacks=[inject("score", [1.0, 2.0, 1.5, 3.0] + [0.0] * 6), es])
    assert history.epoch == [0, 1, 2]
    assert len(history.history["loss"]) == 3 and history.history["score"] == [1.0, 2.0, 1.5]
    assert es.stopped_epoch == 2


def test_early_stopping_in_fit_warns_without_validation_data():
    x, y = tiny_data()
    model = tiny_model()
    with pytest.warns(UserWarning, match="val_loss"):
        history = model.fit(x, y, epochs=3, batch_size=6, verbose=0,
                            callbacks=[cbm.EarlyStopping(patience=0)])
    assert history.epoch == [0, 1, 2]


# -- LearningRateScheduler ---------------------------------------------------------------------------
def test_learning_rate_scheduler_in_fit_two_argument_schedule():
    x, y = tiny_data()
    model = tiny_model(learning_rate=0.1)
    seen = []
    spy = cbm.LambdaCallback(on_train_batch_begin=lambda b, logs: seen.append(
        float(model.optimizer.learning_rate)))
    sched = cbm.LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr * 0.5)
    history = model.fit(x, y, epochs=4, batch_size=4, verbose=0, callbacks=[sched, spy])
    expected = [0.1, 0.05, 0.025, 0.0125]
    assert history.history["learning_rate"] == pytest.approx(expected, rel=1e-6)
    # the rate is set before the epoch's first batch: every step of epoch e uses expected[e]
    assert seen == pytest.approx([lr for lr in expected for _ in range(3)], rel=1e-6)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0125, rel=1e-6)


def test_learning_rate_scheduler_one_argument_schedule_and_initial_epoch():
    x, y = tiny_data()
    model = tiny_model(learning_rate=0.1)
    calls = []

    def schedule(epoch):
        calls.append(epoch)
        return 0.01 * (epoch + 1)
    history = model.fit(x, y, epochs=4, initial_epoch=1, batch_size=12, verbose=0,
                        callbacks=[cbm.LearningRateScheduler(schedule)])
    assert calls == [1, 2, 3]
    assert history.history["learning_rate"] == pytest.approx([F32(0.02), F32(0.03), F32(0.04)])


def test_learning_rate_scheduler_direct_and_errors(capsys):
    model = FakeModel(learning_rate=0.5)
    cb = cbm.LearningRateScheduler(lambda epoch, lr: lr / 2, verbose=1)
    cb.set_model(model)
    cb.on_epoch_begin(0)
    logs = {"loss": 1.0}
    cb.on_epoch_end(0, logs)
    assert logs == {"loss": 1.0, "learning_rate": 0.25}
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.25." in capsys.readouterr().out
    cb.on_epoch_begin(1)
    assert float(model.optimizer.learning_rate) == 0.125
    # the schedule must return a float, as in Keras 3
    bad = cbm.LearningRateScheduler(lambda epoch, lr: 1)
    bad.set_model(model)
    with pytest.raises(ValueError, match="should be a float"):
        bad.on_epoch_begin(0)
    np_float = cbm.LearningRateScheduler(lambda epoch: np.float32(0.125))
    np_float.set_model(model)
    np_float.on_epoch_begin(0)
    assert float(model.optimizer.learning_rate) == 0.125


# -- ReduceLROnPlateau -------------------------------------------------------------------------------
def run_plateau(values, initial_lr=1.0, key="loss", **kwargs):
    model = FakeModel(learning_rate=initial_lr)
    cb = cbm.ReduceLROnPlateau(monitor=key, **kwargs)
    cb.set_model(model)
    cb.on_train_begin()
    after, logged = [], []
    for epoch, value in enumerate(values):
        logs = {key: value}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        after.append(float(model.optimizer.learning_rate))
    return after, logged


def test_reduce_lr_on_plateau_patience_and_min_lr():
    # flat loss, patience 2: reductions at epochs 2, 4, 6 (no cooldown); floor 0.2 reached at 6
    after, logged = run_plateau([1.0] * 9, factor=0.5, patience=2, min_delta=0.0, min_lr=0.2)
    assert after == pytest.approx([1, 1, .5, .5, .25, .25, .2, .2, .2], rel=1e-6)
    # the logged rate is the one in force during the epoch (before that epoch's reduction)
    assert logged == pytest.approx([1, 1, 1, .5, .5, .25, .25, .2, .2], rel=1e-6)


def test_reduce_lr_on_plateau_cooldown():
    # cooldown 2: after a reduction two epochs are skipped, then patience counts again
    after, _ = run_plateau([1.0] * 10, factor=0.5, patience=2, min_delta=0.0, cooldown=2)
    assert after == pytest.approx([1, 1, .5, .5, .5, .25, .25, .25, .125, .125], rel=1e-6)
    # cooldown 1 behaves like cooldown 0 (Keras: the counter is consumed before counting)
    a1, _ = run_plateau([1.0] * 7, factor=0.5, patience=2, min_delta=0.0, cooldown=1)
    a0, _ = run_plateau([1.0] * 7, factor=0.5, patience=2, min_delta=0.0, cooldown=0)
    assert a1 == a0 == pytest.approx([1, 1, .5, .5, .25, .25, .125], rel=1e-6)


def test_reduce_lr_on_plateau_improvement_resets_and_min_delta():
    after, _ = run_plateau([1.0, 0.9, 0.9, 0.8, 0.8, 0.8], factor=0.1, patience=2, min_delta=0.0)
    assert after == pytest.approx([1, 1, 1, 1, 1, 0.1], rel=1e-6)
    # min_delta 0.1: 0.95 is not better than 1.0 - 0.1, 0.85 is
    after, _ = run_plateau([1.0, 0.95, 0.85], factor=0.5, patience=1, min_delta=0.1)
    assert after == pytest.approx([1, 0.5, 0.5], rel=1e-6)


def test_reduce_lr_on_plateau_modes():
    # 'auto' with 'acc' in the name: higher is better
    after, _ = run_plateau([0.5, 0.4, 0.6, 0.6], key="val_accuracy", factor=0.5, patience=1)
    assert after == pytest.approx([1, 0.5, 0.5, 0.25], rel=1e-6)
    after, _ = run_plateau([0.5, 0.6, 0.7], key="score", mode="max", factor=0.5, patience=1)
    assert after == pytest.approx([1, 1, 1])
    after, _ = run_plateau([0.5, 0.6, 0.7], key="score", mode="min", factor=0.5, patience=1)
    assert after == pytest.approx([1, 0.5, 0.25])


def test_reduce_lr_on_plateau_defaults_and_errors():
    cb = cbm.ReduceLROnPlateau()
    assert (cb.monitor, cb.factor, cb.patience, cb.verbose, cb.mode, cb.min_delta, cb.cooldown,
            cb.min_lr) == ("val_loss", 0.1, 10, 0, "auto", 1e-4, 0, 0.0)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        cbm.ReduceLROnPlateau(factor=1.0)
    model = FakeModel()
    cb.set_model(model)
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_reduce_lr_on_plateau_in_fit(capsys):
    x, y = tiny_data()
    model = tiny_model(learning_rate=0.0625)
    scores = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    cb = cbm.ReduceLROnPlateau(monitor="score", factor=0.5, patience=2, verbose=1)
    history = model.fit(x, y, epochs=6, batch_size=4, verbose=0, callbacks=[inject("score", scores), cb])
    assert history.history["learning_rate"] == [0.0625, 0.0625, 0.0625, 0.03125, 0.03125, 0.03125]
    assert float(model.optimizer.learning_rate) == 0.015625
    out = capsys.readouterr().out
    assert "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.03125.\n" in out
    assert "\nEpoch 6: ReduceLROnPlateau reducing learning rate to 0.015625.\n" in out


# -- TerminateOnNaN -------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), np.float32("nan")])
def test_terminate_on_nan_direct(bad, capsys):
    model = FakeModel()
    cb = cbm.TerminateOnNaN()
    cb.set_model(model)
    for batch, loss in enumerate([1.0, 0.5, bad, 0.2]):
        cb.on_train_batch_end(batch, {"loss": loss})
        if model.stop_training:
            break
    assert batch == 2
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="batch 7"):
        strict = cbm.TerminateOnNaN(raise_error=True)
        strict.set_model(FakeModel())
        strict.on_train_batch_end(7, {"loss": bad})


def test_terminate_on_nan_ignores_logs_without_loss():
    model = FakeModel()
    cb = cbm.TerminateOnNaN()
    cb.set_model(model)
    cb.on_train_batch_end(0, {"accuracy": float("nan")})
    cb.on_train_batch_end(1, None)
    assert not model.stop_training


def test_terminate_on_nan_in_fit_stops_at_the_nan_batch():
    x, y = tiny_data(n=12)
    x[4:6] = np.nan  # the third batch of 2
    model = tiny_model()
    batches, epochs_ended = [], []
    spy = cbm.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append((b, logs["loss"])),
                             on_epoch_end=lambda e, logs: epochs_ended.append(e))
    history = model.fit(x, y, epochs=3, batch_size=2, shuffle=False, verbose=0,
                        callbacks=[cbm.TerminateOnNaN(), spy])
    assert [b for b, _ in batches] == [0, 1, 2]
    assert all(math.isfinite(v) for _, v in batches[:2]) and math.isnan(batches[2][1])
    assert epochs_ended == [0] and history.epoch == [0]


# -- CSVLogger -----------------------------------------------------------------------------------------
def test_csv_logger_exact_content(tmp_path):
    path = tmp_path / "log.csv"
    logger = cbm.CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.25, "val_loss": 0.75, "val_accuracy": 0.125})
    logger.on_epoch_end(1, {"loss": 0.375, "val_loss": 0.625, "accuracy": 0.5, "val_accuracy": 1.0})
    logger.on_train_end()
    assert path.read_bytes() == (b"epoch,accuracy,loss,val_accuracy,val_loss\r\n"
                                 b"0,0.25,0.5,0.125,0.75\r\n"
                                 b"1,0.5,0.375,1.0,0.625\r\n")


def test_csv_logger_adds_val_columns_separator_and_append(tmp_path):
    path = tmp_path / "log.csv"
    logger = cbm.CSVLogger(str(path), separator=";")
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5})
    logger.on_epoch_end(1, {"loss": 0.25, "val_loss": 0.125})  # e.g. validation_freq=2
    logger.on_train_end()
    assert path.read_text().splitlines() == ["epoch;loss;val_loss", "0;0.5;NA", "1;0.25;0.125"]
    # append: no second header
    again = cbm.CSVLogger(path, separator=";", append=True)
    again.on_train_begin()
    again.on_epoch_end(0, {"loss": 0.0625})
    again.on_train_end()
    assert path.read_text().splitlines()[3:] == ["0;0.0625;NA"]
    # append to an empty file writes the header; append=False overwrites
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    for append in (True, False):
        logger = cbm.CSVLogger(empty, append=append)
        logger.on_train_begin()
        logger.on_epoch_end(0, {"loss": 1.5})
        logger.on_train_end()
        assert empty.read_text().splitlines() == ["epoch,loss,val_loss", "0,1.5,NA"]


def test_csv_logger_iterable_values_round_trip(tmp_path):
    path = tmp_path / "log.csv"
    logger = cbm.CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"per_class": np.array([1, 2]), "loss": np.float32(0.5), "note": "ok",
                            "scalar": np.array(3.0)})
    logger.on_train_end()
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "note", "per_class", "scalar", "val_loss", "val_note",
                       "val_per_class", "val_scalar"]
    assert rows[1] == ["0", "0.5", "ok", '"[1, 2]"', "3.0", "NA", "NA", "NA", "NA"]


def test_csv_logger_in_fit_matches_history(tmp_path):
    x, y = tiny_data()
    model = tiny_model()
    path = tmp_path / "train.csv"
    history = model.fit(x[:8], y[:8], validation_data=(x[8:], y[8:]), epochs=3, batch_size=4, verbose=0,
                        callbacks=[cbm.CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0].keys()) == ["epoch", "loss", "val_loss"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert [float(r["loss"]) for r in rows] == history.history["loss"]
    assert [float(r["val_loss"]) for r in rows] == history.history["val_loss"]


# -- LambdaCallback -------------------------------------------------------------------------------------
def test_lambda_callback_call_counts_in_fit():
    x, y = tiny_data(n=10)
    model = tiny_model()
    events = []
    a = cbm.LambdaCallback(
        on_train_begin=lambda logs: events.append(("train_begin", isinstance(logs, dict))),
        on_train_end=lambda logs: events.append(("train_end", "loss" in logs)),
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, sorted(logs))),
        on_batch_begin=lambda batch, logs: events.append(("batch_begin", batch)),
        on_batch_end=lambda batch, logs: events.append(("batch_end", batch, "loss" in logs)),
        on_test_begin=lambda logs: events.append(("test_begin",)))
    b_batches = []
    b = cbm.LambdaCallback(on_train_batch_end=lambda batch, logs: b_batches.append(batch))
    model.fit(x, y, epochs=3, batch_size=4, validation_data=(x, y), verbose=0, callbacks=[a, b])
    kinds = [e[0] for e in events]
    assert {k: kinds.count(k) for k in set(kinds)} == {
        "train_begin": 1, "train_end": 1, "epoch_begin": 3, "epoch_end": 3, "batch_begin": 9,
        "batch_end": 9, "test_begin": 3}
    assert events[0] == ("train_begin", True) and events[-1] == ("train_end", True)
    assert [e[1] for e in events if e[0] == "epoch_begin"] == [0, 1, 2]
    assert [e[1] for e in events if e[0] == "batch_begin"] == [0, 1, 2] * 3
    assert all(e[2] for e in events if e[0] == "batch_end")
    assert [e[2] for e in events if e[0] == "epoch_end"] == [["loss", "val_loss"]] * 3
    assert b_batches == [0, 1, 2] * 3
    # the order within one epoch
    assert kinds[1:7] == ["epoch_begin", "batch_begin", "batch_end", "batch_begin", "batch_end",
                          "batch_begin"]


def test_lambda_callback_explicit_train_batch_hook_wins_and_unknown_hook_rejected():
    calls = []
    cb = cbm.LambdaCallback(on_train_batch_end=lambda b, logs: calls.append("train"),
                            on_batch_end=lambda b, logs: calls.append("old"))
    cb.on_train_batch_end(0, {})
    assert calls == ["train"]
    with pytest.raises(TypeError, match="on_epoch_ed"):
        cbm.LambdaCallback(on_epoch_ed=lambda e, logs: None)
    # unset hooks are the base class's no-ops
    cbm.LambdaCallback().on_epoch_end(0, {})


# -- History ---------------------------------------------------------------------------------------------
def test_history_contents():
    x, y = tiny_data()
    model = tiny_model()
    history = model.fit(x[:8], y[:8], validation_data=(x[8:], y[8:]), epochs=3, batch_size=4, verbose=0)
    assert isinstance(history, cbm.History)
    assert model.history is history
    assert history.epoch == [0, 1, 2]
    assert sorted(history.history) == ["loss", "val_loss"]
    assert all(len(v) == 3 and all(isinstance(f, float) for f in v) for v in history.history.values())
    # the last val_loss is the loss of the final weights on the validation data
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x[8:], y[8:], verbose=0),
                                                            rel=1e-5)
    # the training loss decreases on this easy problem
    assert history.history["loss"][-1] < history.history["loss"][0]
    # initial_epoch: epochs are numbered from it
    again = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=12, verbose=0)
    assert again.epoch == [2, 3] and len(again.history["loss"]) == 2


# -- the docstring examples run --------------------------------------------------------------------------
@pytest.mark.parametrize("module", ["early_stopping", "learning_rate_scheduler", "reduce_lr_on_plateau",
                                    "terminate_on_nan", "csv_logger", "lambda_callback"])
def test_docstring_examples(module):
    import importlib
    mod = importlib.import_module(f"cornu.keras.callbacks.{module}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
