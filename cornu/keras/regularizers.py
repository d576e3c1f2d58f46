"""Weight regularizers (`keras.regularizers`): `reg(weight)` returns a scalar penalty for the loss.

>>> import cornu as tf
>>> float(tf.keras.regularizers.L2(2.0)(tf.ones((5, 5))))
50.0
"""
import math

from ..core.tensor import Tensor, convert_to_tensor
from ..ops import array_ops as A
from ..ops import linalg_ops as L
from ..ops import math_ops as M
from ..ops import reduce_ops as Rd
from ._serialization import deserialize_object, serialize_object


def validate_float_arg(value, name):
    """A non-negative finite float, or a ValueError naming the argument (as Keras)."""
    if (isinstance(value, bool) or not isinstance(value, (float, int)) or math.isinf(value)
            or math.isnan(value) or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value}")
    return float(value)


def _tensor(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


class Regularizer:
    """Base class: subclasses implement `__call__(x)` (a scalar tensor) and `get_config()`."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1(Regularizer):
    """`l1 * reduce_sum(abs(x))`; `'l1'` gives l1=0.01."""

    def __init__(self, l1=0.01):
        self.l1 = validate_float_arg(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        x = _tensor(x)
        return Rd.reduce_sum(M.abs(x)) * self.l1

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * reduce_sum(square(x))`; `'l2'` gives l2=0.01."""

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = _tensor(x)
        return Rd.reduce_sum(M.square(x)) * self.l2

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """`l1 * reduce_sum(abs(x)) + l2 * reduce_sum(square(x))`; both default to 0.0 (the string
    `'l1_l2'` gives 0.01 for both, as in Keras)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, "l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = _tensor(x)
        total = M.cast(convert_to_tensor(0.0), x.dtype) if x.dtype.is_floating else convert_to_tensor(0.0)
        if self.l1:
            total = total + Rd.reduce_sum(M.abs(x)) * self.l1
        if self.l2:
            total = total + Rd.reduce_sum(M.square(x)) * self.l2
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (`mode='rows'`) or columns of a 2-D weight towards orthogonality:
    `factor * 0.5 * sum(|off-diagonal of W_n W_n^T|) / (n (n - 1) / 2)`, W_n with L2-normalised
    rows (or columns)."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validate_float_arg(factor, "factor")
        if mode not in {"rows", "columns"}:
            raise ValueError('Invalid value for argument `mode`. Expected one of {"rows", "columns"}. '
                             f"Received: mode={mode}")
        self.mode = mode

    def __call__(self, inputs):
        x = _tensor(inputs)
        if x.ndim != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={tuple(x.shape)}")
        if self.mode == "rows":
            x = L.l2_normalize(x, axis=1)
            product, size = L.matmul(x, x, transpose_b=True), int(x.shape[0])
        else:
            x = L.l2_normalize(x, axis=0)
            product, size = L.matmul(x, x, transpose_a=True), int(x.shape[1])
        off_diagonal = product * (1.0 - A.eye(size, dtype=x.dtype))
        num_pairs = size * (size - 1.0) / 2.0
        return Rd.reduce_sum(M.abs(off_diagonal)) * (self.factor * 0.5 / num_pairs)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def _l1_l2(l1=0.01, l2=0.01):
    """`regularizers.l1_l2(l1=0.01, l2=0.01)`: tf.keras's helper (and what the string 'l1_l2' means)."""
    return L1L2(l1=l1, l2=l2)


l1, l2, orthogonal_regularizer = L1, L2, OrthogonalRegularizer
l1_l2 = _l1_l2

_OBJECTS = {cls.__name__: cls for cls in (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)}
_OBJECTS.update({"l1": L1, "l2": L2, "l1l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer})
_STRINGS = dict(_OBJECTS, l1_l2=_l1_l2)


def serialize(regularizer):
    return serialize_object(regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None):
    return deserialize_object(config, _OBJECTS, custom_objects, what="regularizer")


def get(identifier):
    """A regularizer from a name ('l1', 'l2', 'l1_l2', 'L1', ...), a config dict, a class or a
    callable; None gives None."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _STRINGS.get(identifier)
        if obj is None:
            raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
        obj = obj()
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
