"""Regularization layers: Dropout and its spatial forms, GaussianNoise, GaussianDropout,
ActivityRegularization.

All of them are the identity at inference: noise is applied only when the layer is called with
`training=True` (which `fit` does).
"""
import math

from ...core.symbolic import SymbolicTensor, is_keras_tensor
from ...ops import math_ops, nn_ops, random_ops
from .. import regularizers
from .layer import InputSpec, Layer


def _check_rate(rate, what="rate"):
    try:
        ok = 0 <= float(rate) <= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"Invalid value received for argument `{what}`. Expected a float value between "
                         f"0 and 1. Received: {what}={rate!r}")
    return float(rate)


class Dropout(Layer):
    """`Dropout(rate, noise_shape=None, seed=None)`: in training, each input unit is set to 0 with
    probability `rate` and the others are scaled by 1 / (1 - rate); at inference it is the identity.

    `noise_shape` (entries None take the input's size) shares one draw along the axes where it is 1,
    e.g. (batch, 1, features) drops the same features at every timestep.

    >>> import cornu as tf
    >>> layer = tf.keras.layers.Dropout(0.5, seed=1)
    >>> sorted(set(layer(tf.ones((1, 100)), training=True).numpy().ravel().tolist()))
    [0.0, 2.0]
    >>> layer(tf.ones((1, 3))).numpy()
    array([[1., 1., 1.]], dtype=float32)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def _noise_shape(self, inputs):
        return self.noise_shape

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:  # everything dropped (nn.dropout would divide by zero)
            return math_ops.zeros_like(inputs)
        return nn_ops.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs), seed=self.seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed, noise_shape=self.noise_shape)
        return config


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one draw per (example, channel), shared over the other axes."""

    _ndim = None

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.input_spec = InputSpec(ndim=self._ndim)

    def _channels_first(self):
        return getattr(self, "data_format", "channels_last") == "channels_first"

    def _noise_shape(self, inputs):
        spatial = (1,) * (self._ndim - 2)
        return (None, None) + spatial if self._channels_first() else (None,) + spatial + (None,)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        return config


class SpatialDropout1D(_SpatialDropout):
    """`SpatialDropout1D(rate, seed=None)`: drops whole channels of (batch, steps, channels) input.

    >>> import cornu as tf
    >>> y = tf.keras.layers.SpatialDropout1D(0.5, seed=0)(tf.ones((1, 4, 3)), training=True).numpy()
    >>> bool((y == y[:, :1, :]).all())  # one draw per channel, shared by every step
    True
    """

    _ndim = 3


class _SpatialDropoutND(_SpatialDropout):
    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        from .reshaping import _standardize_data_format
        self.data_format = _standardize_data_format(data_format, type(self).__name__)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config


class SpatialDropout2D(_SpatialDropoutND):
    """`SpatialDropout2D(rate, data_format=None, seed=None)`: drops whole feature maps of 4-D input
    (one draw per example and channel)."""

    _ndim = 4


class SpatialDropout3D(_SpatialDropoutND):
    """`SpatialDropout3D(rate, data_format=None, seed=None)`: drops whole feature maps of 5-D input."""

    _ndim = 5


def _normal_like(inputs, stddev, mean, seed):
    """Normal draws shaped like inputs, or None while a model is built on symbolic inputs (the
    layer is run again on real data then, so only the shape matters)."""
    shape = tuple(inputs.shape)
    if is_keras_tensor(inputs) or None in shape:
        return None
    return random_ops.normal(shape, mean=mean, stddev=stddev, dtype=inputs.dtype, seed=seed)


class GaussianNoise(Layer):
    """`GaussianNoise(stddev, seed=None)`: in training, adds zero-mean normal noise of standard deviation
    `stddev`; at inference it is the identity.

    >>> import cornu as tf
    >>> layer = tf.keras.layers.GaussianNoise(0.1)
    >>> layer(tf.ones((2, 2))).numpy()
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _check_rate(stddev, "stddev")
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = _normal_like(inputs, self.stddev, 0.0, self.seed)
        return inputs if noise is None else inputs + noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


class GaussianDropout(Layer):
    """`GaussianDropout(rate, seed=None)`: in training, multiplies by normal noise of mean 1 and
    standard deviation sqrt(rate / (1 - rate)); at inference it is the identity."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        noise = _normal_like(inputs, math.sqrt(self.rate / (1.0 - self.rate)), 1.0, self.seed)
        return inputs if noise is None else inputs * noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


class ActivityRegularization(Layer):
    """`ActivityRegularization(l1=0.0, l2=0.0)`: the identity, adding l1 * sum|x| + l2 * sum(x^2)
    (divided by the batch size) to the model's losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(l1=self.l1, l2=self.l2)
        return config
