"""Functional models: a graph of layer calls (and plain ops) from `Input`s to outputs, replayed in
topological order on real tensors."""
from ...core import nest
from ...core.symbolic import SymbolicTensor
from ..layers.input_layer import InputLayer
from ..layers.layer import Node
from .model import Model


def _topological_nodes(inputs, outputs):
    """Producer nodes needed for `outputs`, inputs first; an error if an output depends on a symbolic
    tensor that is not one of `inputs` (Keras's 'graph disconnected')."""
    known = {id(t) for t in inputs}
    order, visited = [], set()

    def visit(t, path):
        if not isinstance(t, SymbolicTensor) or id(t) in known:
            return
        node = t.node
        if node is None or (isinstance(node, Node) and isinstance(node.layer, InputLayer)):
            reached = [getattr(n, "layer", None) for n in order]
            raise ValueError(f"Graph disconnected: cannot obtain value for tensor {t!r} at the input of "
                             f"layer {path!r}; it is not one of the model's inputs. Layers reached "
                             f"without issue: {[l.name for l in reached if l is not None]}")
        if id(node) in visited:
            return
        visited.add(id(node))
        for x in node.inputs:
            visit(x, getattr(getattr(node, "layer", None), "name", getattr(node, "op", None)))
        order.append(node)

    for out in outputs:
        visit(out, "output")
    return order


class Functional(Model):
    """`Model(inputs, outputs)`: several inputs/outputs, shared layers, nested models all work.

    >>> import cornu as tf
    >>> inp = tf.keras.Input(shape=(4,))
    >>> out = tf.keras.layers.Dense(2)(inp)
    >>> tf.keras.Model(inp, out).output_shape
    (None, 2)
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = [t for t in nest.flatten(inputs)]
        self.outputs = [t for t in nest.flatten(outputs)]
        for t in self.inputs + self.outputs:
            if not isinstance(t, SymbolicTensor):
                raise ValueError(f"Model {self.name}: inputs and outputs must be symbolic tensors from "
                                 f"keras.Input and layer calls, got {type(t).__name__}")
        self._nodes = _topological_nodes(self.inputs, self.outputs)
        layers = [t.node.layer for t in self.inputs if isinstance(t.node, Node)]
        for node in self._nodes:
            layer = getattr(node, "layer", None)
            if layer is not None and not any(layer is l for l in layers):
                layers.append(layer)
        self._layers = layers
        self.built = True

    @property
    def layers(self):
        return list(self._layers)

    @property
    def input_shape(self):
        shapes = [tuple(t.shape) for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [tuple(t.shape) for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    def _flatten_inputs(self, inputs):
        if isinstance(inputs, dict):
            names = [t.name for t in self.inputs]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Model {self.name}: missing inputs {missing} in the input dict "
                                 f"(keys: {sorted(inputs)})")
            return [inputs[n] for n in names]
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f"Model {self.name} expects {len(self.inputs)} input(s), but it received "
                             f"{len(flat)} input tensors")
        return flat

    def call(self, inputs, training=None, mask=None):
        values = {}
        for sym, real in zip(self.inputs, self._flatten_inputs(inputs)):
            values[id(sym)] = real
        for node in self._nodes:
            args = [values[id(t)] if isinstance(t, SymbolicTensor) else t for t in node.inputs]
            for sym, real in zip(node.outputs, node.run(args, training=training)):
                values[id(sym)] = real
        return nest.pack_sequence_as(self._outputs_struct, [values[id(t)] for t in self.outputs])

    def build(self, input_shape):
        self.built = True

    def get_config(self):
        """Keras 3's functional config: "layers" (each with its "inbound_nodes"), "input_layers",
        "output_layers" (see cornu/saving/functional_config.py)."""
        from ...saving import functional_config
        return functional_config.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving import functional_config
        return functional_config.from_config(cls, config, custom_objects)

    def _assert_input_compatibility(self, inputs):
        flat = self._flatten_inputs(inputs) if not isinstance(inputs, dict) else list(inputs.values())
        for i, (sym, x) in enumerate(zip(self.inputs, flat)):
            shape = getattr(x, "shape", None)
            if shape is None:
                continue
            expected = tuple(sym.shape)
            got = tuple(shape)
            if len(got) != len(expected) or any(e is not None and g is not None and e != g
                                                for e, g in zip(expected, got)):
                raise ValueError(f"Input {i} of model \"{self.name}\" is incompatible: expected shape "
                                 f"{expected}, found shape {got}")
