"""`cornu.gradients`: symbolic gradients of a graph under construction (TF's `tf.gradients`).

The graph's own nodes serve as the tape: `cornu.core.tape.backprop` walks them backwards and asks each
op's gradient rule (the same rules GradientTape uses) for its vector-Jacobian product. The rules are
written with cornu ops, so while the graph is current they append the backward nodes to it.

>>> import cornu as tf
>>> @tf.function
... def slope(x):
...     y = x * x * x
...     return tf.gradients(y, x)[0]
>>> float(slope(tf.constant(2.0)))
12.0
"""
from ..core import tape as _tape
from ..core.gradient_tape import UnconnectedGradients
from ..core.symbolic import SymbolicTensor
from ..core.tensor import Tensor, convert_to_tensor
from .tracing import current_graph

_EAGER_ERROR = ("tf.gradients is not supported when eager execution is enabled. "
                "Use tf.GradientTape instead.")


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients=UnconnectedGradients.NONE):
    """Symbolic d(sum of ys)/dx for each x in `xs`, as a list of tensors of the current graph.

    Valid only while a graph is being built (inside `cornu.function`, or a `compat.v1` graph).
    `xs` may hold placeholders, intermediate tensors or Variables (a Variable's gradient sums over
    every read of it in the graph). `grad_ys` seeds each y (default: ones); x's that ys do not depend
    on give None, or zeros with `unconnected_gradients='zero'`. `stop_gradients` are tensors treated
    as constants.
    """
    graph = current_graph()
    if graph is None:
        raise RuntimeError(_EAGER_ERROR)
    unconnected = UnconnectedGradients(unconnected_gradients)
    ys = _as_list(ys, "ys")
    xs = _as_list(xs, "xs")
    ys = [graph.read_variable(y) if getattr(y, "_is_variable", False) else y for y in ys]
    for y in ys:
        _check_in_graph(y, graph, "ys")
    for x in xs:
        _check_in_graph(x, graph, "xs")
    seeds = _seeds(ys, grad_ys)

    records = list(graph.nodes)  # snapshot: the rules append backward nodes while backprop runs
    if stop_gradients is not None:
        stopped = {id(t.node) for t in _as_list(stop_gradients, "stop_gradients")
                   if isinstance(t, SymbolicTensor) and t.node is not None}
        records = [n for n in records if id(n) not in stopped]
    records = [n if n.op.grad is not None else _NoGradient(n) for n in records]

    # a Variable stands for every read of it (TF differentiates w.r.t. the variable's handle)
    sources_of = []
    for x in xs:
        if getattr(x, "_is_variable", False):
            sources_of.append([n.outputs[0] for n in records
                               if n.op.name == "read_variable" and n.inputs[0] is x])
        elif isinstance(x, SymbolicTensor):
            sources_of.append([x])
        else:
            sources_of.append([])  # a constant: nothing in the graph depends on it symbolically
    sources = [s for group in sources_of for s in group if s._value.dtype.kind in "fc"]
    ys_live = [(y, g) for y, g in zip(ys, seeds) if isinstance(y, SymbolicTensor)]
    grads = {}
    if sources and ys_live:
        # backward nodes are recorded on enclosing tapes like any op (higher-order gradients)
        grads = _tape.backprop(records, [y for y, _ in ys_live], [g for _, g in ys_live], sources)

    result = []
    for x, group in zip(xs, sources_of):
        parts = [grads[id(s)] for s in group if id(s) in grads]
        g = None
        for p in parts:
            g = p if g is None else g + p
        if g is None and unconnected is UnconnectedGradients.ZERO:
            from ..ops.array_ops import zeros_like
            g = zeros_like(x)
        result.append(g)
    return result


class _NoGradient:
    """Stands in for a node whose op has no gradient rule: an error only if a gradient reaches it."""

    __slots__ = ("node", "needs")

    def __init__(self, node):
        self.node = node
        self.needs = ()

    op = property(lambda self: self.node.op)
    inputs = property(lambda self: self.node.inputs)
    outputs = property(lambda self: self.node.outputs)
    attrs = property(lambda self: self.node.attrs)

    def rule(self, ctx, g):
        raise LookupError(f"No gradient defined for operation '{self.node.name}' "
                          f"(op type: {self.node.op.name})")


def _as_list(value, what):
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None:
        raise ValueError(f"gradients: {what} must not be None")
    return [value]


def _check_in_graph(t, graph, what):
    if isinstance(t, SymbolicTensor) and t.graph is not None and t.graph is not graph:
        raise ValueError(f"gradients: {what} contains {t!r}, which belongs to graph "
                         f"'{t.graph.name}', not to the graph being built ('{graph.name}')")
    if not isinstance(t, Tensor):
        raise TypeError(f"gradients: {what} must be tensors or Variables, got {type(t).__name__}")


def _seeds(ys, grad_ys):
    from ..ops.array_ops import ones_like
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    else:
        grad_ys = _as_list(grad_ys, "grad_ys") if not isinstance(grad_ys, Tensor) else [grad_ys]
        if len(grad_ys) != len(ys):
            raise ValueError(f"gradients: got {len(grad_ys)} grad_ys for {len(ys)} ys; "
                             "pass one (or None) per y")
    seeds = []
    for i, (y, g) in enumerate(zip(ys, grad_ys)):
        if g is None:
            seeds.append(ones_like(y))
            continue
        g = convert_to_tensor(g, dtype=y.dtype) if not isinstance(g, Tensor) else g
        if g.dtype != y.dtype:
            raise TypeError(f"gradients: grad_ys[{i}] has dtype {g.dtype.name} but ys[{i}] has dtype "
                            f"{y.dtype.name}")
        if not y.shape.is_compatible_with(g.shape):
            raise ValueError(f"gradients: grad_ys[{i}] has shape {tuple(g.shape)}, incompatible with "
                             f"ys[{i}] of shape {tuple(y.shape)}")
        seeds.append(g)
    return seeds
