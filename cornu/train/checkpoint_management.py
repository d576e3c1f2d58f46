"""`CheckpointManager`, `latest_checkpoint` and the directory's `checkpoint` state file.

Each checkpoint directory has a small text file named `checkpoint` that lists its checkpoints, in
TensorFlow's layout (paths relative to the directory, quoted; timestamps in seconds)::

    model_checkpoint_path: "ckpt-3"
    all_model_checkpoint_paths: "ckpt-2"
    all_model_checkpoint_paths: "ckpt-3"
    all_model_checkpoint_timestamps: 1712345678.25
    all_model_checkpoint_timestamps: 1712345690.5
    last_preserved_timestamp: 1712345600.0

It is rewritten atomically after each checkpoint is complete, so a crash leaves it pointing at a
whole checkpoint.

>>> import tempfile
>>> import cornu as tf
>>> directory = tempfile.mkdtemp()
>>> ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
>>> manager = tf.train.CheckpointManager(ckpt, directory, max_to_keep=2)
>>> for _ in range(3):
...     _ = manager.save()
>>> [p[len(directory) + 1:] for p in manager.checkpoints]
['ckpt-2', 'ckpt-3']
>>> tf.train.latest_checkpoint(directory) == manager.latest_checkpoint
True
"""
import collections
import glob
import json
import os
import re
import time
import warnings

from ..data._atomic import atomic_writer
from . import _format
from .checkpoint import Checkpoint

_STATE_FILE = "checkpoint"


class CheckpointState:
    """The contents of a directory's `checkpoint` file (absolute or directory-joined paths)."""

    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths=(),
                 all_model_checkpoint_timestamps=(), last_preserved_timestamp=None):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp

    def __repr__(self):
        return (f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
                f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r})")


def _state_path(directory, latest_filename=None):
    return os.path.join(os.fspath(directory), latest_filename or _STATE_FILE)


_LINE = re.compile(r'^\s*([a-z_]+)\s*:\s*(.+?)\s*$')


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The directory's CheckpointState, or None when it has no (readable) `checkpoint` file."""
    path = _state_path(checkpoint_dir, latest_filename)
    if not os.path.isfile(path):
        return None
    fields = collections.defaultdict(list)
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                match = _LINE.match(line)
                if match is None:
                    raise ValueError(f"cannot parse the line {line.strip()!r}")
                key, raw = match.groups()
                fields[key].append(json.loads(raw) if raw.startswith('"') else float(raw))
        model_path = fields.get("model_checkpoint_path", [None])[-1]
        if not isinstance(model_path, str):
            raise ValueError("no model_checkpoint_path")
    except (ValueError, UnicodeDecodeError) as e:
        warnings.warn(f"{path}: Checkpoint ignored ({e})", stacklevel=2)
        return None
    directory = os.fspath(checkpoint_dir)

    def absolute(p):
        return p if os.path.isabs(p) else os.path.join(directory, p)
    return CheckpointState(absolute(model_path),
                           [absolute(p) for p in fields.get("all_model_checkpoint_paths", [])],
                           fields.get("all_model_checkpoint_timestamps", []),
                           (fields.get("last_preserved_timestamp") or [None])[-1])


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None):
    """Atomically (re)write `save_dir/checkpoint`; paths inside `save_dir` are stored relative."""
    save_dir = os.fspath(save_dir)
    os.makedirs(save_dir, exist_ok=True)
    paths = list(all_model_checkpoint_paths or [])
    if model_checkpoint_path not in paths:
        paths.append(model_checkpoint_path)
    base = os.path.abspath(save_dir)

    def relative(p):
        p = os.fspath(p)
        absolute = os.path.abspath(p)
        return os.path.relpath(absolute, base) if os.path.dirname(absolute) == base else absolute
    lines = [f"model_checkpoint_path: {json.dumps(relative(model_checkpoint_path))}"]
    lines += [f"all_model_checkpoint_paths: {json.dumps(relative(p))}" for p in paths]
    lines += [f"all_model_checkpoint_timestamps: {float(t)!r}" for t in all_model_checkpoint_timestamps or []]
    if last_preserved_timestamp is not None:
        lines.append(f"last_preserved_timestamp: {float(last_preserved_timestamp)!r}")
    with atomic_writer(_state_path(save_dir, latest_filename)) as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the directory's most recent checkpoint (e.g. 'dir/ckpt-3'), or None.

    Read from the directory's `checkpoint` file (written by `Checkpoint.save` and
    `CheckpointManager.save`); None when there is none or its checkpoint's files are gone.
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is not None and state.model_checkpoint_path and _format.exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None


def _number(value):
    if hasattr(value, "numpy"):
        value = value.numpy()
    return int(value)


