"""Graph optimization passes: each module holds one function `run(graph) -> Graph`.

Contract (so passes compose and can be checked by running graphs with and without them):
- the input graph is not modified: a pass returns a new Graph (it may share unchanged OpNodes and
  must keep the placeholders, in order, and compute the same outputs);
- stateful nodes (`op.stateful`: random draws, variable reads and writes) are never removed unless
  nothing depends on them and they have no effect (reads only), never merged, never folded, and keep
  their relative order;
- node inputs are symbolic tensors of the graph or captured values (concrete Tensors, Variables).
"""
from ..ir import Graph

PIPELINE = []  # the passes cornu.function applies, in order (filled by the pass modules' registration)


def optimize(graph, passes=None):
    """Run `passes` (default: the standard pipeline) over `graph`; returns the optimized Graph."""
    for p in PIPELINE if passes is None else passes:
        graph = p(graph)
    return graph


def rebuild(graph, nodes, outputs=None):
    """A new Graph with graph's name and placeholders, the given nodes and outputs."""
    new = Graph(graph.name)
    new.inputs = list(graph.inputs)
    new.nodes = list(nodes)
    new.outputs = list(graph.outputs if outputs is None else outputs)
    new._names = dict(graph._names)
    return new


# The standard passes, in order: fold constants (so simplification sees them), simplify, merge what
# became identical, drop what no output needs, then fuse known patterns in what is left, then fuse the
# remaining elementwise chains, then the variable updates with the chains that compute them.
from . import constant_folding, simplify, cse, dce, fusion, elementwise_fusion, update_fusion  # noqa: E402

PIPELINE += [constant_folding.run, simplify.run, cse.run, dce.run, fusion.run, elementwise_fusion.run,
             update_fusion.run]
