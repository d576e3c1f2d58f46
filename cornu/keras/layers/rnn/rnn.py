"""RNN: runs a cell over the time axis of a (batch, timesteps, features) sequence.

The loop is a plain Python loop over time steps made of cornu ops, so GradientTape (and a traced graph)
differentiates through time with no special support. Built-in cells (SimpleRNNCell, LSTMCell, GRUCell)
take a fast path: the input projection `x @ kernel + bias` runs as one matmul over all time steps before
the loop, which then only does the recurrent part, step by step.

Called on symbolic tensors (a Keras model being built, where the batch size and even the number of
time steps may be unknown), the layer returns outputs of the right shapes without running the loop:
the node it records replays the call on real tensors.
"""
from ....core import nest
from ....core.shape import TensorShape
from ....core.symbolic import SymbolicTensor, is_keras_tensor
from ....core.tensor import Tensor, convert_to_tensor
from ....ops import array_ops, math_ops, nn_ops
from ..layer import Layer


def _is_training(training):
    """Dropout runs only when `training` is truthy; a symbolic flag counts as inference."""
    try:
        return bool(training)
    except TypeError:
        return False


class DropoutRNNCell:
    """Mixin for cells with `dropout` / `recurrent_dropout`: one mask per layer call, shared by every
    time step (as in Keras); the RNN layer creates them before its loop and resets them after it."""

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def _mask_like(self, x, rate, cached):
        if cached is not None and tuple(cached.shape) == tuple(x.shape):
            return cached
        return nn_ops.dropout(array_ops.ones_like(x), rate=rate, seed=self.seed)

    def get_dropout_mask(self, step_input):
        """The input dropout mask (shape of one step's input), created on first use."""
        if not 0 < self.dropout < 1:
            return None
        self._dropout_mask = self._mask_like(step_input, self.dropout, self._dropout_mask)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_state):
        """The recurrent dropout mask (shape of the state), created on first use."""
        if not 0 < self.recurrent_dropout < 1:
            return None
        self._recurrent_dropout_mask = self._mask_like(step_state, self.recurrent_dropout,
                                                       self._recurrent_dropout_mask)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None


def zeros_state(sequences, size, dtype):
    """Zeros of shape (batch, size) whose batch size comes from `sequences` when it runs, so it also
    works on symbolic inputs whose batch size is still unknown."""
    column = array_ops.zeros_like(sequences[(slice(None),) + (0,) * (sequences.ndim - 1)])
    column = array_ops.expand_dims(math_ops.cast(column, dtype), -1)  # (batch, 1)
    return column + array_ops.zeros((size,), dtype=dtype)


def _state_sizes(state_size):
    return [state_size] if isinstance(state_size, int) else list(state_size)