class CheckpointManager:
    """Numbered checkpoints in a directory, keeping the `max_to_keep` most recent.

    Args:
        checkpoint: the `cornu.train.Checkpoint` to save and restore.
        directory: where the checkpoints and the `checkpoint` state file go.
        max_to_keep: how many recent checkpoints to keep (older ones are deleted after each save);
            None keeps all.
        keep_checkpoint_every_n_hours: additionally keep one checkpoint per this many hours.
        checkpoint_name: the checkpoints' file name prefix (`ckpt` gives `ckpt-1`, `ckpt-2`, ...).
        step_counter, checkpoint_interval: with both, `save()` only writes when `step_counter` has
            advanced by at least `checkpoint_interval` since the last checkpoint.
        init_fn: called by `restore_or_initialize()` when there is no checkpoint to restore.

    A manager created on a directory that already has checkpoints picks them up from the state file
    (`latest_checkpoint`, `checkpoints`), so a restarted program resumes the numbering after
    `checkpoint.restore(manager.latest_checkpoint)`.
    """

    def __init__(self, checkpoint, directory, max_to_keep=5, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None, init_fn=None):
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(f"CheckpointManager expects a cornu.train.Checkpoint, got "
                            f"{type(checkpoint).__name__}")
        if max_to_keep is not None and (isinstance(max_to_keep, bool) or int(max_to_keep) <= 0):
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not None.")
        if directory is None:
            raise ValueError("CheckpointManager: `directory` is required")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = None if max_to_keep is None else int(max_to_keep)
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._checkpoint_prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_checkpoint_step = None
        self._maybe_delete = collections.OrderedDict()  # path -> timestamp, oldest first
        now = time.time()
        state = get_checkpoint_state(self._directory)
        if state is None:
            self._latest_checkpoint = None
            self._last_preserved_timestamp = now - 1.0  # slightly back: a quick re-creation races
        else:
            self._latest_checkpoint = state.model_checkpoint_path
            preserved = state.last_preserved_timestamp
            self._last_preserved_timestamp = now - 1.0 if preserved is None else min(preserved, now)
            timestamps = state.all_model_checkpoint_timestamps
            if len(timestamps) != len(state.all_model_checkpoint_paths):
                timestamps = [self._last_preserved_timestamp + 1e-6] * len(state.all_model_checkpoint_paths)
            for path, stamp in zip(state.all_model_checkpoint_paths, timestamps):
                stamp = min(stamp, now)
                if stamp > self._last_preserved_timestamp:
                    self._maybe_delete[path] = stamp

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def checkpoint_interval(self):
        return self._checkpoint_interval

    @property
    def latest_checkpoint(self):
        """The prefix of the newest checkpoint this manager knows (None before the first)."""
        return self._latest_checkpoint

    @property
    def checkpoints(self):
        """The prefixes of the checkpoints kept (not counting hourly-preserved ones), oldest first."""
        return list(self._maybe_delete)

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Write a new checkpoint `ckpt-N`, record it, delete those beyond `max_to_keep`.

        N is `checkpoint_number` if given (an int or a Variable), else the checkpoint's
        `save_counter` (incremented by every save). Returns the new checkpoint's prefix, or None
        when `checkpoint_interval` says it is too early.
        """
        current_step = None
        if self._checkpoint_interval is not None:
            current_step = _number(self._step_counter)
            if self._last_checkpoint_step is not None and check_interval and \
                    current_step < self._last_checkpoint_step + self._checkpoint_interval:
                return None
        counter = self._checkpoint.save_counter
        from .checkpoint import _eager
        with _eager():
            counter.assign_add(1)
        number = _number(counter) if checkpoint_number is None else _number(checkpoint_number)
        save_path = self._checkpoint.write(f"{self._checkpoint_prefix}-{number}")
        if save_path in self._maybe_delete:  # overwritten: it moves to the end of the queue
            del self._maybe_delete[save_path]
        self._maybe_delete[save_path] = time.time()
        self._latest_checkpoint = save_path
        # record first (a crash while deleting still finds the new checkpoint), then sweep, then
        # record again without the deleted ones
        self._record_state()
        self._sweep()
        self._record_state()
        if current_step is not None:
            self._last_checkpoint_step = current_step
        return save_path

    def _record_state(self):
        update_checkpoint_state(self._directory, self._latest_checkpoint, list(self._maybe_delete),
                                all_model_checkpoint_timestamps=list(self._maybe_delete.values()),
                                last_preserved_timestamp=self._last_preserved_timestamp)

    def _sweep(self):
        if not self._max_to_keep:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = self._maybe_delete.popitem(last=False)
            if self._keep_checkpoint_every_n_hours and (
                    stamp - self._keep_checkpoint_every_n_hours * 3600.0 >= self._last_preserved_timestamp):
                self._last_preserved_timestamp = stamp
                continue
            _format.delete(path)
            for stray in glob.glob(glob.escape(path) + ".data-?????-of-?????"):
                os.remove(stray)

    def restore_or_initialize(self):
        """Restore the latest checkpoint if there is one (returns its path); else call `init_fn`
        (if given) and return None."""
        if self._latest_checkpoint is not None and _format.exists(self._latest_checkpoint):
            self._checkpoint.restore(self._latest_checkpoint)
            return self._latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None

    def sync(self):
        """Wait for pending writes (none: cornu writes synchronously)."""
