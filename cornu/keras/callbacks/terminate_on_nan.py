"""TerminateOnNaN: stop training as soon as a batch's loss is NaN or infinite.

>>> import cornu as tf
>>> class _Model:
...     stop_training = False
>>> cb = tf.keras.callbacks.TerminateOnNaN()
>>> cb.set_model(_Model())
>>> cb.on_train_batch_end(0, {"loss": 0.5}); cb.model.stop_training
False
>>> cb.on_train_batch_end(1, {"loss": float("nan")})
Batch 1: Invalid loss, terminating training
>>> cb.model.stop_training
True
"""
import math

from .callback import Callback


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or inf.

    By default training stops gracefully (`model.stop_training = True`, so the other callbacks still
    see `on_epoch_end` and `on_train_end`); with `raise_error=True` a RuntimeError is raised at once.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    # Keras overrides `on_batch_end`, which its base class calls from `on_train_batch_end`; overriding
    # the train hook itself works whichever way the base class forwards the old name.
    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is None:
            return
        value = float(loss.numpy() if hasattr(loss, "numpy") else loss)
        if math.isnan(value) or math.isinf(value):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
            self.model.stop_training = True

    def on_batch_end(self, batch, logs=None):
        TerminateOnNaN.on_train_batch_end(self, batch, logs)
