"""Trace-time rewrites: log(softmax(x)) is traced as log_softmax(x), differentiated by its own rule."""
import numpy as np

import cornu as tf


def op_names(fn, *args):
    return [n.op.name for n in fn.get_concrete_function(*args).graph.nodes]


def cross_entropy_and_gradient(x, y):
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = -tf.reduce_sum(y * tf.math.log(tf.nn.softmax(x)))
    return loss, tape.gradient(loss, x)


X = tf.constant(np.random.default_rng(0).normal(size=(4, 5)).astype("float32"))
Y = tf.constant(np.eye(5, dtype="float32")[[0, 3, 1, 4]])


def test_log_of_softmax_is_traced_as_log_softmax_with_the_same_values():
    traced = tf.function(cross_entropy_and_gradient)
    names = op_names(traced, X, Y)
    assert "log_softmax" in names and "log" not in names
    for got, want in zip(traced(X, Y), cross_entropy_and_gradient(X, Y)):  # eager runs as written
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_the_rewrite_keeps_the_loss_finite_where_softmax_underflows():
    x = tf.constant([[1000.0, 0.0, -5.0]])
    y = tf.constant([[0.0, 1.0, 0.0]])
    loss, grad = tf.function(cross_entropy_and_gradient)(x, y)
    np.testing.assert_allclose(loss.numpy(), 1000.0, rtol=1e-6)  # -log_softmax(x)[1] = 1000 + log(1 + ...)
    np.testing.assert_allclose(grad.numpy(), [[1.0, -1.0, 0.0]], atol=1e-6)


def test_the_axis_is_kept_and_other_logs_are_left_alone():
    softmax_axis0 = tf.function(lambda x: tf.math.log(tf.nn.softmax(x, axis=0)))
    np.testing.assert_allclose(softmax_axis0(X).numpy(), tf.nn.log_softmax(X, axis=0).numpy(), rtol=1e-5, atol=1e-6)
    plain = tf.function(lambda x: tf.math.log(tf.exp(x) + 1.0))
    assert "log" in op_names(plain, X)


def test_tf1_graphs_get_the_rewrite_too():
    import cornu.compat.v1 as v1
    with v1.Graph().as_default() as g:
        x = v1.placeholder(tf.float32, [None, 5])
        loss = -v1.reduce_sum(Y * v1.log(v1.nn.softmax(x)))
        names = [n.op.name for n in g.nodes]
        with v1.Session() as sess:
            value = sess.run(loss, feed_dict={x: X.numpy()})
    assert "log_softmax" in names and "log" not in names
    np.testing.assert_allclose(value, cross_entropy_and_gradient(X, Y)[0].numpy(), rtol=1e-5)
