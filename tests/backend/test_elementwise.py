"""Compiled elementwise kernels give exactly what the ops give one by one, for every layout."""
import numpy as np
import pytest

import cornu  # noqa: F401  (registers the ops the programs name)
from cornu.backend import cjit, elementwise
from cornu.ops.elementwise_ops import evaluate

pytestmark = pytest.mark.skipif(not cjit.available(), reason="no C compiler")

F32 = "float32"
# dy * cast(relu(x + b) > 0): a relu gradient after a bias add
RELU_GRAD = (("add", (0, 1), (), F32), ("relu", (-1,), (), F32), ("greater", (-2, 2), (), "bool"),
             ("cast", (-3,), (("dtype", cornu.float32),), F32), ("multiply", (3, -4), (), F32))


def _inputs(rng, x_shape, b_shape, dtype=np.float32):
    x = rng.normal(size=x_shape).astype(dtype)
    x.flat[::7] = 0.0  # ties for the comparisons
    return [x, rng.normal(size=b_shape).astype(dtype), np.zeros((), dtype), rng.normal(size=x_shape).astype(dtype)]


def _check(program, arrays):
    compiled = elementwise.run(program, arrays)
    assert compiled is not None, "the kernel declined"
    expected = np.asarray(evaluate(np, program, arrays))
    assert compiled.dtype == expected.dtype and compiled.shape == expected.shape
    np.testing.assert_array_equal(compiled, expected)
    assert compiled.tobytes() == expected.tobytes()  # bit for bit, signed zeros and NaNs included
    return compiled


@pytest.mark.parametrize("x_shape, b_shape", [
    ((64, 128), (128,)),            # bias along the last axis
    ((64, 128), (64, 1)),           # one value per row
    ((8, 6, 5, 32), (6, 1, 32)),    # broadcast in the middle
    ((8, 3, 2, 5, 2, 16), (8, 3, 1, 5, 1, 16)),  # max-pool gradient layout
    ((5000,), ()),                  # a scalar
])
def test_broadcast_layouts(x_shape, b_shape):
    _check(RELU_GRAD, _inputs(np.random.default_rng(0), x_shape, b_shape))


def test_non_contiguous_and_float64_inputs():
    rng = np.random.default_rng(1)
    x, b, zero, dy = _inputs(rng, (192, 80), (192, 1), np.float64)
    program = tuple((n, r, a if n != "cast" else (("dtype", cornu.float64),), "float64" if d == F32 else d)
                    for n, r, a, d in RELU_GRAD)
    _check(program, [x.T.copy().T, b, zero, dy[:, ::-1]])  # Fortran order, and a reversed view
    _check(program, [x[::2], b[::2], zero, dy[::2]])


def test_nan_propagates_like_numpy():
    x = np.full(8192, np.nan, np.float32)
    x[::3] = -1.0
    x[1::3] = -0.0
    y = np.linspace(-1, 1, 8192, dtype=np.float32)
    y[1::6] = 0.0  # -0.0 against 0.0: NumPy returns the second
    for op in ("maximum", "minimum"):
        out = _check(((op, (0, 1), (), F32), ("add", (-1, 1), (), F32)), [x, y])
        assert np.isnan(out[2::3]).all()
    out = _check((("relu", (0,), (), F32), ("sqrt", (-1,), (), F32)), [x])
    assert np.isnan(out[2::3]).all()


def test_every_supported_op():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 64, 64)).astype(np.float32)
    b[::5] = a[::5]
    c = a > 0
    d = b > 0
    for op in ("add", "subtract", "multiply", "divide", "maximum", "minimum"):
        _check(((op, (0, 1), (), F32), ("negative", (-1,), (), F32)), [a, b])
    for op in ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal"):
        _check(((op, (0, 1), (), "bool"), ("logical_not", (-1,), (), "bool")), [a, b])
    for op in ("logical_and", "logical_or", "logical_xor"):
        _check(((op, (0, 1), (), "bool"), ("equal", (-1, 1), (), "bool")), [c, d])
    _check((("square", (0,), (), F32), ("sqrt", (-1,), (), F32)), [a])
    _check((("select", (0, 1, 2), (), F32), ("relu", (-1,), (), F32)), [c, a, b])
    _check((("cast", (0,), (("dtype", cornu.float64),), "float64"), ("cast", (-1,), (("dtype", cornu.bool),), "bool")),
           [a])


def test_large_arrays_split_across_threads():
    rng = np.random.default_rng(3)
    n = elementwise.PARALLEL_MIN * 2
    _check(RELU_GRAD, _inputs(rng, (n // 64, 64), (64,)))
    _check(RELU_GRAD, _inputs(rng, (n,), ()))  # one flat dimension, cut into rows


def test_small_or_unsupported_inputs_are_declined():
    small = [np.ones((3, 4), np.float32), np.ones(4, np.float32), np.zeros((), np.float32), np.ones((3, 4), np.float32)]
    assert elementwise.run(RELU_GRAD, small) is None
    ints = [np.ones((100, 100), np.int32)] * 2
    assert elementwise.run((("add", (0, 1), (), "int32"),), ints) is None


def test_supports_checks_operand_types():
    assert elementwise.supports("add", ["float32", "float32"], "float32")
    assert not elementwise.supports("add", ["float32", "float64"], "float64")
    assert not elementwise.supports("add", ["int32", "int32"], "int32")
    assert not elementwise.supports("exp", ["float32"], "float32")  # libm's exp differs from NumPy's
    assert elementwise.supports("equal", ["bool", "bool"], "bool")
    assert not elementwise.supports("greater", ["bool", "bool"], "bool")
    assert elementwise.supports("select", ["bool", "float32", "float32"], "float32")
