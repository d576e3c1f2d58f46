"""The checkpoint file format: a JSON index plus a NumPy .npz archive, no pickle (DESIGN principle 6).

A checkpoint written to the prefix `dir/ckpt-3` is two files, named as TensorFlow names them:

- `dir/ckpt-3.data-00000-of-00001`: an uncompressed NumPy `.npz` archive (a zip of `.npy` files)
  holding one array per saved variable, under the entry names `v0`, `v1`, ... It is read back with
  `allow_pickle=False`, so it can only ever give arrays of plain numeric or boolean dtypes.
- `dir/ckpt-3.index`: UTF-8 JSON::

      {"format": "cornu.train.Checkpoint", "version": 1,
       "data_file": "ckpt-3.data-00000-of-00001", "data_bytes": 1234, "data_sha256": "9f86...",
       "variables": {"model/layer-0/kernel": {"entry": "v0", "dtype": "float32", "shape": [3, 4]},
                     ...},
       "python_state": {"training_state": {...JSON...}},
       "objects": {"model": "Sequential", "model/layer-0": "Dense", ...}}

  `variables` maps each variable's object path (see `checkpoint.py`) to its archive entry, dtype and
  shape; `python_state` holds small JSON values of non-variable state (random generators'
  states, a training loop's epoch counter); `objects` names the class of each saved object (for
  error messages only).

Both files are written atomically (a temporary file renamed into place). The data file goes first
and the index last, so the index is the commit mark: a checkpoint whose index exists is complete.
The index records the data file's size and SHA-256, so a data file that was truncated, changed, or
replaced by another save to the same prefix is reported as corrupt instead of being half-read.
"""
import hashlib
import json
import os
import zipfile

from .. import backend
from ..core import errors
from ..data._atomic import atomic_writer

np = backend.numpy

FORMAT = "cornu.train.Checkpoint"
VERSION = 1
INDEX_SUFFIX = ".index"
DATA_SUFFIX = ".data-00000-of-00001"


class DataLossError(errors.OpError, ValueError):
    """A checkpoint file is corrupt or not a checkpoint (TF's `tf.errors.DataLossError`)."""


def index_path(prefix):
    return prefix + INDEX_SUFFIX


def data_path(prefix):
    return prefix + DATA_SUFFIX


