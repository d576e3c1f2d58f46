"""cornu.function behaves as TF's tf.function: one graph per input signature, Python side effects only
while tracing, variables by reference, nesting, gradients, clear errors, and the same numbers as eager."""
import collections
import gc
import warnings
import weakref

import numpy as np
import pytest

import cornu as tf
from cornu.graph.function import (ConcreteFunction, Function, InputSignatureError, RetracingWarning,
                                  run_functions_eagerly)
from cornu.graph.ir import GraphTensor


def ops_of(concrete):
    return [node.op.name for node in concrete.graph.nodes]


# -- one concrete graph per input signature ---------------------------------------------------------

def test_tensor_args_keyed_by_shape_and_dtype():
    traced = []

    @tf.function
    def f(x):
        traced.append(tuple(x.shape))  # a Python side effect: runs only while tracing
        return x * 2.0 + 1.0

    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [3.0, 5.0])
    np.testing.assert_allclose(f(tf.constant([3.0, 4.0])).numpy(), [7.0, 9.0])  # same signature: no trace
    assert f.experimental_get_tracing_count() == 1 and traced == [(2,)]
    np.testing.assert_allclose(f(tf.constant([1.0, 2.0, 3.0])).numpy(), [3.0, 5.0, 7.0])  # new shape
    assert f.experimental_get_tracing_count() == 2
    f(tf.constant([1.0, 2.0], tf.float64))  # new dtype
    assert f.experimental_get_tracing_count() == 3
    assert traced == [(2,), (3,), (2,)]
    assert isinstance(f, Function)


def test_python_side_effects_only_while_tracing(capsys):
    log = []

    @tf.function
    def f(x):
        print("tracing f")
        log.append("traced")
        return x + 1

    for i in range(3):
        f(tf.constant(float(i)))
    assert capsys.readouterr().out == "tracing f\n"
    assert log == ["traced"]


def test_python_args_keyed_by_value():
    @tf.function
    def power(x, n):
        result = x
        for _ in range(n - 1):  # Python control flow on a Python value is fine: unrolled at trace time
            result = result * x
        return result

    x = tf.constant(2.0)
    assert float(power(x, 3)) == 8.0
    assert float(power(tf.constant(3.0), 3)) == 27.0
    assert power.experimental_get_tracing_count() == 1
    assert float(power(x, 4)) == 16.0  # a new Python value traces again
    assert power.experimental_get_tracing_count() == 2
    assert float(power(x, 3)) == 8.0
    assert power.experimental_get_tracing_count() == 2
    assert ops_of(power.get_concrete_function(x, 4)).count("multiply") == 3


def test_numpy_arrays_are_tensors():
    @tf.function
    def f(x):
        return x * 2

    a = np.array([1.0, 2.0], np.float32)
    np.testing.assert_allclose(f(a).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(np.array([5.0, 6.0], np.float32)).numpy(), [10.0, 12.0])
    assert f.experimental_get_tracing_count() == 1  # keyed by shape and dtype, not by value
    assert f(np.array([1.0, 2.0])).dtype == tf.float64  # arrays keep their dtype, as in TF
    assert f.experimental_get_tracing_count() == 2

    @tf.function
    def identity(x):
        return x

    out = identity(a)
    a[0] = 100.0  # the function saw a copy
    assert out.numpy()[0] == 1.0


