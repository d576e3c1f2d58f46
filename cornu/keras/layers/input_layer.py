"""`Input` and `InputLayer`: where a functional model's symbolic tensors start."""
from ...backend import dtypes
from ...core.symbolic import SymbolicTensor
from .layer import Layer, Node


class InputLayer(Layer):
    """A layer that only provides a model's input: shape without the batch dimension, and dtype."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, input_shape=None, **kwargs):
        if shape is None and input_shape is not None:
            shape = input_shape
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer: give `shape` (without the batch size) or `batch_shape`")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        super().__init__(name=name, dtype=dtype or "float32", **kwargs)
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.batch_shape = self._batch_input_shape
        self.built = True
        output = SymbolicTensor(self._batch_input_shape, dtypes.as_dtype(self.dtype), None, 0,
                                name=self.name)
        node = Node(self, (), {}, (output,))
        output.node = node
        self._inbound_nodes.append(node)
        self.output = output

    def get_config(self):
        return {"batch_shape": self._batch_input_shape, "dtype": self.dtype, "sparse": False,
                "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None,
          batch_shape=None, **kwargs):
    """`keras.Input(shape)`: a symbolic tensor to build a functional model from.

    >>> import cornu as tf
    >>> x = tf.keras.Input(shape=(784,))
    >>> x.shape
    TensorShape([None, 784])
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name,
                       **kwargs)
    return layer.output
