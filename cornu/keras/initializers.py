"""Weight initializers (`keras.initializers`): `init(shape, dtype=None)` returns a cornu Tensor.

Names, defaults and formulas follow Keras 3. Seeding: an initializer built with an integer `seed`
returns the same values on every call, whatever the global seed (as Keras's seeded initializers);
an unseeded one draws from cornu's global random stream, so `cornu.random.set_seed` makes a whole
program's initial weights repeat.

>>> import cornu as tf
>>> init = tf.keras.initializers.GlorotUniform(seed=0)
>>> w = init((3, 4))
>>> w.shape, bool((init((3, 4)) == w).numpy().all())
(TensorShape([3, 4]), True)
"""
import contextlib
import math

from ..backend import dtypes
from ..core.tensor import Tensor, convert_to_tensor
from ..ops import array_ops as A
from ..ops import linalg_ops as L
from ..ops import math_ops as M
from ..ops import random_ops as R
from ..ops import reduce_ops as Rd
from ._serialization import deserialize_object, serialize_object

# Keras's correction for drawing from a normal truncated at two standard deviations: the stddev of
# the truncated distribution is 0.8796... of the untruncated one (scipy.stats.truncnorm.std(-2, 2)).
_TRUNCATION_STDDEV = 0.87962566103423978


def _dtype(dtype, default=dtypes.float32):
    return default if dtype is None else dtypes.as_dtype(dtype)


def _shape(shape):
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, int):
        shape = (shape,)
    return tuple(int(d) for d in shape)


@contextlib.contextmanager
def _seeded_stream(seed):
    """Draws in this block come from a fresh stream that depends on `seed` alone, so a seeded
    initializer repeats its values on every call (what Keras/TF do with stateless random ops).

    cornu.random has no stateless draws yet, so this gives the random module an empty set of streams
    and no global seed for the duration of the block, then restores both: the program's own random
    streams are left exactly where they were.
    """
    if seed is None:
        yield
        return
    state = R._state
    saved = state["global_seed"], state["generators"]
    state["global_seed"], state["generators"] = None, {}
    try:
        yield
    finally:
        state["global_seed"], state["generators"] = saved


def compute_fans(shape):
    """`(fan_in, fan_out)` of a weight shape, as Keras: a convolution kernel `(..., in, out)` counts
    its receptive field (the product of the leading dims) in both."""
    shape = tuple(shape)
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive_field = 1
        for d in shape[:-2]:
            receptive_field *= d
        fan_in, fan_out = shape[-2] * receptive_field, shape[-1] * receptive_field
    return int(fan_in), int(fan_out)


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` (and `get_config` if they
    take arguments)."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"Initializer {type(self).__name__} does not implement __call__()")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)  # tf.keras 2 configs carried a dtype; Keras 3 ignores it
        return cls(**config)

    def clone(self):
        return type(self).from_config(self.get_config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros. `Zeros()((2, 2))`"""

    def __call__(self, shape, dtype=None):
        return A.zeros(_shape(shape), _dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return A.ones(_shape(shape), _dtype(dtype))


class Constant(Initializer):
    """Every element equal to `value` (a scalar, or anything that broadcasts to the shape)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype)
        value = self.value
        if not isinstance(value, Tensor):
            try:  # straight to the dtype: 0.1 in float64 is 0.1, not float32's 0.1000000015
                value = convert_to_tensor(value, dtype=dtype)
            except (TypeError, ValueError):  # e.g. 2.5 for an int dtype: cast truncates, as in Keras
                value = convert_to_tensor(value)
        return A.broadcast_to(M.cast(value, dtype), _shape(shape))

    def get_config(self):
        value = self.value
        if isinstance(value, Tensor):
            value = value.numpy().tolist()
        elif hasattr(value, "tolist"):
            value = value.tolist()
        return {"value": value}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; a non-square shape gets ones on the main
    diagonal)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = _dtype(dtype)
        return A.eye(shape[0], shape[1], dtype=dtype) * M.cast(convert_to_tensor(self.gain), dtype)

    def get_config(self):
        return {"gain": self.gain}


class RandomInitializer(Initializer):
    """Base of the random initializers: holds `seed` (an int, or None for the global stream)."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` argument should be an integer or None. Received: seed={seed!r}")
        self.seed = seed

    def get_config(self):
        return {"seed": self.seed}

    def _normal(self, shape, mean, stddev, dtype):
        with _seeded_stream(self.seed):
            return R.normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=self.seed)

    def _truncated_normal(self, shape, mean, stddev, dtype):
        with _seeded_stream(self.seed):
            return R.truncated_normal(shape, mean=mean, stddev=stddev, dtype=dtype, seed=self.seed)

    def _uniform(self, shape, minval, maxval, dtype):
        with _seeded_stream(self.seed):
            return R.uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=self.seed)


