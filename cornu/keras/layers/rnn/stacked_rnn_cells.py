"""StackedRNNCells: several cells run as one, each feeding its output to the next, within a time step."""
from ....core import nest
from ..layer import Layer


class StackedRNNCells(Layer):
    """`StackedRNNCells(cells)`: a cell made of `cells` stacked (what `RNN([cell1, cell2])` uses).
    Its state is the list of the cells' states, in order.

    >>> import cornu as tf
    >>> cells = [tf.keras.layers.SimpleRNNCell(4), tf.keras.layers.LSTMCell(3)]
    >>> tf.keras.layers.RNN(cells)(tf.ones((2, 5, 6))).shape
    TensorShape([2, 3])
    """

    def __init__(self, cells, **kwargs):
        if kwargs.get("dtype") is None and cells and isinstance(cells[0], Layer):
            kwargs["dtype"] = cells[0].dtype  # calling the stack must not cast the cells' inputs
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
                raise ValueError("StackedRNNCells: every cell needs a `call` method and a `state_size` "
                                 f"attribute, received {cell!r}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is None:
            size = nest.flatten(last.state_size)[0]
        return size

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                state = fn(batch_size=batch_size)
            else:
                from ....ops import array_ops
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
                state = [array_ops.zeros((batch_size, s), dtype=self.dtype) for s in sizes]
            if not isinstance(cell.state_size, (list, tuple)) and isinstance(state, (list, tuple)):
                state = state[0]
            states.append(state)
        return states

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
            shape = shape[:-1] + (getattr(cell, "output_size", None) or nest.flatten(cell.state_size)[0],)
        self.built = True

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, state in zip(self.cells, states):
            nested = isinstance(state, (list, tuple))
            state = list(state) if nested else [state]
            kwargs = {"training": training} if isinstance(cell, Layer) and cell._call_accepts("training") \
                else {}
            inputs, state = cell(inputs, state, **kwargs)
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            new_states.append(state if nested or len(state) > 1 else state[0])
        return inputs, new_states

    def get_config(self):
        from .. import serialize
        config = super().get_config()
        config["cells"] = [serialize(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .. import deserialize
        config = dict(config)
        cells = [deserialize(c, custom_objects=custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
