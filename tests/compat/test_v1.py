"""cornu.compat.v1: TF1 programs (placeholders, Session.run, graph-mode variables, tf.train optimizers)
on cornu's graph IR, checked against NumPy implementations of the same steps."""
import collections
import subprocess
import sys

import numpy as np
import pytest

import cornu
import cornu.compat.v1 as tf


@pytest.fixture(autouse=True)
def fresh_default_graph():
    tf.reset_default_graph()
    yield
    tf.enable_eager_execution()
    tf.reset_default_graph()


def _synthetic(n=100, seed=0):
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-1, 1, size=n).astype(np.float32)
    ys = (3.0 * xs + 2.0 + rng.normal(scale=0.01, size=n)).astype(np.float32)
    return xs, ys


# -- the namespace -----------------------------------------------------------------------------------
def test_namespace():
    assert cornu.compat.v1 is tf
    assert cornu.compat.v2 is cornu
    for name in ["placeholder", "Variable", "constant", "matmul", "add", "reduce_mean", "reduce_sum", "square",
                 "nn", "train", "Session", "global_variables_initializer", "float32", "random_normal",
                 "zeros", "ones", "gradients", "get_variable", "variable_scope", "name_scope", "Graph",
                 "get_default_graph", "reset_default_graph", "disable_v2_behavior", "executing_eagerly"]:
        assert hasattr(tf, name), name
    assert tf.keras is cornu.keras
    assert tf.nn is not cornu.nn and tf.nn.relu is cornu.nn.relu and tf.nn.softmax_cross_entropy_with_logits_v2
    assert tf.constant is cornu.constant and tf.gradients is cornu.gradients
    assert tf.executing_eagerly()


def test_import_cornu_does_not_load_compat_until_used():
    code = ("import sys, cornu; print('cornu.compat' in sys.modules); "
            "print(cornu.compat.v1.placeholder.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "cornu.compat.v1._variables"]


def test_placeholder_needs_a_graph():
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        tf.placeholder(tf.float32, [None])


# -- the textbook program ----------------------------------------------------------------------------
def test_textbook_linear_regression_sgd_matches_numpy_and_converges():
    xs, ys = _synthetic()
    with tf.Graph().as_default():
        X = tf.placeholder("float")
        Y = tf.placeholder("float")
        W = tf.Variable(0.5, name="weight")
        b = tf.Variable(-0.5, name="bias")
        pred = tf.add(tf.multiply(X, W), b)
        cost = tf.reduce_mean(tf.square(pred - Y))
        optimizer = tf.train.GradientDescentOptimizer(0.01).minimize(cost)
        init = tf.global_variables_initializer()
        with tf.Session() as sess:
            sess.run(init)
            w_ref, b_ref = np.float32(0.5), np.float32(-0.5)
            for x, y in zip(xs[:30], ys[:30]):  # exact numbers: the same SGD steps in NumPy
                sess.run(optimizer, feed_dict={X: x, Y: y})
                err = w_ref * x + b_ref - y
                w_ref, b_ref = w_ref - np.float32(0.01) * 2 * err * x, b_ref - np.float32(0.01) * 2 * err
                np.testing.assert_allclose(sess.run(W), w_ref, rtol=1e-5)
                np.testing.assert_allclose(sess.run(b), b_ref, rtol=1e-5)
            for _ in range(15):
                for x, y in zip(xs, ys):
                    sess.run(optimizer, feed_dict={X: x, Y: y})
            w, bias = sess.run([W, b])
            assert w == pytest.approx(3.0, abs=0.02) and bias == pytest.approx(2.0, abs=0.02)
            assert sess.run(cost, feed_dict={X: 1.0, Y: 5.0}) == pytest.approx(0.0, abs=1e-2)
    assert len(tf.get_default_graph().nodes) == 0  # it was built in its own graph


def test_minibatch_regression_in_graph_mode_matches_numpy():
    xs, ys = _synthetic(n=32, seed=1)
    xs, ys = xs.reshape(-1, 1), ys.reshape(-1, 1)
    tf.disable_eager_execution()
    assert not tf.executing_eagerly()
    X = tf.placeholder(tf.float32, shape=[32, 1], name="X")
    Y = tf.placeholder(tf.float32, shape=[32, 1], name="Y")
    W = tf.Variable(tf.zeros([1, 1]), name="W")
    b = tf.Variable(tf.zeros([1]), name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(X, W) + b - Y))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    w_ref, b_ref = np.zeros((1, 1), np.float32), np.zeros(1, np.float32)
    for _ in range(5):
        _, l = sess.run([train, loss], {X: xs, Y: ys})
        r = xs @ w_ref + b_ref - ys
        assert l == pytest.approx(float(np.mean(r ** 2)), rel=1e-5)
        w_ref = w_ref - 0.5 * (xs.T @ (2 * r / len(xs)))
        b_ref = b_ref - 0.5 * (2 * r / len(xs)).sum(0)
        np.testing.assert_allclose(sess.run(W), w_ref, rtol=1e-5)
        np.testing.assert_allclose(sess.run(b), b_ref, rtol=1e-5)
    for _ in range(100):
        sess.run(train, {X: xs, Y: ys})
    np.testing.assert_allclose(sess.run(W), [[3.0]], atol=0.02)
    np.testing.assert_allclose(sess.run(b), [2.0], atol=0.02)
    assert len(tf.get_default_graph()._plans) <= 5  # plans are compiled once per fetch/feed set
    sess.close()
    tf.enable_eager_execution()
    assert tf.executing_eagerly()


