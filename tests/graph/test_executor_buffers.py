"""Buffer planning in the graph executor: arrays are reused between runs and written in place only
when nothing else can see them."""
import numpy as np

import cornu as tf
from cornu.graph.executor import Plan

X = np.random.default_rng(0).normal(size=(64, 32)).astype("float32")
W = np.random.default_rng(1).normal(size=(32, 48)).astype("float32")


def _plan(fn, *args):
    concrete = tf.function(fn).get_concrete_function(*args)
    graph = concrete.graph  # unoptimized: each op is its own step
    return Plan(graph, graph.outputs), graph


def _step(plan, op_name):
    return next(i for i, step in enumerate(plan.steps) if step[5].op.name == op_name)


def test_a_step_reuses_its_array_from_the_last_run():
    plan, _ = _plan(lambda x, w: tf.reduce_sum(tf.matmul(x, w)), X, W)
    i = _step(plan, "matmul")
    plan.run([X, W])
    kept = id(plan.buffers[i])  # (holding the array itself would keep it from reuse)
    second = plan.run([X * 2, W])
    assert id(plan.buffers[i]) == kept
    np.testing.assert_allclose(second[0], ((X * 2) @ W).sum(), rtol=1e-4)


def test_arrays_the_caller_holds_are_never_written():
    plan, _ = _plan(lambda x, w: tf.matmul(x, w), X, W)
    first = plan.run([X, W])[0]
    expected = first.copy()
    second = plan.run([X * 3, W])[0]
    np.testing.assert_array_equal(first, expected)  # the first result was not reused as a buffer
    assert second is not first
    np.testing.assert_allclose(second, (X * 3) @ W, rtol=1e-5, atol=1e-5)


def test_a_live_view_of_an_array_keeps_it_from_reuse():
    plan, _ = _plan(lambda x, w: tf.reshape(tf.matmul(x, w), (-1,)), X, W)
    first = plan.run([X, W])[0]  # a reshaped view of the product
    expected = first.copy()
    plan.run([X * 5, W])
    np.testing.assert_array_equal(first, expected)


def test_elementwise_ops_write_in_place_into_inputs_read_last():
    plan, _ = _plan(lambda x, w: tf.reduce_sum(tf.nn.relu(tf.matmul(x, w))), X, W)
    m, r = _step(plan, "matmul"), _step(plan, "relu")
    seen = []
    forward = plan.steps[r][0]
    plan.steps[r] = (lambda xp, x, out=None: seen.append((x, out)) or forward(xp, x, out=out),) + plan.steps[r][1:]
    plan.compile()
    out = plan.run([X, W])[0]
    np.testing.assert_allclose(out, np.maximum(X @ W, 0).sum(), rtol=1e-5)
    x, given = seen[0]
    assert given is x  # relu overwrote the product, which nothing else reads
    assert plan.buffers[r] is None and plan.buffers[m] is x


def test_inputs_read_later_or_fetched_are_not_overwritten():
    def f(x, w):
        h = tf.matmul(x, w)
        return tf.nn.relu(h), h  # the product is an output: relu must not write into it
    plan, _ = _plan(f, X, W)
    for _ in range(2):
        relu, product = plan.run([X, W])
        np.testing.assert_allclose(product, X @ W, rtol=1e-5)
        np.testing.assert_array_equal(relu, np.maximum(product, 0))


def test_a_variable_assigned_an_array_keeps_its_value():
    v = tf.Variable(np.zeros((64, 48), "float32"))

    @tf.function
    def f(x, w):
        v.assign(tf.matmul(x, w))
        return tf.reduce_sum(v)
    f(X, W)
    held = v.numpy().copy()
    f(X * 7, W)
    f(X * 7, W)
    np.testing.assert_allclose(v.numpy(), (X * 7) @ W, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(held, X @ W, rtol=1e-5, atol=1e-5)


def test_training_with_buffers_matches_eager_training():
    def make():
        tf.keras.utils.set_random_seed(4)
        model = tf.keras.Sequential([tf.keras.Input((32,)), tf.keras.layers.Dense(48, activation="relu"),
                                     tf.keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model
    y = X[:, :1] * 2
    compiled, eager = make(), make()
    eager.compile(optimizer="adam", loss="mse", run_eagerly=True)
    compiled.fit(X, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    eager.fit(X, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(a, b)
