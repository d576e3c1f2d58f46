"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""
from ...core.symbolic import SymbolicTensor


def _count(weights):
    total = 0
    for v in weights:
        n = 1
        for d in v.shape:
            n *= d
        total += n
    return total


def _size_text(n_params, itemsize=4):
    size = n_params * itemsize
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.2f} {unit}"
    return f"{size:.2f} B"


def _shape_text(layer):
    nodes = [n for n in getattr(layer, "_inbound_nodes", []) if n.outputs]
    if not nodes:
        return "?"
    outs = [tuple(t.shape) for t in nodes[-1].outputs if isinstance(t, SymbolicTensor)]
    text = [str(s).replace(",)", ")") if len(s) != 1 else f"({s[0]},)" for s in outs]
    return text[0] if len(text) == 1 else "[" + ", ".join(text) + "]"


def _connections(layer, model):
    nodes = [n for n in getattr(layer, "_inbound_nodes", []) if getattr(n, "inputs", ())]
    inside = {id(n) for n in getattr(model, "_nodes", [])}
    parts = []
    for node in nodes:
        if inside and id(node) not in inside:
            continue
        for t in node.inputs:
            producer = getattr(getattr(t, "node", None), "layer", None)
            if producer is not None:
                index = producer._inbound_nodes.index(t.node) if t.node in producer._inbound_nodes else 0
                parts.append(f"{producer.name}[{index}][{t.index}]")
    return parts


def format_summary(model, line_length=None, show_trainable=False):
    """The summary as text (box-drawn like Keras 3; plain characters otherwise identical)."""
    from ..layers.input_layer import InputLayer
    if not model.built:
        raise ValueError(f"Model {model.name} has not been built yet, so its summary (output shapes and "
                         "parameter counts) is unknown. Build it by calling it on data, by fit(), or by "
                         "declaring an input shape (keras.Input or input_shape=)")
    functional = hasattr(model, "_nodes")
    layers = model.layers
    rows = []
    connected = functional and (len(model.inputs) > 1 or any(len(_connections(l, model)) > 1 for l in layers))
    for layer in layers:
        if isinstance(layer, InputLayer):
            shape = str(tuple(layer._batch_input_shape)).replace(",)", ")") \
                if len(layer._batch_input_shape) != 1 else f"({layer._batch_input_shape[0]},)"
            params = 0
        else:
            shape = _shape_text(layer)
            params = layer.count_params() if layer.built else 0
        row = [f"{layer.name} ({type(layer).__name__})", shape, f"{params:,}"]
        if connected:
            row.append(", ".join(_connections(layer, model)) or "-")
        rows.append(row)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connected else [])
    widths = [max([len(h)] + [len(r[i]) for r in rows]) + 2 for i, h in enumerate(headers)]
    widths[0] = max(widths[0], 33)
    widths[1] = max(widths[1], 24)
    widths[2] = max(widths[2], 15)

    def line(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    def cells(values, sep, align_right=(2,)):
        out = []
        for i, (v, w) in enumerate(zip(values, widths)):
            out.append(" " + (v.rjust(w - 2) if i in align_right else v.ljust(w - 2)) + " ")
        return sep + sep.join(out) + sep

    trainable = _count(model.trainable_weights)
    total = _count(model.weights)
    out = [f'Model: "{model.name}"', line("┏", "┳", "┓", "━"), cells(headers, "┃"), line("┡", "╇", "┩", "━")]
    for i, row in enumerate(rows):
        out.append(cells(row, "│"))
        out.append(line("├", "┼", "┤", "─") if i < len(rows) - 1 else line("└", "┴", "┘", "─"))
    if not rows:
        out.append(line("└", "┴", "┘", "─"))
    out.append(f" Total params: {total:,} ({_size_text(total)})")
    out.append(f" Trainable params: {trainable:,} ({_size_text(trainable)})")
    out.append(f" Non-trainable params: {total - trainable:,} ({_size_text(total - trainable)})")
    return "\n".join(out)