def test_minibatch_regression_with_unknown_batch_size():
    xs, ys = _synthetic(n=32, seed=1)
    with tf.Graph().as_default():
        X = tf.placeholder(tf.float32, shape=[None, 1])
        Y = tf.placeholder(tf.float32, shape=[None, 1])
        W = tf.Variable(tf.zeros([1, 1]))
        loss = tf.reduce_mean(tf.square(tf.matmul(X, W) - Y))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train, {X: xs.reshape(-1, 1), Y: ys.reshape(-1, 1)})
            expected = -0.5 * 2 * np.mean(-ys * xs)
            np.testing.assert_allclose(sess.run(W), [[expected]], rtol=1e-5)


# -- optimizers against hand-computed formulas ------------------------------------------------------
def _quadratic_problem():
    """loss = sum(c * w^2) + sum(d * w): gradient 2 c w + d."""
    w0 = np.array([1.0, -2.0, 0.5], np.float32)
    c = np.array([1.0, 0.5, 2.0], np.float32)
    d = np.array([0.1, -0.3, 0.2], np.float32)
    w = tf.Variable(w0, name="w")
    loss = tf.reduce_sum(c * tf.square(w) + d * w)
    return w, loss, w0, c, d


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_steps(nesterov):
    with tf.Graph().as_default():
        w, loss, w_ref, c, d = _quadratic_problem()
        opt = tf.train.MomentumOptimizer(0.1, momentum=0.9, use_nesterov=nesterov)
        step = opt.minimize(loss)
        accum_var = opt.get_slot(w, "momentum")
        assert opt.get_slot_names() == ["momentum"] and accum_var.name == "w/Momentum:0"
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            accum = np.zeros(3, np.float32)
            for _ in range(4):
                sess.run(step)
                g = 2 * c * w_ref + d
                accum = 0.9 * accum + g
                w_ref = w_ref - (0.1 * g + 0.1 * 0.9 * accum if nesterov else 0.1 * accum)
                np.testing.assert_allclose(sess.run(w), w_ref, rtol=1e-5, atol=1e-7)
                np.testing.assert_allclose(sess.run(accum_var), accum, rtol=1e-5, atol=1e-7)


def test_adam_steps_use_tf1_epsilon_hat():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-2  # a large epsilon shows where it is added
    with tf.Graph().as_default():
        w, loss, w_ref, c, d = _quadratic_problem()
        opt = tf.train.AdamOptimizer(lr, beta1=b1, beta2=b2, epsilon=eps)
        step = opt.minimize(loss)
        names = sorted(v.name for v in tf.global_variables())
        assert names == ["beta1_power:0", "beta2_power:0", "w/Adam:0", "w/Adam_1:0", "w:0"]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            m = np.zeros(3)
            v = np.zeros(3)
            w_ref = w_ref.astype(np.float64)
            for t in range(1, 5):
                sess.run(step)
                g = 2 * c * w_ref + d
                lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                w_ref = w_ref - lr_t * m / (np.sqrt(v) + eps)
                np.testing.assert_allclose(sess.run(w), w_ref, rtol=1e-5, atol=1e-6)
            graph = tf.get_default_graph()
            b1p, b2p = graph.get_tensor_by_name("beta1_power:0"), graph.get_tensor_by_name("beta2_power:0")
            np.testing.assert_allclose(sess.run([b1p, b2p]), [b1 ** 5, b2 ** 5], rtol=1e-6)
            np.testing.assert_allclose(sess.run(opt.get_slot(w, "m")), m, rtol=1e-5)


