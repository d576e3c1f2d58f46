"""ReduceLROnPlateau: multiply the learning rate by `factor` when a metric has stopped improving.

>>> import cornu as tf
>>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
>>> model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.1), loss="mse")
>>> callback = tf.keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
>>> callback.set_model(model)
>>> callback.on_train_begin()
>>> for epoch, loss in enumerate([1.0, 1.0, 1.0]):
...     callback.on_epoch_end(epoch, {"loss": loss})
>>> round(float(model.optimizer.learning_rate), 6)
0.025
"""
import warnings

from .callback import Callback
from .early_stopping import as_float


class ReduceLROnPlateau(Callback):
    """Reduce the learning rate when a metric has stopped improving.

    When `logs[monitor]` has not improved (by more than `min_delta`) for `patience` epochs, the rate
    becomes `max(lr * factor, min_lr)`; then `cooldown` epochs pass before counting again.

    Args:
        monitor: the log key to watch (default 'val_loss').
        factor: the multiplier, `new_lr = lr * factor` (must be < 1).
        patience: epochs without improvement after which the rate is reduced.
        verbose: 1 prints a line at each reduction.
        mode: 'auto', 'min' or 'max' ('auto': 'max' when the name contains 'acc', else 'min').
        min_delta: the threshold for measuring the new optimum.
        cooldown: epochs to wait after a reduction before resuming normal operation.
        min_lr: the lower bound on the learning rate.

    Each epoch end also puts the current rate (before any reduction that epoch) in the logs as
    'learning_rate'.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:  # tf.keras 1's name for min_delta
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use `min_delta` instead.",
                          stacklevel=2)
        if kwargs:  # Keras 3 accepts and ignores them; say so at least
            warnings.warn(f"ReduceLROnPlateau: ignoring unknown argument(s) {sorted(kwargs)}", stacklevel=2)
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        """Reset the wait and cooldown counters and the best value."""
        if self.mode not in ("auto", "min", "max"):
            warnings.warn(f"Learning rate reduction mode {self.mode} is unknown, fallback to auto mode.",
                          stacklevel=2)
            self.mode = "auto"
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: a < b - self.min_delta
            self.best = float("inf")
        else:
            self.monitor_op = lambda a, b: a > b + self.min_delta
            self.best = -float("inf")
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}.", stacklevel=2)
            return
        current = as_float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(self.model.optimizer.learning_rate)
                # compared in float32, as Keras: the rate lives in a float32 variable
                if old_lr > _float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.",
                              flush=True)
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0


def _float32(x):
    from ... import backend
    return float(backend.numpy.float32(x))