def test_input_signature_with_unknown_dims():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def total(x):
        return tf.reduce_sum(x, axis=1)

    np.testing.assert_allclose(total(tf.ones((3, 2))).numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(total(np.ones((5, 2), np.float32)).numpy(), [2.0] * 5)
    np.testing.assert_allclose(total([[1, 2]]).numpy(), [3.0])  # Python lists convert to the spec's dtype
    assert total.experimental_get_tracing_count() == 1
    graph = total.get_concrete_function().graph
    assert [tuple(p.shape) for p in graph.inputs] == [(None, 2)]

    with pytest.raises(ValueError, match=r"shape \(3, 3\).*not compatible.*TensorSpec\(shape=\(None, 2\)"):
        total(tf.ones((3, 3)))
    with pytest.raises(TypeError, match="dtype float64"):
        total(tf.ones((3, 2), tf.float64))
    with pytest.raises(TypeError, match="missing a required argument: 'x'"):
        total()
    with pytest.raises(InputSignatureError):
        total(tf.ones((1, 2, 3)))
    assert total.experimental_get_tracing_count() == 1


def test_input_signature_nested_and_python_defaults():
    @tf.function(input_signature=[{"a": tf.TensorSpec([None]), "b": tf.TensorSpec([None])}])
    def f(d, scale=3.0):
        return (d["a"] + d["b"]) * scale

    out = f({"a": tf.constant([1.0, 2.0]), "b": tf.constant([3.0, 4.0])})
    np.testing.assert_allclose(out.numpy(), [12.0, 18.0])
    out = f({"a": tf.constant([1.0]), "b": tf.constant([1.0])})
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(ValueError, match="structure"):
        f([tf.constant([1.0]), tf.constant([1.0])])


def test_input_signature_must_hold_specs():
    with pytest.raises(TypeError, match="TensorSpec"):
        tf.function(lambda x: x, input_signature=[3])


def test_reduce_retracing_relaxes_dims():
    @tf.function(reduce_retracing=True)
    def f(x):
        return tf.reduce_sum(x * x)

    for n in (2, 3, 4, 5, 6):
        assert float(f(tf.ones((n,)))) == n
    assert f.experimental_get_tracing_count() == 2  # (2,), then (None,) for every other length
    shapes = sorted(str(tuple(c.graph.inputs[0].shape)) for c in f._list_all_concrete_functions())
    assert shapes == ["(2,)", "(None,)"]
    f(tf.ones((2, 3)))  # another rank is another signature
    assert f.experimental_get_tracing_count() == 3

    @tf.function
    def g(x):
        return tf.reduce_sum(x * x)

    for n in (2, 3, 4):
        g(tf.ones((n,)))
    assert g.experimental_get_tracing_count() == 3  # without reduce_retracing: one trace per shape


def test_general_trace_serves_specific_calls():
    @tf.function
    def f(x):
        return x + 1

    concrete = f.get_concrete_function(tf.TensorSpec([None, 3]))
    np.testing.assert_allclose(f(tf.zeros((4, 3))).numpy(), np.ones((4, 3)))
    f(tf.zeros((7, 3)))
    assert f.experimental_get_tracing_count() == 1
    assert f.get_concrete_function(tf.zeros((2, 3))) is concrete


def test_retracing_warning():
    @tf.function
    def f(x):
        return x + 1

    with pytest.warns(RetracingWarning) as record:
        for n in range(1, 7):
            f(tf.ones((n,)))
    message = str(record[0].message)
    assert message.startswith("5 out of the last 5 calls to <cornu.function f> triggered cornu.function "
                              "retracing")
    assert "reduce_retracing=True" in message and "outside of the loop" in message
    assert record[0].filename == __file__  # points at the caller

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(20):  # calls that reuse a graph do not warn
            f(tf.ones((3,)))


def test_retracing_warning_for_function_created_in_a_loop():
    def body(x):
        return x * 3

    with pytest.warns(RetracingWarning, match="creating @cornu.function repeatedly in a loop"):
        for _ in range(6):
            tf.function(body)(tf.constant(1.0))


def test_no_warning_for_a_few_traces():
    @tf.function
    def f(x):
        return x

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n in range(1, 5):
            f(tf.ones((n,)))
            f(tf.ones((n,)))


def test_get_concrete_function_with_specs_and_example_tensors():
    @tf.function
    def f(x, y):
        return tf.matmul(x, y)

    c1 = f.get_concrete_function(tf.TensorSpec([None, 3], tf.float32), tf.TensorSpec([3, 2], tf.float32))
    assert isinstance(c1, ConcreteFunction)
    assert [tuple(t.shape) for t in c1.inputs] == [(None, 3), (3, 2)]
    assert [p.name for p in c1.inputs] == ["x", "y"]
    assert tuple(c1.outputs[0].shape) == (None, 2)
    out = c1(tf.ones((5, 3)), tf.ones((3, 2)))
    np.testing.assert_allclose(out.numpy(), np.full((5, 2), 3.0))
    with pytest.raises(ValueError, match="does not match the traced signature"):
        c1(tf.ones((5, 4)), tf.ones((3, 2)))
    c2 = f.get_concrete_function(tf.ones((2, 3)), tf.ones((3, 2)))  # fits c1: no new trace
    assert c2 is c1 and f.experimental_get_tracing_count() == 1
    c3 = f.get_concrete_function(tf.ones((2, 3), tf.float64), tf.ones((3, 2), tf.float64))
    assert c3 is not c1 and f.experimental_get_tracing_count() == 2
    assert c3.inputs[0].dtype == tf.float64


def test_concrete_function_with_python_args():
    @tf.function
    def f(x, n=2):
        return x * n

    c = f.get_concrete_function(tf.TensorSpec([]), 5)
    assert float(c(tf.constant(2.0), 5)) == 10.0
    assert float(c(tf.constant(2.0))) == 10.0  # the Python value is part of the graph
    assert "n" not in [p.name for p in c.inputs]


# -- variables ---------------------------------------------------------------------------------------

def test_variables_captured_by_reference():
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        return x * v

    assert float(f(tf.constant(2.0))) == 2.0
    v.assign(5.0)  # an eager assign is seen by the next call, without retracing
    assert float(f(tf.constant(2.0))) == 10.0
    assert f.experimental_get_tracing_count() == 1
    concrete = f.get_concrete_function(tf.constant(2.0))
    assert "read_variable" in ops_of(concrete)
    assert concrete.variables == (v,) and concrete.trainable_variables == (v,)


def test_assign_inside_function_updates_in_place():
    counter = tf.Variable(0, dtype=tf.int32)
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def step(delta):
        counter.assign_add(1)
        v.assign_sub(delta)
        before = v.read_value()
        v.assign(v * 2.0)
        return before, v

    for i in range(3):
        before, after = step(tf.constant([1.0, 1.0]))
    assert int(counter.numpy()) == 3
    # [1,2] -> [0,1]*2=[0,2] -> [-1,1]*2=[-2,2] -> [-3,1]*2=[-6,2]
    np.testing.assert_allclose(v.numpy(), [-6.0, 2.0])
    np.testing.assert_allclose(before.numpy(), [-3.0, 1.0])
    np.testing.assert_allclose(after.numpy(), [-6.0, 2.0])
    assert step.experimental_get_tracing_count() == 1
    ops = ops_of(step.get_concrete_function(tf.constant([1.0, 1.0])))
    assert {"assign_add_variable", "assign_sub_variable", "assign_variable"} <= set(ops)


def test_variables_created_on_first_call_only():
    class Scale:
        def __init__(self):
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(2.0)
            return self.v * x

    s = Scale()
    assert float(s(tf.constant(3.0))) == 6.0
    assert float(s(tf.constant(4.0))) == 8.0
    s.v.assign(10.0)
    np.testing.assert_allclose(s(tf.ones((2,))).numpy(), [10.0, 10.0])  # a new trace creates nothing

    @tf.function
    def creates_every_time(x):
        v = tf.Variable(1.0)
        return v + x

    with pytest.raises(ValueError, match="singleton variables created on the first call"):
        creates_every_time(tf.constant(1.0))

    made = []

    @tf.function
    def creates_on_new_shape(x):
        if x.shape[0] == 3:
            made.append(tf.Variable(tf.zeros([3])))
        return x + 1

    creates_on_new_shape(tf.ones((2,)))
    with pytest.raises(ValueError, match="only supports variables created on the first call"):
        creates_on_new_shape(tf.ones((3,)))


def test_variable_initial_value_cannot_be_symbolic():
    @tf.function
    def f(x):
        return tf.Variable(x)

    with pytest.raises(ValueError, match="symbolic"):
        f(tf.constant(1.0))


def test_variable_arguments_are_captured():
    @tf.function
    def bump(var, delta):
        var.assign_add(delta)
        return var.read_value()

    a, b = tf.Variable(1.0), tf.Variable(10.0)
    assert float(bump(a, tf.constant(1.0))) == 2.0
    assert float(bump(b, tf.constant(1.0))) == 11.0
    assert float(bump(a, tf.constant(1.0))) == 3.0
    assert float(a.numpy()) == 3.0 and float(b.numpy()) == 11.0


# -- methods, arguments, structures ------------------------------------------------------------------

class Counter:
    def __init__(self, step):
        self.step = step
        self.traces = 0

    @tf.function
    def add(self, x):
        self.traces += 1
        return x + self.step


def test_methods_have_per_instance_caches():
    a, b = Counter(1.0), Counter(10.0)
    assert float(a.add(tf.constant(1.0))) == 2.0
    assert float(b.add(tf.constant(1.0))) == 11.0
    assert float(a.add(tf.constant(5.0))) == 6.0
    assert a.traces == 1 and b.traces == 1
    assert a.add is a.add and a.add is not b.add
    assert a.add.experimental_get_tracing_count() == 1
    assert isinstance(Counter.add, Function)
    ref = weakref.ref(b)
    del b
    gc.collect()
    assert ref() is None  # the per-instance cache does not keep the instance alive


def test_keyword_arguments_and_defaults():
    @tf.function
    def f(x, scale=2.0, *, shift=0.0):
        return x * scale + shift

    x = tf.constant(1.0)
    assert float(f(x)) == 2.0
    assert float(f(x, 2.0)) == 2.0
    assert float(f(x, scale=2.0)) == 2.0
    assert float(f(scale=2.0, x=x)) == 2.0
    assert f.experimental_get_tracing_count() == 1  # all the same call once defaults are bound
    assert float(f(x, shift=1.0)) == 3.0
    assert float(f(x, scale=tf.constant(4.0))) == 4.0
    assert f.experimental_get_tracing_count() == 3
    with pytest.raises(TypeError, match="f\\(\\)"):
        f(x, 1.0, 2.0)


def test_nested_structures_in_and_out():
    Pair = collections.namedtuple("Pair", ["first", "second"])

    @tf.function
    def f(batch, pairs):
        total = batch["image"] * 2 + tf.reduce_sum(batch["label"])
        return {"total": total, "pairs": [Pair(p.second, p.first) for p in pairs],
                "extra": (total - 1, None, "text", 3)}

    batch = {"label": tf.constant([1.0, 2.0]), "image": tf.ones((2, 2))}
    pairs = [Pair(tf.constant(1), tf.constant(2.0)), Pair(tf.constant(3), tf.constant(4.0))]
    out = f(batch, pairs)
    np.testing.assert_allclose(out["total"].numpy(), np.full((2, 2), 5.0))
    assert isinstance(out["pairs"][0], Pair)
    assert float(out["pairs"][1].first) == 4.0 and int(out["pairs"][1].second) == 3
    assert out["extra"][1:] == (None, "text", 3)
    np.testing.assert_allclose(out["extra"][0].numpy(), np.full((2, 2), 4.0))
    f({"image": tf.zeros((2, 2)), "label": tf.constant([0.0, 0.0])}, pairs)  # dict order does not matter
    assert f.experimental_get_tracing_count() == 1


def test_returning_python_values_and_none():
    @tf.function
    def nothing(x):
        x + 1

    @tf.function
    def python_value(x):
        return 3

    @tf.function
    def mixed(x):
        return x, "label", None, tf.constant(7.0)

    assert nothing(tf.constant(1.0)) is None
    assert python_value(tf.constant(1.0)) == 3
    x, label, none, seven = mixed(tf.constant(2.0))
    assert float(x) == 2.0 and label == "label" and none is None and float(seven) == 7.0


def test_keras_layer_with_traced_call():
    class Doubler(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones")

        @tf.function
        def call(self, x, training=None):
            return tf.matmul(x, self.w) * 2.0

    layer = Doubler()
    np.testing.assert_allclose(layer(tf.ones((2, 3))).numpy(), np.full((2, 2), 6.0))
    inputs = tf.keras.Input((3,))
    outputs = Doubler()(inputs)  # Keras symbolic tensors: shape inference through the graph's ops
    assert tuple(outputs.shape) == (None, 2)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32), batch_size=4, epochs=2, verbose=0)
    assert float(np.abs(model.predict(np.ones((1, 3), np.float32), verbose=0)).max()) < 6.0


