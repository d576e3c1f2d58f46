"""Dead-code elimination: drop the nodes whose outputs reach no graph output.

A node is kept when one of its outputs is used by a kept node or returned, or when it has effects:
variable writes and optimizer updates, and random draws. Random draws stay even when unused because
each advances its generator: dropping one would change every later draw, so a traced function would
no longer give the numbers eager execution gives after `cornu.random.set_seed`. Unused variable reads
go: a read changes nothing. Placeholders always stay (they are the graph's signature).

    graph f(%x: float32[2]) {                      graph f(%x: float32[2]) {
      %exp = exp(%x) : float32[2]          ->        %sin = sin(%x) : float32[2]
      %sin = sin(%x) : float32[2]                    return %sin
      return %sin                                  }
    }
"""
from ..ir import Graph
from ._rewrite import has_effects, is_symbolic
from . import rebuild


def run(graph: Graph) -> Graph:
    live = {id(t) for t in graph.outputs if is_symbolic(t)}
    kept = []
    for node in reversed(graph.nodes):
        if has_effects(node) or any(id(t) in live for t in node.outputs):
            kept.append(node)
            live.update(id(x) for x in node.inputs if is_symbolic(x))
    kept.reverse()
    return rebuild(graph, kept)
