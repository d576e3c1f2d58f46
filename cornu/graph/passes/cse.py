"""Common subexpression elimination: a node computing the same op on the same inputs with equal
attributes as an earlier node is dropped, and its outputs are replaced by the earlier node's.

"Same inputs": the same symbolic tensor or Variable, or captured constants with equal dtype, shape and
bytes when they are small (larger ones must be the same object). "Equal attributes": compared as
plain data (`_rewrite.attr_key`: tuples, slices, dtypes, NumPy arrays of index keys; floats bitwise);
a node whose attributes hold anything else is not merged. Stateful nodes are never merged: two
random draws differ, and two reads of a variable may straddle a write.

    %a = exp(%x) : float32[3]                  %a = exp(%x) : float32[3]
    %b = exp(%x) : float32[3]          ->      %c = add(%a, %a) : float32[3]
    %c = add(%a, %b) : float32[3]
"""
from ... import backend
from ..ir import Graph
from ._rewrite import Opaque, Rewriter, attr_key, is_constant, is_symbolic

SMALL_CONSTANT = 1024  # elements: constants up to this size are compared by value


def run(graph: Graph) -> Graph:
    rw = Rewriter(graph)
    seen = {}
    for node in graph.nodes:
        node = rw.resolve(node)
        key = None if node.op.stateful else _key(node)
        earlier = seen.get(key) if key is not None else None
        if earlier is None:
            rw.keep(node)
            if key is not None:
                seen[key] = node
            continue
        for t, e in zip(node.outputs, earlier.outputs):
            rw.replace(t, e)
    return rw.finish()


def _key(node):
    try:
        return (node.op.name, tuple(_input_key(x) for x in node.inputs), attr_key(node.attrs))
    except Opaque:
        return None


def _input_key(x):
    if is_symbolic(x) or getattr(x, "_is_variable", False):
        return ("ref", id(x))  # the graph (and so x) lives while the pass runs: ids are stable
    if is_constant(x):
        value = x._value
        np = backend.numpy
        if isinstance(value, (np.ndarray, np.generic)) and value.size <= SMALL_CONSTANT:
            return attr_key(np.asarray(value))
        return ("array", id(value))
    raise Opaque(type(x).__name__)
