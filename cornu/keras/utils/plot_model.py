"""`keras.utils.plot_model` / `model_to_dot`: a model's layer graph as a Graphviz picture.

>>> import cornu as tf
>>> inputs = tf.keras.Input((8,), name="features")
>>> hidden = tf.keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
>>> model = tf.keras.Model(inputs, tf.keras.layers.Dense(1, name="score")(hidden), name="scorer")
>>> dot = tf.keras.utils.model_to_dot(model, show_shapes=True)
>>> print(dot.to_string().splitlines()[0])
digraph "scorer" {

`plot_model(model, to_file="model.png")` draws it with Graphviz's `dot` program (PNG, SVG, PDF, ...
by the file's extension); `to_file="model.dot"` writes the DOT source and needs no Graphviz.
"""
import html
import os
import shutil
import subprocess

from ...core.symbolic import SymbolicTensor

_HEADER = "#d9e7fb"      # a layer's name row
_HEADER_MODEL = "#fbe3c9"  # a nested model's
_HEADER_INPUT = "#dff3df"  # an InputLayer's
_HEADER_OP = "#eeeeee"     # a plain op in a functional model


# -- the layer graph ----------------------------------------------------------------------------------

def _model_kind(model):
    from ..layers.layer import Layer
    from ..models.sequential import Sequential
    if isinstance(model, Sequential):
        return "sequential"
    if hasattr(model, "_nodes") and hasattr(model, "outputs") and isinstance(model, Layer):
        return "functional"
    return "other"


def _sequential_calls(model):
    """(layer, node) for each layer of a built Sequential, in order: the node of the layer's call in the
    model's own build chain (so shapes are this model's, even for layers shared with other models)."""
    x = getattr(model, "_symbolic_input", None)
    calls = []
    for layer in model.layers:
        node = None
        for candidate in reversed(getattr(layer, "_inbound_nodes", [])):
            if x is not None and candidate.inputs and candidate.inputs[0] is x:
                node = candidate
                break
        if node is None and getattr(layer, "_inbound_nodes", None):
            node = layer._inbound_nodes[-1]
        calls.append((layer, node))
        x = node.outputs[0] if node is not None and node.outputs else None
    return calls


def _functional_calls(model):
    """(layer or None, node) for the model's inputs' InputLayers, then each call in topological order
    (None for a plain op applied to Keras tensors)."""
    calls = []
    for t in model.inputs:
        node = t.node
        calls.append((getattr(node, "layer", None), node))
    for node in model._nodes:
        calls.append((getattr(node, "layer", None), node))
    return calls


def _shapes(tensors):
    return [tuple(t.shape) for t in tensors if isinstance(t, SymbolicTensor) or hasattr(t, "shape")]


def _shape_text(shapes):
    def one(s):
        return "(" + ", ".join("None" if d is None else str(d) for d in s) + ("," if len(s) == 1 else "") + ")"
    if not shapes:
        return "?"
    return one(shapes[0]) if len(shapes) == 1 else "[" + ", ".join(one(s) for s in shapes) + "]"


class _Item:
    """One box of the picture: a layer (or a plain op), with the shapes of its (first) call."""

    def __init__(self, key, name, class_name, layer=None, node=None, kind="layer"):
        self.key, self.name, self.class_name = key, name, class_name
        self.layer, self.kind = layer, kind
        self.inputs = _shapes(node.inputs) if node is not None else []
        self.outputs = _shapes(node.outputs) if node is not None else []
        if kind == "input" and layer is not None:
            self.inputs = self.outputs = [tuple(layer._batch_input_shape)]
        self.dtype = getattr(layer, "dtype", None) if layer is not None else \
            (getattr(node.outputs[0], "dtype", None) if node is not None and node.outputs else None)


class _Graph:
    def __init__(self):
        self.items = {}       # key -> _Item
        self.clusters = {}    # key -> (model, [member keys or ("cluster", key)], (entries, exits))
        self.edges = []       # (key, key)

    def add(self, item, cluster):
        if item.key not in self.items:
            self.items[item.key] = item
            cluster.append(item.key)
        return item.key

    def edge(self, a, b):
        if a is not None and b is not None and (a, b) not in self.edges:
            self.edges.append((a, b))


