"""Activation functions (`keras.activations`) under Keras 3's names and defaults, built on `cornu.nn`.

>>> import cornu as tf
>>> tf.keras.activations.relu([-10.0, -5.0, 0.0, 5.0, 10.0], negative_slope=0.5).numpy()
array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
>>> tf.keras.activations.get("swish") is tf.keras.activations.silu
True
"""
import types

from ..core.tensor import Tensor, convert_to_tensor
from ..ops import math_ops as M
from ..ops import nn_ops as N
from ._serialization import deserialize_object


def _tensor(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """ReLU with Keras's options: `negative_slope` below the threshold, a `max_value` cap, and a
    `threshold` under which values are damped (to 0, or by the negative slope)."""
    x = _tensor(x)
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return N.leaky_relu(x, alpha=negative_slope)
        negative_part = N.relu(-x + threshold) if threshold != 0 else N.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * M.cast(M.greater(x, threshold), x.dtype)  # x where x > threshold, else 0
    elif max_value == 6:
        x = N.relu6(x)
        clip_max = False
    else:
        x = N.relu(x)
    if clip_max:
        x = M.clip_by_value(x, 0, max_value)
    if negative_slope != 0.0:
        x = x - negative_part * negative_slope
    return x


def leaky_relu(x, negative_slope=0.2):
    """`x` where positive, `negative_slope * x` elsewhere."""
    return N.leaky_relu(_tensor(x), alpha=negative_slope)


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return N.relu6(_tensor(x))


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x), axis)`, computed stably."""
    return N.softmax(_tensor(x), axis=axis)


def log_softmax(x, axis=-1):
    """`x - logsumexp(x, axis)`."""
    return N.log_softmax(_tensor(x), axis=axis)


def elu(x, alpha=1.0):
    """`x` where positive, `alpha * (exp(x) - 1)` elsewhere."""
    y = N.elu(_tensor(x))
    if alpha == 1.0:
        return y
    return M.where(M.greater(y, 0), y, y * alpha)  # y > 0 exactly where x > 0


def selu(x):
    """`scale * elu(x, alpha)` with alpha=1.67326324, scale=1.05070098 (Klambauer et al.)."""
    return N.selu(_tensor(x))


def softplus(x):
    """`log(exp(x) + 1)`."""
    return M.softplus(_tensor(x))


def softsign(x):
    """`x / (abs(x) + 1)`."""
    return N.softsign(_tensor(x))


def silu(x):
    """`x * sigmoid(x)` (also called swish)."""
    return N.silu(_tensor(x))


swish = silu


def gelu(x, approximate=False):
    """`0.5 * x * (1 + erf(x / sqrt(2)))`; `approximate=True` uses the tanh approximation."""
    return N.gelu(_tensor(x), approximate=approximate)


def tanh(x):
    return M.tanh(_tensor(x))


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return M.sigmoid(_tensor(x))


def exponential(x):
    return M.exp(_tensor(x))


def hard_sigmoid(x):
    """Keras 3's hard sigmoid: `relu6(x + 3) / 6` (0 below -3, 1 above 3, `x / 6 + 0.5` between)."""
    return N.relu6(_tensor(x) + 3.0) / 6.0


def hard_silu(x):
    """`x * hard_sigmoid(x)` (also called hard swish)."""
    x = _tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x):
    """`x * tanh(softplus(x))`."""
    x = _tensor(x)
    return x * M.tanh(M.softplus(x))


def crelu(x, axis=-1):
    """`concat([relu(x), relu(-x)], axis)`."""
    return N.crelu(_tensor(x), axis=axis)


def linear(x):
    """The identity: returns `x` unchanged."""
    return x


_BUILTINS = (relu, leaky_relu, relu6, softmax, elu, selu, softplus, softsign, silu, gelu, tanh, sigmoid,
             exponential, hard_sigmoid, hard_silu, linear, mish, log_softmax, crelu)
_OBJECTS = {fn.__name__: fn for fn in _BUILTINS}
_OBJECTS.update(swish=silu, hard_swish=hard_silu)


def serialize(activation):
    """A built-in activation's name ('relu'); a config dict for other functions and objects."""
    for name, fn in _OBJECTS.items():
        if activation is fn:
            return fn.__name__
    if isinstance(activation, types.FunctionType):
        return {"module": activation.__module__, "class_name": "function", "config": activation.__name__,
                "registered_name": "function"}
    if hasattr(activation, "get_config"):
        cls = type(activation)
        return {"module": cls.__module__, "class_name": cls.__name__, "config": activation.get_config(),
                "registered_name": cls.__name__}
    raise ValueError(f"Unknown activation function '{activation}' cannot be serialized: use a "
                     "function or an object with get_config()")


def deserialize(config, custom_objects=None):
    """An activation from a name, or a config dict from `serialize`."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config.get("config")
    return deserialize_object(config, _OBJECTS, custom_objects, what="activation function")


def get(identifier):
    """The activation for a name ('relu', 'swish', ...), a config dict or a callable; None gives
    `linear`, as in Keras."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _OBJECTS.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")
