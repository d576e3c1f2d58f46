"""Running a graph: the nodes become a flat schedule of (forward, input slots, attrs, output slots),
built once and generated as one straight-line Python function (`Plan.compile`), so a step costs a call.

Buffer planning: ops that can write into a given array (`Op.writes_out`) get one, chosen at run time:
- in place: an elementwise op ("may_alias") may overwrite an input array that this step is the last
  to read, when nothing but the schedule refers to it (reference count) and it owns its memory;
- reused: otherwise the array the same step produced in the previous run, when nothing refers to it
  any more (the caller dropped the outputs, no Variable holds it, no view of it is alive).
Large NumPy allocations are fresh pages from the OS each time, so a train step that writes into last
step's arrays skips the page faults (a CNN step's im2col copy: 11 ms -> 4.5 ms). The reference
counts make it safe without any analysis of who keeps what: a held array is simply not reused.
"""
import sys

from .. import backend
from ..core.symbolic import SymbolicTensor

_CONST, _SLOT, _VAR = 0, 1, 2
_ndarray = backend.numpy.ndarray
_refcount = sys.getrefcount


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
        self._plan_frees(graph, fetches, slots)
        self._plan_buffers()
        self.fetches = []
        for f in fetches:
            if isinstance(f, SymbolicTensor):
                self.fetches.append((_SLOT, slots[id(f)]))
            elif getattr(f, "_is_variable", False):
                self.fetches.append((_VAR, f))
            else:
                self.fetches.append((_CONST, f._value))
        self.compile()

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

    def _plan_buffers(self):
        """For each step of an op that writes into a given array: which of its inputs it may overwrite
        (slots this step reads last, not fetched), and the producing step of each, whose kept buffer
        also refers to the array."""
        producer = {}
        for i, step in enumerate(self.steps):
            for o in step[3]:
                producer[o] = i
        self.buffers = [None] * len(self.steps)  # per step: the array it produced in the last run
        plans = []
        for i, (_, args, _, outs, single, node, free) in enumerate(self.steps):
            mode = node.op.writes_out if single else None
            donors = ()
            if mode == "may_alias":
                slots = [a for kind, a in args if kind == _SLOT]
                result = node.outputs[0]
                donors = tuple((k, producer.get(a, -1)) for k, (kind, a) in enumerate(args)
                               if kind == _SLOT and a in free and slots.count(a) == 1
                               and _same_spec(node.inputs[k], result))
            plans.append((mode, donors))
        self.steps = [step + plan for step, plan in zip(self.steps, plans)]

    def compile(self):
        """Generate the schedule as one straight-line Python function (one line per step, values in
        local variables), so running a step costs a call and nothing else: about half the per-node
        overhead of interpreting the step list. Call again after changing `steps`."""
        names, lines, self._line_step = {}, [], {}

        def bind(prefix, i, value):
            names[f"{prefix}{i}"] = value
            return f"{prefix}{i}"

        def ref(kind, a, i, k):
            if kind == _SLOT:
                return f"s{a}"
            if kind == _VAR:
                return bind("V", f"{i}_{k}", a) + "._value"
            return bind("C", f"{i}_{k}", a)

        n_in = len(self.graph.inputs)
        lines.append("def run(feeds, xp, buffers, into):")
        if n_in:
            lines.append(f"    {''.join(f's{i}, ' for i in range(n_in))}= feeds")
        for slot in self._free_inputs:
            lines.append(f"    s{slot} = None")
        for i, (forward, args, attrs, outs, single, node, free, mode, donors) in enumerate(self.steps):
            inputs = ", ".join(ref(kind, a, i, k) for k, (kind, a) in enumerate(args))
            f = bind("F", i, forward)
            if mode is not None:
                call = f"into({i}, {f}, xp, [{inputs}], {bind('A', i, attrs)}, {bind('D', i, donors)}, buffers)"
            else:
                positional = f", {inputs}" if inputs else ""
                keywords = f", **{bind('A', i, attrs)}" if attrs else ""
                call = f"{f}(xp{positional}{keywords})"
            targets = f"s{outs[0]}" if single else "".join(f"s{o}, " for o in outs) or "_"
            self._line_step[len(lines) + 1] = i
            lines.append(f"    {targets} = {call}")
            if free:
                lines.append(f"    {' = '.join(f's{slot}' for slot in free)} = None")
        fetched = ", ".join(ref(kind, a, "out", k) for k, (kind, a) in enumerate(self.fetches))
        lines.append(f"    return [{fetched}]")
        namespace = dict(names)
        exec(compile("\n".join(lines) + "\n", f"<plan {self.graph.name}>", "exec"), namespace)
        self._fn = namespace["run"]
        self.source = "\n".join(lines)

    def run(self, feeds):
        """Arrays for the fetches, given arrays for the placeholders in order."""
        if len(feeds) != len(self.graph.inputs):
            raise ValueError(f"graph {self.graph.name} takes {len(self.graph.inputs)} inputs, got {len(feeds)}")
        xp = backend.xp_of(*feeds) if feeds else backend.numpy
        try:
            return self._fn(feeds, xp, self.buffers, self._run_into)
        except Exception as exc:
            frame, lineno = _failing_line(exc, self._fn.__code__)
            if lineno not in self._line_step:
                raise
            _, args, _, _, _, node, *_ = self.steps[self._line_step[lineno]]
            arrays = [frame.f_locals.get(f"s{a}") if kind == _SLOT else (a._value if kind == _VAR else a)
                      for kind, a in args]
            error = _run_error(exc, node, arrays, self.graph)
            if error is exc:
                raise
            raise error from exc

    @staticmethod
    def _run_into(i, forward, xp, arrays, attrs, donors, buffers):
        """Run step i giving its op an array to write into: an input it may overwrite, else its
        own buffer from the last run (see the module docstring); keeps what it produced."""
        for k, producer in donors:
            a = arrays[k]
            # referents: the run's local, `arrays`, `a`, getrefcount's argument, maybe a kept buffer
            if type(a) is _ndarray and a.base is None and \
                    _refcount(a) == 4 + (producer >= 0 and buffers[producer] is a):
                return forward(xp, *arrays, out=a, **attrs)
        kept = buffers[i]
        if kept is not None and _refcount(kept) != 3:  # buffers[i], `kept`, getrefcount's argument
            kept = None
        out = forward(xp, *arrays, out=kept, **attrs)
        buffers[i] = out if type(out) is _ndarray and out.base is None else None
        return out


def _failing_line(exc, code):
    """(frame, line number) of the generated run function where `exc` was raised."""
    tb, found = exc.__traceback__, (None, None)
    while tb is not None:
        if tb.tb_frame.f_code is code:
            found = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _same_spec(a, b):
    """Same dtype and same static shape (unknown dims count as equal; the op checks the real shape)."""
    if a.dtype != b.dtype or len(a.shape) != len(b.shape):
        return False
    return all(x is None or y is None or x == y for x, y in zip(a.shape, b.shape))


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
