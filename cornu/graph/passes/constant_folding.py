"""Constant folding: a node whose inputs are all captured constants is computed once, here, and its
outputs become captured constants (so chains fold transitively, in one forward sweep).

Only pure nodes fold: never stateful ones (variable reads and writes, random draws, whose value must be
computed when the graph runs) nor ones holding stateful objects in their attributes. The value is the
op's own forward on the same arrays the executor would pass, so dtypes and bits are exactly those of
running the graph. A node whose forward raises is left for the executor (the error appears when the
graph runs, as without the pass), and so is one whose result is larger than MAX_BYTES (kept small so
a graph does not carry big arrays it could recompute, as TF's Grappler limits folded constants).

Some ops read an input for its shape and dtype only (`ones_like(x)`, `broadcast_like(v, like)`, the
seed and broadcasting steps of every backward graph): such an input counts as constant when its static
shape is fully known (a traced signature fixes it; ConcreteFunction checks feeds against it), and the
op runs on a zero-byte stand-in of that shape and dtype.

    %mul = multiply(const(2), const(3)) : float32[]       ->   (gone)
    %add = add(%x, %mul) : float32[4]                     ->   %add = add(%x, const(6)) : float32[4]
"""
from ... import backend
from ...core.tensor import wrap
from ..ir import Graph
from ._rewrite import Rewriter, is_constant, is_pure, is_symbolic

MAX_BYTES = 1 << 24  # 16 MiB per folded output

# op name -> the inputs its forward reads for shape and dtype only (see their forwards in ops/)
SHAPE_ONLY = {"zeros_like": (0,), "ones_like": (0,), "broadcast_like": (1,), "sum_to_like": (1,)}


def run(graph: Graph) -> Graph:
    rw = Rewriter(graph)
    for node in graph.nodes:
        node = rw.resolve(node)
        values = _fold(node) if is_pure(node) else None
        if values is None:
            rw.keep(node)
            continue
        for t, v in zip(node.outputs, values):
            rw.replace(t, wrap(v))
    return rw.finish()


def _fold(node):
    """The node's output arrays, or None when it should be left in the graph."""
    shape_only = SHAPE_ONLY.get(node.op.name, ())
    arrays = []
    for i, x in enumerate(node.inputs):
        if is_constant(x):
            arrays.append(x._value)
        elif i in shape_only and is_symbolic(x) and None not in tuple(x.shape):
            arrays.append(x)  # replaced by a stand-in below, once xp is known
        else:
            return None
    concrete = [a for a in arrays if not is_symbolic(a)]
    xp = backend.xp_of(*concrete) if concrete else backend.current_xp()
    arrays = [_stand_in(xp, a) if is_symbolic(a) else a for a in arrays]
    try:
        out = node.op.forward(xp, *arrays, **node.attrs)
    except Exception:  # noqa: BLE001 - the executor reports it, with the node's name, when it runs
        return None
    outs = (out,) if node.op.num_outputs == 1 else tuple(out)
    if len(outs) != len(node.outputs):
        return None
    for v in outs:
        if not hasattr(v, "dtype") or not hasattr(v, "shape") or getattr(v, "nbytes", 0) > MAX_BYTES:
            return None
    return outs


def _stand_in(xp, x):
    """An array with x's static shape and dtype that takes no memory (all strides 0)."""
    return xp.broadcast_to(xp.zeros((), dtype=x.dtype._np), tuple(x.shape))