def exists(prefix):
    return os.path.isfile(index_path(prefix))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write(prefix, arrays, python_state, objects):
    """Write a checkpoint: `arrays` maps variable paths to NumPy arrays, `python_state` paths to
    JSON-serializable values, `objects` paths to class names. Returns `prefix`."""
    prefix = os.fspath(prefix)
    directory = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(directory, exist_ok=True)
    entries, variables = {}, {}
    for i, (path, array) in enumerate(arrays.items()):
        array = np.asarray(array)  # (not ascontiguousarray: it turns a 0-d array into 1-d)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"Checkpoint: variable '{path}' has dtype {array.dtype}, which cannot be "
                            "saved (only numeric and boolean arrays are)")
        name = f"v{i}"
        entries[name] = array
        variables[path] = {"entry": name, "dtype": array.dtype.name, "shape": list(array.shape)}
    index = {"format": FORMAT, "version": VERSION, "variables": variables, "python_state": python_state,
             "objects": objects}
    try:  # before anything is written
        json.dumps(index, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Checkpoint: the Python state to save is not JSON-serializable: {e}") from None
    with atomic_writer(data_path(prefix)) as f:
        np.savez(f, **entries)
    index["data_file"] = os.path.basename(data_path(prefix))
    index["data_bytes"] = os.path.getsize(data_path(prefix))
    index["data_sha256"] = _sha256(data_path(prefix))
    with atomic_writer(index_path(prefix)) as f:
        f.write(json.dumps(index, separators=(",", ":"), allow_nan=False).encode("utf-8"))
    return prefix


class CheckpointData:
    """A checkpoint read back: `variables` (path -> {dtype, shape}), `python_state`, `objects`, and
    `array(path)` for a variable's value."""

    def __init__(self, prefix, index, arrays):
        self.prefix = prefix
        self.variables = index["variables"]
        self.python_state = index.get("python_state", {})
        self.objects = index.get("objects", {})
        self._arrays = arrays

    def array(self, path):
        return self._arrays[self.variables[path]["entry"]]


def _corrupt(prefix, why):
    return DataLossError(f"Checkpoint '{prefix}' is corrupt or not a cornu checkpoint: {why}")


def read_index(prefix):
    """The parsed and checked index of the checkpoint at `prefix` (NotFoundError if there is none)."""
    prefix = os.fspath(prefix)
    path = index_path(prefix)
    if os.path.isdir(prefix) and not os.path.isfile(path):
        raise errors.NotFoundError(
            f"Checkpoint: '{prefix}' is a directory; pass a checkpoint prefix such as "
            f"'{os.path.join(prefix, 'ckpt-1')}', e.g. cornu.train.latest_checkpoint('{prefix}')")
    if not os.path.isfile(path):
        raise errors.NotFoundError(f"Failed to find any matching files for {prefix}: there is no "
                                   f"checkpoint index file '{path}'")
    try:
        with open(path, "rb") as f:
            index = json.loads(f.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise _corrupt(prefix, f"the index file '{path}' is not valid JSON ({e})") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise _corrupt(prefix, f"the index file '{path}' does not describe a {FORMAT}")
    if index.get("version") != VERSION:
        raise _corrupt(prefix, f"format version {index.get('version')!r} is not supported by this "
                               f"cornu (which reads version {VERSION})")
    variables = index.get("variables")
    if not isinstance(variables, dict) or not all(
            isinstance(v, dict) and {"entry", "dtype", "shape"} <= set(v) for v in variables.values()):
        raise _corrupt(prefix, "the index's 'variables' table is malformed")
    if not isinstance(index.get("python_state", {}), dict):
        raise _corrupt(prefix, "the index's 'python_state' table is malformed")
    return index


def read(prefix):
    """Read the whole checkpoint at `prefix`, checking the data file against the index."""
    prefix = os.fspath(prefix)
    index = read_index(prefix)
    data_file = os.path.join(os.path.dirname(prefix), os.path.basename(str(index.get("data_file", ""))))
    if not os.path.isfile(data_file):
        raise _corrupt(prefix, f"its data file '{data_file}' is missing")
    size = os.path.getsize(data_file)
    if size != index.get("data_bytes"):
        raise _corrupt(prefix, f"its data file '{data_file}' has {size} bytes, the index says "
                               f"{index.get('data_bytes')} (truncated, or overwritten by another save?)")
    if _sha256(data_file) != index.get("data_sha256"):
        raise _corrupt(prefix, f"its data file '{data_file}' does not match the SHA-256 recorded in the "
                               "index (changed or overwritten after the index was written)")
    arrays = {}
    try:
        with np.load(data_file, allow_pickle=False) as archive:
            for path, meta in index["variables"].items():
                array = archive[meta["entry"]]
                if array.dtype.name != meta["dtype"] or list(array.shape) != list(meta["shape"]):
                    raise _corrupt(prefix, f"variable '{path}' is stored as {array.dtype.name} "
                                           f"{tuple(array.shape)}, the index says {meta['dtype']} "
                                           f"{tuple(meta['shape'])}")
                arrays[meta["entry"]] = array
    except DataLossError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise _corrupt(prefix, f"cannot read its data file '{data_file}' ({type(e).__name__}: {e})") from None
    return CheckpointData(prefix, index, arrays)


def delete(prefix):
    """Remove a checkpoint's files (the index first, so a half-deleted checkpoint is never 'found')."""
    for path in (index_path(prefix), data_path(prefix)):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
