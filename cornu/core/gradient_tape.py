"""GradientTape, stop_gradient's companion custom_gradient, and TF's UnconnectedGradients."""
import contextlib
import enum
import functools
import inspect
import threading

from . import nest, tape as _tape
from .tensor import Tensor, convert_to_tensor
from .variable import Variable


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on."""
    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Records operations for automatic differentiation (TF's `tf.GradientTape`).

    >>> import cornu as tf
    >>> x = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * x
    >>> float(tape.gradient(y, x))
    6.0
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._thread = threading.get_ident()
        self._records = []
        self._watched = set()
        self._keep = []          # objects whose ids are in _watched but no record holds
        self._variables = []
        self._recording = False
        self._used = False

    # -- recording -----------------------------------------------------------------------------
    def __enter__(self):
        self._thread = threading.get_ident()
        self._recording = True
        _tape.ACTIVE.append(self)
        return self

    def __exit__(self, *exc):
        self._recording = False
        if self in _tape.ACTIVE:
            _tape.ACTIVE.remove(self)

    def _watch_object(self, x):
        if id(x) not in self._watched:
            self._watched.add(id(x))
            self._keep.append(x)
            if isinstance(x, Variable):
                self._variables.append(x)

    def watch(self, tensor):
        """Ensure `tensor` (or a nested structure of tensors/variables) is traced by this tape."""
        for t in nest.flatten(tensor):
            if not isinstance(t, Tensor):
                raise ValueError(f"GradientTape.watch: expected a Tensor or Variable, got {type(t).__name__}")
            self._watch_object(t)

    def watched_variables(self):
        return tuple(self._variables)

    @contextlib.contextmanager
    def stop_recording(self):
        """Context manager in which this tape records nothing (e.g. for logging); other tapes,
        such as an enclosing one, keep recording, as in TF."""
        if not self._recording:
            raise ValueError("GradientTape.stop_recording: the tape is not recording")
        self._recording = False
        try:
            yield
        finally:
            self._recording = True

    def reset(self):
        """Clear everything recorded so far (the tape keeps recording if it is active)."""
        self._records.clear()
        self._watched.clear()
        self._keep.clear()
        self._variables.clear()

    # -- differentiation -----------------------------------------------------------------------
    def _check_usable(self):
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of "
                               "gradients (or jacobians); create it with persistent=True to reuse it")

    def _backprop(self, targets, target_grads, sources):
        was_recording = self._recording
        self._recording = False  # the tape does not record its own gradient computation
        try:
            return _tape.backprop(self._records, targets, target_grads, sources)
        finally:
            self._recording = was_recording

    def _release(self):
        self._used = True
        if not self._persistent:
            # free the recorded graph; forget watched ids too, since freed objects' ids get reused
            self._records = []
            self._keep = []
            self._watched = {id(v) for v in self._variables}

    def _sources(self, flat_sources):
        """The sources backprop starts from: only those this tape watches (a Variable it did not
        watch, or a constant nobody passed to watch(), gets no gradient, as in TF) and that have a
        floating dtype (integer sources get None)."""
        return [s for s in flat_sources if id(s) in self._watched and s._value.dtype.kind in "fc"]

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target) / d(sources), with the nesting of `sources`.

        `output_gradients` seeds each target (default: ones); unconnected sources give None, or zeros
        with `unconnected_gradients='zero'`.
        """
        self._check_usable()
        unconnected = UnconnectedGradients(unconnected_gradients)
        targets = nest.flatten(target)
        flat_sources = nest.flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor):
                raise ValueError(f"GradientTape.gradient: sources must be Tensors or Variables, got "
                                 f"{type(s).__name__}")
        for t in targets:
            if not isinstance(t, Tensor):
                raise ValueError(f"GradientTape.gradient: target must be a Tensor, got {type(t).__name__}")
        if output_gradients is None:
            seeds = [_ones_like(t) for t in targets]
        else:
            seeds = [convert_to_tensor(g, dtype=t.dtype) if g is not None else _ones_like(t)
                     for t, g in zip(targets, nest.flatten(output_gradients))]
        live = self._sources(flat_sources)
        grads = self._backprop(targets, seeds, live)
        self._release()
        live = {id(s) for s in live}
        result = [_finish(grads.get(id(s)) if id(s) in live else None, s, unconnected)
                  for s in flat_sources]
        return nest.pack_sequence_as(sources, result)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """Full Jacobian: result[i] has shape target.shape + sources[i].shape."""
        self._check_usable()
        from ..ops import array_ops
        unconnected = UnconnectedGradients(unconnected_gradients)
        flat_sources = nest.flatten(sources)
        live = self._sources(flat_sources)
        live_ids = {id(s) for s in live}
        rows = [[] for _ in flat_sources]
        connected = [False] * len(flat_sources)
        for i in range(int(target._value.size)):
            seed = array_ops.one_hot_seed(target, i)
            grads = self._backprop([target], [seed], live)
            for k, s in enumerate(flat_sources):
                g = grads.get(id(s)) if id(s) in live_ids else None
                connected[k] = connected[k] or g is not None
                rows[k].append(_finish(g, s, UnconnectedGradients.ZERO))
        self._release()
        result = []
        for k, s in enumerate(flat_sources):
            if not connected[k] and unconnected is UnconnectedGradients.NONE:
                result.append(None)
                continue
            stacked = array_ops.stack(rows[k]) if rows[k] else array_ops.zeros(
                (0,) + tuple(s.shape), s.dtype)
            result.append(array_ops.reshape(stacked, tuple(target.shape) + tuple(s.shape)))
        return nest.pack_sequence_as(sources, result)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobian: target (B, ...) and source (B, ...) give (B,) + target[1:] + source[1:].

        Assumes, as TF does, that example b of the target depends only on example b of the source.
        """
        self._check_usable()
        from ..ops import array_ops
        if target.shape[0] != source.shape[0]:
            raise ValueError(f"batch_jacobian: target batch size {target.shape[0]} differs from source "
                             f"batch size {source.shape[0]}")
        unconnected = UnconnectedGradients(unconnected_gradients)
        batch = int(target.shape[0])
        per_example = int(target._value.size) // max(batch, 1)
        live = self._sources([source])
        columns = []
        connected = False
        for j in range(per_example):
            seed = array_ops.one_hot_seed(target, j, batched=True)
            g = self._backprop([target], [seed], live).get(id(source)) if live else None
            connected = connected or g is not None
            columns.append(_finish(g, source, UnconnectedGradients.ZERO))
        self._release()
        if not connected and unconnected is UnconnectedGradients.NONE:
            return None
        stacked = array_ops.stack(columns, axis=1) if columns else array_ops.zeros(
            (batch, 0) + tuple(source.shape[1:]), source.dtype)
        return array_ops.reshape(stacked, tuple(target.shape) + tuple(source.shape[1:]))


def _ones_like(t):
    from ..ops.array_ops import ones_like
    return ones_like(t)


def _finish(grad, source, unconnected):
    if grad is None and unconnected is UnconnectedGradients.ZERO:
        from ..ops.array_ops import zeros_like
        return zeros_like(source)
    return grad


def custom_gradient(f=None):
    """Decorator: `f(*x)` returns `(y, grad_fn)`; gradients of y use `grad_fn(*dy)` instead of f's ops.

    If f reads trainable variables, grad_fn must accept `variables=` and return
    `(input_grads, variable_grads)`, as in TF.

    >>> import cornu as tf
    >>> @tf.custom_gradient
    ... def clip_grad(x):
    ...     return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1., 1.)
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        inputs = [a for a in nest.flatten((args, kwargs)) if isinstance(a, Tensor)]
        watcher = GradientTape(watch_accessed_variables=True)
        with _tape.pause_all():
            with watcher:
                watcher.watch([x for x in inputs if x._value.dtype.kind in "fc"])
                y, grad_fn = f(*args, **kwargs)
        variables = [v for v in watcher.watched_variables() if not any(v is x for x in inputs)]
        accepts_variables = "variables" in inspect.signature(grad_fn).parameters or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(grad_fn).parameters.values())
        if variables and not accepts_variables:
            raise TypeError("custom_gradient: the function reads variables "
                            f"{[v.name for v in variables]}, so its grad_fn must accept a "
                            "`variables` keyword argument and return (input_grads, variable_grads)")
        flat_y = nest.flatten(y)
        outputs = tuple(Tensor(t._value) for t in flat_y)

        def rule(ctx, g):
            upstream = g if isinstance(g, tuple) else (g,)
            if variables:
                input_grads, variable_grads = grad_fn(*upstream, variables=variables)
            else:
                input_grads, variable_grads = grad_fn(*upstream), []
            input_grads = list(input_grads) if isinstance(input_grads, (list, tuple)) else [input_grads]
            if len(input_grads) != len(inputs):
                raise ValueError(f"custom_gradient: grad_fn of {f.__name__} returned "
                                 f"{len(input_grads)} gradients for {len(inputs)} tensor inputs")
            grads = [None if gi is None else convert_to_tensor(gi) for gi in input_grads]
            return tuple(grads) + tuple(convert_to_tensor(gv) for gv in variable_grads)

        if _tape.ACTIVE:
            _tape.record(CUSTOM, rule, tuple(inputs) + tuple(variables), {}, outputs)
        return nest.pack_sequence_as(y, list(outputs))

    return wrapper


class _CustomOp:
    name = "custom_gradient"


CUSTOM = _CustomOp()
