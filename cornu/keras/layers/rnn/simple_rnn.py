"""SimpleRNN: `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`."""
from ....ops import linalg_ops
from .cell import BuiltinRNN, RecurrentCell


class SimpleRNNCell(RecurrentCell):
    """`SimpleRNNCell(units, activation='tanh', use_bias=True, ...)`: one step of a fully connected
    RNN; weights kernel (input_dim, units), recurrent_kernel (units, units), bias (units,).

    >>> import cornu as tf
    >>> cell = tf.keras.layers.SimpleRNNCell(4)
    >>> output, state = cell(tf.ones((2, 3)), [tf.zeros((2, 4))])
    >>> output.shape
    TensorShape([2, 4])
    """

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)

    def _step(self, projected, states, context):
        h = states[0]
        if context["recurrent_mask"] is not None:
            h = h * context["recurrent_mask"]
        output = self.activation(projected + linalg_ops.matmul(h, self.recurrent_kernel))
        return output, [output]


class SimpleRNN(BuiltinRNN):
    """`SimpleRNN(units, activation='tanh', use_bias=True, ..., dropout=0.0, recurrent_dropout=0.0,
    return_sequences=False, return_state=False, go_backwards=False)`: a fully connected RNN whose
    output is fed back as the next step's state (Keras's SimpleRNN, same weights and order).

    >>> import cornu as tf
    >>> tf.keras.layers.SimpleRNN(4)(tf.ones((2, 5, 3))).shape
    TensorShape([2, 4])
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, seed=None, **kwargs):
        cell_kwargs = dict(units=units, activation=activation, use_bias=use_bias,
                           kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
