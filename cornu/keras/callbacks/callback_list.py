"""CallbackList: fans every hook out to a list of callbacks (adding History and the progress bar)."""
from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger

_HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"]


class CallbackList(Callback):
    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be keras.callbacks.Callback instances, got {cb!r}")
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.append(ProgbarLogger())  # last, so it shows what other callbacks logged
        if add_history and not any(isinstance(cb, History) for cb in self.callbacks):
            self.callbacks.append(History())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for cb in self.callbacks:
            cb.set_params(params)

    @property
    def history(self):
        for cb in self.callbacks:
            if isinstance(cb, History):
                return cb
        return None


def _fan_out(hook):
    takes_index = "batch" in hook or "epoch" in hook

    def method(self, *args, logs=None):
        if takes_index and len(args) == 2:
            args, logs = args[:1], args[1]
        elif not takes_index and len(args) == 1:
            args, logs = (), args[0]
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            getattr(cb, hook)(*args, logs=logs)
    method.__name__ = hook
    return method


for _hook in _HOOKS:
    setattr(CallbackList, _hook, _fan_out(_hook))
