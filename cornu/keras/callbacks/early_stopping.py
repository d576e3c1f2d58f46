"""EarlyStopping: stop training when a monitored quantity has stopped improving (Keras 3's semantics).

>>> import cornu as tf
>>> cb = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=1)
>>> class _Model:  # any object with `stop_training` will do for this illustration
...     stop_training = False
>>> cb.set_model(_Model())
>>> cb.on_train_begin()
>>> for epoch, loss in enumerate([1.0, 0.9, 0.95, 0.97]):
...     cb.on_epoch_end(epoch, {"loss": loss})
...     if cb.model.stop_training:
...         break
>>> cb.stopped_epoch
2
"""
import operator
import warnings

from .callback import Callback

# Names whose metric improves upwards / downwards. Keras 3 asks the model's metric objects for their
# `_direction`; these name fragments are the fallback for metrics that do not say (and for logs that
# come from no metric object at all, e.g. hand-made logs in a custom loop).
_UP_NAMES = ("acc", "auc", "precision", "recall", "f1_score", "fbeta_score", "iou", "r2_score",
             "cosine_similarity", "true_positives", "true_negatives", "sensitivity", "specificity")
_DOWN_NAMES = ("loss", "error", "crossentropy", "hinge", "divergence", "poisson", "logcosh",
               "false_positives", "false_negatives", "mse", "mae", "mape", "msle", "rmse")


def _model_metric_direction(model, name):
    """'up'/'down' from the model's metric object called `name` (Keras 3: `metric._direction`)."""
    seen, stack = set(), list(getattr(model, "metrics", None) or []) if model is not None else []
    while stack:
        m = stack.pop(0)
        if id(m) in seen:
            continue
        seen.add(id(m))
        if getattr(m, "name", None) == name and getattr(m, "_direction", None) in ("up", "down"):
            return m._direction
        inner = getattr(m, "metrics", None)  # containers of compiled metrics
        if isinstance(inner, (list, tuple)):
            stack.extend(inner)
    return None


def infer_direction(monitor, model=None):
    """'up' or 'down' for mode='auto', or None when it cannot be told (Keras 3 then raises)."""
    name = monitor[len("val_"):] if monitor.startswith("val_") else monitor
    if name == "loss":
        return "down"
    direction = _model_metric_direction(model, name)
    if direction is not None:
        return direction
    if any(frag in name for frag in _UP_NAMES):
        return "up"
    if any(frag in name for frag in _DOWN_NAMES):
        return "down"
    return None


def as_float(value):
    """A log value (float, NumPy scalar, 0-d array or cornu Tensor) as a Python float."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return float(value)


class EarlyStopping(Callback):
    """Stop training when a monitored metric has stopped improving.

    Each epoch end reads `logs[monitor]`; an epoch improves if the value beats the best so far by more
    than `min_delta` (lower is better in 'min' mode, higher in 'max'; 'auto' infers it from the
    metric: 'loss' and error metrics go down, accuracy/AUC/precision/recall/... go up). After
    `patience` epochs without improvement, `model.stop_training` is set. Training cannot stop after
    the first epoch.

    Args:
        monitor: the log key to watch (default 'val_loss').
        min_delta: the smallest change that counts as an improvement (its sign is ignored).
        patience: epochs without improvement after which training stops.
        verbose: 1 prints a line when stopping and when restoring weights.
        mode: 'auto', 'min' or 'max'.
        baseline: a value the metric must beat; until it does, the wait counter is not reset.
        restore_best_weights: at the end of training, set the model's weights back to those of the
            best epoch (also when training ran to the end without stopping early, as Keras 3 does).
        start_from_epoch: epochs to wait before monitoring at all (a warm-up).

    >>> import cornu as tf
    >>> callback = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    >>> callback.patience
    3
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"EarlyStopping mode {mode} is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.mode = mode
        self.monitor_op = None
        self.best = None
        self.best_epoch = 0

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            direction = infer_direction(self.monitor, self.model)
            if direction == "up":
                self.monitor_op = operator.gt
            elif direction == "down":
                self.monitor_op = operator.lt
        if self.monitor_op is None:
            raise ValueError(
                f"EarlyStopping callback received monitor={self.monitor} but Keras isn't able to "
                "automatically determine whether that metric should be maximized or minimized. Pass "
                "`mode='max'` in order to do early stopping based on the highest metric value, or pass "
                "`mode='min'` in order to use the lowest value.")
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def on_train_begin(self, logs=None):
        # allow instances to be re-used
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # delayed until the model's metrics are built
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return  # no value, or still in the warm-up
        if self.restore_best_weights and self.best_weights is None:
            # best weights never set: the current ones are the best
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # only restart the wait if we beat both the baseline and the previous best
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.",
                      flush=True)
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(list(logs.keys()))}", stacklevel=2)
            return None
        return as_float(value)

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
