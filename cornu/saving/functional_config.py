"""Functional models in Keras 3's config format, and Keras's order of their layers.

Keras writes a functional model as `{"name", "trainable", "layers": [...], "input_layers",
"output_layers"}`; each layer entry carries its `"inbound_nodes"`: one `{"args": [...], "kwargs":
{...}}` per call of the layer inside this model, where every tensor is
`{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history": [layer name,
node index, tensor index]}}`. Node indices count only this model's calls of the layer; a nested
functional model counts from 1 (Keras gives it a node of its own at index 0).

`keras_layer_order` is the order of Keras's `model.layers` (its `map_graph`: deeper layers first,
ties in traversal order); weight files name layers by it (`layers/dense_1/vars/0`), so cornu uses it
whenever it reads or writes Keras files.
"""
import collections

from ..core import nest
from ..core.symbolic import SymbolicTensor
from .serialization import SerializationError, _describe, deserialize_keras_object


def _layer_of(node):
    return getattr(node, "layer", None)


def _is_input_node(node):
    from ..keras.layers.input_layer import InputLayer
    return isinstance(_layer_of(node), InputLayer)


def node_call_tensors(node):
    """The symbolic tensors a node was called with, as Keras records them: its args and kwargs, without
    the masks cornu passes along implicitly (Keras propagates those through the tensors)."""
    kwargs = dict(node.kwargs)
    mask = kwargs.get("mask")
    if mask is not None and node.args:
        carried = [getattr(t, "_keras_mask", None) for t in nest.flatten(node.args[0])]
        given = list(mask) if isinstance(mask, (list, tuple)) else [mask]
        if len(given) == len(carried) and all(g is c for g, c in zip(given, carried)):
            kwargs.pop("mask")
    return list(node.args), kwargs


def _inputs_of(node):
    args, kwargs = node_call_tensors(node)
    return [t for t in nest.flatten((args, kwargs)) if isinstance(t, SymbolicTensor)]


