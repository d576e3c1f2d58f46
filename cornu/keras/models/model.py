"""Model: a Layer with training (compile/fit/evaluate/predict from the Trainer) and a summary.

`Model(inputs, outputs)` builds a functional model; subclassing `Model` with `__init__` + `call`
gives a subclassed one, as in Keras.
"""
from ...core.symbolic import SymbolicTensor
from ..layers.layer import Layer
from ..trainers.trainer import Trainer


class Model(Trainer, Layer):
    """`keras.Model`: functional (`Model(inputs, outputs)`) or subclassed (`__init__` + `call`)."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            from .functional import Functional
            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        dtype = kwargs.pop("dtype", None)
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {args} {sorted(kwargs)}")
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype)
        Trainer.__init__(self)

    @property
    def layers(self):
        return [l for l in self._layers]

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `layers`."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"Model {self.name}: no layer named {name!r}; layers are "
                         f"{[l.name for l in self.layers]}")

    def build(self, input_shape):
        """Build a subclassed model by calling it on a symbolic input of `input_shape`."""
        if self.built:
            return
        self._saving_build_shape = input_shape  # saved as Keras's build_config
        shapes = input_shape
        if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
            inputs = [SymbolicTensor(tuple(s), self._dtype) for s in shapes]
        else:
            inputs = SymbolicTensor(tuple(shapes), self._dtype)
        self.built = True
        try:
            self(inputs)
        except Exception:
            self.built = False
            raise

    def _maybe_build(self, inputs):
        if not self.built:  # remembered for the build_config of a saved model (Keras records it too)
            from ...core import nest
            from ...core.tensor import Tensor
            self._saving_build_shape = nest.map_structure(
                lambda t: tuple(t.shape) if isinstance(t, Tensor) else t, inputs)
        return Layer._maybe_build(self, inputs)

    # -- saving (cornu/saving: Keras 3's .keras and .weights.h5 files) ------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the whole model as a Keras 3 `.keras` file: architecture, weights, compile arguments
        and optimizer state (`tf.keras.models.load_model` restores it and training continues)."""
        from ...saving import keras_format
        keras_format.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Save the weights (and optimizer state) to `x.weights.h5` (Keras 3's layout) or
        `x.safetensors`."""
        from ...saving import keras_format
        keras_format.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from `x.weights.h5`, `x.safetensors` or a `.keras` file; a mismatch names the
        layers and shapes involved and loads nothing."""
        from ...saving import keras_format
        keras_format.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs):
        """The model's Keras 3 config as a JSON string (`tf.keras.models.model_from_json` reads it)."""
        import json
        from ...saving import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from its config: a functional config ("layers", "input_layers", "output_layers")
        rebuilds a functional model, as in Keras; a subclassed model gets `cls(**config)`."""
        if cls is Model and all(k in config for k in ("layers", "input_layers", "output_layers")):
            from ...saving import functional_config
            from .functional import Functional
            return functional_config.from_config(Functional, config, custom_objects)
        return cls(**config)

    def get_compile_config(self):
        from ...saving.serialization import get_compile_config
        return get_compile_config(self)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's summary table: layer (type), output shape, param #, and the totals."""
        from ..utils.summary import format_summary
        text = format_summary(self, line_length=line_length, show_trainable=show_trainable)
        (print_fn or print)(text)

    def __call__(self, *args, **kwargs):
        return Layer.__call__(self, *args, **kwargs)

