"""cornu: a deep-learning framework with TensorFlow 2 / Keras's API. `import cornu as tf`.

>>> import cornu as tf
>>> x = tf.Variable(2.0)
>>> with tf.GradientTape() as tape:
...     y = x ** 3
>>> float(tape.gradient(y, x))
12.0
"""
__version__ = "0.1.0"

from .backend import dtypes as _dtypes
from .backend.dtypes import (DType, as_dtype, float16, half, float32, float64, double, int8, int16,  # noqa: F401
                             int32, int64, uint8, uint16, uint32, uint64, bool, complex64, complex128)
from .backend.device import device  # noqa: F401
from .core.shape import TensorShape  # noqa: F401
from .core.tensor import Tensor, constant, convert_to_tensor  # noqa: F401
from .core.tensor_spec import TensorSpec  # noqa: F401
from .core.variable import Variable  # noqa: F401
from .core.gradient_tape import GradientTape, UnconnectedGradients, custom_gradient  # noqa: F401
from .core import errors, nest  # noqa: F401
from . import ops as _ops  # registers every op
from .ops.math_ops import (add, subtract, multiply, divide, truediv, floordiv, negative, pow, square,  # noqa: F401
                           sqrt, rsqrt, exp, log, abs, sign, maximum, minimum, clip_by_value, where,
                           round, floor, ceil, sin, cos, tanh, sigmoid, equal, not_equal, less,
                           less_equal, greater, greater_equal, logical_and, logical_or, logical_not,
                           cast, saturate_cast, identity, stop_gradient, add_n, is_tensor)
from .ops.array_ops import (zeros, ones, zeros_like, ones_like, fill, eye, range, linspace, shape,  # noqa: F401
                            size, rank, reshape, transpose, expand_dims, squeeze, broadcast_to,
                            concat, split, stack, unstack, tile, pad, reverse, strided_slice)
from .ops.array_ops import slice_ as slice  # noqa: F401
from .ops.gather_ops import gather, gather_nd, scatter_nd, one_hot, boolean_mask  # noqa: F401
from .ops.reduce_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod,  # noqa: F401
                             reduce_any, reduce_all, reduce_logsumexp, argmax, argmin, cumsum)
from .ops.linalg_ops import matmul, einsum, tensordot, norm  # noqa: F401
from .graph.function import function, Function, ConcreteFunction  # noqa: F401,E402
from .graph.gradients import gradients  # noqa: F401,E402
from .graph.tracing import inside_function  # noqa: F401,E402
from . import math, linalg, config, random, test, nn, image  # noqa: F401,E402


def __getattr__(name):
    """Heavy namespaces load on first use, so `import cornu` stays fast."""
    if name in ("keras", "data", "summary", "train"):
        import importlib
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name == "compat":
        import importlib
        module = importlib.import_module(".compat", __name__)
        globals()["compat"] = module
        return module
    raise AttributeError(f"module 'cornu' has no attribute {name!r}")