def _walk(model, graph, prefix, members, expand_nested):
    """Add `model`'s layers to `graph` (inside the `members` list of the enclosing cluster); returns
    (entry keys per model input, exit keys per model output)."""
    from ..layers.input_layer import InputLayer
    kind = _model_kind(model)
    if kind == "sequential":
        entries, previous = [], None
        input_layer = getattr(model, "_input_layer", None)
        if input_layer is not None:
            previous = graph.add(_Item(prefix + str(id(input_layer)), input_layer.name, "InputLayer",
                                       input_layer, None, "input"), members)
            entries.append(previous)
        for layer, node in _sequential_calls(model):
            first, last = _place(layer, node, graph, prefix, members, expand_nested)
            if previous is None:
                entries.append(first[0] if first else None)
            else:
                graph.edge(previous, first[0] if first else None)
            previous = last[0] if last else previous
        return entries, [previous]
    if kind == "functional":
        produced = {}  # id(symbolic tensor) -> key of the box that made it
        entries = []
        for layer, node in _functional_calls(model):
            if layer is None:  # a plain op between layers
                op_name = getattr(getattr(node, "op", None), "name", "op")
                class_name = "".join(part.capitalize() for part in op_name.split("_"))  # add -> Add
                item = _Item(prefix + f"op{id(node)}", getattr(node, "name", None) or op_name, class_name,
                             None, node, "op")
                key = graph.add(item, members)
                firsts, lasts = [key] * max(len(node.inputs), 1), [key] * len(node.outputs)
            elif isinstance(layer, InputLayer):
                key = graph.add(_Item(prefix + str(id(layer)), layer.name, "InputLayer", layer, node, "input"),
                                members)
                firsts, lasts = [key], [key]
                entries.append(key)
            else:
                firsts, lasts = _place(layer, node, graph, prefix, members, expand_nested)
            for i, t in enumerate(node.inputs):
                if layer is not None and isinstance(layer, InputLayer):
                    break
                target = firsts[min(i, len(firsts) - 1)] if firsts else None
                graph.edge(produced.get(id(t)), target)
            for i, t in enumerate(node.outputs):
                produced[id(t)] = lasts[min(i, len(lasts) - 1)] if lasts else None
        return entries, [produced.get(id(t)) for t in model.outputs]
    key = graph.add(_Item(prefix + str(id(model)), model.name, type(model).__name__, model, None, "model"),
                    members)
    return [key], [key]


def _place(layer, node, graph, prefix, members, expand_nested):
    """Add one layer call: a box, or for a nested model with expand_nested a cluster of its layers.
    Returns (keys receiving each input, keys giving each output)."""
    if expand_nested and _model_kind(layer) in ("sequential", "functional"):
        key = prefix + str(id(layer))
        if key not in graph.clusters:  # a nested model called twice is drawn once
            inner = []
            graph.clusters[key] = None  # reserve its place: clusters are numbered in drawing order
            members.append(("cluster", key))
            graph.clusters[key] = (layer, inner, _walk(layer, graph, key + "/", inner, expand_nested))
        return graph.clusters[key][2]
    kind = "model" if _model_kind(layer) != "other" or hasattr(layer, "compile") else "layer"
    key = graph.add(_Item(prefix + str(id(layer)), layer.name, type(layer).__name__, layer, node, kind), members)
    return [key], [key]


def _layer_graph(model, expand_nested=False):
    graph = _Graph()
    members = []
    _walk(model, graph, "", members, expand_nested)
    return graph, members


# -- DOT ----------------------------------------------------------------------------------------------

def _label(item, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    esc = html.escape
    color = {"input": _HEADER_INPUT, "model": _HEADER_MODEL, "op": _HEADER_OP}.get(item.kind, _HEADER)
    title = f"<b>{esc(item.name)}</b> ({esc(item.class_name)})" if show_layer_names else \
        f"<b>{esc(item.class_name)}</b>"
    rows = [f'<tr><td bgcolor="{color}" colspan="2">{title}</td></tr>']
    if show_layer_activations and item.layer is not None:
        activation = getattr(item.layer, "activation", None)
        if activation is not None:
            name = getattr(activation, "__name__", None) or type(activation).__name__
            rows.append(f'<tr><td colspan="2">Activation: {esc(str(name))}</td></tr>')
    if show_shapes:
        if item.kind == "input":
            rows.append(f'<tr><td colspan="2">Output shape: {esc(_shape_text(item.outputs))}</td></tr>')
        else:
            rows.append(f"<tr><td>Input shape: {esc(_shape_text(item.inputs))}</td>"
                        f"<td>Output shape: {esc(_shape_text(item.outputs))}</td></tr>")
    if show_dtype and item.dtype is not None:
        rows.append(f'<tr><td colspan="2">dtype: {esc(str(getattr(item.dtype, "name", item.dtype)))}</td></tr>')
    if show_trainable and item.layer is not None:
        trainable = "Y" if getattr(item.layer, "trainable", True) else "N"
        rows.append(f'<tr><td colspan="2">Trainable: {trainable}</td></tr>')
    return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="5">'
            + "".join(rows) + "</table>>")


