"""The graph IR: placeholders, op nodes in execution order, and readable/Graphviz renderings.

A node's inputs are symbolic tensors of the graph, or captured values: a concrete Tensor is a
constant, a Variable is read by reference when the graph runs (through a `read_variable` node).
"""
import shutil
import subprocess

from ..core.symbolic import OpNode, SymbolicTensor
from ..core.tensor import Tensor


class Graph:
    """Nodes appended in the order they were traced (a valid execution order)."""

    def __init__(self, name="graph"):
        self.name = name
        self.nodes = []
        self.inputs = []       # placeholders, in the order of the flattened arguments
        self.outputs = []      # symbolic tensors (or captured values) returned
        self._names = {}

    # -- building ----------------------------------------------------------------------------------
    def unique_name(self, base):
        count = self._names.get(base, 0)
        self._names[base] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def placeholder(self, shape, dtype, name=None):
        t = SymbolicTensor(shape, dtype, None, 0, name=self.unique_name(name or "input"))
        t.graph = self
        self.inputs.append(t)
        return t

    def add(self, op, inputs, attrs):
        """Append `op` applied to `inputs` (symbolic, constant or Variable); returns its outputs."""
        from ..core import tape as _tape
        from ..ops.state_ops import read_variable_op
        if op is read_variable_op:
            ins = tuple(inputs)  # the Variable itself: read by reference when the graph runs
        else:  # every other use of a variable goes through a read, so gradients and assigns line up
            ins = tuple(self.read_variable(x) if getattr(x, "_is_variable", False) else x for x in inputs)
        specs = op.shape(*ins, **attrs)
        single = not (isinstance(specs, tuple) and not hasattr(specs, "shape"))
        node = OpNode(op, ins, attrs, self.unique_name(op.name))
        outs = tuple(_output(s, node, i, self) for i, s in enumerate((specs,) if single else specs))
        node.outputs = outs
        self.nodes.append(node)
        if _tape.ACTIVE:
            _tape.record(op, op.grad, ins, attrs, outs)
        return outs[0] if single else outs

    def read_variable(self, variable):
        """A node reading `variable` when the graph runs (recorded on tapes, so gradients reach it)."""
        from ..ops.state_ops import read_variable_op
        return self.add(read_variable_op, (variable,), {})

    # -- inspection --------------------------------------------------------------------------------
    def _label(self, t, names):
        if isinstance(t, SymbolicTensor):
            return names.get(id(t), t.name or "?")
        if getattr(t, "_is_variable", False):
            return f"var({t.name})"
        if isinstance(t, Tensor):
            if t._value.size == 1:
                return f"const({t._value.reshape(()).item():g})"
            return "const" + str(tuple(t.shape)).replace(",)", ")")
        return repr(t)

    def _names_of(self):
        names = {id(t): f"%{t.name}" for t in self.inputs}
        for node in self.nodes:
            for i, t in enumerate(node.outputs):
                names[id(t)] = f"%{node.name}" + (f":{i}" if len(node.outputs) > 1 else "")
        return names

    def __str__(self):
        names = self._names_of()
        lines = [f"graph {self.name}("
                 + ", ".join(f"{names[id(t)]}: {_spec(t)}" for t in self.inputs) + ") {"]
        for node in self.nodes:
            outs = ", ".join(names[id(t)] for t in node.outputs)
            args = ", ".join(self._label(x, names) for x in node.inputs)
            attrs = "".join(f", {k}={_short(v)}" for k, v in node.attrs.items() if k != "variable")
            types = ", ".join(_spec(t) for t in node.outputs)
            lines.append(f"  {outs} = {node.op.name}({args}{attrs}) : {types}")
        lines.append("  return " + ", ".join(self._label(t, names) for t in self.outputs))
        lines.append("}")
        return "\n".join(lines)

    def __repr__(self):
        return f"<Graph {self.name}: {len(self.inputs)} inputs, {len(self.nodes)} nodes>"

    def to_dot(self):
        """Graphviz DOT source: placeholders as ellipses, ops as boxes labelled with shapes."""
        names = self._names_of()
        lines = [f'digraph "{self.name}" {{', "  rankdir=TB;", '  node [fontname="Helvetica", fontsize=10];']
        ids = {}
        for i, t in enumerate(self.inputs):
            ids[id(t)] = f"in{i}"
            lines.append(f'  in{i} [shape=ellipse, label="{names[id(t)]}\\n{_spec(t)}"];')
        for n, node in enumerate(self.nodes):
            label = f"{node.op.name}\\n" + ", ".join(_spec(t) for t in node.outputs)
            lines.append(f'  n{n} [shape=box, style=rounded, label="{label}"];')
            for t in node.outputs:
                ids[id(t)] = f"n{n}"
            for k, x in enumerate(node.inputs):
                if isinstance(x, SymbolicTensor) and id(x) in ids:
                    lines.append(f"  {ids[id(x)]} -> n{n};")
                else:
                    lines.append(f'  c{n}_{k} [shape=plaintext, label="{self._label(x, names)}"];')
                    lines.append(f"  c{n}_{k} -> n{n};")
        for k, t in enumerate(self.outputs):
            if isinstance(t, SymbolicTensor) and id(t) in ids:
                lines.append(f'  out{k} [shape=doublecircle, label="out{k}"];')
                lines.append(f"  {ids[id(t)]} -> out{k};")
        lines.append("}")
        return "\n".join(lines)

    def render(self, path, format=None):
        """Write the graph as a picture with Graphviz's `dot` (SVG/PNG by the file extension)."""
        format = format or str(path).rsplit(".", 1)[-1]
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("Graph.render needs Graphviz's `dot` program (e.g. apt-get install graphviz); "
                               "Graph.to_dot() gives the DOT source without it")
        subprocess.run([dot, f"-T{format}", "-o", str(path)], input=self.to_dot().encode(), check=True)
        return path


def _output(spec, node, index, graph):
    t = SymbolicTensor(spec.shape, spec.dtype, node, index)
    t.graph = graph
    return t


def _spec(t):
    shape = tuple(t.shape)
    return f"{t.dtype.name}{list(shape)}".replace("None", "?")


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
