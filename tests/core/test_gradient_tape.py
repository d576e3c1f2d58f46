"""GradientTape: what is watched, tape lifetime, structures, seeds, unconnected sources, Jacobians,
higher-order gradients, custom_gradient, stop_gradient, Variable assignment and threads."""
import threading

import numpy as np
import pytest

import cornu as tf


# -- what the tape watches -----------------------------------------------------------------------------
def test_watches_trainable_variables_only():
    v = tf.Variable(2.0)
    frozen = tf.Variable(3.0, trainable=False)
    c = tf.constant(4.0)
    with tf.GradientTape() as tape:
        y = v * frozen * c
    gv, gf, gc = tape.gradient(y, [v, frozen, c])
    assert float(gv) == 12.0
    assert gf is None and gc is None
    assert [w.ref() for w in tape.watched_variables()] == [v.ref()]


def test_watch_makes_constants_and_frozen_variables_differentiable():
    frozen = tf.Variable(3.0, trainable=False)
    c = tf.constant(4.0)
    with tf.GradientTape() as tape:
        tape.watch([frozen, c])
        y = frozen * frozen * c
    gf, gc = tape.gradient(y, [frozen, c])
    assert float(gf) == 24.0 and float(gc) == 9.0
    assert [w.ref() for w in tape.watched_variables()] == [frozen.ref()]
    with pytest.raises(ValueError):
        tape.watch(3.0)


def test_watch_accessed_variables_false():
    v = tf.Variable(2.0)
    u = tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(u)
        y = v * u
    grads = tape.gradient(y, {"v": v, "u": u})
    assert grads["v"] is None and float(grads["u"]) == 2.0
    assert [w.ref() for w in tape.watched_variables()] == [u.ref()]


def test_watched_variables_in_first_use_order_without_duplicates():
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        _ = b * a + b * b
    assert [w.ref() for w in tape.watched_variables()] == [b.ref(), a.ref()]
    assert c.ref() not in [w.ref() for w in tape.watched_variables()]


def test_gradient_with_respect_to_an_intermediate_tensor():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        h = x * x
        y = h * 2.0 + h
    assert float(tape.gradient(y, h)) == 3.0


# -- tape lifetime -------------------------------------------------------------------------------------
def test_non_persistent_tape_is_single_use_and_frees_records():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert len(tape._records) > 0
    assert float(tape.gradient(y, x)) == 4.0
    assert tape._records == [] and tape._keep == []
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)
    with pytest.raises(RuntimeError):
        tape.jacobian(y, x)


def test_persistent_tape_gives_several_gradients():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 12.0
    assert float(tape.gradient(y, x)) == 4.0
    np.testing.assert_allclose(tape.jacobian(z, x).numpy(), 12.0)


def test_stop_recording_pauses_only_this_tape():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape(persistent=True) as inner:
            y = x * x
            with inner.stop_recording():
                z = x * x * x
            w = y * x
    assert float(inner.gradient(y, x)) == 4.0
    assert inner.gradient(z, x) is None
    assert float(inner.gradient(w, x)) == 12.0
    assert float(outer.gradient(z, x)) == 12.0  # the enclosing tape kept recording, as in TF
    with pytest.raises(ValueError):
        with outer.stop_recording():
            pass


def test_reset_forgets_what_was_recorded():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        tape.reset()
        z = x * 3.0
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 3.0


def test_recording_resumes_after_exit_and_reenter():
    x = tf.Variable(2.0)
    tape = tf.GradientTape(persistent=True)
    with tape:
        y = x * x
    unrecorded = x * 5.0
    with tape:
        z = y * 3.0
    assert tape.gradient(unrecorded, x) is None
    assert float(tape.gradient(z, x)) == 12.0


# -- structures, seeds, unconnected sources ---------------------------------------------------------------
def test_sources_keep_their_structure():
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * b * c
    grads = tape.gradient(y, {"first": [a, b], "second": (c,)})
    assert set(grads) == {"first", "second"}
    assert isinstance(grads["first"], list) and isinstance(grads["second"], tuple)
    assert [float(g) for g in grads["first"]] == [6.0, 3.0] and float(grads["second"][0]) == 2.0
    assert isinstance(tape.gradient(y, a), tf.Tensor)


def test_namedtuple_and_nested_sources():
    import collections
    Params = collections.namedtuple("Params", ["w", "b"])
    w, b = tf.Variable([1., 2.]), tf.Variable(0.5)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * 3.0) + b * 4.0
    grads = tape.gradient(y, [Params(w=w, b=b), {"z": [b]}])
    assert isinstance(grads[0], Params)
    np.testing.assert_array_equal(grads[0].w.numpy(), [3., 3.])
    assert float(grads[0].b) == 4.0 and float(grads[1]["z"][0]) == 4.0


def test_several_targets_are_summed():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y1, y2 = x * x, x * 3.0
    assert float(tape.gradient([y1, {"k": y2}], x)) == 7.0


