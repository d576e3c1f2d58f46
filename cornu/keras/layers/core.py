"""Core layers: Dense."""
from ...ops import linalg_ops
from .. import activations, constraints, initializers, regularizers
from .layer import InputSpec, Layer


class Dense(Layer):
    """`Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform', ...)`:
    `activation(inputs @ kernel + bias)`, applied to the last axis.

    >>> import cornu as tf
    >>> tf.keras.layers.Dense(3)(tf.ones((2, 4))).shape
    TensorShape([2, 3])
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None:
            raise ValueError(f"Dense {self.name}: the last dimension of the input must be known, got "
                             f"shape {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", (last, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.built = True

    def call(self, inputs):
        if inputs.ndim == 2:
            out = linalg_ops.matmul(inputs, self.kernel)
        else:
            out = linalg_ops.tensordot(inputs, self.kernel, [[inputs.ndim - 1], [0]])
        if self.use_bias:
            out = out + self.bias
        return self.activation(out) if self.activation is not None else out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=activations.serialize(self.activation),
                      use_bias=self.use_bias,
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer),
                      kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                      bias_regularizer=regularizers.serialize(self.bias_regularizer),
                      activity_regularizer=regularizers.serialize(self.activity_regularizer),
                      kernel_constraint=constraints.serialize(self.kernel_constraint),
                      bias_constraint=constraints.serialize(self.bias_constraint))
        return config