def test_compute_and_apply_gradients_with_global_step():
    with tf.Graph().as_default():
        w, loss, w_ref, c, d = _quadratic_problem()
        frozen = tf.Variable(1.0, trainable=False, name="frozen")
        opt = tf.train.GradientDescentOptimizer(0.1)
        grads_and_vars = opt.compute_gradients(loss * frozen)
        assert [v for _, v in grads_and_vars] == [w]  # trainable variables only
        clipped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in grads_and_vars]
        step_var = tf.train.get_or_create_global_step()
        train = opt.apply_gradients(clipped, global_step=step_var)
        assert tf.train.get_global_step() is step_var
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(2):
                sess.run(train)
                w_ref = w_ref - 0.1 * np.clip(2 * c * w_ref + d, -1, 1)
            np.testing.assert_allclose(sess.run(w), w_ref, rtol=1e-6)
            assert tf.train.global_step(sess, step_var) == 2


def test_minimize_var_list_and_no_gradient_error():
    with tf.Graph().as_default():
        a = tf.Variable(1.0, name="a")
        b = tf.Variable(2.0, name="b")
        step = tf.train.GradientDescentOptimizer(1.0).minimize(a * b, var_list=[a])
        with pytest.raises(ValueError, match="No gradients provided"):
            tf.train.GradientDescentOptimizer(1.0).minimize(a * 2.0, var_list=[b])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step)
            assert sess.run([a, b]) == [pytest.approx(-1.0), pytest.approx(2.0)]


def test_v1_optimizer_eagerly_with_a_callable_loss():
    w = tf.Variable([1.0, 2.0])
    assert isinstance(w, cornu.Variable) and isinstance(w, tf.Variable)
    opt = tf.train.MomentumOptimizer(0.1, 0.5)
    assert opt.minimize(lambda: tf.reduce_sum(w * w)) is None
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6], rtol=1e-6)
    opt.minimize(lambda: tf.reduce_sum(w * w))
    accum = 0.5 * np.array([2.0, 4.0]) + np.array([1.6, 3.2])  # momentum * accum + grad
    np.testing.assert_allclose(w.numpy(), np.array([0.8, 1.6]) - 0.1 * accum, rtol=1e-6)
    with pytest.raises(RuntimeError, match="should be a function"):
        opt.minimize(tf.reduce_sum(w))


# -- Session.run -------------------------------------------------------------------------------------
Pair = collections.namedtuple("Pair", ["total", "scaled"])


def test_nested_fetches():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        v = tf.Variable([1.0, 2.0], name="v")
        total = tf.reduce_sum(x)
        scaled = x * 2.0
        init = tf.global_variables_initializer()
        with tf.Session() as sess:
            assert sess.run(init) is None
            out = sess.run({"a": [total, (scaled, v)], "b": Pair(total, scaled), "c": init},
                           feed_dict={x: [1.0, 2.0]})
            assert set(out) == {"a", "b", "c"} and out["c"] is None
            assert out["a"][0] == 3.0 and isinstance(out["a"], list) and isinstance(out["a"][1], tuple)
            np.testing.assert_array_equal(out["a"][1][0], [2.0, 4.0])
            np.testing.assert_array_equal(out["a"][1][1], [1.0, 2.0])
            assert isinstance(out["b"], Pair) and out["b"].total == 3.0
            assert isinstance(sess.run(total, {x: [1.0]}), np.float32)
            assert sess.run("x:0", {"x:0": [4.0]}).tolist() == [4.0]  # by name
            assert sess.run(v.name).tolist() == [1.0, 2.0]
            run_both = sess.make_callable([total, scaled], feed_list=[x])
            assert run_both([3.0])[0] == 3.0
            with pytest.raises(TypeError, match="invalid type"):
                sess.run([total, 3], {x: [1.0]})
            with pytest.raises(TypeError, match="invalid type"):
                sess.run(None)


