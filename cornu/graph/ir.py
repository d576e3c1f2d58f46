"""The graph IR: placeholders, op nodes in execution order, and readable/Graphviz renderings.

A node's inputs are symbolic tensors of the graph, or captured values: a concrete Tensor is a
constant, a Variable is read by reference when the graph runs (through a `read_variable` node).
"""
import shutil
import subprocess
import sys

from ..core.errors import InvalidArgumentError
from ..core.symbolic import OpNode, SymbolicTensor
from ..core.tensor import Tensor


class GraphTensor(SymbolicTensor):
    """A tensor of a graph being traced: a shape and dtype, no value until the graph runs.

    Python code that needs the value (`if x > 0:`, `x.numpy()`, `float(x)`) runs only once, at trace
    time, so it gets an error that says what to do instead.
    """

    __slots__ = ()

    @property
    def name(self):
        if self._name:
            return self._name
        return f"{self.node.name}:{self.index}" if self.node is not None else None

    def _where(self):
        graph = getattr(self, "graph", None)
        return f"cornu.function '{graph.name}'" if graph is not None else "cornu.function"

    def _describe(self):
        return f"tensor '{self.name}' (shape={_shape_text(self._value.shape)}, dtype={self.dtype.name})"

    def _no_value(self, what):
        return TypeError(
            f"{what} is not available inside {self._where()}: {self._describe()} is symbolic while the "
            "function is traced and gets a value only when the graph runs. Return the tensor from the "
            "function and call .numpy() on the result, compute with cornu ops instead, or debug with "
            "cornu.config.run_functions_eagerly(True).")

    def numpy(self):
        raise self._no_value(".numpy()")

    def __array__(self, dtype=None, copy=None):
        raise self._no_value("Converting to a NumPy array")

    def __float__(self):
        raise self._no_value("float()")

    def __int__(self):
        raise self._no_value("int()")

    def __index__(self):
        raise self._no_value("Using a tensor as a Python index (range(), list index)")

    def __bool__(self):
        raise TypeError(
            f"Using a symbolic {self._describe()} as a Python bool is not allowed inside "
            f"{self._where()}: Python control flow on tensor values (if/while/assert, and/or/not) is not "
            "traced into the graph; it would run once, at trace time. Compute both results and select "
            "with cornu.where(condition, x, y) (as a cornu.cond-style op), use cornu.maximum/minimum or "
            "masks, or branch on a Python value or a static shape (x.shape) instead.")

    def __len__(self):
        shape = self._value.shape
        if not shape or shape[0] is None:
            raise TypeError(f"len() of {self._describe()} is unknown while tracing {self._where()}: the "
                            "first dimension is not static; use cornu.shape(x)[0]")
        return shape[0]

    def __iter__(self):
        n = len(self)  # a static first dimension unrolls: one slice per element
        return (self[i] for i in range(n))

    def __repr__(self):
        return f"<cornu.Tensor '{self.name}' shape={_shape_text(self._value.shape)} dtype={self.dtype.name}>"

    __str__ = __repr__


