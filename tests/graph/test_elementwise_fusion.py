"""The elementwise fusion pass: which nodes it groups, and (check_pass) that graphs compute the same
bits with and without it, on the compiled kernel path and on the op-by-op path."""
import numpy as np
import pytest

import cornu as tf
from cornu.backend import cjit
from cornu.graph import passes
from cornu.graph.passes import elementwise_fusion

from .pass_harness import check_pass, op_counts

rng = np.random.default_rng(0)
BIG = rng.normal(size=(64, 128)).astype("float32")  # above the kernel's size threshold
SMALL = rng.normal(size=(3, 4)).astype("float32")   # below it: not fused


@pytest.fixture(params=["kernel", "op-by-op"])
def path(request, monkeypatch):
    """Run fused nodes with compiled kernels, or op by op (as without a C compiler)."""
    if request.param == "op-by-op":
        from cornu.backend import elementwise
        monkeypatch.setattr(elementwise, "run", lambda program, arrays, out=None: None)
    return request.param


def fused_programs(graph):
    return [[step[0] for step in n.attrs["program"]] for n in graph.nodes if n.op.name == "fused_elementwise"]


def test_a_relu_gradient_chain_becomes_one_node(path):
    def f(dy, y, b):
        return dy * tf.cast(tf.nn.relu(y + b) > 0, tf.float32)
    result = check_pass(elementwise_fusion.run, f, BIG, BIG * 2, BIG[0])
    assert fused_programs(result.after) == [["add", "relu", "greater", "cast", "multiply"]]
    assert len(result.after.nodes) == 1


def test_small_results_are_left_to_numpy():
    def f(dy, y):
        return dy * tf.cast(y > 0, tf.float32), tf.sqrt(tf.abs(tf.reduce_sum(y)) * 2.0 + 1.0)
    result = check_pass(elementwise_fusion.run, f, SMALL, SMALL)
    assert fused_programs(result.after) == []


def test_results_used_elsewhere_stay_outside_the_group(path):
    def f(x, y):
        h = tf.nn.relu(x + y)       # returned and reused: computed once, by its own group
        return h * 2.0 - 1.0, tf.reduce_sum(h), tf.sqrt(h) * h
    result = check_pass(elementwise_fusion.run, f, BIG, BIG)
    assert sorted(fused_programs(result.after)) == [["add", "relu"], ["multiply", "subtract"],
                                                    ["sqrt", "multiply"]]


def test_ops_without_an_exact_c_form_break_chains():
    def f(x):
        return tf.exp(x * 2.0) + 1.0   # exp: libm and NumPy may differ in the last bit
    result = check_pass(elementwise_fusion.run, f, BIG)
    assert fused_programs(result.after) == []
    assert op_counts(result.after)["exp"] == 1

    def g(x):
        return tf.cast(x * 3, tf.float32) * 2.0 + 1.0  # int32 work is not fused; the float chain is
    result = check_pass(elementwise_fusion.run, g, (BIG * 10).astype("int32"))
    assert fused_programs(result.after) == [["multiply", "add"]]
    assert op_counts(result.after)["cast"] == 1


def test_mixed_precision_and_bool_logic(path):
    def f(x, y):
        keep = tf.logical_and(x > 0, tf.logical_not(y < 0))
        return tf.where(keep, tf.cast(x, tf.float64) * 2.0, tf.cast(y, tf.float64))
    result = check_pass(elementwise_fusion.run, f, BIG, -BIG)
    assert op_counts(result.after) == {"fused_elementwise": 1}


@pytest.mark.parametrize("x", [BIG, SMALL], ids=["big", "small"])
def test_training_steps_are_unchanged_by_the_whole_pipeline(x, path):
    """A Dense-relu-Dense step with Adam, through every pass: the same bits for weights and loss."""
    tf.random.set_seed(3)
    model = tf.keras.Sequential([tf.keras.Input((x.shape[1],)), tf.keras.layers.Dense(128, activation="relu"),
                                 tf.keras.layers.Dropout(0.3), tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.Adam(0.01)
    model.build((None, x.shape[1]))

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss
    y = x[:, :1] * 0.5
    result = check_pass(passes.optimize, step, x, y, steps=3)
    assert op_counts(result.after)["fused_elementwise"] >= (1 if x is BIG else 0)


@pytest.mark.skipif(not cjit.available(), reason="no C compiler")
def test_the_kernel_path_is_taken_for_large_inputs(monkeypatch):
    from cornu.ops import elementwise_ops
    calls = []
    monkeypatch.setattr(elementwise_ops, "evaluate", lambda *a: calls.append(a) or pytest.fail("op by op"))

    @tf.function
    def f(x):
        return tf.nn.relu(x * 2.0 + 1.0)
    out = f(BIG)
    np.testing.assert_array_equal(out.numpy(), np.maximum(BIG * np.float32(2) + np.float32(1), 0))
    assert fused_programs(f.get_concrete_function(BIG)._plan.graph) == [["multiply", "add", "relu"]]


def test_printed_graph_names_the_fused_ops():
    @tf.function
    def f(x):
        return tf.nn.relu(x * 2.0 + 1.0)
    text = str(passes.optimize(f.get_concrete_function(BIG).graph))
    assert "fused_elementwise" in text and "program=[multiply, add, relu]" in text