def test_model_built_lazily_inside_function():
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(2)])
    optimizer = tf.keras.optimizers.Adam(0.01)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        return loss

    losses = [float(step(tf.ones((3, 5)), tf.zeros((3, 2)))) for _ in range(3)]
    assert losses[2] < losses[0] and step.experimental_get_tracing_count() == 1


def test_docstring_examples_run():
    import doctest
    from cornu.graph import function as module
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_run_functions_eagerly():
    @tf.function
    def f(x):
        return x.numpy() + 1  # needs a value: only works when run eagerly

    run_functions_eagerly(True)
    try:
        assert f(tf.constant(1.0)) == 2.0
        assert f.experimental_get_tracing_count() == 0
    finally:
        run_functions_eagerly(False)


# -- nesting and gradients ---------------------------------------------------------------------------

def test_inner_function_is_inlined_into_outer_trace():
    v = tf.Variable(3.0)

    @tf.function
    def inner(x, n):
        return x * v + n

    @tf.function
    def outer(x):
        return inner(x, 1.0) * inner(x, 1.0) + inner(x, 2.0)

    assert float(outer(tf.constant(2.0))) == 7.0 * 7.0 + 8.0
    assert inner.experimental_get_tracing_count() == 2  # n=1.0 and n=2.0, traced once each
    ops = ops_of(outer.get_concrete_function(tf.constant(2.0)))
    assert ops.count("multiply") == 4 and "read_variable" in ops  # inner's ops, inline
    v.assign(1.0)
    assert float(outer(tf.constant(2.0))) == 3.0 * 3.0 + 4.0


