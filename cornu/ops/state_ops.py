"""Variable reads and writes as ops, so traced graphs read variables when they run and update them in
place (DESIGN: the optimizer's update nodes write Variables)."""
from ..core.registry import Spec, defop


@defop("read_variable", lambda v: Spec(tuple(v.shape), v.dtype), stateful=True)
def read_variable_op(xp, value):
    """The variable's value at the moment the node runs (its input is the Variable itself)."""
    return value


@read_variable_op.defgrad
def _(ctx, g):
    return g


def _assign_shape(value, variable):
    return Spec(tuple(variable.shape), variable.dtype)


@defop("assign_variable", _assign_shape, differentiable=False, stateful=True)
def assign_variable_op(xp, value, variable):
    variable._value = value
    return value


@defop("assign_add_variable", _assign_shape, differentiable=False, stateful=True)
def assign_add_variable_op(xp, delta, variable):
    variable._value = variable._value + delta
    return variable._value


@defop("assign_sub_variable", _assign_shape, differentiable=False, stateful=True)
def assign_sub_variable_op(xp, delta, variable):
    variable._value = variable._value - delta
    return variable._value
