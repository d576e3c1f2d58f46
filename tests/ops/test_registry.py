"""The registry's contract: every op has forward, shape rule and gradient, and every differentiable op
has a gradient check. Gathers GRAD_CASES and SHAPE_CASES from the family test modules."""
import importlib
import pkgutil

import numpy as np
import pytest

import cornu as tf
from cornu.core.registry import REGISTRY
from tests import ops as ops_tests
from tests.gradcheck import check_grad


def _collect(name):
    table = {}
    for info in pkgutil.iter_modules(ops_tests.__path__):
        if info.name.startswith("test_") and info.name != "test_registry":
            module = importlib.import_module(f"tests.ops.{info.name}")
            for op_name, cases in getattr(module, name, {}).items():
                table.setdefault(op_name, []).extend(cases)
    return table


GRAD_CASES = _collect("GRAD_CASES")
SHAPE_CASES = _collect("SHAPE_CASES")  # non-differentiable ops: fn() -> Tensor, run for the shape rule
ALL_CASES = [(name, i, case) for name, cases in sorted(GRAD_CASES.items()) for i, case in enumerate(cases)]


def test_every_op_has_forward_shape_rule_and_gradient():
    for name, op in REGISTRY.items():
        assert callable(op.forward), name
        assert callable(op.shape), name
        assert callable(op.grad), f"op {name} has no gradient rule"


def test_every_differentiable_op_has_a_gradient_check():
    missing = sorted(n for n, op in REGISTRY.items() if op.differentiable and n not in GRAD_CASES)
    assert not missing, f"ops without a gradient check case: {missing}"


def test_every_non_differentiable_op_has_a_shape_case():
    missing = sorted(n for n, op in REGISTRY.items()
                     if not op.differentiable and n not in SHAPE_CASES and n not in GRAD_CASES)
    assert not missing, f"non-differentiable ops without a case: {missing}"


@pytest.mark.parametrize("name,index,case", ALL_CASES, ids=[f"{n}-{i}" for n, i, _ in ALL_CASES])
def test_gradient(name, index, case):
    seen = _run_spying(lambda: case.fn(*case.tensors()))
    assert name in seen, f"case for {name} never ran the op {name} (ran {sorted(seen)})"
    check_grad(case)


SHAPE_ALL = [(name, fn) for name, fns in sorted({**GRAD_CASES, **SHAPE_CASES}.items()) for fn in fns]


@pytest.mark.parametrize("name,case", SHAPE_ALL, ids=[n for n, _ in SHAPE_ALL])
def test_shape_rule_matches_forward(name, case):
    """Every op that runs in a case reports the shape and dtype its forward really produced."""
    run = (lambda: case.fn(*case.tensors())) if hasattr(case, "fn") else case
    calls = []
    _run_spying(run, calls)
    assert any(op.name == name for op, *_ in calls)
    for op, inputs, attrs, outputs in calls:
        specs = op.shape(*inputs, **attrs)
        specs = specs if isinstance(specs, tuple) and not hasattr(specs, "shape") else (specs,)
        assert len(specs) == len(outputs), op.name
        for spec, out in zip(specs, outputs):
            rule, real = tuple(spec.shape), tuple(out.shape)
            assert len(rule) == len(real) and all(r is None or r == d for r, d in zip(rule, real)), \
                f"{op.name}: rule {rule} != {real}"  # None: a size only known from the data
            assert spec.dtype == out.dtype, f"{op.name}: rule {spec.dtype} != {out.dtype}"


def _run_spying(run, calls=None):
    """Run `run()` while noting each registered op applied (op, input tensors, attrs, outputs)."""
    seen = set()
    originals = {}
    for op in REGISTRY.values():
        originals[op] = op.forward

        def spy(xp, *values, __op=op, __forward=op.forward, **attrs):
            out = __forward(xp, *values, **attrs)
            seen.add(__op.name)
            if calls is not None:
                outs = out if __op.num_outputs != 1 else (out,)
                calls.append((__op, [tf.constant(np.asarray(v)) for v in values], attrs,
                              [tf.constant(np.asarray(o)) for o in outs]))
            return out
        op.forward = spy
    try:
        run()
    finally:
        for op, forward in originals.items():
            op.forward = forward
    return seen