def test_feed_errors_name_the_placeholder():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 2], name="images")
        n = tf.placeholder(tf.int32, [], name="count")
        s = tf.placeholder(tf.float32, name="scalar")
        y = tf.reduce_sum(x) * tf.cast(n, tf.float32) + s
        with tf.Session() as sess:
            with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3,\) for Tensor 'images:0', "
                                                 r"which has shape \(\?, 2\)"):
                sess.run(y, {x: [1.0, 2.0, 3.0], n: 1, s: 0.0})
            with pytest.raises(TypeError, match="count"):
                sess.run(y, {x: [[1.0, 2.0]], n: 1.5, s: 0.0})
            with pytest.raises(cornu.errors.InvalidArgumentError,
                               match="You must feed a value for placeholder tensor 'count' with dtype int32"):
                sess.run(y, {x: [[1.0, 2.0]], s: 0.0})
            with pytest.raises(TypeError, match="The value of a feed cannot be a tf.Tensor"):
                sess.run(y, {x: x, n: 1, s: 0.0})
            with pytest.raises(ValueError, match="created without a shape"):
                sess.run(y, {x: [[1.0, 2.0]], n: 1, s: [1.0, 2.0]})
            with tf.Graph().as_default():
                stranger = tf.placeholder(tf.float32, [])
            with pytest.raises(ValueError, match="not an element of this graph"):
                sess.run(y, {stranger: 1.0})
            with pytest.raises(ValueError, match="not an element of this graph"):
                sess.run(stranger)
            # a float64 array and an int list are converted to the placeholder's dtype
            assert sess.run(y, {x: np.ones((2, 2)), n: [3][0], s: 0.5}) == pytest.approx(12.5)


def test_feeding_an_intermediate_tensor_and_placeholder_with_default():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None])
        h = x * 10.0
        y = h + 1.0
        keep = tf.placeholder_with_default(1.0, shape=[])
        z = y * keep
        with tf.Session() as sess:
            assert sess.run(y, {h: [5.0]}).tolist() == [6.0]  # x is not needed when h is fed
            assert sess.run(z, {x: [1.0]}).tolist() == [11.0]
            assert sess.run(z, {x: [1.0], keep: 0.5}).tolist() == [5.5]


def test_uninitialized_variable_names_it_and_sessions_own_values():
    with tf.Graph().as_default():
        w = tf.Variable([1.0, 2.0], name="weights")
        b = tf.Variable(3.0, name="bias")
        y = w * b
        with tf.Session() as sess:
            with pytest.raises(cornu.errors.FailedPreconditionError,
                               match="Attempting to use uninitialized value weights"):
                sess.run(y)
            with pytest.raises(cornu.errors.FailedPreconditionError, match="uninitialized value weights"):
                sess.run(w)
            sess.run(tf.variables_initializer([w]))
            with pytest.raises(cornu.errors.FailedPreconditionError, match="uninitialized value bias"):
                sess.run(y)
            sess.run(b.initializer)
            assert sess.run(y).tolist() == [3.0, 6.0]
            sess.run(w.assign([5.0, 5.0]))
            with tf.Session() as other:  # a new session starts uninitialized, with its own values
                with pytest.raises(cornu.errors.FailedPreconditionError):
                    other.run(w)
                other.run(tf.global_variables_initializer())
                assert other.run(w).tolist() == [1.0, 2.0]
            assert sess.run(w).tolist() == [5.0, 5.0]
            fetched = sess.run(w)
            fetched[0] = 100.0  # a copy: the session's value does not change
            assert sess.run(w).tolist() == [5.0, 5.0]
        with pytest.raises(cornu.errors.FailedPreconditionError, match="weights"):
            w.numpy()  # outside a session a graph variable has no value


def test_assignments_run_in_graph_order_and_control_dependencies():
    with tf.Graph().as_default():
        v = tf.Variable(1.0, name="v")
        doubled = tf.assign(v, v * 2.0)
        plus = v.assign_add(10.0)
        both = tf.group(doubled, plus)
        read = v.read_value()
        with tf.control_dependencies([plus]):
            after = tf.identity(v) + 0.0
        with tf.Session() as sess:
            sess.run(v.initializer)
            sess.run(both)              # as written: v = 1 * 2, then v += 10
            assert sess.run(v) == 12.0
            assert sess.run(read) == 12.0  # fetching a read does not run the assignments
            assert sess.run(doubled) == 24.0
            assert sess.run(after) == 34.0  # the control dependency runs `plus` first
            assert sess.run(v) == 34.0


def test_get_variable_and_variable_scope():
    with tf.Graph().as_default():
        with tf.variable_scope("layer"):
            w = tf.get_variable("w", shape=[3, 2], initializer=tf.constant_initializer(0.5))
            b = tf.get_variable("b", shape=[2])
        assert w.name == "layer/w:0" and b.name == "layer/b:0"
        with pytest.raises(ValueError, match="already exists"):
            with tf.variable_scope("layer"):
                tf.get_variable("w", shape=[3, 2])
        with tf.variable_scope("layer", reuse=True):
            assert tf.get_variable("w", shape=[3, 2]) is w
            with pytest.raises(ValueError, match="does not exist"):
                tf.get_variable("missing", shape=[1])
        with tf.variable_scope("layer", reuse=tf.AUTO_REUSE):
            assert tf.get_variable("w") is w
            fresh = tf.get_variable("fresh", shape=[1], initializer=tf.zeros_initializer())
        with tf.name_scope("block"):
            named = tf.Variable(1.0, name="v")
        assert named.name == "block/v:0"
        assert [v.name for v in tf.trainable_variables()] == ["layer/w:0", "layer/b:0", "layer/fresh:0",
                                                             "block/v:0"]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(w), np.full((3, 2), 0.5, np.float32))
            limit = np.sqrt(6 / 3)  # Glorot uniform, fan_in + fan_out = 1 + 2 for the 1-D bias
            assert np.all(np.abs(sess.run(b)) <= limit)
            assert sess.run(fresh).tolist() == [0.0]


