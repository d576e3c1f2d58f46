"""LSTM (Hochreiter & Schmidhuber 1997), with Keras's gate order i, f, c, o."""
from ....ops import array_ops, linalg_ops
from ... import initializers
from .cell import BuiltinRNN, RecurrentCell


class LSTMCell(RecurrentCell):
    """`LSTMCell(units, activation='tanh', recurrent_activation='sigmoid', unit_forget_bias=True, ...)`:
    one LSTM step. States `[h, c]`; weights kernel (input_dim, 4 * units), recurrent_kernel
    (units, 4 * units), bias (4 * units,), gates in the order input, forget, cell, output:

        z = x @ kernel + h @ recurrent_kernel + bias;  i, f, g, o = split(z, 4)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g);    h' = sigmoid(o) * tanh(c')

    `unit_forget_bias=True` starts the forget gate's bias at 1.

    >>> import cornu as tf
    >>> cell = tf.keras.layers.LSTMCell(4)
    >>> h, (h2, c) = cell(tf.ones((2, 3)), [tf.zeros((2, 4)), tf.zeros((2, 4))])
    >>> c.shape
    TensorShape([2, 4])
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [units, units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, units, ones = self.bias_initializer, self.units, initializers.get("ones")

        def forget_bias_one(shape, dtype=None):
            return array_ops.concat([base((units,), dtype=dtype), ones((units,), dtype=dtype),
                                     base((2 * units,), dtype=dtype)], axis=0)
        return forget_bias_one

    def _step(self, projected, states, context):
        h, c = states
        if context["recurrent_mask"] is not None:
            h = h * context["recurrent_mask"]
        z = projected + linalg_ops.matmul(h, self.recurrent_kernel)
        i, f, g, o = array_ops.split(z, 4, axis=-1)
        act, rec = self.activation, self.recurrent_activation
        c = rec(f) * c + rec(i) * act(g)
        h = rec(o) * act(c)
        return h, [h, c]

    def _cell_config(self):
        config = super()._cell_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class LSTM(BuiltinRNN):
    """`LSTM(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal', bias_initializer='zeros',
    unit_forget_bias=True, ..., dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
    return_state=False, go_backwards=False)`: Keras's LSTM layer, same weights, shapes and gate order
    (LSTM(32) on 8 features has 4 * 32 * (8 + 32 + 1) = 5248 parameters).

    With `return_state=True` it returns `[output, h, c]`.

    >>> import cornu as tf
    >>> out, h, c = tf.keras.layers.LSTM(4, return_sequences=True, return_state=True)(tf.ones((2, 5, 3)))
    >>> out.shape, h.shape
    (TensorShape([2, 5, 4]), TensorShape([2, 4]))
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"LSTM: use_cudnn must be one of 'auto', True, False, got {use_cudnn!r}")
        cell_kwargs = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                           use_bias=use_bias, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                           unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn
