"""`cornu.train.Checkpoint`: save and restore models, optimizers, variables and nested objects.

>>> import os, tempfile
>>> import cornu as tf
>>> step = tf.Variable(0, dtype=tf.int64)
>>> weights = tf.Variable([1.0, 2.0])
>>> ckpt = tf.train.Checkpoint(step=step, weights=weights)
>>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
>>> os.path.basename(path)
'ckpt-1'
>>> _ = weights.assign([0.0, 0.0])
>>> ckpt.restore(path).assert_consumed()  # doctest: +ELLIPSIS
<cornu.train.checkpoint.CheckpointLoadStatus object at ...>
>>> weights.numpy()
array([1., 2.], dtype=float32)

The file format is described in `_format.py` (a JSON index and a NumPy `.npz` without pickle); which
objects are saved under which paths in `_graph.py`.
"""
import os
import warnings

from .. import backend
from ..backend import dtypes
from ..core.tensor import wrap
from ..core.variable import Variable
from . import _format, _graph

np = backend.numpy


def _eager():
    from ..graph.tracing import eager
    return eager()


class Checkpoint:
    """Groups trackable objects so that their state is saved and restored together.

    `Checkpoint(model=model, optimizer=optimizer, step=step_variable)`: each keyword names a
    dependency (a Keras model or layer, an optimizer, a metric, a `cornu.Variable`, another
    Checkpoint, a list or dict of those, or any object with a `_trackable_children()` method).
    Attributes assigned later (`ckpt.extra = variable`) are tracked too. `root`, if given, is an
    object whose children become the checkpoint's own.

    - `save(file_prefix)` increments `save_counter` and writes `f"{file_prefix}-{save_counter}"`;
      it also records it as the latest checkpoint of its directory (see `latest_checkpoint`).
    - `write(file_prefix)` writes exactly `file_prefix` (no counter, no directory record).
    - `restore(save_path)` / `read(save_path)` load values into the live objects, matching by
      path (see `_graph.py`), and return a status with `assert_consumed()`,
      `assert_existing_objects_matched()`, `assert_nontrivial_match()` and `expect_partial()`.
      Values for variables that do not exist yet, such as optimizer slots before the first step or
      the weights of a layer not yet built, are restored when the optimizer or layer is built.
      `restore(None)` restores nothing (for `ckpt.restore(manager.latest_checkpoint)` on a first
      run).

    Restoring checks every shape before assigning anything: a mismatch is a ValueError naming the
    path, the variable and both shapes. A missing checkpoint is a `cornu.errors.NotFoundError`; a
    damaged one a `cornu.train.DataLossError`.
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_deps", {})
        object.__setattr__(self, "_root", None)
        if root is not None:
            _check_trackable("root", root)
            object.__setattr__(self, "_root", root)
        for name, value in kwargs.items():
            if name == "save_counter":
                raise ValueError("Checkpoint: 'save_counter' is reserved for the checkpoint's own counter")
            _check_trackable(name, value)
            setattr(self, name, value)
        object.__setattr__(self, "_save_counter",
                           Variable(0, dtype=dtypes.int64, trainable=False, name="save_counter"))

    def __setattr__(self, name, value):
        if not name.startswith("_") and _graph.is_trackable(value):
            self._deps[name] = value
        else:
            self._deps.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._deps.pop(name, None)
        object.__delattr__(self, name)

    @property
    def save_counter(self):
        """The number of `save()` calls so far (an int64 Variable, itself saved and restored)."""
        return self._save_counter

    def _trackable_children(self):
        out = {}
        if self._root is not None:
            out.update(_graph.children(self._root) or ())
        out.update(self._deps)
        out["save_counter"] = self._save_counter
        return out

    # -- saving --------------------------------------------------------------------------------------
    def write(self, file_prefix, options=None):
        """Write the checkpoint to exactly `file_prefix` (its `.index` and `.data-*` files); returns it."""
        prefix = os.fspath(file_prefix)
        graph = _graph.Graph(self)
        arrays = {path: backend.to_numpy(variable._value) for path, variable in graph.variables.items()}
        states = {path: _graph.get_state(obj) for path, obj in graph.states.items()}
        return _format.write(prefix, arrays, states, graph.class_names())

    def save(self, file_prefix, options=None):
        """Increment `save_counter`, write `f"{file_prefix}-{save_counter}"` and record it as its
        directory's latest checkpoint. Returns the path written."""
        from .checkpoint_management import update_checkpoint_state
        with _eager():
            self._save_counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(self._save_counter.numpy())}")
        update_checkpoint_state(os.path.dirname(path) or ".", path, [path])
        return path

    # -- restoring -----------------------------------------------------------------------------------
    def read(self, save_path, options=None):
        """Restore from a checkpoint written by `write` (or `save`); returns a load status."""
        return self.restore(save_path)

    def restore(self, save_path, options=None):
        """Restore the values saved at `save_path` (a prefix such as 'dir/ckpt-3'); returns a status.

        `save_path=None` restores nothing and returns a status whose assertions fail (TF's
        initialization-only status).
        """
        if save_path is None:
            return InitializationOnlyStatus()
        data = _format.read(os.fspath(save_path))
        restoration = _Restoration(data)
        try:
            restoration.restore(self)
        except BaseException:
            restoration.expect_partial = True  # the error says it all; no warning on top
            raise
        return CheckpointLoadStatus(restoration)

    def sync(self):
        """Wait for pending writes (cornu writes synchronously, so there are none)."""

    def __repr__(self):
        return f"<cornu.train.Checkpoint dependencies={sorted(self._deps)}>"


