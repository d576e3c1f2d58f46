"""cornu.gradients (TF's tf.gradients): graph-level autodiff with the ops' own gradient rules, inside
cornu.function and in compat.v1 graphs; checked against GradientTape and hand-derived values."""
import numpy as np
import pytest

import cornu as tf
import cornu.compat.v1 as v1

RNG = np.random.default_rng(7)
X = RNG.normal(size=(4, 3)).astype(np.float32)
Y = RNG.normal(size=(4, 2)).astype(np.float32)


def _model_variables():
    return (tf.Variable(RNG.normal(size=(3, 2)).astype(np.float32)),
            tf.Variable(RNG.normal(size=(2,)).astype(np.float32)))


def test_equals_gradient_tape_inside_function():
    w, b = _model_variables()

    @tf.function
    def by_gradients(x, y):
        h = tf.tanh(tf.matmul(x, w) + b)
        loss = tf.reduce_mean(tf.square(h - y))
        return tf.gradients(loss, [w, b, x])

    @tf.function
    def by_tape(x, y):
        with tf.GradientTape() as tape:
            tape.watch(x)
            h = tf.tanh(tf.matmul(x, w) + b)
            loss = tf.reduce_mean(tf.square(h - y))
        return tape.gradient(loss, [w, b, x])

    x, y = tf.constant(X), tf.constant(Y)
    for got, want in zip(by_gradients(x, y), by_tape(x, y)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    # and against the closed form
    h = np.tanh(X @ w.numpy() + b.numpy())
    dh = 2 * (h - Y) / h.size * (1 - h ** 2)
    gw, gb, gx = by_gradients(x, y)
    np.testing.assert_allclose(gw.numpy(), X.T @ dh, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gb.numpy(), dh.sum(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx.numpy(), dh @ w.numpy().T, rtol=1e-5, atol=1e-6)


def test_variable_gradient_sums_over_every_read():
    v = tf.Variable(3.0)

    @tf.function
    def f():
        y = v * v + 2.0 * v.read_value()  # three reads of v
        return tf.gradients(y, v)[0]

    assert float(f()) == pytest.approx(2 * 3.0 + 2.0)


def test_intermediate_tensors_and_placeholder_like_arguments():
    @tf.function
    def f(x):
        h = x * x
        y = tf.reduce_sum(tf.sin(h))
        gh, gx = tf.gradients(y, [h, x])
        return gh, gx

    x = np.array([0.5, -1.0, 2.0], np.float32)
    gh, gx = f(tf.constant(x))
    np.testing.assert_allclose(gh.numpy(), np.cos(x * x), rtol=1e-6)
    np.testing.assert_allclose(gx.numpy(), np.cos(x * x) * 2 * x, rtol=1e-6)


def test_grad_ys_seed_each_y_and_several_ys_are_summed():
    @tf.function
    def f(x, seed):
        y1 = 3.0 * x
        y2 = x * x
        seeded = tf.gradients(y1, x, grad_ys=seed)[0]
        summed = tf.gradients([y1, y2], x)[0]
        mixed = tf.gradients([y1, y2], x, grad_ys=[seed, None])[0]
        return seeded, summed, mixed

    x = np.array([1.0, 2.0], np.float32)
    seed = np.array([10.0, -1.0], np.float32)
    seeded, summed, mixed = f(tf.constant(x), tf.constant(seed))
    np.testing.assert_allclose(seeded.numpy(), 3.0 * seed)
    np.testing.assert_allclose(summed.numpy(), 3.0 + 2 * x)
    np.testing.assert_allclose(mixed.numpy(), 3.0 * seed + 2 * x)


def test_grad_ys_must_match_ys():
    @tf.function
    def wrong_count(x):
        return tf.gradients([x * 2.0], x, grad_ys=[tf.ones([2]), tf.ones([2])])

    @tf.function
    def wrong_shape(x):
        return tf.gradients(x * 2.0, x, grad_ys=tf.ones([3]))

    with pytest.raises(ValueError, match="grad_ys"):
        wrong_count(tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="shape"):
        wrong_shape(tf.constant([1.0, 2.0]))


def test_unconnected_gives_none_or_zeros():
    other = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x, z):
        y = x * 2.0
        none = tf.gradients(y, [z, other])
        zero = tf.gradients(y, [z, other], unconnected_gradients="zero")
        return none[0] is None and none[1] is None, zero

    is_none, (gz, gother) = f(tf.constant([1.0]), tf.constant([5.0, 6.0, 7.0]))
    assert is_none
    np.testing.assert_array_equal(gz.numpy(), np.zeros(3, np.float32))
    np.testing.assert_array_equal(gother.numpy(), np.zeros(2, np.float32))


def test_integer_sources_and_stop_gradients():
    @tf.function
    def f(x, n):
        h = x * x
        y = h * x
        as_const = tf.gradients(y, x, stop_gradients=[h])[0]  # h treated as a constant: d/dx = h
        full = tf.gradients(y, x)[0]
        return as_const, full, tf.gradients(y * tf.cast(n, tf.float32), n)[0] is None

    as_const, full, int_none = f(tf.constant(2.0), tf.constant(3))
    assert float(as_const) == 4.0 and float(full) == 12.0 and int_none


def test_second_order():
    @tf.function
    def f(x):
        y = x * x * x
        dy = tf.gradients(y, x)[0]
        return dy, tf.gradients(dy, x)[0]

    dy, d2y = f(tf.constant(2.0))
    assert float(dy) == 12.0 and float(d2y) == 12.0


def test_outer_tape_sees_the_backward_nodes():
    x = tf.Variable(2.0)

    @tf.function
    def f():
        with tf.GradientTape() as tape:
            dy = tf.gradients(x * x * x, x)[0]  # 3 x^2
        return tape.gradient(dy, x)             # 6 x

    assert float(f()) == 12.0


def test_eager_use_is_an_error_like_tf():
    with pytest.raises(RuntimeError, match="tf.gradients is not supported when eager execution is "
                                           "enabled. Use tf.GradientTape instead."):
        tf.gradients(tf.constant(1.0), tf.constant(2.0))


def test_tensor_of_another_graph_is_rejected():
    captured = {}

    @tf.function
    def first(x):
        captured["t"] = x * 2.0
        return x

    first(tf.constant(1.0))

    @tf.function
    def second(x):
        return tf.gradients(captured["t"], x)

    with pytest.raises(ValueError, match="belongs to graph"):
        second(tf.constant(1.0))


def test_in_a_v1_graph_with_unknown_batch_dimension():
    g = v1.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 3], name="x")
        w = v1.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
        b = v1.Variable(np.array([0.5, -0.5], np.float32), name="b")
        loss = v1.reduce_sum(tf.square(tf.matmul(x, w) + b))
        gw, gb, gx = tf.gradients(loss, [w, b, x])
        assert gb.shape.as_list() == [2] and gx.shape.as_list() == [None, 3]
    with v1.Session(graph=g) as sess:
        sess.run(v1.global_variables_initializer())
        got = sess.run([gw, gb, gx], {x: X})
    wv = np.arange(6, dtype=np.float32).reshape(3, 2)
    r = 2 * (X @ wv + np.array([0.5, -0.5], np.float32))
    np.testing.assert_allclose(got[0], X.T @ r, rtol=1e-5)
    np.testing.assert_allclose(got[1], r.sum(0), rtol=1e-5)
    np.testing.assert_allclose(got[2], r @ wv.T, rtol=1e-5)


def test_reduce_mean_with_unknown_batch_dimension():
    g = v1.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 3])
        grad = tf.gradients(tf.reduce_mean(x), x)[0]
    with v1.Session(graph=g) as sess:
        np.testing.assert_allclose(sess.run(grad, {x: X}), np.full(X.shape, 1 / X.size), rtol=1e-6)
