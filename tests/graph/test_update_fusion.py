"""The update fusion pass: assign_sub/assign_add and the work computing their delta become one
fused_assign, with the same bits, in place when nobody else holds the variable's array."""
import numpy as np

import cornu as tf
from cornu.backend import cjit
from cornu.graph import passes
from cornu.graph.passes import update_fusion

from .pass_harness import check_pass, op_counts
from .test_elementwise_fusion import path  # noqa: F401  (kernel, and op by op)

rng = np.random.default_rng(0)


def test_a_plain_sgd_step_fuses_the_large_updates(path):
    x = rng.normal(size=(64, 128)).astype("float32")
    model = tf.keras.Sequential([tf.keras.Input((128,)), tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.001)

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss
    result = check_pass(passes.optimize, step, x, x[:, :1], steps=3)
    counts = op_counts(result.after)
    assert counts["fused_assign"] == 1 and counts["assign_sub_variable"] == 3  # the 128x64 kernel; biases small


def test_a_hand_written_adam_fuses_each_update_with_its_formula(path):
    w = tf.Variable(np.zeros((64, 64), "float32"))
    m, s = tf.Variable(np.zeros((64, 64), "float32")), tf.Variable(np.zeros((64, 64), "float32"))

    def update(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        g = tape.gradient(loss, w)
        m.assign_add((g - m) * 0.1)
        s.assign_add((g * g - s) * 0.001)
        w.assign_sub(0.01 * m / (tf.sqrt(s) + 1e-7))
        return loss
    x = rng.normal(size=(256, 64)).astype("float32")
    result = check_pass(passes.optimize, update, x, x * 3, steps=3)
    counts = op_counts(result.after)
    assert counts["fused_assign"] == 3 and counts["assign_add_variable"] == counts["assign_sub_variable"] == 0


def test_updates_write_in_place_but_never_into_an_array_someone_holds():
    v = tf.Variable(np.ones((64, 64), "float32"))
    g = tf.constant(np.full((64, 64), 2.0, "float32"))

    @tf.function
    def step(g):
        v.assign_sub(0.5 * g)

    @tf.function
    def step_returning_old(g):
        old = v.read_value()
        v.assign_sub(0.5 * g)
        return old
    step(g)
    identity = id(v._value)
    step(g)
    if cjit.available():
        assert id(v._value) == identity  # written in place by the compiled kernel
    np.testing.assert_array_equal(v.numpy(), np.full((64, 64), -1.0))
    old = step_returning_old(g)
    np.testing.assert_array_equal(old.numpy(), np.full((64, 64), -1.0))  # the read was not overwritten
    np.testing.assert_array_equal(v.numpy(), np.full((64, 64), -2.0))
    assert op_counts(passes.optimize(step.get_concrete_function(g).graph))["fused_assign"] == 1


def test_deltas_used_elsewhere_are_kept_and_small_variables_left_alone():
    v = tf.Variable(np.ones(8192, "float32"))
    count = tf.Variable(0.0)

    def f(g):
        delta = g * 2.0
        v.assign_sub(delta)
        count.assign_add(1.0)
        return delta
    result = check_pass(update_fusion.run, f, np.arange(8192, dtype="float32"))
    counts = op_counts(result.after)
    assert counts["multiply"] == 1 and counts["fused_assign"] == 1 and counts["assign_add_variable"] == 1
