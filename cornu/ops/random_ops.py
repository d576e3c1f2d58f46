"""Random draws as ops with no inputs, so a traced graph draws afresh on every run.

Seeding follows TF: `cornu.random.set_seed(s)` makes the whole program's sequence of draws
reproducible; an op-level `seed` gives that op its own reproducible stream.
"""
from .. import backend
from ..backend import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Spec, defop
from ._rules import static_int_list, to_tensor

_state = {"global_seed": None, "generators": {}}


def set_seed(seed):
    """`cornu.random.set_seed(seed)`: reset every random stream so the program repeats exactly."""
    _state["global_seed"] = None if seed is None else int(seed)
    _state["generators"] = {}


def get_global_seed():
    return _state["global_seed"]


def generator(seed=None):
    """The NumPy Generator that serves draws with this op-level seed (None: the global stream)."""
    key = seed
    gens = _state["generators"]
    if key not in gens:
        g = _state["global_seed"]
        entropy = [g if g is not None else 87654321, seed if seed is not None else 0]
        if g is None and seed is None:
            entropy = None
        gens[key] = backend.numpy.random.default_rng(entropy)
    return gens[key]


def _to_backend(xp, array):
    return backend.numpy.asarray(array) if xp is backend.numpy else xp.asarray(array)  # 0-d: an array


def _draw_shape(shape, dtype, seed, **params):
    return Spec(tuple(shape), dtype)


@defop("random_normal", _draw_shape, differentiable=False, stateful=True)
def _random_normal(xp, shape, dtype, seed, mean, stddev):
    draw = generator(seed).standard_normal(shape, dtype=backend.numpy.float64)
    return _to_backend(xp, (draw * stddev + mean).astype(dtype._np))


@defop("random_uniform", _draw_shape, differentiable=False, stateful=True)
def _random_uniform(xp, shape, dtype, seed, minval, maxval):
    gen = generator(seed)
    if dtype.is_integer:
        return _to_backend(xp, gen.integers(minval, maxval, size=shape).astype(dtype._np))
    np = backend.numpy
    out = np.asarray(gen.random(shape) * (maxval - minval) + minval).astype(dtype._np)
    # a float64 draw just below maxval can round up to it in the narrower dtype: keep [minval, maxval)
    top = np.nextafter(np.asarray(maxval, dtype._np), np.asarray(minval, dtype._np))
    return _to_backend(xp, np.minimum(out, top, out=out))


@defop("random_truncated_normal", _draw_shape, differentiable=False, stateful=True)
def _random_truncated_normal(xp, shape, dtype, seed, mean, stddev):
    """Normal draws beyond two standard deviations are drawn again, as TF does."""
    gen = generator(seed)
    np = backend.numpy
    out = gen.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return _to_backend(xp, (out * stddev + mean).astype(dtype._np))


def _check_float(dtype, op):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"{op}: dtype must be floating point, got {dtype.name}")
    return dtype


def _scalar(value):
    return to_tensor(value).numpy().item() if hasattr(value, "_value") else value


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """`cornu.random.normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None)`."""
    dtype = _check_float(dtype, "random.normal")
    return _random_normal(shape=static_int_list(shape, "shape", "random.normal"), dtype=dtype, seed=seed,
                          mean=float(_scalar(mean)), stddev=float(_scalar(stddev)))


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """`cornu.random.uniform(shape, minval=0, maxval=1, dtype=float32)`: [minval, maxval)."""
    dtype = dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise InvalidArgumentError("random.uniform: maxval must be given for integer dtypes")
        maxval = 1.0
    minval, maxval = _scalar(minval), _scalar(maxval)
    if not minval < maxval:
        raise InvalidArgumentError(f"random.uniform: need minval < maxval, got {minval} and {maxval}")
    return _random_uniform(shape=static_int_list(shape, "shape", "random.uniform"), dtype=dtype, seed=seed,
                           minval=minval, maxval=maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    dtype = _check_float(dtype, "random.truncated_normal")
    return _random_truncated_normal(shape=static_int_list(shape, "shape", "random.truncated_normal"),
                                    dtype=dtype, seed=seed, mean=float(_scalar(mean)),
                                    stddev=float(_scalar(stddev)))


@defop("random_permutation", lambda n, seed: Spec((n,), dtypes.int64), differentiable=False,
       stateful=True)
def _random_permutation(xp, n, seed):
    return _to_backend(xp, generator(seed).permutation(n).astype(backend.numpy.int64))


def shuffle(value, seed=None, name=None):
    """`cornu.random.shuffle(value)`: value with its first dimension randomly permuted."""
    from .gather_ops import gather
    value = to_tensor(value)
    if value._value.ndim == 0:
        raise InvalidArgumentError("random.shuffle: value must have rank >= 1, got a scalar")
    return gather(value, _random_permutation(n=int(value._value.shape[0]), seed=seed))
