"""The fused_elementwise op (made by graph fusion): its shape rule, and its op-by-op definition."""
import numpy as np

import cornu as tf
from cornu.core.registry import apply
from cornu.ops.elementwise_ops import fused_elementwise_op

PROGRAM = (("add", (0, 1), (), "float32"), ("greater", (-1, 2), (), "bool"),
           ("cast", (-2,), (("dtype", tf.float32),), "float32"))


def _case():
    x = tf.constant(np.linspace(-1, 1, 6).reshape(2, 3).astype("float32"))
    b = tf.constant(np.array([0.5, -0.5, 0.0], "float32"))
    return apply(fused_elementwise_op, (x, b, tf.constant(0.0)), {"program": PROGRAM})


SHAPE_CASES = {"fused_elementwise": [_case]}


def test_fused_elementwise_equals_its_ops():
    x = np.linspace(-1, 1, 6).reshape(2, 3).astype("float32")
    expected = ((x + np.array([0.5, -0.5, 0.0], "float32")) > 0).astype("float32")
    out = _case()
    assert out.dtype == tf.float32 and out.shape == (2, 3)
    np.testing.assert_array_equal(out.numpy(), expected)


def _assign_case():
    from cornu.ops.elementwise_ops import fused_assign_op
    v = tf.Variable(np.ones((2, 3), "float32"))
    program = (("multiply", (0, 1), (), "float32"), ("subtract", (2, -1), (), "float32"))
    return apply(fused_assign_op, (tf.constant(0.5), tf.constant(np.full((2, 3), 2.0, "float32"))),
                 {"program": program, "variable": v})


SHAPE_CASES["fused_assign"] = [_assign_case]


def test_fused_assign_updates_the_variable():
    out = _assign_case()
    np.testing.assert_array_equal(out.numpy(), np.zeros((2, 3), "float32"))  # 1 - 0.5 * 2
