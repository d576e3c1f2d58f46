"""Running a graph: the nodes become a flat schedule of (forward, input slots, attrs, output slots)
built once, so each run is one Python loop with no dictionary lookups per tensor."""
from .. import backend
from ..core.symbolic import SymbolicTensor

_CONST, _SLOT, _VAR = 0, 1, 2


class Plan:
    """A compiled schedule for `graph` that computes `fetches` from the graph's placeholders."""

    def __init__(self, graph, fetches):
        self.graph = graph
        slots = {}
        for i, t in enumerate(graph.inputs):
            slots[id(t)] = i
        n = len(graph.inputs)
        self.steps = []
        for node in graph.nodes:
            args = []
            for x in node.inputs:
                if isinstance(x, SymbolicTensor):
                    if id(x) not in slots:
                        raise ValueError(f"graph {graph.name}: node {node.name} uses {x!r}, which no earlier "
                                         "node produces (a tensor from another graph?)")
                    args.append((_SLOT, slots[id(x)]))
                elif getattr(x, "_is_variable", False):
                    args.append((_VAR, x))
                else:
                    args.append((_CONST, x._value))
            outs = []
            for t in node.outputs:
                slots[id(t)] = n
                outs.append(n)
                n += 1
            self.steps.append((node.op.forward, tuple(args), node.attrs, tuple(outs),
                               node.op.num_outputs == 1, node))
        self.size = n
        self._plan_frees(graph, fetches, slots)
        self.fetches = []
        for f in fetches:
            if isinstance(f, SymbolicTensor):
                self.fetches.append((_SLOT, slots[id(f)]))
            elif getattr(f, "_is_variable", False):
                self.fetches.append((_VAR, f))
            else:
                self.fetches.append((_CONST, f._value))

    def _plan_frees(self, graph, fetches, slots):
        """After each step, drop the values no later step needs, so memory is returned early and an
        array read from a Variable is no longer referenced when an update writes it in place."""
        keep = {slots[id(f)] for f in fetches if isinstance(f, SymbolicTensor)}
        last_use = {}
        for i, (_, args, _, outs, _, _) in enumerate(self.steps):
            for kind, a in args:
                if kind == _SLOT:
                    last_use[a] = i
            for o in outs:
                last_use.setdefault(o, i)  # an output nobody reads is dropped right away
        for i in range(len(graph.inputs)):
            last_use.setdefault(i, -1)
        frees = [[] for _ in self.steps]
        self._free_inputs = tuple(s for s, i in last_use.items() if i == -1 and s not in keep)
        for slot, i in last_use.items():
            if i >= 0 and slot not in keep:
                frees[i].append(slot)
        self.steps = [step + (tuple(free),) for step, free in zip(self.steps, frees)]

    def run(self, feeds):
        """Arrays for the fetches, given arrays for the placeholders in order."""
        values = [None] * self.size
        values[:len(feeds)] = feeds
        xp = backend.xp_of(*feeds) if feeds else backend.numpy
        for slot in self._free_inputs:
            values[slot] = None
        for forward, args, attrs, outs, single, node, free in self.steps:
            arrays = [values[a] if kind == _SLOT else (a._value if kind == _VAR else a) for kind, a in args]
            try:
                out = forward(xp, *arrays, **attrs)
            except Exception as exc:
                error = _run_error(exc, node, arrays, self.graph)
                if error is exc:
                    raise
                raise error from exc
            if single:
                values[outs[0]] = out
            else:
                for slot, o in zip(outs, out):
                    values[slot] = o
            for slot in free:
                values[slot] = None
        return [values[a] if kind == _SLOT else (a._value if kind == _VAR else a) for kind, a in self.fetches]


def _run_error(exc, node, arrays, graph):
    """The error a failing node raises: as eager `apply` does, bad arguments become InvalidArgumentError
    naming the op and the input shapes (off the hot path: only when a node fails)."""
    from ..core.errors import InvalidArgumentError, OpError
    where = f"while running node {node.name} ({node.op.name}) of graph {graph.name}"
    if isinstance(exc, (ValueError, IndexError, TypeError)) and not isinstance(exc, OpError):
        shapes = ", ".join(str(tuple(getattr(a, "shape", ()))) for a in arrays)
        return InvalidArgumentError(f"{node.op.name}: {exc} (input shapes: {shapes}; {where})",
                                    op=node.op.name)
    if hasattr(exc, "add_note"):
        exc.add_note(where)
    return exc