def test_inner_function_closing_over_outer_tensor():
    @tf.function
    def outer(x):
        y = x * 2.0

        @tf.function
        def inner(z):
            return z + y  # a tensor of the enclosing trace

        return inner(x)

    assert float(outer(tf.constant(3.0))) == 9.0


def test_gradient_through_function_under_outer_tape():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    b = tf.Variable([0.5, -0.5])

    @tf.function
    def layer(x):
        return tf.reduce_sum(tf.tanh(tf.matmul(x, w) + b))

    def eager(x):
        return tf.reduce_sum(tf.tanh(tf.matmul(x, w) + b))

    x = tf.constant([[0.1, 0.2], [-0.3, 0.4]])
    results = []
    for fn in (layer, eager):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        results.append(tape.gradient(y, [x, w, b]))
    for g_traced, g_eager in zip(*results):
        assert g_traced is not None
        np.testing.assert_allclose(g_traced.numpy(), g_eager.numpy(), rtol=1e-6)
    assert layer.experimental_get_tracing_count() == 1

    # without a tape, the compiled plan runs and gives the same value
    np.testing.assert_allclose(layer(x).numpy(), eager(x).numpy(), rtol=1e-6)


def test_second_order_gradient_through_function_under_outer_tapes():
    @tf.function
    def cube(x):
        return x * x * x

    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = cube(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert float(dy) == 12.0 and float(d2y) == 12.0


def test_gradient_tape_inside_function_first_and_second_order():
    @tf.function
    def derivatives(x):
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x) * x
            dy = t1.gradient(y, x)
        d2y = t2.gradient(dy, x)
        return y, dy, d2y

    xs = np.array([0.3, 1.2, -0.7], np.float32)
    y, dy, d2y = derivatives(tf.constant(xs))
    np.testing.assert_allclose(y.numpy(), np.sin(xs) * xs, rtol=1e-5)
    np.testing.assert_allclose(dy.numpy(), np.cos(xs) * xs + np.sin(xs), rtol=1e-5)
    np.testing.assert_allclose(d2y.numpy(), 2 * np.cos(xs) - xs * np.sin(xs), rtol=1e-5, atol=1e-6)
    ops = ops_of(derivatives.get_concrete_function(tf.constant(xs)))
    assert ops.count("sin") >= 2 and "cos" in ops  # backward of sin, and of its gradient


