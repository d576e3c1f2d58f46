"""Reading checkpoints without restoring them: `list_variables`, `load_variable`, `load_checkpoint`.

>>> import os, tempfile
>>> import cornu as tf
>>> ckpt = tf.train.Checkpoint(w=tf.Variable([[1.0, 2.0]]))
>>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
>>> tf.train.list_variables(path)
[('save_counter', []), ('w', [1, 2])]
>>> tf.train.load_variable(path, "w")
array([[1., 2.]], dtype=float32)
"""
import os

from . import _format
from .checkpoint_management import latest_checkpoint


def _resolve(ckpt_dir_or_file):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            from ..core import errors
            raise errors.NotFoundError(f"Couldn't find a checkpoint in the directory {path} (no "
                                       "'checkpoint' state file naming an existing checkpoint)")
        return latest
    return path


class CheckpointReader:
    """The variables of one checkpoint, by path (TF's `tf.train.load_checkpoint`)."""

    def __init__(self, prefix):
        self._data = _format.read(prefix)

    def get_variable_to_shape_map(self):
        return {k: list(v["shape"]) for k, v in self._data.variables.items()}

    def get_variable_to_dtype_map(self):
        from ..backend import dtypes
        return {k: dtypes.as_dtype(v["dtype"]) for k, v in self._data.variables.items()}

    def has_tensor(self, name):
        return name in self._data.variables

    def get_tensor(self, name):
        if name not in self._data.variables:
            from ..core import errors
            raise errors.NotFoundError(f"Key {name} not found in checkpoint {self._data.prefix}; its "
                                       f"keys are {sorted(self._data.variables)}")
        return self._data.array(name).copy()

    def python_state(self):
        """The JSON values of the checkpoint's non-variable state (path -> value)."""
        return dict(self._data.python_state)


def load_checkpoint(ckpt_dir_or_file):
    """A CheckpointReader for a checkpoint prefix, or for a directory's latest checkpoint."""
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file):
    """Sorted (path, shape) pairs of the variables in a checkpoint (or a directory's latest)."""
    reader = load_checkpoint(ckpt_dir_or_file)
    return sorted(reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name):
    """One variable's saved value, as a NumPy array."""
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
