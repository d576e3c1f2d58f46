"""Recording ops for reverse-mode differentiation, and the backprop engine.

A GradientTape that is recording keeps a list of records (op, inputs, outputs) for every op with a
watched input. Backprop walks that list backwards, asks each op's gradient rule for the
vector-Jacobian product (computed with cornu ops, so an enclosing tape records it: higher-order
gradients come for free) and sums the results back to each input's shape in one place.
"""
import threading

from .tensor import Tensor

ACTIVE = []  # recording tapes, innermost last; `apply` only looks here when it is non-empty


class Record:
    """One recorded op application; also the `ctx` a gradient rule receives."""

    __slots__ = ("op", "rule", "inputs", "attrs", "outputs", "needs")

    def __init__(self, op, rule, inputs, attrs, outputs):
        self.op, self.rule, self.inputs, self.attrs, self.outputs = op, rule, inputs, attrs, outputs
        self.needs = ()

    def __repr__(self):
        return f"<Record {getattr(self.op, 'name', self.op)}>"


def record(op, rule, inputs, attrs, outputs):
    """Let each active tape on this thread record the op if it watches one of the inputs."""
    thread = threading.get_ident()
    rec = None
    for tape in tuple(ACTIVE):  # another thread may enter or leave a tape meanwhile
        if tape._thread != thread or not tape._recording:
            continue
        watched = tape._watched
        hit = variables = False
        for x in inputs:
            if x._is_variable:
                variables = True
                if id(x) not in watched and x._trainable and tape._watch_accessed:
                    tape._watch_object(x)
            if id(x) in watched:
                hit = True
        if hit:
            if rec is None:
                if variables and op.name != "read_variable":  # a traced read already is the read
                    rec, reads = _make_record(op, rule, inputs, attrs, outputs)
                else:
                    rec, reads = Record(op, rule, inputs, attrs, outputs), ()
            for read in reads:
                if id(read.inputs[0]) in watched:
                    tape._records.append(read)
                    watched.add(id(read.outputs[0]))
            tape._records.append(rec)
            for o in outputs:
                watched.add(id(o))


def _make_record(op, rule, inputs, attrs, outputs):
    """The record of one op, with each Variable input replaced by a read of its current value.

    Gradient rules look at ctx.inputs when backprop runs; a Variable assigned after the op would show
    them its new value. A read (TF's ReadVariableOp) keeps the value the op saw and passes the
    gradient on to the variable; it is recorded on the tapes that watch that variable.
    """
    reads = []
    by_variable = {}
    replaced = []
    for x in inputs:
        if x._is_variable:
            read = by_variable.get(id(x))
            if read is None:
                value = Tensor.__new__(Tensor)
                value._value = x._value
                read = by_variable[id(x)] = Record(READ, _read_gradient, (x,), {}, (value,))
                reads.append(read)
            x = read.outputs[0]
        replaced.append(x)
    inputs = tuple(replaced)
    return Record(op, rule, inputs, attrs, outputs), reads


class _ReadVariable:
    name = "read_variable"


READ = _ReadVariable()


def _read_gradient(ctx, g):
    return g


class pause_all:
    """Context manager: no tape on this thread records inside it (TF's stop_recording semantics)."""

    def __enter__(self):
        thread = threading.get_ident()
        self._paused = [t for t in tuple(ACTIVE) if t._thread == thread and t._recording]
        for t in self._paused:
            t._recording = False

    def __exit__(self, *exc):
        for t in self._paused:
            t._recording = True


def backprop(records, targets, target_grads, sources):
    """Gradients of `targets` (seeded with `target_grads`) w.r.t. `sources`: {id(source): Tensor}.

    Only records on a path from a source are visited, and a rule learns through ctx.needs which of its
    inputs lie on such a path, so it can skip work (e.g. matmul's gradient for a data input).
    """
    from ..ops.array_ops import sum_to_like  # gradient plumbing is itself made of cornu ops
    reach = {id(s) for s in sources}
    live = []
    for rec in records:
        for x in rec.inputs:
            if id(x) in reach:
                live.append(rec)
                reach.update(id(o) for o in rec.outputs)
                break
    grads = {}
    for t, g in zip(targets, target_grads):
        _accumulate(grads, id(t), g)
    for rec in reversed(live):
        outs = rec.outputs
        if len(outs) == 1:
            g = grads.get(id(outs[0]))
            if g is None:
                continue
        else:
            gs = [grads.get(id(o)) for o in outs]
            if all(x is None for x in gs):
                continue
            g = tuple(x if x is not None else _zeros_like(o) for x, o in zip(gs, outs))
        rec.needs = tuple(id(x) in reach and _differentiable(x) for x in rec.inputs)
        in_grads = rec.rule(rec, g)
        if not isinstance(in_grads, (tuple, list)):
            in_grads = (in_grads,)
        if len(in_grads) != len(rec.inputs):
            raise RuntimeError(f"gradient of {getattr(rec.op, 'name', rec.op)} returned "
                               f"{len(in_grads)} values for {len(rec.inputs)} inputs")
        for x, gx, need in zip(rec.inputs, in_grads, rec.needs):
            if gx is None or not need:
                continue
            if gx._value.shape != x._value.shape:
                gx = sum_to_like(gx, x)
            if gx._value.dtype != x._value.dtype:
                from ..ops.math_ops import cast
                gx = cast(gx, x.dtype)
            _accumulate(grads, id(x), gx)
    return grads


def _differentiable(x):
    return x._value.dtype.kind in "fc"


def _accumulate(grads, key, g):
    previous = grads.get(key)
    grads[key] = g if previous is None else previous + g


def _zeros_like(t):
    from ..ops.array_ops import zeros_like
    return zeros_like(t)
