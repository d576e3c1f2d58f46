"""ProgbarLogger: Keras's 'Epoch 1/4' header and progress bar during fit, evaluate and predict."""
from ..utils.progbar import Progbar
from .callback import Callback


class ProgbarLogger(Callback):
    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        self.progbar = None
        self.verbose = 1
        self.epochs = 1
        self._mode = "train"

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)

    def _new_bar(self):
        self.progbar = Progbar(target=self.params.get("steps"), verbose=self.verbose)

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
        self._mode = "train"
        self._new_bar()

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose == 1 and self.progbar is not None:
            self.progbar.update(batch + 1, list((logs or {}).items()), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose and self.progbar is not None:
            steps = self.progbar._seen or self.params.get("steps")
            self.progbar.target = steps
            self.progbar.update(steps, list((logs or {}).items()), finalize=True)

    def on_test_begin(self, logs=None):
        if self._mode == "train" and self.progbar is not None and self.params.get("_in_fit"):
            return  # validation inside fit: no separate bar, as in Keras
        self._mode = "test"
        self.progbar = Progbar(target=self.params.get("steps"), verbose=self.verbose)

    def on_test_batch_end(self, batch, logs=None):
        if self._mode == "test" and self.verbose == 1:
            self.progbar.update(batch + 1, list((logs or {}).items()), finalize=False)

    def on_test_end(self, logs=None):
        if self._mode == "test" and self.verbose:
            steps = self.progbar._seen or self.params.get("steps")
            self.progbar.target = steps
            self.progbar.update(steps, list((logs or {}).items()), finalize=True)

    def on_predict_begin(self, logs=None):
        self._mode = "predict"
        self.progbar = Progbar(target=self.params.get("steps"), verbose=self.verbose)

    def on_predict_batch_end(self, batch, logs=None):
        if self.verbose == 1:
            self.progbar.update(batch + 1, finalize=False)

    def on_predict_end(self, logs=None):
        if self.verbose:
            steps = self.progbar._seen or self.params.get("steps")
            self.progbar.target = steps
            self.progbar.update(steps, finalize=True)
