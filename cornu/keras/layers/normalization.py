"""Normalization layers: BatchNormalization and LayerNormalization (Keras 3's behaviour and defaults)."""
from ...core.symbolic import SymbolicTensor, is_keras_tensor
from ...ops import array_ops, math_ops, nn_ops, reduce_ops
from .. import constraints, initializers, regularizers
from .layer import InputSpec, Layer


def _axes_list(axis, rank, where):
    """`axis` (int or list) as a sorted list of non-negative axes of a rank-`rank` input."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out = []
    for a in axes:
        if not isinstance(a, int) or not -rank <= a < rank:
            raise ValueError(f"{where}: invalid axis {axis!r} for an input of rank {rank}")
        out.append(a % rank)
    if len(set(out)) != len(out):
        raise ValueError(f"{where}: duplicate axes in axis={axis!r}")
    return sorted(out)


def _broadcast(param, axes, rank):
    """A weight of shape (input_shape[a] for a in axes) reshaped to broadcast against the input."""
    if param is None:
        return None
    if axes == [rank - 1]:  # the common case: already broadcasts
        return param
    shape = [1] * rank
    for i, a in enumerate(axes):
        shape[a] = param.shape[i]
    return array_ops.reshape(param, shape)


class BatchNormalization(Layer):
    """`BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, ...)`:
    `gamma * (x - mean) / sqrt(var + epsilon) + beta`, per feature along `axis`.

    In training (`training=True`, as in `fit`) mean and var are the batch's statistics (over every axis
    except `axis`), and the moving averages are updated:
    `moving = moving * momentum + batch * (1 - momentum)`. At inference they are the moving averages.
    A frozen layer (`trainable = False`) always runs in inference mode, as in Keras 3 (fine-tuning).

    Weights, in Keras's order: gamma, beta (trainable), moving_mean, moving_variance (not trainable).

    >>> import cornu as tf
    >>> bn = tf.keras.layers.BatchNormalization()
    >>> y = bn(tf.constant([[0.0], [2.0]]), training=True)
    >>> [round(v, 2) for v in y.numpy().ravel().tolist()], [round(float(bn.moving_mean.numpy()[0]), 4)]
    ([-1.0, 1.0], [0.01])
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.synchronized = synchronized  # one process: nothing to synchronize
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        rank = len(input_shape)
        self._axes = _axes_list(self.axis, rank, f"BatchNormalization {self.name}")
        shape = tuple(input_shape[a] for a in self._axes)
        if None in shape:
            raise ValueError(f"BatchNormalization {self.name}: axis {self.axis} of the input must have a known "
                             f"size, got input shape {tuple(input_shape)}")
        if self.scale:
            self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.moving_mean = self.add_weight("moving_mean", shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self._reduction_axes = [i for i in range(rank) if i not in self._axes]
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def _moments(self, inputs, mask):
        axes = self._reduction_axes
        if mask is None:
            mean, variance = nn_ops.moments(inputs, axes=axes, keepdims=True)
        else:  # statistics over the unmasked entries only
            weights = math_ops.cast(mask, inputs.dtype)
            while weights.ndim < inputs.ndim:
                weights = array_ops.expand_dims(weights, -1)
            weights = weights * math_ops.ones_like(inputs)
            total = reduce_ops.reduce_sum(weights, axis=axes, keepdims=True) + 1e-7
            mean = reduce_ops.reduce_sum(weights * inputs, axis=axes, keepdims=True) / total
            variance = reduce_ops.reduce_sum(weights * math_ops.square(inputs - mean), axis=axes,
                                             keepdims=True) / total
        shape = tuple(self.moving_mean.shape)
        return array_ops.reshape(mean, shape), array_ops.reshape(variance, shape)

    def call(self, inputs, training=None, mask=None):
        rank = inputs.ndim
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            if not is_keras_tensor(mean):  # a model under construction has no batch yet
                self._update_moving(mean, variance)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return nn_ops.batch_normalization(
            inputs, _broadcast(mean, self._axes, rank), _broadcast(variance, self._axes, rank),
            _broadcast(self.beta, self._axes, rank), _broadcast(self.gamma, self._axes, rank), self.epsilon)

    def _update_moving(self, mean, variance):
        # a state update, not part of the model's function: no gradient flows through it
        m = self.momentum
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            batch = math_ops.stop_gradient(batch)
            moving.assign(moving.read_value() * m + batch * (1.0 - m))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center, scale=self.scale,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
            beta_regularizer=regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
            beta_constraint=constraints.serialize(self.beta_constraint),
            gamma_constraint=constraints.serialize(self.gamma_constraint),
            synchronized=self.synchronized)
        return config


class LayerNormalization(Layer):
    """`LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, ...)`:
    each example normalized over `axis` (its own mean and variance), then `gamma * x + beta`. The same in
    training and inference.

    `rms_scaling=True` divides by the root mean square instead (no centering, no beta).

    >>> import cornu as tf
    >>> y = tf.keras.layers.LayerNormalization()(tf.constant([[1.0, 3.0]]))
    >>> [round(v, 2) for v in y.numpy().ravel().tolist()]
    [-1.0, 1.0]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(f"LayerNormalization: expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis!r}")
        self.epsilon = float(epsilon)
        self.center, self.scale, self.rms_scaling = bool(center), bool(scale), bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape):
        self._axes = _axes_list(self.axis, len(input_shape), f"LayerNormalization {self.name}")
        shape = tuple(input_shape[a] for a in self._axes)
        if None in shape:
            raise ValueError(f"LayerNormalization {self.name}: axis {self.axis} of the input must have a known "
                             f"size, got input shape {tuple(input_shape)}")
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def call(self, inputs):
        rank = inputs.ndim
        gamma = _broadcast(self.gamma, self._axes, rank)
        beta = _broadcast(self.beta, self._axes, rank)
        if self.rms_scaling:
            variance = reduce_ops.reduce_mean(math_ops.square(inputs), axis=self._axes, keepdims=True)
            return inputs * math_ops.rsqrt(variance + self.epsilon) * gamma
        mean, variance = nn_ops.moments(inputs, axes=self._axes, keepdims=True)
        inv = math_ops.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        shift = -mean * inv
        if beta is not None:
            shift = shift + beta
        return inputs * inv + shift

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
            rms_scaling=self.rms_scaling,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            beta_regularizer=regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
            beta_constraint=constraints.serialize(self.beta_constraint),
            gamma_constraint=constraints.serialize(self.gamma_constraint))
        return config
