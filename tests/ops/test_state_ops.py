"""Variable reads and writes as ops (what traced graphs use), run directly through `apply`."""
import numpy as np

import cornu as tf
from cornu.core.registry import apply
from cornu.ops import state_ops
from tests.gradcheck import GradCase, rand

A = rand(2, 3)

GRAD_CASES = {
    # the read is the identity on the value it is given (a Variable's, when traced)
    "read_variable": [GradCase(lambda x: apply(state_ops.read_variable_op, (x,)), [A])],
}


def _assign(op_name, start, value):
    v = tf.Variable(np.asarray(start, np.float32))
    apply(getattr(state_ops, f"{op_name}_variable_op"), (tf.constant(np.asarray(value, np.float32)),),
          {"variable": v})
    return v


SHAPE_CASES = {
    "assign_variable": [lambda: _assign("assign", [1.0, 2.0], [5.0, 6.0])],
    "assign_add_variable": [lambda: _assign("assign_add", [1.0, 2.0], [5.0, 6.0])],
    "assign_sub_variable": [lambda: _assign("assign_sub", [1.0, 2.0], [5.0, 6.0])],
}


def test_assign_ops_write_the_variable():
    np.testing.assert_array_equal(_assign("assign", [1, 2], [5, 6]).numpy(), [5, 6])
    np.testing.assert_array_equal(_assign("assign_add", [1, 2], [5, 6]).numpy(), [6, 8])
    np.testing.assert_array_equal(_assign("assign_sub", [1, 2], [5, 6]).numpy(), [-4, -4])


def test_read_variable_sees_the_value_at_run_time():
    v = tf.Variable([1.0, 2.0])
    assert apply(state_ops.read_variable_op, (v,)).numpy().tolist() == [1.0, 2.0]
    v.assign([3.0, 4.0])
    assert apply(state_ops.read_variable_op, (v,)).numpy().tolist() == [3.0, 4.0]


def test_state_ops_are_stateful():
    for op in (state_ops.read_variable_op, state_ops.assign_variable_op, state_ops.assign_add_variable_op,
               state_ops.assign_sub_variable_op):
        assert op.stateful
