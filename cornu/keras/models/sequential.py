"""Sequential: a plain stack of layers, built from its first input shape."""
from ...core.shape import TensorShape
from ...core.symbolic import SymbolicTensor
from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from .model import Model


class Sequential(Model):
    """`keras.Sequential([layers...])`: each layer's output feeds the next.

    The model builds as soon as it knows its input shape (an `Input`/`InputLayer` first, or
    `input_shape=` on the first layer), otherwise on its first call or fit.

    >>> import cornu as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])
    >>> model.output_shape
    (None, 2)
    """

    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self._input_layer = None
        self._output_shape = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_from_declared_shape()

    def add(self, layer, rebuild=True):
        """Append a layer (or an `Input` tensor, which sets the input shape)."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Layer, got {type(layer).__name__} ({layer!r})")
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("Sequential: an Input/InputLayer can only be the first layer")
            object.__setattr__(self, "_input_layer", layer)  # not one of `layers`, as in Keras
        else:
            if any(layer is l for l in self._layers):
                raise ValueError(f"Sequential: layer {layer.name} was added twice")
            if any(l.name == layer.name for l in self._layers):
                raise ValueError(f"Sequential: all layers must have unique names; {layer.name!r} is taken")
            self._layers.append(layer)
        self.built = False
        if rebuild:
            self._maybe_build_from_declared_shape()

    def pop(self):
        if not self._layers:
            raise TypeError("Sequential.pop: there are no layers to remove")
        layer = self._layers.pop()
        self.built = False
        self._maybe_build_from_declared_shape()
        return layer

    @property
    def layers(self):
        return list(self._layers)

    def _declared_input_shape(self):
        if self._input_layer is not None:
            return self._input_layer._batch_input_shape
        if self._layers and self._layers[0]._batch_input_shape is not None:
            return self._layers[0]._batch_input_shape
        return None

    def _maybe_build_from_declared_shape(self):
        shape = self._declared_input_shape()
        if shape is not None and self._layers:
            self.build(shape)

    def build(self, input_shape=None):
        """Run the layers once on a symbolic input of `input_shape` (batch dimension free)."""
        if input_shape is None:
            input_shape = self._declared_input_shape()
        if input_shape is None:
            raise ValueError(f"Sequential {self.name}: cannot build without an input shape; add an "
                             "Input layer, pass input_shape= to the first layer, or call the model on data")
        input_shape = tuple(input_shape)
        x = SymbolicTensor(input_shape, self._dtype, name=f"{self.name}_input")
        self._symbolic_input = x
        self.built = True
        try:
            for layer in self._layers:
                x = layer(x)
        except Exception:
            self.built = False
            raise
        self._output_shape = TensorShape(x.shape)
        self._build_input_shape = TensorShape(input_shape)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._layers:
            kwargs = {}
            if layer._call_accepts("training"):
                kwargs["training"] = training
            x = layer(x, **kwargs)
        return x

    def __call__(self, *args, **kwargs):
        if not self.built and args:
            first = args[0]
            shape = getattr(first, "shape", None)
            if shape is not None:
                self.build((None,) + tuple(shape)[1:])
        return super().__call__(*args, **kwargs)

    @property
    def input_shape(self):
        shape = self._declared_input_shape() or getattr(self, "_build_input_shape", None)
        return None if shape is None else tuple(shape)

    @property
    def output_shape(self):
        if self._output_shape is None:
            raise AttributeError(f"Sequential {self.name} is not built yet, so its output shape is unknown")
        return tuple(self._output_shape)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [{"class_name": type(l).__name__, "config": l.get_config()} for l in self._layers]}
        if self._declared_input_shape() is not None:
            config["build_input_shape"] = self._declared_input_shape()
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..layers import deserialize
        layers = [deserialize(spec, custom_objects=custom_objects) for spec in config["layers"]]
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        if config.get("build_input_shape") is not None:
            model.add(InputLayer(batch_shape=config["build_input_shape"]), rebuild=False)
        for layer in layers:
            model.add(layer, rebuild=False)
        model._maybe_build_from_declared_shape()
        return model