def test_random_initial_values_are_drawn_when_the_initializer_runs():
    with tf.Graph().as_default():
        v = tf.Variable(tf.random_normal([1000], stddev=2.0, seed=1))
        with tf.Session() as sess:
            sess.run(v.initializer)
            first = sess.run(v)
            sess.run(v.initializer)
            second = sess.run(v)
    assert abs(first.std() - 2.0) < 0.2 and not np.array_equal(first, second)


def test_reset_default_graph():
    tf.disable_eager_execution()
    x = tf.placeholder(tf.float32, [], name="x")
    old = tf.get_default_graph()
    assert x.graph is old
    tf.reset_default_graph()
    new = tf.get_default_graph()
    assert new is not old and len(new.nodes) == 0 and not new.inputs
    y = tf.placeholder(tf.float32, [], name="x")  # the name is free again
    assert y.name == "x" and y.graph is new
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(x, {x: 1.0})
    with tf.Graph().as_default():
        with pytest.raises(AssertionError, match="nested graphs"):
            tf.reset_default_graph()


def test_graph_as_default_isolation():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default() as entered:
        assert entered is g1 and tf.get_default_graph() is g1 and not tf.executing_eagerly()
        a = tf.Variable(1.0, name="a")
        with g2.as_default():
            assert tf.get_default_graph() is g2
            b = tf.Variable(2.0, name="a")
        assert tf.get_default_graph() is g1
    assert tf.executing_eagerly()
    assert g1.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) == [a]
    assert g2.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) == [b]
    assert a.graph is g1 and b.graph is g2 and a.name == b.name == "a:0"
    with tf.Session(graph=g2) as sess:
        assert sess.graph is g2
        sess.run(tf.global_variables_initializer())  # inside `with`, g2 is the default graph
        assert sess.run(b) == 2.0
        with pytest.raises(ValueError, match="not an element of this graph"):
            sess.run(a)


def test_closed_session():
    with tf.Graph().as_default():
        c = tf.constant(1.0) + 1.0
        sess = tf.Session()
        assert sess.run(c) == 2.0
        sess.close()
        with pytest.raises(RuntimeError, match="Attempted to use a closed Session."):
            sess.run(c)
        with tf.Session() as sess2:
            assert tf.get_default_session() is sess2
        assert tf.get_default_session() is None
        with pytest.raises(RuntimeError, match="closed Session"):
            sess2.run(c)


def test_interactive_session_eval_and_run():
    with tf.Graph().as_default():
        v = tf.Variable(4.0)
        sess = tf.InteractiveSession()
        try:
            v.initializer.run()
            assert v.eval() == 4.0
            v.load(7.0)
            assert sess.run(v * 2.0) == 14.0
            assert tf.get_default_session() is sess
        finally:
            sess.close()
        assert tf.get_default_session() is None
        with pytest.raises(ValueError, match="No default session"):
            v.eval()


def test_tf1_signatures():
    with tf.Graph().as_default():
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        row_sums = tf.reduce_sum(x, reduction_indices=[1], keep_dims=True)
        with tf.Session() as sess:
            assert sess.run(row_sums).tolist() == [[3.0], [7.0]]
            assert sess.run(tf.argmax(x, dimension=1)).tolist() == [1, 1]
            assert sess.run(tf.to_int32(x)).dtype == np.int32
            assert sess.run(tf.div(tf.constant(7), tf.constant(2))) == 3
            labels = tf.placeholder(tf.float32, [None, 2])
            logits = tf.constant([[1.0, 3.0]])
            loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            loss_v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
            assert sess.run(loss, {labels: [[0.0, 1.0]]})[0] == pytest.approx(np.log(1 + np.exp(-2.0)))
            assert tf.gradients(loss, labels)[0] is None  # TF1's version does not differentiate labels
            assert tf.gradients(loss_v2, labels)[0] is not None
            with pytest.raises(ValueError, match="named arguments"):
                tf.nn.softmax_cross_entropy_with_logits(labels, logits)
