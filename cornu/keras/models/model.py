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

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's summary table: layer (type), output shape, param #, and the totals."""
        from ..utils.summary import format_summary
        text = format_summary(self, line_length=line_length, show_trainable=show_trainable)
        (print_fn or print)(text)

    def __call__(self, *args, **kwargs):
        return Layer.__call__(self, *args, **kwargs)