def test_gradient_of_captured_variables_inside_function():
    w = tf.Variable([1.0, -2.0, 3.0])

    @tf.function
    def grad(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(w * x))
        return tape.gradient(loss, w)

    x = tf.constant([1.0, 2.0, 3.0])
    np.testing.assert_allclose(grad(x).numpy(), 2 * w.numpy() * x.numpy() ** 2)
    w.assign([0.0, 1.0, 0.0])
    np.testing.assert_allclose(grad(x).numpy(), [0.0, 8.0, 0.0])


# -- errors ------------------------------------------------------------------------------------------

def test_tensor_as_python_bool_is_a_clear_error():
    @tf.function
    def relu(x):
        if x > 0:
            return x
        return tf.zeros_like(x)

    with pytest.raises(TypeError) as info:
        relu(tf.constant(1.0))
    message = str(info.value)
    assert "Python bool" in message and "cornu.where" in message and "cond" in message
    assert "not traced" in message and "'relu'" in message

    @tf.function
    def fixed(x):
        return tf.where(x > 0, x, tf.zeros_like(x))

    np.testing.assert_allclose(fixed(tf.constant([-1.0, 2.0])).numpy(), [0.0, 2.0])


def test_numpy_inside_function_is_a_clear_error():
    @tf.function
    def f(x):
        return x.numpy() + 1

    with pytest.raises(TypeError, match=r"\.numpy\(\) is not available inside cornu.function 'f'"):
        f(tf.constant(1.0))

    @tf.function
    def g(x):
        return float(x)

    with pytest.raises(TypeError, match=r"float\(\) is not available"):
        g(tf.constant(1.0))

    @tf.function
    def h(x):
        return np.asarray(x)

    with pytest.raises(TypeError, match="NumPy"):
        h(tf.constant(1.0))