def _check_trackable(name, value):
    if not _graph.is_trackable(value):
        raise ValueError(f"`Checkpoint` was expecting {name} to be a trackable object (a Keras model, "
                         "layer, optimizer or metric, a cornu.Variable, a Checkpoint, a list or dict "
                         "of those, or an object with `_trackable_children()`), got "
                         f"{type(value).__name__}: {value!r:.80}")


def _is_optional(path):
    return path.rsplit("/", 1)[-1] == "save_counter"  # a checkpoint written by `write` of another tool


def _checked_value(variable, array, path, prefix):
    """The saved array, cast to the variable's dtype where that keeps its kind; errors otherwise."""
    live_shape = tuple(variable._value.shape)
    if tuple(array.shape) != live_shape and not (
            variable._shape is not None and variable._shape.is_compatible_with(array.shape)):
        raise ValueError(f"Checkpoint '{prefix}': cannot restore '{path}' into variable "
                         f"'{variable.name}': the checkpoint holds shape {tuple(array.shape)}, the "
                         f"variable has shape {live_shape}")
    target = variable.dtype._np
    if array.dtype != target:
        kinds = {array.dtype.kind, target.kind}
        if not (len(kinds) == 1 or kinds <= {"i", "u"}):
            raise ValueError(f"Checkpoint '{prefix}': cannot restore '{path}' into variable "
                             f"'{variable.name}': the checkpoint holds {array.dtype.name}, the variable "
                             f"is {variable.dtype.name}")
        array = array.astype(target)
    return array


def _assign(variable, array):
    xp = backend.xp_of(variable._value)
    with _eager():  # inside a trace (a build during tracing) the value is set now, not in the graph
        variable.assign(wrap(xp.array(array)))


class _Restoration:
    """One restore: what the checkpoint holds, what was used, what waits for objects to be built."""

    def __init__(self, data):
        self.prefix = data.prefix
        self.data = data
        self.keys = list(data.variables) + [k for k in data.python_state if k not in data.variables]
        self.consumed = set()
        self.pending = {}    # checkpoint key -> path of the unbuilt object that will create it
        self.missing = {}    # live path -> True: live variables/state with no value in the checkpoint
        self.expect_partial = False

    def restore(self, root, prefix="", only=None):
        """Match the objects reachable from `root` (at `prefix`) with the checkpoint and assign."""
        graph = _graph.Graph(root, prefix)
        data = self.data
        assignments, states = [], []
        for path, variable in graph.variables.items():
            if path in data.variables:
                if only is None or path in only:  # a re-walk assigns only what waited for it
                    array = _checked_value(variable, data.array(path), path, self.prefix)
                    assignments.append((path, variable, array))
            elif not _is_optional(path):
                self.missing[path] = True
        for path, obj in graph.states.items():
            if path in data.python_state:
                if only is None or path in only:
                    states.append((path, obj, data.python_state[path]))
            else:
                self.missing[path] = True
        for path, variable, array in assignments:  # every shape was checked before the first write
            _assign(variable, array)
            self.consumed.add(path)
            self.pending.pop(path, None)
        for path, obj, value in states:
            _graph.set_state(obj, value)
            self.consumed.add(path)
            self.pending.pop(path, None)
        # values with no live variable yet: wait for the object that will create them, if it is unbuilt
        for key in self.keys:
            if key in self.consumed or (prefix and not key.startswith(prefix + "/")):
                continue
            owner_path, owner = graph.owner_of(key)
            if owner is not None and owner is not (root if only is not None else None) and \
                    _graph.is_deferrable(owner):
                if key not in self.pending:
                    self.pending[key] = owner_path
                    _defer(owner, owner_path, self)
            else:
                self.pending.pop(key, None)
        if not self.pending:
            self.data = None  # nothing left to assign: let the arrays go

    def resume(self, owner, owner_path):
        """Called once `owner` has been built: assign the values that waited for it."""
        if self.data is None:
            return
        waiting = {key for key, path in self.pending.items() if path == owner_path}
        if waiting:
            self.restore(owner, owner_path, only=waiting)

    def unused(self):
        return [k for k in self.keys if k not in self.consumed and k not in self.pending]

    def __del__(self):
        try:
            if self.expect_partial:
                return
            unused, pending = self.unused(), sorted(self.pending)
            if unused or pending:
                lines = [f"  (root).{k.replace('/', '.')}" for k in unused + pending]
                warnings.warn(
                    f"A checkpoint was restored from '{self.prefix}' but not all checkpointed values "
                    "were used (no matching object, or its object was never built):\n"
                    + "\n".join(lines[:20]) + ("\n  ..." if len(lines) > 20 else "")
                    + "\nUse expect_partial() on the load status object, e.g. "
                    "cornu.train.Checkpoint.restore(...).expect_partial(), to silence this warning, or "
                    "assert_consumed() to make the check explicit.", stacklevel=2)
        except Exception:  # at interpreter exit the modules may be gone
            pass