class RandomNormal(RandomInitializer):
    """Normal draws with `mean` (0.0) and `stddev` (0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return self._normal(_shape(shape), self.mean, self.stddev, _dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """Normal draws with `mean` (0.0) and `stddev` (0.05); draws beyond two stddevs are redrawn."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return self._truncated_normal(_shape(shape), self.mean, self.stddev, _dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Uniform draws in [`minval`, `maxval`) (default [-0.05, 0.05))."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        return self._uniform(_shape(shape), self.minval, self.maxval, _dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Draws scaled to the weight's fans: variance `scale / n`, n = fan_in, fan_out or their mean.

    `distribution`: 'truncated_normal' (stddev `sqrt(scale / n) / 0.8796...`, so that the truncated
    draws have the intended stddev), 'untruncated_normal' (stddev `sqrt(scale / n)`) or 'uniform'
    (in `[-limit, limit]`, `limit = sqrt(3 * scale / n)`). 'normal' means 'truncated_normal'.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {allowed_modes}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(f"Invalid `distribution` argument: {distribution}. Please use one of {allowed}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _dtype(dtype)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            return self._truncated_normal(shape, 0.0, math.sqrt(scale) / _TRUNCATION_STDDEV, dtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed arguments; its config is just the seed."""
    _args = {}

    def __init__(self, seed=None):
        super().__init__(seed=seed, **self._args)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Uniform in `[-limit, limit]`, `limit = sqrt(6 / (fan_in + fan_out))` (Xavier uniform)."""
    _args = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_Preset):
    """Truncated normal, stddev `sqrt(2 / (fan_in + fan_out))` (Xavier normal)."""
    _args = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class HeUniform(_Preset):
    """Uniform in `[-limit, limit]`, `limit = sqrt(6 / fan_in)`."""
    _args = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class HeNormal(_Preset):
    """Truncated normal, stddev `sqrt(2 / fan_in)`."""
    _args = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class LecunUniform(_Preset):
    """Uniform in `[-limit, limit]`, `limit = sqrt(3 / fan_in)`."""
    _args = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_Preset):
    """Truncated normal, stddev `sqrt(1 / fan_in)`."""
    _args = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


def _project_out(q, v):
    """v minus its component in span(q) (q with orthonormal columns), done twice: classical
    Gram-Schmidt "twice is enough", as accurate as Householder in practice."""
    for _ in range(2):
        v = v - L.matmul(q, L.matmul(q, v, transpose_a=True))
    return v


def _orthonormal_columns(a, block=32):
    """Q of the QR factorisation of a tall matrix `a` (m >= n) with R's diagonal positive, which is
    Keras's `q * sign(diag(r))`.

    Block Gram-Schmidt with cornu ops (cornu has no QR op yet): each block of columns is projected
    off the finished blocks with two matmuls, then orthonormalised column by column.
    """
    n = int(a.shape[1])
    blocks = []
    for start in range(0, n, block):
        v = a[:, start:start + block]
        if blocks:
            v = _project_out(A.concat(blocks, axis=1), v)
        columns = []
        for j in range(int(v.shape[1])):
            c = v[:, j:j + 1]
            if columns:
                c = _project_out(A.concat(columns, axis=1), c)
            columns.append(c * M.rsqrt(Rd.reduce_sum(c * c)))
        blocks.append(A.concat(columns, axis=1))
    return A.concat(blocks, axis=1)


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times `gain`, from the QR factorisation of normal draws.

    A shape `(..., cols)` is treated as the matrix `(prod(...), cols)`; with fewer rows than columns
    the rows are orthonormal, otherwise the columns.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _dtype(dtype)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows = 1
        for d in shape[:-1]:
            rows *= d
        cols = shape[-1]
        a = self._normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, dtypes.float64)
        q = _orthonormal_columns(a)
        if rows < cols:
            q = A.transpose(q)
        return M.cast(A.reshape(q * float(self.gain), shape), dtype)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


OrthogonalInitializer = Orthogonal
IdentityInitializer = Identity

# snake_case function-style aliases, as Keras exports them
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal

_CLASSES = (Initializer, Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal, RandomUniform,
            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
            LecunNormal, Orthogonal)
_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
_OBJECTS.update({
    "zeros": Zeros, "ones": Ones, "constant": Constant, "identity": Identity,
    "random_normal": RandomNormal, "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal, "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal, "orthogonal": Orthogonal, "OrthogonalInitializer": Orthogonal,
    "IdentityInitializer": Identity, "uniform": RandomUniform, "normal": RandomNormal, "one": Ones,
    "zero": Zeros,
})


def serialize(initializer):
    """`{'module': 'keras.initializers', 'class_name': ..., 'config': ..., 'registered_name': None}`."""
    return serialize_object(initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    return deserialize_object(config, _OBJECTS, custom_objects, what="initializer")


def get(identifier):
    """An initializer from a name ('glorot_uniform', 'he_normal', 'zeros', 'Ones', ...), a config
    dict, a class (instantiated with defaults), or a callable (returned as is); None gives None."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
