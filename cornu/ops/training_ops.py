"""Fused optimizer updates (TF's training_ops: ApplyAdam, ApplyMomentum): one op per variable and step,
run by a multi-threaded kernel, instead of a dozen elementwise passes.

The ops are stateful: they write the variable and its slots (given as attributes) in place when no one
else holds their arrays, else into fresh arrays, so a tensor read earlier never changes.
"""
from .. import backend
from ..backend import kernels
from ..core.registry import Spec, defop


def _owned(variable, xp):
    """The variable's array, made safe to write in place (a fresh copy if another tensor holds it)."""
    value = variable._value
    if not kernels.exclusive(value, extra_references=1):  # +1: the local name `value` here
        value = xp.array(value)  # an ndarray even for 0-d values (NumPy scalars cannot be written)
        variable._value = value
    return value


def _update_shape(gradient, *scalars, **attrs):
    variable = attrs["variable"]
    return Spec(tuple(variable.shape), variable.dtype)


@defop("adam_update", _update_shape, differentiable=False, stateful=True)
def adam_update_op(xp, gradient, alpha, variable, m, v, one_minus_beta_1, one_minus_beta_2, epsilon):
    """Keras's Adam step with alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) precomputed."""
    var, m_value, v_value = _owned(variable, xp), _owned(m, xp), _owned(v, xp)
    g = gradient if gradient.dtype == var.dtype else gradient.astype(var.dtype)
    if xp is backend.numpy:
        kernels.adam(var, m_value, v_value, g, float(alpha), one_minus_beta_1, one_minus_beta_2, epsilon)
    else:  # CuPy: the same formulas as array expressions
        m_value += (g - m_value) * one_minus_beta_1
        v_value += (g * g - v_value) * one_minus_beta_2
        var -= m_value * alpha / (xp.sqrt(v_value) + epsilon)
    return var


@defop("sgd_momentum_update", _update_shape, differentiable=False, stateful=True)
def sgd_momentum_update_op(xp, gradient, lr, variable, m, momentum, nesterov):
    """m = m*momentum - g*lr; var += m (Nesterov: var += m*momentum - g*lr), as Keras's SGD."""
    var, m_value = _owned(variable, xp), _owned(m, xp)
    g = gradient if gradient.dtype == var.dtype else gradient.astype(var.dtype)
    if xp is backend.numpy:
        kernels.sgd_momentum(var, m_value, g, float(lr), momentum, nesterov)
    else:
        step = g * lr
        m_value *= momentum
        m_value -= step
        var += (m_value * momentum - step) if nesterov else m_value
    return var
