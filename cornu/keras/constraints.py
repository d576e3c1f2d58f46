"""Weight constraints (`keras.constraints`): `c(weight)` returns the weight projected back into the
allowed set; optimizers apply a variable's constraint after each update.

>>> import cornu as tf
>>> tf.keras.constraints.NonNeg()(tf.constant([-1.0, 2.0])).numpy()
array([0., 2.], dtype=float32)
"""
from ..core.tensor import Tensor, convert_to_tensor
from ..ops import math_ops as M
from ..ops import reduce_ops as Rd
from ._serialization import deserialize_object, serialize_object

_EPSILON = 1e-7  # keras.backend.epsilon()


def _tensor(w):
    return w if isinstance(w, Tensor) else convert_to_tensor(w)


def _norms(w, axis):
    return M.sqrt(Rd.reduce_sum(M.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: subclasses implement `__call__(w)` returning the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales the weight vectors along `axis` whose L2 norm exceeds `max_value`:
    `w * clip(norm, 0, max_value) / (epsilon + norm)`."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = M.clip_by_value(norms, 0.0, float(self.max_value))
        return w * (desired / (norms + _EPSILON))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """`max(w, 0)`."""

    def __call__(self, w):
        w = _tensor(w)
        return M.maximum(w, 0)


class UnitNorm(Constraint):
    """`w / (epsilon + norm(w, axis))`: unit-norm weight vectors along `axis`."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        return w / (_norms(w, self.axis) + _EPSILON)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the norms along `axis` towards [min_value, max_value] at `rate`:
    `desired = rate * clip(norm, min, max) + (1 - rate) * norm`, `w * desired / (epsilon + norm)`."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = (M.clip_by_value(norms, float(self.min_value), float(self.max_value)) * float(self.rate)
                   + norms * (1.0 - self.rate))
        return w * (desired / (norms + _EPSILON))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_OBJECTS = {cls.__name__: cls for cls in (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}
_OBJECTS.update({"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
                 "min_max_norm": MinMaxNorm})


def serialize(constraint):
    return serialize_object(constraint, "keras.constraints")


def deserialize(config, custom_objects=None):
    return deserialize_object(config, _OBJECTS, custom_objects, what="constraint")


def get(identifier):
    """A constraint from a name ('max_norm', 'non_neg', 'NonNeg', ...), a config dict, a class or a
    callable; None gives None."""
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if isinstance(obj, type):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")
