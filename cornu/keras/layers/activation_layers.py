"""Activation layers: Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax (Keras 3's defaults)."""
from ...ops import array_ops, math_ops, nn_ops, reduce_ops
from .. import activations, constraints, initializers, regularizers
from .layer import InputSpec, Layer


class Activation(Layer):
    """`Activation(activation)`: applies an activation function (a name such as 'relu', or a callable).

    >>> import cornu as tf
    >>> tf.keras.layers.Activation("relu")(tf.constant([[-1.0, 2.0]])).numpy()
    array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(activation=activations.serialize(self.activation))
        return config


class ReLU(Layer):
    """`ReLU(max_value=None, negative_slope=0.0, threshold=0.0)`: `max_value` above it, `x` from
    `threshold` up, `negative_slope * (x - threshold)` below.

    >>> import cornu as tf
    >>> tf.keras.layers.ReLU(max_value=1.0)(tf.constant([[-1.0, 0.5, 3.0]])).numpy()
    array([[0. , 0.5, 1. ]], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. Received: "
                             f"max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative value. Received: "
                             f"negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be a negative value. Received: "
                             f"threshold={threshold}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold
        self.supports_masking = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope, threshold=self.threshold)
        return config


class LeakyReLU(Layer):
    """`LeakyReLU(negative_slope=0.3)`: `x` where positive, `negative_slope * x` elsewhere (`alpha=` is
    accepted as the old name of `negative_slope`).

    >>> import cornu as tf
    >>> tf.keras.layers.LeakyReLU()(tf.constant([[-1.0, 2.0]])).numpy()
    array([[-0.3,  2. ]], dtype=float32)
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or negative "
                             f"value. Expected a float. Received: negative_slope={negative_slope}")
        self.negative_slope = negative_slope
        self.supports_masking = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(negative_slope=self.negative_slope)
        return config


class PReLU(Layer):
    """`PReLU(alpha_initializer='Zeros', alpha_regularizer=None, alpha_constraint=None, shared_axes=None)`:
    `x` where positive, `alpha * x` elsewhere, with a learned `alpha` per input unit (shared along
    `shared_axes`, counted from 1 since axis 0 is the batch).

    >>> import cornu as tf
    >>> layer = tf.keras.layers.PReLU(shared_axes=[1])
    >>> layer(tf.ones((2, 5, 3))).shape, layer.alpha.shape
    (TensorShape([2, 5, 3]), TensorShape([1, 3]))
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        self.supports_masking = True

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                if not 1 <= i < len(input_shape):
                    raise ValueError(f"PReLU {self.name}: shared_axes {self.shared_axes} must be between 1 "
                                     f"and {len(input_shape) - 1} for input shape {tuple(input_shape)}")
                param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU {self.name}: all non-batch dimensions of the input that are not in "
                             f"shared_axes must be known, got input shape {tuple(input_shape)}")
        self.alpha = self.add_weight("alpha", tuple(param_shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = nn_ops.relu(inputs)
        neg = -self.alpha * nn_ops.relu(-inputs)
        return pos + neg

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(alpha_initializer=initializers.serialize(self.alpha_initializer),
                      alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
                      alpha_constraint=constraints.serialize(self.alpha_constraint),
                      shared_axes=self.shared_axes)
        return config


class ELU(Layer):
    """`ELU(alpha=1.0)`: `x` where positive, `alpha * (exp(x) - 1)` elsewhere."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(alpha=self.alpha)
        return config


def _large_negative(dtype):
    """What masked logits are pushed to: far below any real logit, yet finite in the dtype."""
    return -3e4 if dtype.name in ("float16", "bfloat16") else -1e9


class Softmax(Layer):
    """`Softmax(axis=-1)`: softmax along `axis` (an int, or a list of axes normalized together).

    Called with `mask` (True = keep, broadcastable to the input), masked entries get probability 0.

    >>> import cornu as tf
    >>> x = tf.constant([[1.0, 1.0, 5.0]])
    >>> tf.keras.layers.Softmax()(x, mask=tf.constant([[True, True, False]])).numpy()
    array([[0.5, 0.5, 0. ]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = math_ops.cast(mask, inputs.dtype)
            while mask.ndim < inputs.ndim:  # e.g. a (batch, steps) mask on (batch, steps, features)
                mask = array_ops.expand_dims(mask, -1)
            inputs = inputs + (1.0 - mask) * _large_negative(inputs.dtype)
        if isinstance(self.axis, list) and len(self.axis) > 1:
            outputs = math_ops.exp(inputs - reduce_ops.reduce_logsumexp(inputs, axis=self.axis, keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, list) else self.axis
            outputs = nn_ops.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = outputs * mask
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis)
        return config
