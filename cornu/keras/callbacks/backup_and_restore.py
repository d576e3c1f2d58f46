"""BackupAndRestore: resume an interrupted `fit` where it stopped, with the same results.

>>> import tempfile
>>> import numpy as np
>>> import cornu as tf
>>> class Interrupt(tf.keras.callbacks.Callback):
...     def on_epoch_begin(self, epoch, logs=None):
...         if epoch == 4:
...             raise RuntimeError("Interrupting!")
>>> backup = tf.keras.callbacks.BackupAndRestore(backup_dir=tempfile.mkdtemp())
>>> model = tf.keras.Sequential([tf.keras.Input((20,)), tf.keras.layers.Dense(10)])
>>> model.compile(tf.keras.optimizers.SGD(), loss="mse")
>>> x, y = np.arange(100, dtype="float32").reshape(5, 20) / 100, np.zeros((5, 10), "float32")
>>> try:
...     model.fit(x, y, epochs=10, batch_size=1, callbacks=[backup, Interrupt()], verbose=0)
... except RuntimeError:
...     pass
>>> history = model.fit(x, y, epochs=10, batch_size=1, callbacks=[backup], verbose=0)
>>> len(history.history["loss"])  # epochs 4 to 9: the run resumed at the interrupted epoch
6
"""
import os
import warnings

from .callback import BatchSaveFrequency, Callback


def _warn_if_not_resumable(data):
    from ..trainers import data_adapter
    if isinstance(data, data_adapter.IterableData) or (
            isinstance(data, data_adapter.DatasetData) and data._user_steps is not None):
        warnings.warn("BackupAndRestore: the training data is a generator, or a Dataset read on across "
                      "epochs (steps_per_epoch); its position cannot be backed up, so the resumed fit "
                      "reads it afresh rather than where the interrupted fit stopped", stacklevel=3)


class _TrainingState:
    """The backup's non-variable part, saved as JSON inside the checkpoint (so it is written in the
    same atomic step as the weights): where to resume, and the random and data-shuffle states."""

    def __init__(self):
        self.value = None

    def _checkpoint_state(self):
        return self.value

    def _restore_checkpoint_state(self, value):
        self.value = value