def test_output_gradients_seed_the_targets():
    x = tf.Variable([1., 2.])
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([3., 4.]))
    np.testing.assert_allclose(g.numpy(), [6., 16.])
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y1, y2 = x * x, x * 10.0
    g = tape.gradient([y1, y2], x, output_gradients=[tf.constant(2.0), None])  # None seeds with ones
    assert float(g) == 18.0


@pytest.mark.parametrize("mode", ["zero", tf.UnconnectedGradients.ZERO])
def test_unconnected_gradients(mode):
    x, u = tf.Variable([1., 2.]), tf.Variable([[3.]])
    with tf.GradientTape(persistent=True) as tape:
        y = x * 2.0
    assert tape.gradient(y, u) is None
    assert tape.gradient(y, u, unconnected_gradients="none") is None
    zero = tape.gradient(y, u, unconnected_gradients=mode)
    assert zero.shape == (1, 1) and zero.dtype == tf.float32 and float(zero[0, 0]) == 0.0
    with pytest.raises(ValueError):
        tape.gradient(y, u, unconnected_gradients="sometimes")


def test_integer_sources_get_none():
    i = tf.constant(3)
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        tape.watch(i)
        y = tf.cast(i * 2, tf.float32) * x
    gi, gx = tape.gradient(y, [i, x])
    assert gi is None and float(gx) == 6.0


def test_accumulation_where_a_tensor_feeds_several_ops():
    x = tf.constant([1., 2., 3.])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = tf.reduce_sum(y) + tf.reduce_sum(tf.sin(x) * y) + tf.reduce_sum(x)
    a = x.numpy()
    expected = 2 * a + np.cos(a) * a ** 2 + np.sin(a) * 2 * a + 1
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), expected, rtol=1e-5)


def test_broadcast_gradients_are_summed_to_the_source_shape():
    b = tf.Variable([1., 2., 3.])
    s = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.ones((4, 3)) * b * s)
    gb, gs = tape.gradient(y, [b, s])
    np.testing.assert_allclose(gb.numpy(), [8., 8., 8.])
    assert gs.shape == () and float(gs) == 24.0


# -- Jacobians -------------------------------------------------------------------------------------------
def test_jacobian_against_numpy():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2))
    x = tf.constant(rng.normal(size=(2, 3)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.tanh(tf.matmul(x, tf.constant(w)))  # (2, 2)
    jac = tape.jacobian(y, x)
    assert jac.shape == (2, 2, 2, 3)
    dtanh = 1 - np.tanh(x.numpy() @ w) ** 2
    expected = np.zeros((2, 2, 2, 3))
    for i in range(2):
        for j in range(2):
            expected[i, j, i, :] = dtanh[i, j] * w[:, j]
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-10)


def test_jacobian_by_hand_and_unconnected():
    x = tf.constant([1., 2., 3.])
    u = tf.constant([1., 1.])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = x * x
    np.testing.assert_allclose(tape.jacobian(y, x).numpy(), np.diag([2., 4., 6.]))
    jx, ju = tape.jacobian(y, [x, u])
    assert ju is None
    zero = tape.jacobian(y, u, unconnected_gradients="zero")
    assert zero.shape == (3, 2) and not zero.numpy().any()


def test_batch_jacobian_against_numpy():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 4))
    x = tf.constant(rng.normal(size=(5, 3)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sin(tf.matmul(x, tf.constant(w)))  # (5, 4)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (5, 4, 3)
    expected = np.cos(x.numpy() @ w)[:, :, None] * w.T[None, :, :]
    np.testing.assert_allclose(bj.numpy(), expected, rtol=1e-10)


def test_batch_jacobian_unconnected_and_batch_mismatch():
    x = tf.constant([[1., 2.]])
    other = tf.constant([[3., 4.]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, other])
        y = x * 2.0
    assert tape.batch_jacobian(y, other) is None
    zero = tape.batch_jacobian(y, other, unconnected_gradients="zero")
    assert zero.shape == (1, 2, 2) and not zero.numpy().any()
    with pytest.raises(ValueError, match="batch"):
        tape.batch_jacobian(y, tf.constant([[1.], [2.]]))


# -- higher order ----------------------------------------------------------------------------------------
def test_second_derivative_of_cube():
    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x ** 3
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert float(dy) == pytest.approx(27.0) and float(d2y) == pytest.approx(18.0)


def test_third_derivative_with_a_persistent_tape_and_constants():
    x = tf.constant(2.0, tf.float64)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x) * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    a = 2.0
    assert float(d1) == pytest.approx(np.cos(a) * a + np.sin(a))
    assert float(d2) == pytest.approx(-np.sin(a) * a + 2 * np.cos(a))
    assert float(d3) == pytest.approx(-np.cos(a) * a - 3 * np.sin(a))


def _mlp_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = tf.tanh(tf.matmul(x, w1) + b1)
    out = tf.tanh(tf.matmul(h, w2) + b2)
    return tf.reduce_mean((out - y) ** 2)


def test_hessian_vector_product_through_a_tanh_mlp_matches_finite_differences():
    rng = np.random.default_rng(2)
    shapes = [(3, 4), (4,), (4, 2), (2,)]
    values = [rng.normal(size=s) * 0.8 for s in shapes]
    vectors = [tf.constant(rng.normal(size=s)) for s in shapes]
    x, y = tf.constant(rng.normal(size=(5, 3))), tf.constant(rng.normal(size=(5, 2)))
    params = [tf.Variable(v) for v in values]

    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = _mlp_loss(params, x, y)
        grads = inner.gradient(loss, params)
        grad_dot_v = tf.add_n([tf.reduce_sum(g * v) for g, v in zip(grads, vectors)])
    hvp = outer.gradient(grad_dot_v, params)

    def grad_at(shift):
        shifted = [tf.Variable(v + shift * d.numpy()) for v, d in zip(values, vectors)]
        with tf.GradientTape() as tape:
            loss = _mlp_loss(shifted, x, y)
        return [g.numpy() for g in tape.gradient(loss, shifted)]

    eps = 1e-5
    plus, minus = grad_at(eps), grad_at(-eps)
    for h, p, m in zip(hvp, plus, minus):
        np.testing.assert_allclose(h.numpy(), (p - m) / (2 * eps), rtol=1e-5, atol=1e-8)


# -- custom_gradient and stop_gradient --------------------------------------------------------------------
def test_custom_gradient_replaces_the_gradient():
    @tf.custom_gradient
    def clip_gradient(x):
        return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1., 1.)

    x = tf.constant([2.0, -3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = clip_gradient(x) * tf.constant([10.0, 0.5])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.0, 0.5])
    np.testing.assert_allclose(y.numpy(), [20.0, -1.5])