class Graph:
    """Nodes appended in the order they were traced (a valid execution order)."""

    def __init__(self, name="graph"):
        self.name = name
        self.nodes = []
        self.inputs = []       # placeholders, in the order of the flattened arguments
        self.outputs = []      # symbolic tensors (or captured values) returned
        self._names = {}
        self.grad_of = {}      # backward node name -> forward node it differentiates ("" for a seed)

    # -- building ----------------------------------------------------------------------------------
    def unique_name(self, base):
        count = self._names.get(base, 0)
        self._names[base] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def placeholder(self, shape, dtype, name=None):
        t = GraphTensor(shape, dtype, None, 0, name=self.unique_name(name or "input"))
        t.graph = self
        self.inputs.append(t)
        return t

    def add(self, op, inputs, attrs):
        """Append `op` applied to `inputs` (symbolic, constant or Variable); returns its outputs."""
        from ..core import tape as _tape
        from ..ops.state_ops import read_variable_op
        from .rewrites import rewrite
        fused = rewrite(op, inputs, attrs, self)
        if fused is not None:
            return self.add(*fused)
        if op is read_variable_op:
            ins = tuple(inputs)  # the Variable itself: read by reference when the graph runs
        else:  # every other use of a variable goes through a read, so gradients and assigns line up
            ins = tuple(self.read_variable(x) if getattr(x, "_is_variable", False) else x for x in inputs)
        try:
            specs = op.shape(*ins, **attrs)
        except (ValueError, TypeError, IndexError) as exc:  # a shape error: raised now, at trace time
            shapes = ", ".join(_spec(x) if isinstance(x, Tensor) and not getattr(x, "_is_variable", False)
                               else self._label(x, {}) for x in ins)
            where = f"while tracing cornu.function '{self.name}'"
            message = getattr(exc, "message", None) or str(exc)
            if not message.startswith(op.name):
                message = f"{op.name}: {message}"
            if "input shapes" not in message:
                message += f" (input shapes: {shapes})"
            error = InvalidArgumentError(f"{message} {where}", op=op.name)
            error._cornu_traced = True
            raise error from exc
        single = not (isinstance(specs, tuple) and not hasattr(specs, "shape"))
        node = OpNode(op, ins, attrs, self.unique_name(op.name))
        outs = tuple(_output(s, node, i, self) for i, s in enumerate((specs,) if single else specs))
        node.outputs = outs
        self.nodes.append(node)
        of = _differentiating()
        if of is not None:
            self.grad_of[node.name] = of
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
            if t._value.ndim == 0:
                return f"const({_scalar_text(t._value.item())})"
            if t._value.size == 1:
                return f"const([{_scalar_text(t._value.reshape(()).item())}])"
            return f"const<{t.dtype.name}{list(t.shape)}>"  # an array: its type, not its values
        return repr(t)

    def _names_of(self):
        names = {id(t): f"%{t.name}" for t in self.inputs}
        for node in self.nodes:
            for i, t in enumerate(node.outputs):
                names[id(t)] = f"%{node.name}" + (f":{i}" if len(node.outputs) > 1 else "")
        return names

    def _role(self, node):
        """'backward' for nodes a gradient computation added, 'update' for variable writes, else
        'forward'."""
        if node.name in self.grad_of:
            return "backward"
        if node.op.name.startswith("assign"):
            return "update"
        return "forward"

    def _comment(self, node):
        of = self.grad_of.get(node.name)
        if of is None:
            return ""
        return "# backward: seed d(target) = 1" if of == "" else f"# backward: gradient through %{of}"

    def __str__(self):
        """The graph as text, one node a line in execution order:
        `%out = op(%in, const(2), axis=1) : float32[?, 3]`; nodes that gradients added are marked
        `# backward`, so forward and backward pass read as on a slide."""
        names = self._names_of()
        lines = [f"graph {self.name}("
                 + ", ".join(f"{names[id(t)]}: {_spec(t)}" for t in self.inputs) + ") {"]
        body = []
        for node in self.nodes:
            outs = ", ".join(names[id(t)] for t in node.outputs)
            args = ", ".join(self._label(x, names) for x in node.inputs)
            attrs = "".join(f", {k}={self._label(v, names) if isinstance(v, Tensor) else _short(v, k)}"
                            for k, v in node.attrs.items())
            types = ", ".join(_spec(t) for t in node.outputs)
            body.append((f"  {outs} = {node.op.name}({args}{attrs}) : {types}", self._comment(node)))
        width = min(max((len(text) for text, note in body if note), default=0), 72)
        for text, note in body:
            lines.append(f"{text.ljust(width)}  {note}" if note else text)
        lines.append("  return " + ", ".join(self._label(t, names) for t in self.outputs))
        lines.append("}")
        return "\n".join(lines)

    def __repr__(self):
        return f"<Graph {self.name}: {len(self.inputs)} inputs, {len(self.nodes)} nodes>"

    def to_dot(self):
        """Graphviz DOT source: placeholders as ellipses, ops as boxes labelled with their output
        shapes (backward nodes orange, in a 'backward' cluster; variable updates green), variables as
        cylinders read by the ops that use them and written (dashed) by updates, outputs as double
        circles. `render(path)` draws it with Graphviz's `dot`."""
        names = self._names_of()
        lines = [f'digraph "{_escape(self.name)}" {{', "  rankdir=TB;", '  graph [fontname="Helvetica"];',
                 '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
        ids, variables, backward, edges = {}, {}, [], []
        for i, t in enumerate(self.inputs):
            ids[id(t)] = f"in{i}"
            lines.append(f'  in{i} [shape=ellipse, label="{_escape(names[id(t)])}\\n{_spec(t)}"];')

        def variable_node(v):
            if id(v) not in variables:
                variables[id(v)] = f"v{len(variables)}"
                lines.append(f'  {variables[id(v)]} [shape=cylinder, style=filled, fillcolor="#eeeeee", '
                             f'label="{_escape(v.name)}\\n{_spec(v)}"];')
            return variables[id(v)]
        colors = {"forward": "#dbe8fb", "backward": "#fde2c8", "update": "#d5f0d5"}
        for n, node in enumerate(self.nodes):
            role = self._role(node)
            label = _escape(node.name) + "\\n" + ", ".join(_spec(t) for t in node.outputs)
            decl = (f'  n{n} [shape=box, style="rounded,filled", fillcolor="{colors[role]}", '
                    f'label="{label}"];')
            (backward if role == "backward" else lines).append(decl)
            for t in node.outputs:
                ids[id(t)] = f"n{n}"
            for k, x in enumerate(node.inputs):
                if isinstance(x, SymbolicTensor) and id(x) in ids:
                    edges.append(f"  {ids[id(x)]} -> n{n};")
                elif getattr(x, "_is_variable", False):
                    edges.append(f"  {variable_node(x)} -> n{n};")
                else:
                    lines.append(f'  c{n}_{k} [shape=plaintext, label="{_escape(self._label(x, names))}"];')
                    edges.append(f"  c{n}_{k} -> n{n};")
            target = node.attrs.get("variable")
            if getattr(target, "_is_variable", False):
                edges.append(f'  n{n} -> {variable_node(target)} [style=dashed, label="write", constraint=false];')
        if backward:
            lines.append("  subgraph cluster_backward {")
            lines.append('    label="backward (gradients)"; style=dashed; color="#d08a4a";')
            lines.extend("  " + d for d in backward)
            lines.append("  }")
        lines.extend(edges)
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


_GRADIENT_CODE = []


def _differentiating():
    """While a tape computes gradients: the name of the traced node being differentiated ("" for the
    seed), found on the call stack (trace time only), so printed graphs can mark the backward pass."""
    if not _GRADIENT_CODE:
        from ..core import tape as _tape
        from ..core.gradient_tape import GradientTape
        _GRADIENT_CODE.append(_tape.backprop.__code__)
        _GRADIENT_CODE.append({GradientTape.gradient.__code__, GradientTape.jacobian.__code__,
                               GradientTape.batch_jacobian.__code__})
    backprop, entry = _GRADIENT_CODE
    frame = sys._getframe(2)
    for _ in range(30):
        if frame is None:
            return None
        code = frame.f_code
        if code is backprop:
            rec = frame.f_locals.get("rec")
            outputs = getattr(rec, "outputs", None) or ()
            node = getattr(outputs[0], "node", None) if outputs else None
            return getattr(node, "name", None) or getattr(getattr(rec, "op", None), "name", "?")
        if code in entry:
            return ""
        frame = frame.f_back
    return None


def _scalar_text(value):
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _escape(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def _output(spec, node, index, graph):
    t = GraphTensor(spec.shape, spec.dtype, node, index)
    t.graph = graph
    return t


def _spec(t):
    shape = tuple(t.shape)
    return f"{t.dtype.name}{list(shape)}".replace("None", "?")


def _shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _short(value, key=None):
    if key == "program":  # a fused_elementwise node: its ops, in order
        return "[" + ", ".join(step[0] for step in value) + "]"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