def test_traced_tensors_print_as_graph_tensors():
    seen = []

    @tf.function
    def f(x):
        y = x * 2
        seen.append(repr(y))
        assert isinstance(y, GraphTensor) and y.name == "multiply:0"
        assert len(list(x)) == 3  # a static first dimension can be iterated
        return y

    f(tf.ones((3, 2)))
    assert seen == ["<cornu.Tensor 'multiply:0' shape=(3, 2) dtype=float32>"]


def test_shape_errors_raised_at_trace_time_name_op_and_shapes():
    ran = []

    @tf.function
    def f(a, b):
        ran.append(True)
        return tf.matmul(a, b)

    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        f(tf.ones((2, 3)), tf.ones((4, 5)))
    message = str(info.value)
    assert "matmul" in message and "(2, 3)" in message and "(4, 5)" in message

    @tf.function
    def g(a, b):
        return a + b

    with pytest.raises(ValueError) as info:
        g(tf.ones((2, 3)), tf.ones((4, 5)))
    message = str(info.value)
    assert message.startswith("add:") and "float32[2, 3]" in message and "float32[4, 5]" in message
    assert "while tracing cornu.function 'g'" in message
    assert g.experimental_get_tracing_count() == 0 and not g._cache  # nothing cached, nothing ran


def test_errors_when_the_graph_runs_match_eager():
    def f(x, i):
        return tf.gather(x, i)

    x, i = tf.constant([1.0, 2.0]), tf.constant([5])
    with pytest.raises(tf.errors.InvalidArgumentError, match="gather"):
        f(x, i)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"gather: .*input shapes: \(2,\), \(1,\); while running node gather"):
        tf.function(f)(x, i)


# -- compiled equals eager ---------------------------------------------------------------------------

def _same(fn, *args, rtol=1e-6, atol=1e-7):
    eager = fn(*args)
    compiled = tf.function(fn)(*args)
    for e, c in zip(tf.nest.flatten(eager), tf.nest.flatten(compiled)):
        assert e.dtype == c.dtype and tuple(e.shape) == tuple(c.shape)
        np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=rtol, atol=atol)


rng = np.random.default_rng(0)
A = rng.normal(size=(4, 5)).astype(np.float32)
B = rng.normal(size=(5, 3)).astype(np.float32)


def test_equivalence_elementwise():
    _same(lambda x, y: tf.exp(-x * x) + tf.nn.relu(x) * y - tf.abs(y) / (1.0 + tf.square(x)),
          tf.constant(A), tf.constant(A[::-1].copy()))


def test_equivalence_matmul():
    _same(lambda x, y: (tf.matmul(x, y), tf.matmul(x, x, transpose_b=True)), tf.constant(A), tf.constant(B))


def test_equivalence_reductions():
    _same(lambda x: (tf.reduce_sum(x), tf.reduce_mean(x, axis=0), tf.reduce_max(x, axis=1, keepdims=True),
                     tf.reduce_min(x), tf.argmax(x, axis=1), tf.reduce_logsumexp(x, axis=1)), tf.constant(A))


def test_equivalence_gather():
    _same(lambda x, i: (tf.gather(x, i), tf.gather(x, i, axis=1)), tf.constant(A),
          tf.constant([3, 0, 2], tf.int32))


