"""Layer wrappers: Bidirectional (an RNN read both ways) and TimeDistributed (a layer applied to every
time step)."""
from ...core.shape import TensorShape
from ...core.symbolic import SymbolicTensor, is_keras_tensor
from ...ops import array_ops
from .layer import Layer

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _clone(layer, **overrides):
    """A fresh layer (new weights) from `layer`'s config, with some config entries replaced."""
    config = layer.get_config()
    config.update(overrides)
    cell = getattr(layer, "cell", None)
    custom = {}
    for c in [cell] + list(getattr(cell, "cells", []) or []):
        if c is not None:
            custom[type(c).__name__] = type(c)
    from_config = type(layer).from_config
    try:
        return from_config(config, custom_objects=custom) if custom else from_config(config)
    except TypeError:  # a from_config without custom_objects
        return from_config(config)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """`Bidirectional(layer, merge_mode='concat', backward_layer=None)`: runs an RNN layer forwards
    and a copy of it (fresh weights) backwards over the sequence, and merges the two outputs with
    'concat' (default), 'sum', 'mul', 'ave', or None (a list of both).

    The backward output sequence is reversed back to the input's order before merging. With
    `return_state=True` the result is `[output, *forward_states, *backward_states]`; `initial_state`
    takes the forward layer's states followed by the backward layer's. Weights: the forward layer's,
    then the backward layer's. With masking and `return_sequences=True`, masked steps output zeros
    (as in Keras).

    >>> import cornu as tf
    >>> layer = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4, return_sequences=True))
    >>> layer(tf.ones((2, 5, 3))).shape
    TensorShape([2, 5, 8])
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: please initialize it with a keras Layer instance, received "
                             f"{layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: backward_layer needs to be a keras Layer instance, received "
                             f"{backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: invalid merge mode {merge_mode!r}; merge_mode should be one "
                             "of {'sum', 'mul', 'ave', 'concat', None}")
        for attr in ("go_backwards", "return_sequences", "return_state"):
            if not hasattr(layer, attr):
                raise ValueError(f"Bidirectional: the wrapped layer needs a `{attr}` attribute (use an RNN "
                                 f"layer such as LSTM or GRU), received {layer!r}")
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = layer.dtype  # so calling the wrapper does not cast the inner layer's input
        super().__init__(**kwargs)
        self.forward_layer = _clone(layer, name="forward_" + _strip(layer.name, "forward_"))
        if backward_layer is None:
            self.backward_layer = _clone(layer, name="backward_" + _strip(layer.name, "backward_"),
                                         go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = False
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        f, b = self.forward_layer, self.backward_layer
        if f.go_backwards == b.go_backwards:
            raise ValueError("Bidirectional: the forward layer and the backward layer should have different "
                             f"`go_backwards` values, received forward_layer.go_backwards={f.go_backwards}, "
                             f"backward_layer.go_backwards={b.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(f, attr, None) != getattr(b, attr, None):
                raise ValueError(f"Bidirectional: the forward layer and the backward layer are expected to "
                                 f"have the same value for attribute {attr!r}, got {getattr(f, attr, None)} "
                                 f"for the forward layer and {getattr(b, attr, None)} for the backward layer")

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(sequences_shape)
                sub.built = True
        self.built = True
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        shape = TensorShape(shape)
        if self.merge_mode == "concat":
            output = [TensorShape(shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],))]
        elif self.merge_mode is None:
            output = [shape, shape]
        else:
            output = [shape]
        if self.return_state:
            return output + states + states
        return output[0] if len(output) == 1 else output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else [mask]
        else:
            output_mask = [None, None] if self.merge_mode is None else [None]
        if self.return_state:
            forward = self.forward_layer.compute_mask(inputs, mask)
            n = len(forward) - 1 if isinstance(forward, (list, tuple)) else 0
            return output_mask + [None] * (2 * n)
        return output_mask if self.merge_mode is None else output_mask[0]

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_accepts("training"):
            kwargs["training"] = training
        if self.forward_layer._call_accepts("mask"):
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) % 2:
                raise ValueError(f"Bidirectional {self.name}: initial_state must hold the forward layer's "
                                 f"states followed by the backward layer's, got {len(states)} tensors")
            half = len(states) // 2
            forward_state, backward_state = states[:half], states[half:]
            forward_state = forward_state[0] if len(forward_state) == 1 else forward_state
            backward_state = backward_state[0] if len(backward_state) == 1 else backward_state
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = array_ops.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            output = [array_ops.concat([y, y_rev], axis=-1)]
        elif self.merge_mode == "sum":
            output = [y + y_rev]
        elif self.merge_mode == "ave":
            output = [(y + y_rev) / 2]
        elif self.merge_mode == "mul":
            output = [y * y_rev]
        else:
            output = [y, y_rev]
        if self.return_state:
            return output + states
        return output[0] if len(output) == 1 else output

    @property
    def states(self):
        return None

    def reset_state(self):
        raise AttributeError(f"Layer {self.name} is not stateful (cornu supports stateful=False only)")

    reset_states = reset_state

    def get_config(self):
        from . import serialize
        config = super().get_config()
        config.update(merge_mode=self.merge_mode, layer=serialize(self.forward_layer),
                      backward_layer=serialize(self.backward_layer))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize
        config = dict(config)
        config["layer"] = deserialize(config["layer"], custom_objects=custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize(config["backward_layer"], custom_objects=custom_objects)
        return cls(**config)


class TimeDistributed(Layer):
    """`TimeDistributed(layer)`: applies `layer` to every time step of a (batch, timesteps, ...) input,
    with the same weights at every step. The time axis is folded into the batch, so the layer runs
    once on (batch * timesteps, ...).

    >>> import cornu as tf
    >>> layer = tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(8))
    >>> layer(tf.ones((2, 10, 16))).shape
    TensorShape([2, 10, 8])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: please initialize it with a keras Layer instance, received "
                             f"{layer!r}")
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = layer.dtype
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f"TimeDistributed {self.name}: the input should have at least 3 dimensions "
                             f"(batch, timesteps, ...), received input_shape={input_shape}")
        return TensorShape((input_shape[0],) + tuple(input_shape[2:]))

    def build(self, input_shape):
        child = self._child_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer.build(child)
            self.layer.built = True
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return TensorShape((child[0], input_shape[1]) + tuple(child[1:]))

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        if len(shape) < 3:
            raise ValueError(f"TimeDistributed {self.name}: the input should have at least 3 dimensions "
                             f"(batch, timesteps, ...), received shape {shape}")
        kwargs = {}
        if self.layer._call_accepts("training"):
            kwargs["training"] = training
        timesteps, inner = shape[1], shape[2:]
        if timesteps is None or any(d is None for d in inner):
            if is_keras_tensor(inputs):
                return SymbolicTensor(self.compute_output_shape(shape), inputs.dtype)
            return self._per_step(inputs, mask, kwargs)
        if mask is not None and self.layer._call_accepts("mask"):
            kwargs["mask"] = array_ops.reshape(mask, (-1,) + tuple(mask.shape[2:]))
        folded = array_ops.reshape(inputs, (-1,) + inner)  # (batch * timesteps, ...)
        y = self.layer(folded, **kwargs)
        if any(d is None for d in y.shape[1:]):
            raise ValueError(f"TimeDistributed {self.name}: the inner layer's output shape {tuple(y.shape)} "
                             "must be known apart from the batch size")
        return array_ops.reshape(y, (-1, timesteps) + tuple(y.shape[1:]))

    def _per_step(self, inputs, mask, kwargs):
        """Fallback for inner dimensions that are unknown (None) in the static shape."""
        steps = array_ops.unstack(inputs, axis=1)
        masks = array_ops.unstack(mask, axis=1) if mask is not None and self.layer._call_accepts("mask") \
            else [None] * len(steps)
        outs = [self.layer(x, **(dict(kwargs, mask=m) if m is not None else kwargs))
                for x, m in zip(steps, masks)]
        return array_ops.stack(outs, axis=1)

    def get_config(self):
        from . import serialize
        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize
        config = dict(config)
        config["layer"] = deserialize(config["layer"], custom_objects=custom_objects)
        return cls(**config)

