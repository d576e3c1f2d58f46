"""LearningRateScheduler: set the optimizer's learning rate at the start of each epoch from a function.

>>> import cornu as tf
>>> def scheduler(epoch, lr):
...     return lr if epoch < 2 else lr * 0.5
>>> callback = tf.keras.callbacks.LearningRateScheduler(scheduler)
>>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
>>> model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.1), loss="mse")
>>> history = model.fit(tf.ones((4, 2)), tf.ones((4, 1)), epochs=4, callbacks=[callback], verbose=0)
>>> [round(lr, 6) for lr in history.history["learning_rate"]]
[0.1, 0.1, 0.05, 0.025]
"""
from ... import backend
from .callback import Callback

np = backend.numpy  # only for the float types Keras accepts from a schedule


class LearningRateScheduler(Callback):
    """At the beginning of every epoch, set the learning rate to `schedule(epoch, lr)`.

    Args:
        schedule: a function `(epoch, lr) -> new_lr` with `epoch` counted from 0 and `lr` the current
            rate as a float (a one-argument `schedule(epoch)` is accepted too, as in Keras). It must
            return a float.
        verbose: 1 prints a line each time the rate is set.

    At the end of every epoch the current rate is put in the logs as 'learning_rate', so it appears
    in `History.history` (and in a CSVLogger's file).
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:  # the (epoch, lr) form
            learning_rate = float(optimizer.learning_rate)
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:  # the old one-argument form
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        optimizer.learning_rate = float(learning_rate)  # a NumPy float becomes a plain one
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.",
                  flush=True)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return  # nowhere to write it (Keras writes into a throwaway dict)
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
