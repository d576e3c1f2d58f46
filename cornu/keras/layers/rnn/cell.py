"""What SimpleRNNCell, LSTMCell and GRUCell share: arguments, weights, dropout, config; and the layer
base that wraps one of them in an RNN with Keras's flat constructor arguments.

A built-in cell splits one step in two so the RNN layer can batch the first part over all time steps:
`_input_projection(x)` = `x @ kernel + input bias` (any leading dims), then per step
`_step(projected_x_t, states, context) -> (output, new_states)`, where `context` holds what is
computed once per call (recurrent dropout mask, bias slices).
"""
from ....core.tensor import Tensor, convert_to_tensor
from ....ops import array_ops, linalg_ops, math_ops
from ... import activations, constraints, initializers, regularizers
from ..layer import Layer
from .rnn import RNN, DropoutRNNCell, _is_training


class RecurrentCell(Layer, DropoutRNNCell):
    """Base of the built-in cells: kernel (input_dim, units * gates), recurrent_kernel
    (units, units * gates) and bias, created in that order (Keras's weight order)."""

    gates = 1
    _zeros_from_inputs = True  # the RNN builds zero states from its input (works with batch None)

    def __init__(self, units, activation="tanh", recurrent_activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)  # Keras's implementation 1/2 compute the same function
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"{type(self).__name__}: units must be a positive integer, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        for arg, value in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError(f"{type(self).__name__}: {arg} must be a float in [0, 1], got {value!r}")
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.state_size = units
        self.output_size = units

    # -- weights -----------------------------------------------------------------------------------
    def _bias_shape(self):
        return (self.units * self.gates,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} {self.name}: the last dimension of the input must be "
                             f"known, got shape {tuple(input_shape)}")
        width = self.units * self.gates
        self.kernel = self.add_weight("kernel", (input_dim, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(), initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    # -- computing ---------------------------------------------------------------------------------
    def _input_bias(self):
        return self.bias

    def _input_projection(self, inputs):
        """`inputs @ kernel + input bias` for inputs of shape (..., input_dim): for a whole sequence
        this is one matmul instead of one per time step."""
        if inputs.ndim == 2:
            out = linalg_ops.matmul(inputs, self.kernel)
        else:
            flat = array_ops.reshape(inputs, (-1, inputs.shape[-1]))
            out = array_ops.reshape(linalg_ops.matmul(flat, self.kernel),
                                    (-1,) + tuple(inputs.shape[1:-1]) + (self.units * self.gates,))
        if self.use_bias:
            out = out + self._input_bias()
        return out

    def _step_context(self, recurrent_mask):
        """What every step of one call needs, computed once (subclasses add bias/kernel slices)."""
        return {"recurrent_mask": recurrent_mask}

    def _step(self, projected, states, context):
        raise NotImplementedError

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        states = [s if isinstance(s, Tensor) else convert_to_tensor(s, dtype=self._dtype)
                  for s in (states if nested else [states])]
        if len(states) != len(self._state_sizes()):
            raise ValueError(f"{type(self).__name__} {self.name}: expected {len(self._state_sizes())} "
                             f"state tensor(s), got {len(states)}")
        training = _is_training(training)
        if inputs.dtype.is_floating and inputs.dtype != self._dtype:
            inputs = math_ops.cast(inputs, self._dtype)
        if training and 0 < self.dropout < 1:
            inputs = inputs * self.get_dropout_mask(inputs)
        rec_mask = self.get_recurrent_dropout_mask(states[0]) if training else None
        output, new_states = self._step(self._input_projection(inputs), states,
                                        self._step_context(rec_mask))
        return output, (new_states if nested or len(new_states) > 1 else new_states[0])

    def _state_sizes(self):
        return [self.state_size] if isinstance(self.state_size, int) else list(self.state_size)

    def get_initial_state(self, batch_size=None):
        return [array_ops.zeros((batch_size, d), dtype=self._dtype) for d in self._state_sizes()]

    # -- config ------------------------------------------------------------------------------------
    def _cell_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation)}
        if self.gates > 1:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update(use_bias=self.use_bias,
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      recurrent_initializer=initializers.serialize(self.recurrent_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer),
                      kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                      recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
                      bias_regularizer=regularizers.serialize(self.bias_regularizer),
                      kernel_constraint=constraints.serialize(self.kernel_constraint),
                      recurrent_constraint=constraints.serialize(self.recurrent_constraint),
                      bias_constraint=constraints.serialize(self.bias_constraint),
                      dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed)
        return config

    def get_config(self):
        config = super().get_config()
        config.update(self._cell_config())
        return config


class BuiltinRNN(RNN):
    """An RNN over one built-in cell, constructed from the cell's arguments (LSTM(32), GRU(32), ...);
    the cell's attributes (units, activation, dropout, ...) read through the layer, as in Keras."""

    cell_class = None
    cell_name = None

    def __init__(self, cell_kwargs, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, activity_regularizer=None, **kwargs):
        from ..layer import InputSpec
        if stateful:  # before the cell exists: the error should name this layer, not the cell
            raise ValueError(f"{type(self).__name__}: stateful=True is not supported by cornu. Pass the "
                             "state explicitly instead: call the layer with initial_state=... and "
                             "return_state=True, and feed the returned states to the next call")
        cell = self.cell_class(dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                               name=self.cell_name, **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def __getattr__(self, name):
        # only reached when normal lookup fails: units, activation, kernel_initializer, dropout, ...
        if name in _CELL_ATTRIBUTES and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update(self.cell._cell_config())
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


_CELL_ATTRIBUTES = frozenset((
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed", "unit_forget_bias", "reset_after", "kernel", "recurrent_kernel", "bias"))