def test_custom_gradient_with_several_inputs():
    @tf.custom_gradient
    def mul(a, b):
        return a * b, lambda dy: (dy * b * 100., dy * a)

    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = mul(a, b)
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == 300.0 and float(gb) == 2.0


def test_custom_gradient_with_variables_protocol():
    w = tf.Variable(3.0)

    @tf.custom_gradient
    def scale(x):
        def grad_fn(dy, variables=None):
            assert [v.ref() for v in variables] == [w.ref()]
            return dy * w, [dy * x * 100.]
        return x * w, grad_fn

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    gx, gw = tape.gradient(y, [x, w])
    assert float(y) == 6.0 and float(gx) == 3.0 and float(gw) == 200.0


def test_custom_gradient_reading_variables_needs_variables_argument():
    w = tf.Variable(3.0)

    @tf.custom_gradient
    def scale(x):
        return x * w, lambda dy: dy * w

    with pytest.raises(TypeError, match="variables"):
        with tf.GradientTape() as tape:
            tape.watch(tf.constant(1.0))
            scale(tf.constant(2.0))


def test_custom_gradient_is_differentiable_twice():
    @tf.custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 3. * x * x

    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = cube(x)
        g = inner.gradient(y, x)
    assert float(g) == 12.0 and float(outer.gradient(g, x)) == 12.0


def test_stop_gradient():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.stop_gradient(x * x) + x * 2.0
    assert float(tape.gradient(y, x)) == 2.0
    with tf.GradientTape() as tape:
        y = tf.stop_gradient(x) * 5.0
    assert tape.gradient(y, x) is None


# -- variables that change while recording ---------------------------------------------------------------
def test_gradient_after_assign_uses_the_value_each_op_saw():
    """Current semantics (as TF): each op's gradient uses the variable's value when the op ran."""
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * 2.0
        v.assign(10.0)
    assert float(tape.gradient(y, v)) == 2.0

    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x           # d/dx at 3: 6
        x.assign(10.0)
        z = y + x * x       # + d/dx at 10: 20
    assert float(tape.gradient(z, x)) == 26.0


def test_assign_is_not_differentiable():
    v = tf.Variable(1.0)
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        v.assign(x * 3.0)
        y = v * 1.0
    assert tape.gradient(y, x) is None


# -- threads --------------------------------------------------------------------------------------------
def test_ops_from_worker_threads_are_not_recorded():
    v = tf.Variable(2.0)
    result = {}

    def work():
        result["y"] = v * v
        with tf.GradientTape() as own:  # a worker's own tape works
            z = v * 3.0
        result["g"] = own.gradient(z, v)

    with tf.GradientTape(persistent=True) as tape:
        before = len(tape._records)
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        assert len(tape._records) == before
        y_main = v * v
    assert tape.gradient(result["y"], v) is None
    assert float(result["g"]) == 3.0
    assert float(tape.gradient(y_main, v)) == 4.0