def _defer(owner, owner_path, restoration):
    """Run `restoration.resume` right after `owner.build(...)` (once), by wrapping the instance's
    build method; the wrapper removes itself."""
    hooks = owner.__dict__.get("_cornu_restore_hooks")
    if hooks is None:
        hooks = []
        original = owner.build

        def build(*args, **kwargs):
            result = original(*args, **kwargs)
            waiting = owner.__dict__.pop("_cornu_restore_hooks", [])
            owner.__dict__.pop("build", None)
            for path, waiting_restoration in waiting:
                waiting_restoration.resume(owner, path)
            return result

        owner.__dict__["build"] = build
        owner.__dict__["_cornu_restore_hooks"] = hooks
    if not any(r is restoration for _, r in hooks):
        hooks.append((owner_path, restoration))


class CheckpointLoadStatus:
    """What `Checkpoint.restore` returns: checks on how the checkpoint matched the live objects."""

    def __init__(self, restoration):
        self._restoration = restoration

    def assert_consumed(self):
        """Every value in the checkpoint was restored and every live variable got a value.

        Fails (AssertionError) for values with no matching object, for values still waiting for
        their object to be built (e.g. optimizer slots before the first training step), and for
        live variables the checkpoint has no value for.
        """
        r = self._restoration
        problems = []
        if r.unused():
            problems.append("values in the checkpoint with no matching object: " + ", ".join(r.unused()))
        if r.pending:
            problems.append("values not restored yet, waiting for their object to be built (they will "
                            "be restored when it is, e.g. optimizer slots at the first step): "
                            + ", ".join(sorted(r.pending)))
        if r.missing:
            problems.append("objects with no value in the checkpoint: " + ", ".join(r.missing))
        if problems:
            raise AssertionError(f"Checkpoint '{r.prefix}' does not match the restored objects exactly:\n- "
                                 + "\n- ".join(problems))
        return self

    def assert_existing_objects_matched(self):
        """Every live variable reachable now got a value (values left over in the file are fine)."""
        r = self._restoration
        if r.missing:
            raise AssertionError(f"Checkpoint '{r.prefix}' has no value for these objects: "
                                 + ", ".join(r.missing))
        return self

    def assert_nontrivial_match(self):
        """At least one value other than the save counter was restored."""
        r = self._restoration
        if not any(not _is_optional(k) for k in r.consumed):
            raise AssertionError(f"Nothing except the save counter was restored from '{r.prefix}'; the "
                                 "checkpoint's paths: " + ", ".join(r.keys[:20]))
        return self

    def expect_partial(self):
        """Silence the warning about checkpoint values that were not used."""
        self._restoration.expect_partial = True
        return self

    def run_restore_ops(self, session=None):
        """Nothing to run: values are assigned when restored (kept for TF's API)."""

    def initialize_or_restore(self, session=None):
        """Nothing to run: values are assigned when restored (kept for TF's API)."""


class InitializationOnlyStatus:
    """`restore(None)`: nothing was restored; the variables keep their initial values."""

    def _fail(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def assert_consumed(self):
        self._fail()

    def assert_existing_objects_matched(self):
        self._fail()

    def assert_nontrivial_match(self):
        self._fail()

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None):
        pass

    def initialize_or_restore(self, session=None):
        pass