def keras_layer_order(model):
    """`model.layers` in Keras's order (InputLayers included), for a cornu Functional model."""
    inputs = list(model.inputs)
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    nodes_in_decreasing_depth, op_index = [], {}
    node_parents = {}

    def helper(t):
        node = t.node
        if node is None:
            return
        op = _layer_of(node) if _layer_of(node) is not None else node
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"The functional model {model.name} has a cycle")
        if id(op) not in op_index:
            op_index[id(op)] = (len(op_index), op)
        in_progress.add(id(node))
        parents = []
        if not _is_input_node(node) and id(t) not in input_ids:
            for x in _inputs_of(node):
                if x.node is not None:
                    parents.append(x.node)
                helper(x)
        node_parents[id(node)] = parents
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_decreasing_depth.append(node)

    for out in model.outputs:
        helper(out)
    nodes_depths, op_depths = {}, {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = nodes_depths.setdefault(id(node), 0)
        op = _layer_of(node) if _layer_of(node) is not None else node
        depth = max(depth, op_depths.get(id(op), 0))
        op_depths[id(op)] = depth
        nodes_depths[id(node)] = depth
        for parent in node_parents.get(id(node), ()):
            nodes_depths[id(parent)] = max(depth + 1, nodes_depths.get(id(parent), 0))
    for t in inputs:
        layer = _layer_of(t.node)
        if layer is not None and id(layer) not in op_depths:
            op_depths[id(layer)] = 0
            op_index[id(layer)] = (-1, layer)
    by_depth = collections.defaultdict(list)
    for op_id, depth in op_depths.items():
        by_depth[depth].append(op_id)
    ordered = []
    for depth in sorted(by_depth, reverse=True):
        ordered.extend(sorted(by_depth[depth], key=lambda i: op_index[i][0]))
    from ..keras.layers.layer import Layer
    return [op_index[i][1] for i in ordered if isinstance(op_index[i][1], Layer)]


def _model_nodes(model):
    nodes = list(model._nodes)
    for t in model.inputs:
        if t.node is not None and t.node not in nodes:
            nodes.append(t.node)
    return nodes


def get_config(model):
    """Keras 3's config of a cornu Functional model."""
    from ..keras.models.functional import Functional
    from .serialization import serialize_keras_object
    nodes = _model_nodes(model)
    node_ids = {id(n) for n in nodes}
    for node in model._nodes:
        if _layer_of(node) is None:
            used_by = [_layer_of(n).name for n in model._nodes if _layer_of(n) is not None and any(
                x.node is node for x in _inputs_of(n))]
            if used_by or any(t.node is node for t in model.outputs):
                raise SerializationError(
                    f"Model {model.name} applies the op '{getattr(node, 'name', node)}' directly to symbolic "
                    f"tensors (feeding {used_by or 'the outputs'}). Keras's config format only holds layer "
                    "calls: wrap the computation in a layer (a subclass of tf.keras.layers.Layer, "
                    "registered with register_keras_serializable) to save this model.")
    layers = keras_layer_order(model)
    reindex = {}
    for layer in layers:
        kept = 1 if isinstance(layer, Functional) else 0
        for node in layer._inbound_nodes:
            if id(node) in node_ids:
                reindex[id(node)] = kept
                kept += 1

    def tensor_config(t):
        node = t.node
        if id(node) not in reindex:
            raise SerializationError(f"Model {model.name}: tensor {t!r} comes from outside the model")
        index = next(i for i, o in enumerate(node.outputs) if o is t)
        return [_layer_of(node).name, reindex[id(node)], index]

    def serialize_arg(x):
        if isinstance(x, SymbolicTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": [None if d is None else int(d) for d in x.shape],
                               "dtype": x.dtype.name, "keras_history": tensor_config(x)}}
        return serialize_keras_object(x)

    entries = []
    names = set()
    for layer in layers:
        if layer.name in names:
            raise SerializationError(f"Model {model.name}: two different layers are named {layer.name!r}; "
                                     "layer names must be unique to save a functional model")
        names.add(layer.name)
        entry = serialize_keras_object(layer)
        entry.pop("compile_config", None)
        entry["name"] = layer.name
        inbound = []
        if not _is_input_node(layer._inbound_nodes[0] if layer._inbound_nodes else None):
            for node in layer._inbound_nodes:
                if id(node) in node_ids and not _is_input_node(node):
                    args, kwargs = node_call_tensors(node)
                    inbound.append({"args": [nest.map_structure(serialize_arg, a) for a in args],
                                    "kwargs": {k: nest.map_structure(serialize_arg, v)
                                               for k, v in kwargs.items()}})
        entry["inbound_nodes"] = inbound
        entries.append(entry)

    def structure(struct):
        if isinstance(struct, SymbolicTensor):
            return tensor_config(struct)
        if isinstance(struct, dict):
            return {k: structure(v) for k, v in struct.items()}
        return [structure(s) for s in struct]

    return {"name": model.name, "trainable": model.trainable, "layers": entries,
            "input_layers": structure(model._inputs_struct),
            "output_layers": structure(model._outputs_struct)}


class _NotReady(Exception):
    pass


