"""`cornu.compat.v1`: TF1's API — placeholders, graph-mode variables, `Session.run`, `tf.gradients`
and `tf.train.*Optimizer` — running on cornu's one graph IR and executor.

Everything in the `cornu` namespace is here too (constant, matmul, reduce_mean, nn, ...), with TF1's
names and signatures where they differ (`reduce_sum(..., reduction_indices=, keep_dims=)`,
`random_normal`, `to_float`, ...).

>>> import cornu.compat.v1 as tf
>>> g = tf.Graph()
>>> with g.as_default():
...     x = tf.placeholder(tf.float32, shape=[None, 1], name="x")
...     w = tf.Variable([[2.0]], name="w")
...     y = tf.matmul(x, w)
>>> with tf.Session(graph=g) as sess:
...     sess.run(tf.global_variables_initializer())
...     sess.run(y, feed_dict={x: [[1.0], [3.0]]}).ravel().tolist()
[2.0, 6.0]

Differences from TF1: graph mode (`disable_eager_execution`) applies to the calling thread; a
placeholder created without a shape is a scalar; variables are created and initialized per Session as
in TF1, and only the v1 `Variable`s (not `cornu.Variable`s read by the graph) are session state.
"""
import builtins as _builtins
import functools as _functools
import sys as _sys

_cornu = _sys.modules[__name__.split(".")[0]]
_INTERNAL = {"backend", "core", "graph", "ops", "compat", "keras", "Variable", "nn"}  # v1 has its own nn
globals().update({k: v for k, v in vars(_cornu).items() if not k.startswith("_") and k not in _INTERNAL})

from ...graph.gradients import gradients  # noqa: E402,F401
from ...ops import random_ops as _random_ops  # noqa: E402
from ...ops import reduce_ops as _reduce_ops  # noqa: E402
from ...ops import math_ops as _math_ops  # noqa: E402
from ._graph import (AUTO_REUSE, Graph, GraphKeys, Operation, VariableScope, control_dependencies,  # noqa: E402,F401
                     disable_control_flow_v2, disable_eager_execution, disable_resource_variables,
                     disable_tensor_equality, disable_v2_behavior, disable_v2_tensorshape,
                     enable_control_flow_v2, enable_eager_execution, enable_resource_variables,
                     enable_tensor_equality, enable_v2_behavior, enable_v2_tensorshape,
                     executing_eagerly, executing_eagerly_outside_functions, get_default_graph,
                     get_variable_scope, group, name_scope, no_op, reset_default_graph, variable_scope)
from ._variables import (Variable, add_to_collection, add_to_collections, all_variables, assign,  # noqa: E402,F401
                         assign_add, assign_sub, get_collection, get_collection_ref, get_variable,
                         global_variables, global_variables_initializer, initialize_all_variables,
                         initialize_local_variables, local_variables, local_variables_initializer,
                         model_variables, placeholder, placeholder_with_default, tables_initializer,
                         trainable_variables, variables_initializer)
from ._session import InteractiveSession, Session, get_default_session  # noqa: E402,F401
from . import initializers, nn, summary, train  # noqa: E402,F401
from .initializers import (constant_initializer, glorot_normal_initializer,  # noqa: E402,F401
                           glorot_uniform_initializer, ones_initializer, random_normal_initializer,
                           random_uniform_initializer, truncated_normal_initializer, zeros_initializer)

# -- TF1 names for cornu ops -------------------------------------------------------------------------
random_normal = _random_ops.normal
random_uniform = _random_ops.uniform
truncated_normal = _random_ops.truncated_normal
random_shuffle = _random_ops.shuffle
set_random_seed = _random_ops.set_seed


def get_seed(op_seed):
    return _random_ops.get_global_seed(), op_seed


def to_float(x, name="ToFloat"):
    return _math_ops.cast(x, _cornu.float32)


def to_double(x, name="ToDouble"):
    return _math_ops.cast(x, _cornu.float64)


def to_int32(x, name="ToInt32"):
    return _math_ops.cast(x, _cornu.int32)


def to_int64(x, name="ToInt64"):
    return _math_ops.cast(x, _cornu.int64)


def div(x, y, name=None):
    """TF1 `div`: floor division for integers, true division for floats."""
    x = _cornu.convert_to_tensor(x) if not isinstance(x, _cornu.Tensor) else x
    if x.dtype.is_integer:
        return _math_ops.floordiv(x, y)
    return _math_ops.divide(x, y)


squared_difference = _cornu.math.squared_difference
log1p = _cornu.math.log1p
floormod = mod = _cornu.math.floormod
reciprocal = _cornu.math.reciprocal
is_nan = _cornu.math.is_nan
is_finite = _cornu.math.is_finite


def _v1_reduction(reduce):
    @_functools.wraps(reduce)
    def reduction(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                  keep_dims=None):
        if reduction_indices is not None:
            if axis is not None:
                raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
            axis = reduction_indices
        if keep_dims is not None:
            if keepdims is not None:
                raise ValueError("Cannot specify both 'keepdims' and 'keep_dims'.")
            keepdims = keep_dims
        return reduce(input_tensor, axis=axis, keepdims=_builtins.bool(keepdims))
    return reduction


reduce_sum = _v1_reduction(_reduce_ops.reduce_sum)
reduce_mean = _v1_reduction(_reduce_ops.reduce_mean)
reduce_max = _v1_reduction(_reduce_ops.reduce_max)
reduce_min = _v1_reduction(_reduce_ops.reduce_min)
reduce_prod = _v1_reduction(_reduce_ops.reduce_prod)
reduce_any = _v1_reduction(_reduce_ops.reduce_any)
reduce_all = _v1_reduction(_reduce_ops.reduce_all)
reduce_logsumexp = _v1_reduction(_reduce_ops.reduce_logsumexp)


def argmax(input, axis=None, name=None, dimension=None, output_type=_cornu.int64):  # noqa: A002
    return _reduce_ops.argmax(input, axis=dimension if axis is None else axis, output_type=output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=_cornu.int64):  # noqa: A002
    return _reduce_ops.argmin(input, axis=dimension if axis is None else axis, output_type=output_type)


arg_max, arg_min = argmax, argmin


def __getattr__(name):
    """Anything else (e.g. `keras`) comes from the cornu namespace."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(_cornu, name)
    except AttributeError:
        raise AttributeError(f"module 'cornu.compat.v1' has no attribute {name!r}") from None
