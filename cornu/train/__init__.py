"""`cornu.train`: training checkpoints, as TF2's `tf.train`.

- `Checkpoint(**objects)`: save/restore models, optimizers (with their slots and iteration count),
  metrics, Variables and nested objects; `save`, `write`, `restore`, `read`, `save_counter`.
- `CheckpointManager(checkpoint, directory, max_to_keep)`: numbered checkpoints, old ones deleted.
- `latest_checkpoint(directory)`, `get_checkpoint_state`, `list_variables`, `load_variable`,
  `load_checkpoint`.

Files are a JSON index and a NumPy `.npz` archive read without pickle, written atomically (see
`cornu/train/_format.py`).

>>> import os, tempfile
>>> import cornu as tf
>>> model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
>>> ckpt = tf.train.Checkpoint(model=model, optimizer=tf.keras.optimizers.SGD())
>>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
>>> [name for name, shape in tf.train.list_variables(path)]
['model/layer-0/bias', 'model/layer-0/kernel', 'optimizer/iteration', 'optimizer/learning_rate', 'save_counter']
"""
from ._format import DataLossError  # noqa: F401
from .checkpoint import Checkpoint, CheckpointLoadStatus, InitializationOnlyStatus  # noqa: F401
from .checkpoint_management import (CheckpointManager, CheckpointState, get_checkpoint_state,  # noqa: F401
                                    latest_checkpoint, update_checkpoint_state)
from .checkpoint_utils import CheckpointReader, list_variables, load_checkpoint, load_variable  # noqa: F401