class BackupAndRestore(BatchSaveFrequency, Callback):
    """Back up the training state regularly; a new `fit` with the same callback resumes from it.

    The backup holds the model's weights, the optimizer's variables (iteration count, learning
    rate, slots such as Adam's moments), the epoch (and batch) reached, and the state of the random
    generators (cornu.random's streams, NumPy's and Python's global ones) and of the training
    data's shuffling. So a fit that is interrupted (an exception, a killed process) and then run
    again with the same model definition, data and arguments ends with the same weights as a fit
    that was never interrupted, dropout masks and shuffled batch orders included. At the end of a
    fit that completes, the backup is deleted (unless `delete_checkpoint=False`).

    Args:
        backup_dir: the directory for the backup (used by this callback alone: do not share it with
            another callback or another training run).
        save_freq: 'epoch' backs up at the end of each epoch; an integer N every N batches. A fit
            resumed from a mid-epoch backup skips the batches of that epoch already trained (the
            epoch's logged metrics then cover only the remaining batches).
        delete_checkpoint: delete the backup when `fit` completes.
        double_checkpoint: keep the previous backup too, and fall back to it if the latest one
            cannot be read.

    The model must be built (its weights created) before `fit`. The backup is a
    `cornu.train.Checkpoint` (see `cornu.train`): a JSON index and a NumPy archive, written
    atomically, numbered `backup-N` in `backup_dir`. Not restored: other callbacks' state (e.g.
    EarlyStopping's patience counter) and the position inside a generator or an iterator kept
    across epochs (`steps_per_epoch` with a Dataset), which cannot be saved.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True, double_checkpoint=False):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`. "
                             f"Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or an integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.double_checkpoint = double_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._manager = None
        self._state = None
        self._epoch_start = None    # (random state, data state) when the current epoch began
        self._resume_random = None  # random state to set when the first resumed batch begins

    # -- the checkpoint ----------------------------------------------------------------------------
    def _make_manager(self):
        from ... import train
        self._state = _TrainingState()
        objects = {"model": self.model, "training_state": self._state}
        if getattr(self.model, "optimizer", None) is not None:
            objects["optimizer"] = self.model.optimizer
        checkpoint = train.Checkpoint(**objects)
        return train.CheckpointManager(checkpoint, self.backup_dir, checkpoint_name="backup",
                                       max_to_keep=2 if self.double_checkpoint else 1)

    def on_train_begin(self, logs=None):
        if not getattr(self.model, "built", False):
            raise ValueError("To use the BackupAndRestore callback, you model must be built before you "
                             f"call `fit()`. Model {self.model} is unbuilt. You can build it beforehand "
                             "by calling it on a batch of data.")
        self._manager = self._make_manager()
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._resume_random = None
        candidates = list(reversed(self._manager.checkpoints))
        if self._manager.latest_checkpoint and self._manager.latest_checkpoint not in candidates:
            candidates.insert(0, self._manager.latest_checkpoint)
        if not candidates:
            return
        from ...train import DataLossError
        for i, path in enumerate(candidates):
            try:
                self._restore(path)
                return
            except DataLossError:
                if not self.double_checkpoint or i == len(candidates) - 1:
                    raise

    def _restore(self, path):
        from ...train import DataLossError, _run_state
        try:
            status = self._manager.checkpoint.restore(path)
            status.assert_existing_objects_matched()
            # optimizer slots wait for the optimizer's build at the first step; with no step left
            # to run they are never needed, which is no reason to warn
            status.expect_partial()
        except (AssertionError, ValueError) as e:
            if isinstance(e, DataLossError):
                raise
            raise ValueError(f"BackupAndRestore: the backup in '{self.backup_dir}' does not match this "
                             f"model and optimizer (was it written by another model?): {e}") from None
        state = self._state.value or {}
        epoch, step = int(state.get("epoch", 0)), int(state.get("step", 0))
        data = getattr(self.model, "_fit_train_data", None)
        if not _run_state.set_data_state(data, state.get("data")):
            warnings.warn("BackupAndRestore: the training data's shuffles differ from the backed-up "
                          "run's, so the resumed fit shuffles differently", stacklevel=2)
        _warn_if_not_resumable(data)
        if step:
            # a mid-epoch backup: replay the epoch's start (same shuffle order), skip the batches
            # already trained, then continue the random streams from where the backup left them
            _run_state.set_random_state(state["random_epoch_start"])
            self._resume_random = state["random"]
        elif state.get("random") is not None:
            _run_state.set_random_state(state["random"])
        self.model._initial_epoch = epoch
        self.model._initial_step = step
        self._current_epoch = epoch
        self._last_batch_seen = max(step - 1, 0)  # count batches towards save_freq as the first run did

    def _save(self, epoch, step):
        from ...train import _run_state
        if step:
            random_epoch_start, data = self._epoch_start
            value = {"epoch": epoch, "step": step, "random": _run_state.random_state(),
                     "random_epoch_start": random_epoch_start, "data": data}
        else:
            value = {"epoch": epoch, "step": 0, "random": _run_state.random_state(),
                     "data": _run_state.data_state(getattr(self.model, "_fit_train_data", None))}
        self._state.value = value
        self._manager.save()

    # -- hooks ---------------------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        if self.save_freq != "epoch":  # (in a resumed epoch, this is the restored epoch start)
            from ...train import _run_state
            self._epoch_start = (_run_state.random_state(),
                                 _run_state.data_state(getattr(self.model, "_fit_train_data", None)))

    def on_train_batch_begin(self, batch, logs=None):
        if self._resume_random is not None:
            from ...train import _run_state
            _run_state.set_random_state(self._resume_random)
            self._resume_random = None

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            if batch + 1 == self.params.get("steps"):  # the epoch's last batch: resume at the next
                self._save(self._current_epoch + 1, 0)
            else:
                self._save(self._current_epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)


    def on_train_end(self, logs=None):
        if self.delete_checkpoint and self._manager is not None:
            self._delete_backup()
        self._manager = None

    def _delete_backup(self):
        """Remove this callback's files (not anything else a user put in backup_dir), then the
        directory if that left it empty."""
        from ...train import _format
        for path in self._manager.checkpoints + [self._manager.latest_checkpoint]:
            if path:
                _format.delete(path)
        state_file = os.path.join(self.backup_dir, "checkpoint")
        if os.path.isfile(state_file):
            os.remove(state_file)
        try:
            os.rmdir(self.backup_dir)
        except OSError:
            pass
