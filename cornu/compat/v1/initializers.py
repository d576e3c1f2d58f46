"""TF1 initializers (`tf.zeros_initializer()`, `tf.random_normal_initializer(...)`, ...): callables
`init(shape, dtype=None, partition_info=None)` that build the initial value with cornu ops, so in a
graph the random draws happen each time the initializer runs.

>>> import cornu.compat.v1 as tf
>>> tf.constant_initializer(3.0)([2]).numpy()
array([3., 3.], dtype=float32)
"""
import math as _math

from ...backend import dtypes
from ...core.tensor import convert_to_tensor
from ...ops import array_ops, random_ops
from ._variables import _fans


class Initializer:
    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def _dtype(self, dtype):
        return dtypes.as_dtype(dtype) if dtype is not None else self.dtype

    def get_config(self):
        return {}


class zeros_initializer(Initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        return array_ops.zeros(tuple(shape), self._dtype(dtype))


class ones_initializer(Initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        return array_ops.ones(tuple(shape), self._dtype(dtype))


class constant_initializer(Initializer):
    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        super().__init__(dtype)
        self.value = value

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        value = convert_to_tensor(self.value, dtype=dtype)
        if value.ndim == 0:
            return array_ops.fill(tuple(shape), value)
        return array_ops.reshape(value, tuple(shape))


class random_normal_initializer(Initializer):
    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(dtype)
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.normal(tuple(shape), self.mean, self.stddev, self._dtype(dtype), self.seed)


class truncated_normal_initializer(random_normal_initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.truncated_normal(tuple(shape), self.mean, self.stddev, self._dtype(dtype),
                                           self.seed)


class random_uniform_initializer(Initializer):
    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=dtypes.float32):
        super().__init__(dtype)
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        maxval = 1.0 if self.maxval is None else self.maxval
        return random_ops.uniform(tuple(shape), self.minval, maxval, self._dtype(dtype), self.seed)


class glorot_uniform_initializer(Initializer):
    """Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (get_variable's default)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(dtype)
        self.seed = seed

    def __call__(self, shape, dtype=None, partition_info=None):
        fan_in, fan_out = _fans(shape)
        limit = _math.sqrt(6.0 / max(1.0, fan_in + fan_out))
        return random_ops.uniform(tuple(shape), -limit, limit, self._dtype(dtype), self.seed)


class glorot_normal_initializer(glorot_uniform_initializer):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out)) / 0.8796... (TF1's formula)."""

    def __call__(self, shape, dtype=None, partition_info=None):
        fan_in, fan_out = _fans(shape)
        stddev = _math.sqrt(1.0 / max(1.0, (fan_in + fan_out) / 2.0)) / 0.87962566103423978
        return random_ops.truncated_normal(tuple(shape), 0.0, stddev, self._dtype(dtype), self.seed)


# the short names of `tf.initializers.*`
zeros = zeros_initializer
ones = ones_initializer
constant = constant_initializer
random_normal = random_normal_initializer
random_uniform = random_uniform_initializer
truncated_normal = truncated_normal_initializer
glorot_uniform = glorot_uniform_initializer
glorot_normal = glorot_normal_initializer