class RNN(Layer):
    """`RNN(cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
    unroll=False, zero_output_for_mask=False)`: the base recurrent layer, running `cell` over time.

    A cell is a layer with `call(inputs_at_t, states_at_t) -> (output_at_t, new_states)` and a
    `state_size` (an int, or a list of ints, one per state); a list of cells is stacked
    (`StackedRNNCells`). Inputs have shape (batch, timesteps, features).

    Call arguments: `sequences`, `initial_state` (a tensor or list of tensors, one per state),
    `mask` (bool, (batch, timesteps): False steps are skipped — the state and output of the previous
    step are carried over, or the output is zero with `zero_output_for_mask=True`), `training`
    (dropout in the cell runs only when True).

    Returns the last output (batch, units), or the whole sequence (batch, timesteps, units) with
    `return_sequences=True`; with `return_state=True` a list `[output, *final_states]`. With
    `go_backwards=True` the sequence is read from its end and the returned sequence is reversed too.

    `stateful=True` is not supported: pass the states explicitly (`initial_state=` and
    `return_state=True`). `unroll` is accepted for compatibility; the loop is always unrolled.

    >>> import cornu as tf
    >>> layer = tf.keras.layers.RNN(tf.keras.layers.SimpleRNNCell(4), return_sequences=True)
    >>> layer(tf.ones((2, 5, 3))).shape
    TensorShape([2, 5, 4])
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            from .stacked_rnn_cells import StackedRNNCells
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"RNN: argument `cell` should have a `call` method, received cell={cell!r}")
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError("RNN: the cell should have a `state_size` attribute (an integer, or a list "
                             f"of integers, one per state), received cell={cell!r}")
        if not isinstance(state_size, (int, list, tuple)):
            raise ValueError(f"RNN: cell.state_size must be an integer or a list/tuple of integers, got "
                             f"{state_size!r}")
        if stateful:
            raise ValueError(f"{type(self).__name__}: stateful=True is not supported by cornu. Pass the "
                             "state explicitly instead: call the layer with initial_state=... and "
                             "return_state=True, and feed the returned states to the next call")
        if kwargs.get("dtype") is None and isinstance(cell, Layer):
            kwargs["dtype"] = cell.dtype  # calling the layer must not cast the cell's input
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.states = None
        self.state_size = _state_sizes(state_size)
        self.single_state = isinstance(state_size, int)

    # -- shapes ------------------------------------------------------------------------------------
    @property
    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        if size is None:
            size = self.state_size[0]
        if not isinstance(size, int):
            raise ValueError(f"RNN {self.name}: cell.output_size must be an integer, got {size!r}")
        return size

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        if _is_list_of_shapes(sequences_shape):
            sequences_shape = sequences_shape[0]
        sequences_shape = tuple(sequences_shape)
        batch, length = sequences_shape[0], sequences_shape[1]
        if self.return_sequences:
            output = TensorShape((batch, length, self._output_size))
        else:
            output = TensorShape((batch, self._output_size))
        if self.return_state:
            return [output] + [TensorShape((batch, s)) for s in _flat_state_sizes(self.cell)]
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(_flat_state_sizes(self.cell))
        return output_mask

    # -- building ----------------------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        if _is_list_of_shapes(sequences_shape):
            sequences_shape = sequences_shape[0]
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) < 3:
            raise ValueError(f"{type(self).__name__} {self.name}: expected inputs of shape (batch, "
                             f"timesteps, features), got shape {sequences_shape}")
        if sequences_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} {self.name}: the feature (last) dimension of the "
                             f"input must be known, got shape {sequences_shape}")
        step_shape = TensorShape((sequences_shape[0],) + sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
            for v in self.cell._all_weights():  # Keras-style paths: lstm/lstm_cell/kernel
                if not v._name.startswith(self.name + "/"):
                    v._name = f"{self.name}/{v._name}"
        self.built = True

    def get_initial_state(self, batch_size):
        """Zero states for a known batch size (the cell's own `get_initial_state` if it has one)."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            state = fn(batch_size=batch_size)
            return list(state) if isinstance(state, (list, tuple)) else [state]
        return [array_ops.zeros((batch_size, d), dtype=self.dtype) for d in self.state_size]

    def reset_state(self):
        raise AttributeError(f"Layer {self.name} is not stateful (cornu supports stateful=False only)")

    reset_states = reset_state

    # -- calling -----------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(sequences, (list, tuple)):  # tf.keras 2 style: layer([x, h0, c0])
            if initial_state is None and len(sequences) > 1:
                initial_state = list(sequences[1:])
            if isinstance(mask, (list, tuple)):
                mask = mask[0] if mask else None
            sequences = sequences[0]
        name = f"{type(self).__name__} {self.name}"
        if sequences.ndim < 3:
            raise ValueError(f"{name}: expected inputs of shape (batch, timesteps, features), got shape "
                             f"{tuple(sequences.shape)}")
        if sequences.dtype.is_floating and sequences.dtype != self._dtype:
            sequences = math_ops.cast(sequences, self._dtype)
        if sequences.shape[1] == 0:
            raise ValueError(f"{name}: the input sequence has no time steps (shape "
                             f"{tuple(sequences.shape)})")
        symbolic = any(is_keras_tensor(t) for t in nest.flatten([sequences, initial_state, mask]))
        states = self._initial_states(sequences, initial_state, name, symbolic)
        if mask is not None:
            mask = convert_to_tensor(mask)
            if not mask.dtype.is_bool:
                mask = math_ops.cast(mask, "bool")
            if mask.ndim != 2 or None not in (mask.shape[1], sequences.shape[1]) and \
                    mask.shape[1] != sequences.shape[1]:
                raise ValueError(f"{name}: the mask must have shape (batch, timesteps), got shape "
                                 f"{tuple(mask.shape)} for inputs of shape {tuple(sequences.shape)}")
        if symbolic:
            # A model under construction: the layer's node replays this call on real tensors, so
            # only the output shapes are needed now (and the time dimension may be unknown).
            return self._symbolic_outputs(sequences)
        try:
            last_output, outputs, final_states = self._loop(sequences, states, mask,
                                                            _is_training(training))
        finally:
            _reset_dropout_masks(self.cell)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + list(final_states)
        return output

    def _symbolic_outputs(self, sequences):
        """Symbolic outputs with the right shapes (the time dimension may be unknown)."""
        shapes = self.compute_output_shape(tuple(sequences.shape))
        if self.return_state:
            return [SymbolicTensor(s, self._dtype) for s in shapes]
        return SymbolicTensor(shapes, self._dtype)

    def _initial_states(self, sequences, initial_state, name, symbolic):
        sizes = _flat_state_sizes(self.cell)
        if initial_state is None and symbolic:
            return None
        if initial_state is None:
            batch = sequences.shape[0]
            if (getattr(self.cell, "get_initial_state", None) is not None and batch is not None
                    and not getattr(self.cell, "_zeros_from_inputs", False)):
                states = nest.flatten(self.get_initial_state(batch))
            else:
                states = [zeros_state(sequences, s, self._dtype) for s in sizes]
        else:
            states = nest.flatten(initial_state)
            if len(states) != len(sizes):
                raise ValueError(f"{name}: expected {len(sizes)} initial state tensor(s) (state sizes "
                                 f"{sizes}), but received {len(states)}")
            states = [convert_to_tensor(s, dtype=self._dtype) if not isinstance(s, Tensor) else s
                      for s in states]
            for i, (s, size) in enumerate(zip(states, sizes)):
                if s.ndim != 2 or s.shape[-1] != size:
                    raise ValueError(f"{name}: initial state {i} should have shape (batch, {size}), got "
                                     f"shape {tuple(s.shape)}")
            states = [math_ops.cast(s, self._dtype) if s.dtype.is_floating else s for s in states]
        return states

    def _loop(self, sequences, states, mask, training):
        cell = self.cell
        fast = getattr(cell, "_input_projection", None) is not None
        if fast:
            # Dropout of the inputs uses one mask for every step, so it can be applied before the
            # projection of the whole sequence.
            seq = sequences
            if training and 0 < cell.dropout < 1:
                first = sequences[:, 0]
                seq = seq * array_ops.expand_dims(cell.get_dropout_mask(first), 1)
            projected = cell._input_projection(seq)
            rec_mask = cell.get_recurrent_dropout_mask(states[0]) if training else None
            context = cell._step_context(rec_mask)
            step_inputs = array_ops.unstack(projected, axis=1)

            def step(x_t, states):
                return cell._step(x_t, states, context)
        else:
            kwargs = {}
            if isinstance(cell, Layer) and cell._call_accepts("training"):
                kwargs["training"] = training
            structure = _state_structure(cell)
            step_inputs = array_ops.unstack(sequences, axis=1)

            def step(x_t, states):
                packed = nest.pack_sequence_as(structure, states)
                out, new = cell(x_t, packed, **kwargs)
                return out, nest.flatten(new)
        masks = None
        if mask is not None:
            masks = array_ops.unstack(array_ops.expand_dims(mask, -1), axis=1)  # each (batch, 1)
        order = range(len(step_inputs))
        if self.go_backwards:
            order = reversed(order)
        outputs = []
        output = zero = None
        for t in order:
            new_output, new_states = step(step_inputs[t], states)
            if masks is not None:  # skipped steps carry the previous states and output
                m = masks[t]
                if zero is None:
                    zero = array_ops.zeros_like(new_output)
                carried = zero if self.zero_output_for_mask or output is None else output
                states = [math_ops.where(m, n, s) for n, s in zip(new_states, states)]
                new_output = math_ops.where(m, new_output, carried)
            else:
                states = list(new_states)
            output = new_output
            outputs.append(new_output)
        last_output = outputs[-1]
        sequence = array_ops.stack(outputs, axis=1) if self.return_sequences else None
        return last_output, sequence, states

    # -- config ------------------------------------------------------------------------------------
    def get_config(self):
        from .. import serialize
        config = super().get_config()
        config.update(return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
                      zero_output_for_mask=self.zero_output_for_mask, cell=serialize(self.cell))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .. import deserialize
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = deserialize(cell, custom_objects=custom_objects)
        elif isinstance(cell, list):
            cell = [deserialize(c, custom_objects=custom_objects) for c in cell]
        return cls(cell, **config)


def _reset_dropout_masks(cell):
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    for inner in getattr(cell, "cells", ()):
        _reset_dropout_masks(inner)


def _is_list_of_shapes(shape):
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and isinstance(shape[0], (list, tuple))


def _flat_state_sizes(cell):
    return [int(s) for s in nest.flatten(_state_sizes(cell.state_size))]


def _state_structure(cell):
    """How the cell wants its states: a bare tensor for `state_size=int`, else a (nested) list."""
    size = cell.state_size
    if isinstance(size, int):
        return [0]
    return nest.map_structure(lambda _: 0, list(size))
