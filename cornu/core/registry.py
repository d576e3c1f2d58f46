"""The op registry and the one dispatch point, `apply`.

Each op is declared once: its forward over backend arrays, its output shape/dtype rule (for symbolic
tensors) and its gradient (a vector-Jacobian product written with cornu ops, so it can itself be
differentiated and traced). `apply` runs an op eagerly and lets every recording tape see it.
"""
from collections import namedtuple

from .. import backend
from ..backend.device import SLOW_PATH
from . import tape as _tape
from .errors import InvalidArgumentError, OpError
from .symbolic import ShapeOnly, apply_symbolic
from .tensor import Tensor

Spec = namedtuple("Spec", ["shape", "dtype"])
Spec.__doc__ = "What a shape rule returns: an output's shape (tuple, None for unknown dims) and DType."

REGISTRY = {}
_NP = backend.numpy


class Op:
    """One primitive operation: forward, shape rule and gradient side by side.

    forward(xp, *arrays, **attrs) -> array (or tuple of arrays when num_outputs > 1)
    shape(*specs, **attrs)        -> Spec (or tuple of Specs); specs have .shape and .dtype
    grad(ctx, g)                  -> one gradient per input (Tensor or None); ctx.inputs, ctx.outputs,
                                     ctx.attrs and ctx.needs (which inputs need a gradient) are there.
    Gradients may have the broadcast shape of the output: the engine sums them back to each input's
    shape (`sum_to_like`), so rules never undo broadcasting themselves.

    writes_out: the graph executor may pass `out=array`, a buffer to write the result into, which
    forward uses when its shape and dtype fit (else it allocates as usual): "separate" for ops whose
    out must not overlap an input (matmul), "may_alias" for elementwise ops, whose out may be one of
    their inputs (see graph/executor.py's buffer planning). None: forward takes no `out`.
    """

    __slots__ = ("name", "forward", "shape", "grad", "num_outputs", "differentiable", "stateful", "doc",
                 "writes_out")

    def __init__(self, name, forward, shape, num_outputs=1, differentiable=True, stateful=False,
                 writes_out=None):
        self.name = name
        self.writes_out = writes_out
        self.stateful = stateful  # random draws and variable writes: never folded, merged or dropped
        self.forward = forward
        self.shape = shape
        self.grad = None
        self.num_outputs = num_outputs
        self.differentiable = differentiable
        self.doc = forward.__doc__

    def defgrad(self, rule):
        """Decorator: attach the gradient rule `rule(ctx, g)` to this op."""
        self.grad = rule
        return rule

    def __call__(self, *inputs, **attrs):
        return apply(self, inputs, attrs)

    def __repr__(self):
        return f"<Op {self.name}>"


def defop(name, shape, num_outputs=1, differentiable=True, stateful=False, writes_out=None):
    """Decorator registering `forward` as the op `name`; returns the Op (add a gradient with .defgrad).

    Ops that are not differentiable (comparisons, argmax, random draws) pass differentiable=False and
    get a gradient rule that returns None for every input.
    """
    def register(forward):
        if name in REGISTRY:
            raise ValueError(f"op {name!r} is registered twice")
        op = Op(name, forward, shape, num_outputs, differentiable, stateful, writes_out)
        if not differentiable:
            op.grad = _no_gradient
        REGISTRY[name] = op
        return op
    return register


def _no_gradient(ctx, g):
    return (None,) * len(ctx.inputs)


def _wrap(value):
    t = Tensor.__new__(Tensor)
    t._value = value
    return t


_EMPTY = {}


def current_graph():
    """The graph being traced on this thread, if any (imported late: graph/ builds on core/)."""
    from ..graph.tracing import current_graph as current
    return current()


def apply(op, inputs, attrs=_EMPTY):
    """Run `op` on Tensors `inputs` eagerly and record it on every tape that watches an input.

    This is the hot path of eager execution: calls with one or two inputs and no attributes avoid
    building argument lists (about half of the per-op cost otherwise).
    """
    try:
        if not SLOW_PATH[0]:
            n = len(inputs)
            if n == 2 and not attrs:
                out = op.forward(_NP, inputs[0]._value, inputs[1]._value)
            elif n == 1:
                out = op.forward(_NP, inputs[0]._value, **attrs) if attrs else op.forward(_NP, inputs[0]._value)
            else:
                out = op.forward(_NP, *[x._value for x in inputs], **attrs)
        else:
            graph = current_graph()
            if graph is not None:  # tracing: the op becomes a node of the graph being built
                return graph.add(op, inputs, attrs)
            values = [x._value for x in inputs]
            xp = backend.xp_of(*values) if values else backend.current_xp()
            out = op.forward(xp, *values, **attrs)
    except (ValueError, IndexError, TypeError) as exc:
        if isinstance(exc, OpError):
            raise
        if any(type(x._value) is ShapeOnly for x in inputs):  # building a model: infer shapes only
            return apply_symbolic(op, inputs, attrs)
        shapes = ", ".join(str(tuple(x._value.shape)) for x in inputs)
        raise InvalidArgumentError(f"{op.name}: {exc} (input shapes: {shapes})", op=op.name) from exc
    if op.num_outputs == 1:
        result = Tensor.__new__(Tensor)
        result._value = out
        if _tape.ACTIVE:
            _tape.record(op, op.grad, inputs, attrs, (result,))
        return result
    result = tuple(_wrap(o) for o in out)
    if _tape.ACTIVE:
        _tape.record(op, op.grad, inputs, attrs, result)
    return result