def test_equivalence_conv2d():
    images = rng.normal(size=(2, 6, 6, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    _same(lambda x, k: (tf.nn.conv2d(x, k, strides=1, padding="SAME"),
                        tf.nn.conv2d(x, k, strides=2, padding="VALID")),
          tf.constant(images), tf.constant(kernel), rtol=1e-5, atol=1e-5)


def test_equivalence_dropout_with_seed():
    def f(x):
        return tf.nn.dropout(x, rate=0.5) + tf.random.uniform((3, 3))

    x = tf.ones((3, 3))
    compiled = tf.function(f)
    compiled.get_concrete_function(x)  # trace outside the seeded region: tracing draws nothing
    tf.random.set_seed(42)
    eager = [f(x).numpy() for _ in range(3)]
    tf.random.set_seed(42)
    graph = [compiled(x).numpy() for _ in range(3)]
    for e, g in zip(eager, graph):
        np.testing.assert_array_equal(g, e)
    assert not np.array_equal(eager[0], eager[1])  # each run draws anew


def _mlp_train_step_results(compiled):
    tf.keras.backend.clear_session()
    tf.random.set_seed(1)
    model = tf.keras.Sequential([tf.keras.Input((6,)), tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    optimizer = tf.keras.optimizers.Adam(0.01)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        return loss

    if compiled:
        step = tf.function(step)
    data = np.random.default_rng(3)
    x = data.normal(size=(10, 6)).astype(np.float32)
    y = data.integers(0, 3, 10).astype(np.int32)
    losses = [float(step(tf.constant(x), tf.constant(y))) for _ in range(5)]
    if compiled:
        assert step.experimental_get_tracing_count() == 1
    return losses, [w.numpy() for w in model.weights], int(optimizer.iterations.numpy())


def test_equivalence_mlp_train_step_with_optimizer():
    eager_losses, eager_weights, eager_iterations = _mlp_train_step_results(compiled=False)
    losses, weights, iterations = _mlp_train_step_results(compiled=True)
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-5)
    assert iterations == eager_iterations == 5
    for w, e in zip(weights, eager_weights):
        np.testing.assert_allclose(w, e, rtol=1e-5, atol=1e-6)
    assert losses[-1] < losses[0]


def test_equivalence_mean_gradient_with_unknown_batch():
    w = tf.Variable([[0.5], [-0.25]])

    def grad(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
        return tape.gradient(loss, w)

    x = tf.constant(A[:, :2])
    compiled = tf.function(grad, input_signature=[tf.TensorSpec([None, 2])])
    np.testing.assert_allclose(compiled(x).numpy(), grad(x).numpy(), rtol=1e-6)


def _cnn_fit(run_eagerly, x, y):
    tf.keras.backend.clear_session()
    tf.random.set_seed(7)
    layers = tf.keras.layers
    model = tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"), layers.BatchNormalization(),
        layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.3), layers.Dense(3)])
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], run_eagerly=run_eagerly)
    tf.random.set_seed(11)
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    evaluation = model.evaluate(x, y, verbose=0)
    predictions = model.predict(x, verbose=0)  # batches of 32 and 8
    return history.history, [w.numpy() for w in model.weights], evaluation, predictions


def test_keras_fit_compiled_equals_eager(monkeypatch):
    data = np.random.default_rng(0)
    x = data.normal(size=(40, 8, 8, 1)).astype(np.float32)
    y = data.integers(0, 3, 40)
    traced = []
    original = Function._trace

    def spy(self, *args, **kwargs):
        traced.append(self._name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Function, "_trace", spy)
    eager = _cnn_fit(True, x, y)
    assert traced == []
    compiled = _cnn_fit(False, x, y)
    # batches of 16, 16, 8: the first runs eagerly, the others through graphs (one per batch shape)
    assert traced.count("train_step") == 2 and "test_step" in traced and "predict_step" in traced
    assert compiled[0] == eager[0]
    for c, e in zip(compiled[1], eager[1]):
        np.testing.assert_allclose(c, e, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(compiled[2], eager[2], rtol=1e-6)
    np.testing.assert_allclose(compiled[3], eager[3], rtol=1e-5, atol=1e-6)