class Dot:
    """DOT source of a model's picture (what `model_to_dot` returns; Keras returns a pydot graph, whose
    `to_string`, `create` and `write` this has)."""

    def __init__(self, source, name):
        self.source, self.name = source, name

    def to_string(self):
        return self.source

    def __str__(self):
        return self.source

    def create(self, prog="dot", format="png"):
        """The rendered picture's bytes (needs Graphviz)."""
        return _render(self.source, format, prog)

    def write(self, path, prog="dot", format="raw"):
        """Write the DOT source (format 'raw' or 'dot') or the rendered picture to `path`."""
        data = self.source.encode() if format in ("raw", "dot", "gv") else self.create(prog, format)
        with open(path, "wb") as f:
            f.write(data)
        return True


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, **kwargs):
    """`keras.utils.model_to_dot`: the model's layer graph as Graphviz DOT (a `Dot`; `str(dot)` is the
    source). Layers are boxes (name and class; shapes, dtype, activation, trainable on request),
    arrows follow the tensors; nested models are one box, or with `expand_nested` a dashed cluster of
    their layers."""
    if not getattr(model, "built", True):
        raise ValueError(f"This model has not yet been built ({model.name}). Build the model first by "
                         "calling `build()` or by calling the model on a batch of data.")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    graph, members = _layer_graph(model, expand_nested)
    ids = {key: f"n{i}" for i, key in enumerate(graph.items)}
    lines = [f'digraph "{_dot_escape(model.name)}" {{',
             f'  graph [rankdir={rankdir}, concentrate=true, dpi={int(dpi)}, fontname="Helvetica", '
             'nodesep=0.3, ranksep=0.35];',
             '  node [shape=plaintext, fontname="Helvetica", fontsize=11];',
             '  edge [color="#555555", arrowsize=0.8];']

    def emit(keys, indent):
        for key in keys:
            if isinstance(key, tuple):  # a nested model's cluster
                layer, inner, _ = graph.clusters[key[1]]
                index = list(graph.clusters).index(key[1])
                lines.append(f"{indent}subgraph cluster_{index} {{")
                title = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
                lines.append(f'{indent}  label="{_dot_escape(title)}"; style="dashed,rounded"; '
                             'color="#b07a3a"; fontname="Helvetica"; fontsize=11;')
                emit(inner, indent + "  ")
                lines.append(f"{indent}}}")
                continue
            item = graph.items[key]
            label = _label(item, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                           show_trainable)
            lines.append(f"{indent}{ids[key]} [label={label}];")
    emit(members, "  ")
    for a, b in graph.edges:
        lines.append(f"  {ids[a]} -> {ids[b]};")
    lines.append("}")
    return Dot("\n".join(lines) + "\n", model.name)


def _dot_escape(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


_INSTALL = ("Graphviz's `dot` program is needed to draw {what} and was not found on PATH. Install "
            "Graphviz (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; "
            "conda: `conda install graphviz`; Windows: https://graphviz.org/download/), or write the "
            "DOT source without it with to_file='model.dot'.")


def _render(source, format, prog="dot"):
    exe = shutil.which(prog)
    if exe is None:
        raise ImportError(_INSTALL.format(what=f"a {format.upper()} picture"))
    result = subprocess.run([exe, f"-T{format}"], input=source.encode(), capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"Graphviz's {prog} failed to render the model ({format}): "
                           f"{result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
               show_trainable=False, **kwargs):
    """`keras.utils.plot_model`: draw the model's layer graph to `to_file`.

    The format is the file's extension (png, svg, pdf, jpg, ...: rendered with Graphviz's `dot`,
    which must be installed) or `.dot`/`.gv` for the DOT source itself (no Graphviz needed). In
    Jupyter (IPython installed) returns an `IPython.display.Image` of a raster picture, else None.
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir, expand_nested=expand_nested,
                       dpi=dpi, show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    if extension in ("dot", "gv"):
        dot.write(to_file, format="raw")
        return None
    data = dot.create(format=extension)
    directory = os.path.dirname(to_file)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(to_file, "wb") as f:
        f.write(data)
    if extension in ("png", "jpg", "jpeg", "gif"):
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
