"""LambdaCallback: a callback made on the fly from plain functions.

>>> import cornu as tf
>>> seen = []
>>> cb = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
>>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> _ = model.fit(tf.ones((4, 2)), tf.ones((4, 1)), epochs=3, callbacks=[cb], verbose=0)
>>> seen
[0, 1, 2]
"""
from .callback import Callback


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given (positional arguments, as Keras calls them).

    - `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch, logs)`
    - `on_train_begin(logs)`, `on_train_end(logs)`
    - `on_train_batch_begin(batch, logs)`, `on_train_batch_end(batch, logs)`; the TF2 names
      `on_batch_begin` / `on_batch_end` (keyword arguments) run at the same moments.
    - any other hook of `Callback` as a keyword argument, e.g. `on_test_end=fn`.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = {}
        for name, value in kwargs.items():
            if not name.startswith("on_"):
                setattr(self, name, value)  # Keras puts any other keyword in the instance's __dict__
            elif callable(getattr(Callback, name, None)):
                hooks[name] = value
            else:  # a misspelt hook would otherwise never run
                raise TypeError(f"LambdaCallback: unknown hook {name!r}; hooks are the on_* methods of "
                                "keras.callbacks.Callback")
        # The old batch names are the train-batch hooks (Keras's base class forwards
        # on_train_batch_* to on_batch_*); an explicit on_train_batch_* wins, as in Keras.
        if on_train_batch_begin is None:
            on_train_batch_begin = kwargs.get("on_batch_begin")
        if on_train_batch_end is None:
            on_train_batch_end = kwargs.get("on_batch_end")
        hooks.update((name, fn) for name, fn in [
            ("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
            ("on_train_begin", on_train_begin), ("on_train_end", on_train_end),
            ("on_train_batch_begin", on_train_batch_begin), ("on_train_batch_end", on_train_batch_end)]
            if fn is not None)
        for name, fn in hooks.items():
            setattr(self, name, _hook(fn, takes_index=name.startswith("on_epoch") or "batch" in name))


def _hook(fn, takes_index):
    """`fn` as a hook: called positionally, with `logs` always a dict (Keras passes `{}`, never None)."""
    if takes_index:
        def hook(index, logs=None):
            return fn(index, {} if logs is None else logs)
    else:
        def hook(logs=None):
            return fn({} if logs is None else logs)
    hook.__wrapped__ = fn
    return hook
