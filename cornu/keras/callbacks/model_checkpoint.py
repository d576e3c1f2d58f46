"""ModelCheckpoint: save the model (or its weights) during training, every epoch, every N batches, or
only when a monitored metric improves (Keras 3's semantics and messages).

>>> import os, tempfile
>>> import cornu as tf
>>> directory = tempfile.mkdtemp()
>>> checkpoint = tf.keras.callbacks.ModelCheckpoint(
...     os.path.join(directory, "ckpt-{epoch:02d}-{loss:.2f}.weights.h5"), save_weights_only=True)
>>> checkpoint.filepath.endswith(".weights.h5")
True
>>> tf.keras.callbacks.ModelCheckpoint("model.h5py")
Traceback (most recent call last):
...
ValueError: The filepath provided must end in `.keras` (Keras model format). Received: filepath=model.h5py
"""
import os
import warnings

from .callback import BatchSaveFrequency, Callback
from .early_stopping import as_float, infer_direction


class ModelCheckpoint(BatchSaveFrequency, Callback):
    """Save the Keras model or its weights at some frequency.

    Args:
        filepath: where to save (a str or os.PathLike). It may hold format fields filled with the
            epoch (counted from 1), the batch (from 1, when saving every N batches) and the logs:
            `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`. It must end in `.weights.h5` when
            `save_weights_only=True`, else in `.keras` (or `.h5`, the legacy format). Missing
            directories are created.
        monitor: the log key compared when `save_best_only` (default 'val_loss').
        verbose: 1 prints a line each time the callback saves or decides not to.
        save_best_only: save only when `monitor` improves on the best value so far (the file is
            then overwritten by each better model unless `filepath` has format fields).
        save_weights_only: save with `model.save_weights(filepath)` instead of `model.save(filepath)`.
        mode: 'auto', 'min' or 'max': whether lower or higher `monitor` values are better ('auto'
            infers it: losses and errors go down; accuracy, AUC, precision, ... go up).
        save_freq: 'epoch' saves at the end of each epoch; an integer N at the end of every N-th
            batch (counted across epochs; the metrics then cover only part of an epoch).
        initial_value_threshold: the initial best value: with `save_best_only`, the model is only
            saved once `monitor` beats it.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"ModelCheckpoint mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = initial_value_threshold
        self.monitor_op = None
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if self.save_freq != "epoch" and (isinstance(self.save_freq, bool)
                                          or not isinstance(self.save_freq, int)):
            raise ValueError(f"Unrecognized save_freq: {self.save_freq}. "
                             "Expected save_freq are 'epoch' or integer values")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                                 "provided must end in `.weights.h5` (Keras weights format). Received: "
                                 f"filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). Received: "
                             f"filepath={self.filepath}")

    # -- monitoring ----------------------------------------------------------------------------------
    def _set_monitor_op(self):
        if self.mode == "min":
            direction = "down"
        elif self.mode == "max":
            direction = "up"
        else:
            direction = infer_direction(self.monitor, self.model)
            if direction is None:
                raise ValueError(
                    f"ModelCheckpoint callback received monitor={self.monitor}, but Keras isn't able to "
                    "automatically determine whether that metric should be maximized or minimized. "
                    "Pass `mode='max'` in order to monitor based on the highest metric value, or pass "
                    "`mode='min'` in order to use the lowest value.")
        if direction == "down":
            self.monitor_op = lambda a, b: a < b
            if self.best is None:
                self.best = float("inf")
        else:
            self.monitor_op = lambda a, b: a > b
            if self.best is None:
                self.best = -float("inf")

    # -- hooks ---------------------------------------------------------------------------------------
    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)


    # -- saving --------------------------------------------------------------------------------------
    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}", flush=True)
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if len(getattr(current, "shape", ())) > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. Received: "
                          f"{current}. Falling back to `save_best_only=False`.", stacklevel=3)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()  # delayed until the model's metrics exist
        current = as_float(current)
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {filepath}", flush=True)
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}", flush=True)
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                          f"an existing directory: {filepath}")
        if not self._should_save_model(epoch, logs, filepath):
            return
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}", flush=True)

    def _get_file_path(self, epoch, batch, logs):
        """`filepath` with its fields filled: epoch (from 1), batch (from 1) and the logs."""
        values = {k: v.numpy() if hasattr(v, "numpy") else v for k, v in logs.items()}  # Tensors too
        try:
            if batch is None or "batch" in values:
                return self.filepath.format(epoch=epoch + 1, **values)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **values)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from None
