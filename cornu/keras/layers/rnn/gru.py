"""GRU (Cho et al. 2014), with Keras's gate order z (update), r (reset), h (candidate)."""
from ....ops import array_ops, linalg_ops
from .cell import BuiltinRNN, RecurrentCell


class GRUCell(RecurrentCell):
    """`GRUCell(units, activation='tanh', recurrent_activation='sigmoid', reset_after=True, ...)`: one
    GRU step. Weights kernel (input_dim, 3 * units), recurrent_kernel (units, 3 * units), gates in
    the order z, r, h; bias (2, 3 * units) — input bias and recurrent bias — with reset_after=True
    (Keras 3's and cuDNN's variant), (3 * units,) with reset_after=False:

        x_z, x_r, x_h = split(x @ kernel + b_in, 3)
        reset_after=True:  r_z, r_r, r_h = split(h @ recurrent_kernel + b_rec, 3)
                           z = sigmoid(x_z + r_z); r = sigmoid(x_r + r_r); hh = tanh(x_h + r * r_h)
        reset_after=False: hh = tanh(x_h + (r * h) @ recurrent_kernel[:, 2u:])
        h' = z * h + (1 - z) * hh

    >>> import cornu as tf
    >>> cell = tf.keras.layers.GRUCell(4)
    >>> output, [state] = cell(tf.ones((2, 3)), [tf.zeros((2, 4))])
    >>> state.shape
    TensorShape([2, 4])
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None,
                 **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        return self.bias[0] if self.reset_after else self.bias

    def _step_context(self, recurrent_mask):
        context = super()._step_context(recurrent_mask)
        if self.reset_after:
            context["recurrent_bias"] = self.bias[1] if self.use_bias else None
        else:  # the candidate's recurrent product needs r first: keep its kernel columns apart
            context["kernel_zr"] = self.recurrent_kernel[:, :2 * self.units]
            context["kernel_h"] = self.recurrent_kernel[:, 2 * self.units:]
        return context

    def _step(self, projected, states, context):
        h_prev = states[0]
        h = h_prev if context["recurrent_mask"] is None else h_prev * context["recurrent_mask"]
        rec = self.recurrent_activation
        x_z, x_r, x_h = array_ops.split(projected, 3, axis=-1)
        if self.reset_after:
            inner = linalg_ops.matmul(h, self.recurrent_kernel)
            if context["recurrent_bias"] is not None:
                inner = inner + context["recurrent_bias"]
            r_z, r_r, r_h = array_ops.split(inner, 3, axis=-1)
            z = rec(x_z + r_z)
            r = rec(x_r + r_r)
            hh = self.activation(x_h + r * r_h)
        else:
            r_z, r_r = array_ops.split(linalg_ops.matmul(h, context["kernel_zr"]), 2, axis=-1)
            z = rec(x_z + r_z)
            r = rec(x_r + r_r)
            hh = self.activation(x_h + linalg_ops.matmul(r * h, context["kernel_h"]))
        h_new = z * h_prev + (1 - z) * hh
        return h_new, [h_new]

    def _cell_config(self):
        config = super()._cell_config()
        config["reset_after"] = self.reset_after
        return config


class GRU(BuiltinRNN):
    """`GRU(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True, ...,
    dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
    go_backwards=False, reset_after=True)`: Keras's GRU layer, same weights, shapes and gate order
    (GRU(32) on 8 features has 3 * 32 * (8 + 32 + 2) = 4032 parameters with reset_after=True).

    >>> import cornu as tf
    >>> tf.keras.layers.GRU(4)(tf.ones((2, 5, 3))).shape
    TensorShape([2, 4])
    """

    cell_class = GRUCell
    cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"GRU: use_cudnn must be one of 'auto', True, False, got {use_cudnn!r}")
        cell_kwargs = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                           use_bias=use_bias, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout, reset_after=reset_after, seed=seed)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn
