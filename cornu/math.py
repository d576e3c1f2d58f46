"""`cornu.math`: elementwise math, reductions and comparisons under TF's names."""
from .ops.math_ops import (add, subtract, multiply, divide, truediv, floordiv, floormod, mod, negative,  # noqa: F401
                           pow, square, sqrt, rsqrt, reciprocal, exp, expm1, log, log1p, abs, sign,
                           maximum, minimum, squared_difference, round, floor, ceil, sin, cos, tanh,
                           sigmoid, softplus, erf, equal, not_equal, less, less_equal, greater,
                           greater_equal, logical_and, logical_or, logical_xor, logical_not, is_finite,
                           is_nan, is_inf, divide_no_nan, add_n)
from .ops.reduce_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod,  # noqa: F401
                             reduce_any, reduce_all, reduce_logsumexp, reduce_variance, reduce_std,
                             argmax, argmin, cumsum, cumprod, top_k)
from .ops.linalg_ops import l2_normalize  # noqa: F401
from .ops.nn_ops import softmax, log_softmax  # noqa: F401,E402 - TF has them under tf.math too
