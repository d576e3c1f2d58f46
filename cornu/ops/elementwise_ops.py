"""`fused_elementwise`: a chain of elementwise ops run as one op (made by the graph pass
`graph/passes/elementwise_fusion.py` after autodiff, never called by users, so it has no gradient).

On NumPy arrays it runs one compiled C loop (`backend/elementwise.py`); otherwise (CuPy, no C compiler,
small or oddly laid out arrays) it runs the chain's own ops one by one, which is also the definition
its kernels are tested against.
"""
from .. import backend
from ..backend import dtypes, elementwise, kernels
from ..core.registry import REGISTRY, Spec, defop
from ._rules import broadcast_shapes


def _shape(*inputs, program):
    shape = ()
    for x in inputs:
        shape = broadcast_shapes(shape, tuple(x.shape), "fused_elementwise")
    return Spec(shape, dtypes.as_dtype(program[-1][3]))


def evaluate(xp, program, inputs):
    """The program's result computed op by op with each op's own forward."""
    results = []
    for name, refs, attrs, _ in program:
        args = [inputs[r] if r >= 0 else results[-r - 1] for r in refs]
        results.append(REGISTRY[name].forward(xp, *args, **dict(attrs)))
    return results[-1]


@defop("fused_elementwise", _shape, differentiable=False, writes_out="may_alias")
def fused_elementwise_op(xp, *inputs, program, out=None):
    """program: instructions (op name, input refs, attrs, result dtype); see backend/elementwise.py."""
    if xp is backend.numpy:
        result = elementwise.run(program, inputs, out=out)
        if result is not None:
            return result
    return evaluate(xp, program, inputs)


def _assign_shape(*inputs, program, variable):
    return Spec(tuple(variable.shape), variable.dtype)


@defop("fused_assign", _assign_shape, differentiable=False, stateful=True)
def fused_assign_op(xp, *inputs, program, variable):
    """variable = program(*inputs, variable's value): an update such as `v - lr * g` (made by the pass
    `graph/passes/update_fusion.py` from an assign_sub/assign_add and the work that computes its
    delta) in one pass, written into the variable's own array when nobody else holds it."""
    value = variable._value
    arrays = inputs + (value,)
    result = None
    if xp is backend.numpy:
        # in place only when the array is the variable's alone (+2: `value` and `arrays` here)
        out = value if kernels.exclusive(value, extra_references=2) else None
        result = elementwise.run(program, arrays, out=out)
    if result is None:
        result = evaluate(xp, program, arrays)
    variable._value = result
    return result