def _is_history(value):
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def from_config(cls, config, custom_objects=None, layer_factory=None):
    """A Functional model from Keras 3's config (layers, inbound_nodes, input_layers, output_layers).

    `layer_factory(layer_entry)`, if given, makes each layer (clone_model's clone_function)."""
    from ..keras.layers.input_layer import InputLayer
    from ..keras.models.functional import Functional
    layer_entries = config.get("layers")
    if not isinstance(layer_entries, list):
        raise SerializationError("Functional config: 'layers' must be a list")
    created, calls, pending = {}, {}, {}
    offsets = {}
    for entry in layer_entries:
        if not isinstance(entry, dict) or "class_name" not in entry:
            raise SerializationError(f"Functional config: invalid layer entry {_describe(entry)}")
        name = entry.get("name") or (entry.get("config") or {}).get("name")
        if not isinstance(name, str):
            raise SerializationError(f"Functional config: a layer entry has no name: {_describe(entry)}")
        if name in created:
            raise SerializationError(f"Functional config: two layers are named {name!r}")
        if layer_factory is not None and entry["class_name"] != "InputLayer":
            layer = layer_factory(entry)
        else:
            layer = deserialize_keras_object({k: v for k, v in entry.items()
                                              if k not in ("name", "inbound_nodes")}, custom_objects,
                                             compile=False)
        created[name] = layer
        offsets[name] = 1 if entry["class_name"] == "Functional" or isinstance(layer, Functional) else 0
        calls[name] = []
        if isinstance(layer, InputLayer):
            calls[name].append([layer.output])
            offsets[name] = 0
        inbound = entry.get("inbound_nodes") or []
        if not isinstance(inbound, list):
            raise SerializationError(f"Functional config: inbound_nodes of {name!r} must be a list")
        pending[name] = list(inbound)

    def get_tensor(history):
        layer_name, node_index, tensor_index = history
        if layer_name not in created:
            raise SerializationError(f"Functional config refers to an unknown layer {layer_name!r}")
        index = node_index - offsets[layer_name]
        if index < 0:
            raise SerializationError(f"Functional config: invalid node index {node_index} for layer "
                                     f"{layer_name!r}")
        if index >= len(calls[layer_name]):
            raise _NotReady()
        outputs = calls[layer_name][index]
        if not 0 <= tensor_index < len(outputs):
            raise SerializationError(f"Functional config: layer {layer_name!r} node {node_index} has no "
                                     f"output {tensor_index}")
        return outputs[tensor_index]

    def revive(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            history = (value.get("config") or {}).get("keras_history")
            if not _is_history(history):
                raise SerializationError(f"Functional config: invalid keras_history in {_describe(value)}")
            return get_tensor(history)
        if isinstance(value, list):
            return [revive(v) for v in value]
        if isinstance(value, dict) and not ("class_name" in value and "config" in value):
            return {k: revive(v) for k, v in value.items()}
        return deserialize_keras_object(value, custom_objects)

    while any(pending.values()):
        progress = False
        for entry in layer_entries:
            name = entry.get("name") or entry["config"]["name"]
            queue = pending[name]
            while queue:
                node = queue[0]
                if not isinstance(node, dict) or "args" not in node:
                    raise SerializationError(f"Functional config: unsupported inbound node format for layer "
                                             f"{name!r}: {_describe(node)} (tf.keras 2 configs are not read)")
                try:
                    args = revive(node.get("args") or [])
                    kwargs = revive(node.get("kwargs") or {})
                except _NotReady:
                    break
                kwargs = {k: v for k, v in kwargs.items() if not (k == "mask" and v is None)}
                out = created[name](*args, **kwargs)
                calls[name].append(nest.flatten(out))
                queue.pop(0)
                progress = True
        if not progress:
            missing = sorted(n for n, q in pending.items() if q)
            raise SerializationError(f"Functional config: cannot connect layers {missing}: their inputs come "
                                     "from layers or nodes that do not exist")

    def structure(value):
        if _is_history(value):
            try:
                return get_tensor(value)
            except _NotReady:
                raise SerializationError(f"Functional config: model input/output {value} does not exist")
        if isinstance(value, dict):
            return {k: structure(v) for k, v in value.items()}
        if isinstance(value, list):
            return [structure(v) for v in value]
        raise SerializationError(f"Functional config: invalid input/output entry {_describe(value)}")

    inputs = structure(config.get("input_layers"))
    outputs = structure(config.get("output_layers"))
    model = Functional(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))
    if cls is not Functional and cls is not None:
        model.__class__ = cls if issubclass(cls, Functional) else model.__class__
    return model
