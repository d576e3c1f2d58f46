"""The standard graph passes (constant folding, simplification, CSE, DCE): what each does to small graphs,
and, through `check_pass`, that graphs compute the same bits with and without them, on training steps
with variables, optimizers, random draws and dropout."""
import numpy as np
import pytest

import cornu as tf
from cornu.core.registry import REGISTRY, Op, Spec
from cornu.graph import passes
from cornu.graph.executor import Plan
from cornu.graph.ir import Graph
from cornu.graph.passes import constant_folding, cse, dce, simplify

from .pass_harness import check_pass, effect_name, op_counts

ALL = [constant_folding.run, simplify.run, cse.run, dce.run, passes.optimize]
NAMES = ["constant_folding", "simplify", "cse", "dce", "pipeline"]
OPS = REGISTRY


def spec(*shape, dtype=tf.float32):
    return tf.TensorSpec(shape, dtype)


def build(*input_specs):
    """A hand-built graph (ops added directly, so nothing is simplified while building it)."""
    g = Graph("g")
    xs = [g.placeholder(s.shape, s.dtype, f"x{i}") for i, s in enumerate(input_specs)]
    return g, xs


def run_graph(graph, *feeds):
    return Plan(graph, graph.outputs).run([np.asarray(f) for f in feeds])


def assert_bitwise(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), (a, b)


def same(a, b):
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def traced(fn, *specs):
    return tf.function(fn).get_concrete_function(*specs).graph


def test_standard_passes_are_in_the_pipeline_in_order():
    names = [getattr(p, "__module__", "").rsplit(".", 1)[-1] for p in passes.PIPELINE]
    standard = [n for n in names if n in ("constant_folding", "simplify", "cse", "dce")]
    assert standard == ["constant_folding", "simplify", "cse", "dce"]


# -- dead-code elimination ------------------------------------------------------------------------------
def test_dce_drops_unused_nodes_and_keeps_placeholders():
    def f(x, unused):
        tf.exp(x)  # result ignored
        a = tf.sin(x)
        tf.reduce_sum(a)  # uses a, but nothing uses it
        return a * 2.0
    g = traced(f, spec(3), spec(2))
    out = dce.run(g)
    assert [n.op.name for n in out.nodes] == ["sin", "multiply"]
    assert same(out.inputs, g.inputs) and len(g.nodes) == 4  # the input graph is untouched
    assert str(out) == ("graph f(%x: float32[3], %unused: float32[2]) {\n"
                        "  %sin = sin(%x) : float32[3]\n"
                        "  %multiply = multiply(%sin, const(2)) : float32[3]\n"
                        "  return %multiply\n"
                        "}")
    check_pass(dce.run, f, np.ones(3, "float32"), np.ones(2, "float32"))


def test_dce_keeps_writes_and_random_draws_but_drops_unused_reads():
    v = tf.Variable([1.0, 2.0])

    def f(x):
        v.read_value()                       # an unused read: may go
        tf.random.normal([2])                # an unused draw: stays, later draws depend on it
        v.assign(x * 3.0)                    # a write nobody reads: stays
        return x + tf.random.uniform([2])
    result = check_pass(dce.run, f, np.ones(2, "float32"))
    ops = op_counts(result.after)
    assert ops["random_normal"] == 1 and ops["assign_variable"] == 1 and ops["random_uniform"] == 1
    assert ops["read_variable"] == op_counts(result.before)["read_variable"] - 1


def test_dce_keeps_a_multi_output_node_when_one_output_is_used():
    def f(x):
        a, b, c = tf.split(x, 3)
        return b
    out = check_pass(dce.run, f, np.arange(6, dtype="float32")).after
    assert op_counts(out)["split"] == 1


# -- constant folding -------------------------------------------------------------------------------
def test_constant_chains_fold_transitively():
    c = tf.constant([1.0, 2.0, 3.0])

    def f(x):
        k = tf.exp(c * 2.0) + tf.reduce_sum(c)  # constant: folds to one captured value
        return x * k
    result = check_pass(constant_folding.run, f, np.ones(3, "float32"))
    assert [n.op.name for n in result.after.nodes] == ["multiply"]
    folded = result.after.nodes[0].inputs[1]
    assert_bitwise(folded._value, (tf.exp(c * 2.0) + tf.reduce_sum(c)).numpy())
    assert "const<float32[3]>" in str(result.after)


@pytest.mark.parametrize("dtype", [tf.float16, tf.float64, tf.int32, tf.int64, tf.uint8])
def test_folding_keeps_dtypes_and_bits(dtype):
    c = tf.constant(np.arange(1, 7).reshape(2, 3), dtype=dtype)

    def f(x):
        k = tf.reduce_sum(c * c, axis=0) + tf.cast(tf.constant(1.5), dtype)
        return x + k, k
    x = np.ones(3, dtype.as_numpy_dtype)
    result = check_pass(constant_folding.run, f, x, random_inputs=0)
    eager = f(tf.constant(x))
    for got, want in zip(result.outputs, eager):
        assert_bitwise(got, want.numpy())
    assert op_counts(result.after) == {"add": 1}


def test_folding_leaves_stateful_and_symbolic_nodes():
    v = tf.Variable(2.0)

    def f(x):
        return x * v + tf.random.normal([]) * tf.constant(2.0) + tf.exp(x)
    result = check_pass(constant_folding.run, f, np.float32(1.0))
    assert op_counts(result.after) == op_counts(result.before)


def test_folding_a_multi_output_node():
    c = tf.constant(np.arange(6.0, dtype="float32"))

    def f(x):
        a, b = tf.split(c, 2)
        return x * a + b
    result = check_pass(constant_folding.run, f, np.ones(3, "float32"))
    assert op_counts(result.after) == {"multiply": 1, "add": 1}


def test_shape_only_inputs_fold_when_the_shape_is_static():
    def f(x):
        return tf.ones_like(tf.reduce_sum(x, axis=1)) * 3.0, tf.zeros_like(x)
    result = check_pass(constant_folding.run, f, np.ones((2, 3), "float32"))
    assert op_counts(result.after) == {"reduce_sum": 1}  # now unused: DCE's job
    assert dce.run(result.after).nodes == [] and len(result.after.outputs) == 2
    # with an unknown batch size the shape is known only when the graph runs: nothing folds
    g = tf.function(f, input_signature=[spec(None, 3)]).get_concrete_function().graph
    assert op_counts(constant_folding.run(g))["ones_like"] == 1


def test_a_node_whose_forward_fails_is_left_for_the_executor():
    boom = Op("test_boom", lambda xp, x: x[10], lambda x: Spec((), x.dtype))  # not registered
    g, (x,) = build(spec(2))
    bad = g.add(boom, (tf.constant([1.0, 2.0]),), {})
    g.outputs = [g.add(OPS["add"], (x, bad), {})]
    out = constant_folding.run(g)
    assert [n.op.name for n in out.nodes] == ["test_boom", "add"]
    with pytest.raises((IndexError, tf.errors.InvalidArgumentError)):
        run_graph(out, np.ones(2, "float32"))


class Stream:
    """A stateful object passed as an attribute (like augmentation layers' seed streams)."""

    def __init__(self):
        self.calls = 0

    def next(self):
        self.calls += 1
        return self.calls


_draw = Op("test_draw", lambda xp, x, stream: x * 0 + stream.next(), lambda x, stream: Spec(x.shape, x.dtype))


def test_nodes_with_stateful_attributes_are_not_folded_merged_or_dropped():
    stream = Stream()
    g, (x,) = build(spec(2))
    c = tf.constant([1.0, 1.0])
    a = g.add(_draw, (c,), {"stream": stream})
    g.add(_draw, (c,), {"stream": stream})  # unused
    b = g.add(_draw, (c,), {"stream": stream})
    g.outputs = [g.add(OPS["add"], (a, b), {})]
    out = passes.optimize(g)
    assert op_counts(out)["test_draw"] == 3
    assert_bitwise(run_graph(out, np.ones(2, "float32"))[0], np.array([4.0, 4.0], "float32"))  # 1 + 3


# -- common subexpression elimination ----------------------------------------------------------------
def test_cse_merges_identical_nodes():
    def f(x):
        a = tf.exp(x) * tf.constant(2.0)
        b = tf.exp(x) * tf.constant(2.0)  # another constant object with the same value
        return a + b, tf.reduce_sum(x, axis=0), tf.reduce_sum(x, axis=1)
    result = check_pass(cse.run, f, np.ones((2, 2), "float32"))
    assert op_counts(result.after) == {"exp": 1, "multiply": 1, "add": 1, "reduce_sum": 2}
    assert "add(%multiply, %multiply)" in str(result.after)


def test_cse_compares_attributes_robustly():
    g, (x,) = build(spec(4, 4))
    key = (slice(1, None), slice(None, None, 2))
    idx = np.array([0, 2])
    outs = [g.add(OPS["getitem"], (x,), {"key": key}),
            g.add(OPS["getitem"], (x,), {"key": (slice(1, None), slice(None, None, 2))}),   # equal
            g.add(OPS["getitem"], (x,), {"key": (idx,)}),
            g.add(OPS["getitem"], (x,), {"key": (np.array([0, 2]),)}),                     # equal
            g.add(OPS["getitem"], (x,), {"key": (np.array([0, 3]),)}),
            g.add(OPS["getitem"], (x,), {"key": (Ellipsis, 1)}),
            g.add(OPS["getitem"], (x,), {"key": (Ellipsis, True)}),                        # 1 is not True
            g.add(OPS["cast"], (x,), {"dtype": tf.float64}),
            g.add(OPS["cast"], (x,), {"dtype": tf.float64}),                                # equal
            g.add(OPS["cast"], (x,), {"dtype": tf.float16}),
            g.add(OPS["multiply"], (x, tf.constant(0.0)), {}),
            g.add(OPS["multiply"], (x, tf.constant(-0.0)), {})]                             # -0.0 is not 0.0
    g.outputs = outs
    out = cse.run(g)
    assert len(out.nodes) == len(g.nodes) - 3
    assert out.outputs[1] is outs[0] and out.outputs[3] is outs[2] and out.outputs[8] is outs[7]
    feeds = [np.arange(16, dtype="float32").reshape(4, 4)]
    for a, b in zip(run_graph(g, *feeds), run_graph(out, *feeds)):
        assert_bitwise(a, b)


def test_cse_never_merges_stateful_nodes():
    v = tf.Variable([1.0, 2.0])

    def f(x):
        a = v.read_value() * 2.0
        v.assign_add(x)
        b = v.read_value() * 2.0  # the same expression, after a write: must not be merged
        return a, b, tf.random.normal([2]), tf.random.normal([2])
    result = check_pass(cse.run, f, np.ones(2, "float32"))
    assert op_counts(result.after) == op_counts(result.before)
    a, b, r1, r2 = result.outputs
    assert not np.array_equal(a, b) and not np.array_equal(r1, r2)


def test_cse_merges_multi_output_nodes():
    def f(x):
        a1, a2 = tf.split(x, 2)
        b1, b2 = tf.split(x, 2)
        return a1 + b1, a2 - b2
    result = check_pass(cse.run, f, np.arange(4, dtype="float32"))
    assert op_counts(result.after)["split"] == 1
    assert "add(%split:0, %split:0)" in str(result.after)


# -- algebraic simplification --------------------------------------------------------------------------
def test_simplify_removes_exact_identities():
    g, (x, i) = build(spec(2, 3), spec(2, 3, dtype=tf.int32))
    one, zero, neg_zero = tf.constant(1.0), tf.constant(0.0), tf.constant(-0.0)
    y = g.add(OPS["multiply"], (x, one), {})
    y = g.add(OPS["multiply"], (tf.constant([1.0, 1.0, 1.0]), y), {})
    y = g.add(OPS["divide"], (y, one), {})
    y = g.add(OPS["subtract"], (y, zero), {})
    y = g.add(OPS["add"], (neg_zero, y), {})
    y = g.add(OPS["negative"], (g.add(OPS["negative"], (y,), {}),), {})
    y = g.add(OPS["identity"], (y,), {})
    y = g.add(OPS["cast"], (y,), {"dtype": tf.float32})
    y = g.add(OPS["transpose"], (g.add(OPS["transpose"], (y,), {"perm": (1, 0)}),), {"perm": (1, 0)})
    y = g.add(OPS["reshape"], (y,), {"shape": (2, 3)})
    k = g.add(OPS["add"], (i, tf.constant(0, dtype=tf.int32)), {})  # integers: + 0 is exact
    g.outputs = [y, k]
    out = simplify.run(g)
    assert same(out.outputs, [x, i])
    assert op_counts(dce.run(out)) == {}
    print(dce.run(out))


def test_simplify_keeps_what_is_not_exact_or_changes_shape_or_dtype():
    g, (x, n) = build(spec(3), spec(3, dtype=tf.int64))
    outs = [g.add(OPS["add"], (x, tf.constant(0.0)), {}),              # -0.0 + 0.0 is +0.0
            g.add(OPS["subtract"], (x, tf.constant(-0.0)), {}),        # -0.0 - -0.0 is +0.0
            g.add(OPS["add"], (x, tf.constant(np.zeros((2, 3), "float32"))), {}),   # broadcasts x
            g.add(OPS["multiply"], (x, tf.constant(np.ones(3))), {}),  # float64 one: NumPy promotes
            g.add(OPS["multiply"], (x, tf.constant([1.0, 1.0, 2.0])), {}),
            g.add(OPS["divide"], (n, tf.constant(1, dtype=tf.int64)), {}),  # via float64: rounds
            g.add(OPS["cast"], (x,), {"dtype": tf.float64}),
            g.add(OPS["transpose"], (g.add(OPS["transpose"], (x,), {"perm": (0,)}),), {"perm": (0,)})]
    g.outputs = outs
    out = simplify.run(g)
    assert same(out.outputs[:7], outs[:7]) and out.outputs[7] is x
    neg = np.array([-0.0, 1.0, 2.0], "float32")
    big = np.array([2 ** 60 + 1, 3, 5], "int64")
    for a, b in zip(run_graph(g, neg, big), run_graph(out, neg, big)):
        assert_bitwise(a, b)
    assert np.signbit(run_graph(g, neg, big)[0][0]) == 0  # why `x + 0.0` stays


def test_simplify_leaves_complex_arithmetic():
    g, (z,) = build(spec(2, dtype=tf.complex64))
    one = tf.constant(np.ones(2, "complex64"))
    g.outputs = [g.add(OPS["multiply"], (z, one), {}), g.add(OPS["divide"], (z, one), {})]
    out = simplify.run(g)
    assert op_counts(out) == {"multiply": 1, "divide": 1}
    inf = np.array([complex(1.0, np.inf), 2.0], "complex64")
    with np.errstate(invalid="ignore"):
        assert np.isnan(run_graph(g, inf)[0][0].real)  # why: (1+inf j) * (1+0j) has a NaN real part


def test_simplify_composes_transposes_and_reshapes():
    def f(x):
        t = tf.transpose(tf.transpose(x, [1, 2, 0]), [2, 0, 1])   # the inverse: x
        u = tf.transpose(tf.transpose(x, [1, 0, 2]), [0, 2, 1])   # one transpose, perm (1, 2, 0)
        r = tf.reshape(tf.reshape(x, [6, 4]), [-1, 2])            # one reshape
        s = tf.reshape(tf.reshape(x, [24]), [2, 3, 4])            # x
        return t + s, u, r
    result = check_pass(passes.optimize, f, np.arange(24, dtype="float32").reshape(2, 3, 4))
    assert op_counts(result.after) == {"add": 1, "transpose": 1, "reshape": 1}
    text = str(result.after)
    assert "add(%x, %x)" in text and "transpose(%x, perm=(1, 2, 0))" in text
    assert "reshape(%x, shape=(-1, 2))" in text


def test_reshape_with_unknown_batch():
    def f(x):
        return tf.reshape(tf.reshape(x, [-1, 2, 2]), [-1, 4]) * 2.0, tf.reshape(x, [-1, 4]) * 3.0
    g = tf.function(f, input_signature=[spec(None, 4)]).get_concrete_function().graph
    out = passes.optimize(g)
    assert op_counts(out) == {"multiply": 2}
    x = np.arange(12, dtype="float32").reshape(3, 4)
    for a, b in zip(run_graph(g, x), run_graph(out, x)):
        assert_bitwise(a, b)


# -- equivalence on whole programs --------------------------------------------------------------------
def mlp_step():
    tf.random.set_seed(0)
    params = [tf.Variable(tf.random.normal([4, 8]) * 0.5, name="w1"), tf.Variable(tf.zeros([8]), name="b1"),
              tf.Variable(tf.random.normal([8, 3]) * 0.5, name="w2"), tf.Variable(tf.zeros([3]), name="b2")]
    opt = tf.keras.optimizers.Adam(0.01)

    def step(x, y):
        w1, b1, w2, b2 = params
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, w1) + b1)
            h = tf.nn.dropout(h, 0.25)
            logits = tf.matmul(h, w2) + b2
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, params)
        opt.apply_gradients(zip(grads, params))
        return loss, logits
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2])
    step(tf.constant(x), tf.constant(y))  # eager: creates the optimizer's slots
    return step, x, y, params


@pytest.mark.parametrize("pass_fn", ALL, ids=NAMES)
def test_mlp_training_step(pass_fn):
    step, x, y, params = mlp_step()
    before = [p.numpy().copy() for p in params]
    result = check_pass(pass_fn, step, x, y)
    assert all(np.array_equal(p.numpy(), b) for p, b in zip(params, before))  # restored by the harness
    if pass_fn is passes.optimize:
        assert len(result.after.nodes) < len(result.before.nodes)
        assert op_counts(result.after)["ones_like"] == 0  # the backward seed folded away


def test_the_optimized_training_step_matches_eager_steps():
    step, x, y, params = mlp_step()
    fn = tf.function(step)
    tf.random.set_seed(5)
    traced_losses = [float(fn(x, y)[0]) for _ in range(3)]
    traced_params = [p.numpy().copy() for p in params]
    step2, _, _, params2 = mlp_step()
    tf.random.set_seed(5)
    eager_losses = [float(step2(tf.constant(x), tf.constant(y))[0]) for _ in range(3)]
    assert traced_losses == eager_losses
    for a, b in zip(traced_params, params2):
        assert_bitwise(a, b.numpy())


def keras_train_step(model, x, y):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)  # one eager step builds every variable
    return tf.function(model.train_step), (tf.constant(x), tf.constant(y))


@pytest.mark.parametrize("pass_fn", ALL, ids=NAMES)
def test_keras_mlp_train_step(pass_fn):
    tf.keras.backend.clear_session()
    tf.random.set_seed(1)
    model = tf.keras.Sequential([tf.keras.Input((5,)), tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dropout(0.3), tf.keras.layers.Dense(3)])
    rng = np.random.default_rng(1)
    fn, data = keras_train_step(model, rng.normal(size=(8, 5)).astype("float32"), rng.integers(0, 3, 8))
    result = check_pass(pass_fn, fn, data, random_inputs=1)
    if pass_fn is passes.optimize:
        assert len(result.after.nodes) < len(result.before.nodes)


def test_compiled_fit_runs_the_optimized_graph_and_matches_eager_fit(monkeypatch):
    optimized = []

    def spy(graph):  # appended to the pipeline: sees what the standard passes made of each step
        optimized.append(graph)
        return graph
    monkeypatch.setattr(passes, "PIPELINE", passes.PIPELINE + [spy])
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(12, 3)).astype("float32"), rng.integers(0, 2, 12)
    results = []
    for eager in (True, False):
        tf.keras.backend.clear_session()
        tf.random.set_seed(0)
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="relu"),
                                     tf.keras.layers.Dropout(0.5), tf.keras.layers.Dense(2)])
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], run_eagerly=eager)
        tf.random.set_seed(1)
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results.append((model.get_weights(), history.history))
    assert optimized and op_counts(optimized[0])["ones_like"] == 0  # compiled steps ran optimized graphs
    (w_eager, h_eager), (w_graph, h_graph) = results
    assert h_eager == h_graph
    for a, b in zip(w_eager, w_graph):
        assert_bitwise(a, b)


def test_random_draws_and_dropout_are_unchanged():
    def f(x):
        a = tf.nn.dropout(x, 0.5)
        b = tf.nn.dropout(x, 0.5)                  # same op, same input: two different draws
        tf.random.uniform([3])                     # unused draw: must still advance the stream
        c = tf.random.normal([3], seed=7) * 1.0
        return a + b + c, tf.random.shuffle(tf.range(5))
    result = check_pass(passes.optimize, f, np.ones(3, "float32"))
    ops = op_counts(result.after)
    assert ops["dropout_mask"] == 2 and ops["random_uniform"] == 1 and ops["random_normal"] == 1
    tf.random.set_seed(3)
    eager = f(tf.ones(3))
    tf.random.set_seed(3)
    optimized = Plan(result.after, result.after.outputs).run([np.ones(3, "float32")])
    for got, want in zip(optimized, eager):
        assert_bitwise(got, want.numpy())


def test_assigns_in_sequence_keep_read_after_write_order():
    v = tf.Variable([1.0, 2.0, 3.0])
    w = tf.Variable(0.0)

    def f(x):
        before = v * 1.0
        v.assign(x * 2.0)
        after = v * 1.0                            # reads the new value
        v.assign_add(after)
        v.assign_sub(tf.ones_like(x))
        w.assign_add(tf.reduce_sum(v))
        return before, after, v.read_value(), tf.identity(w)
    result = check_pass(passes.optimize, f, np.array([1.0, -1.0, 0.5], "float32"))
    before, after, final, total = result.outputs
    writes = [effect_name(n) for n in result.after.nodes if n.op.stateful and n.op.name != "read_variable"]
    assert writes == ["assign_variable", "assign_add_variable", "assign_sub_variable", "assign_add_variable"]
    x = np.array([1.0, -1.0, 0.5], "float32")  # the harness's last run used random inputs: redo by hand
    v.assign([1.0, 2.0, 3.0])
    outs = Plan(result.after, result.after.outputs).run([x])
    np.testing.assert_array_equal(outs[0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(outs[1], x * 2)
    np.testing.assert_array_equal(outs[2], x * 4 - 1)


def ops_in(graph, prefix):
    return [n.op.name for n in graph.nodes if n.op.name.startswith(prefix)]


def test_multi_output_ops_and_getitem():
    def f(x):
        a, b = tf.split(x, [1, 3], axis=1)
        values, indices = tf.math.top_k(x, k=2)
        values2, _ = tf.math.top_k(x, k=2)
        s = x[1:, ::2] + x[1:, ::2]
        return a * 1.0, b, values + values2, indices, s, x[..., 0], x[:, -1]
    result = check_pass(passes.optimize, f, np.random.default_rng(0).normal(size=(3, 4)).astype("float32"))
    ops = op_counts(result.after)
    assert ops["split"] == 1 and ops["top_k_indices"] == 1 and ops["take_along_axis"] == 1
    assert ops["getitem"] == 3 and ops["multiply"] == 0


def test_harness_catches_a_wrong_pass():
    def wrong(graph):  # "simplifies" x + 0.0 to x: -0.0 + 0.0 is +0.0, so -0.0 inputs differ
        return passes.rebuild(graph, graph.nodes[:-1], [graph.nodes[-1].inputs[0]])

    def f(x):
        return x + 0.0
    with pytest.raises(AssertionError, match="not bitwise identical"):
        check_pass(wrong, f, np.array([-0.0, 1.0], "float32"), random_inputs=0)

    def drops_draws(graph):  # the first node is the unused draw
        return passes.rebuild(graph, graph.nodes[1:])

    def g(x):
        tf.random.normal([2])
        return x + tf.random.normal([2])
    with pytest.raises(AssertionError, match="removed, merged or reordered"):
        check_pass(drops_draws, g, np.ones(2, "float32"))

    def mutates(graph):
        graph.nodes[0].attrs["dtype"] = tf.float16
        return graph
    with pytest.raises(AssertionError, match="modified node"):
        check_pass(mutates, lambda x: tf.cast(x, tf.float64), np.ones(2, "float32"))
    with pytest.raises(AssertionError, match="random generators"):  # same outputs, but not the same draws
        check_pass(drops_draws, lambda x: (tf.random.normal([2]), x * 2.0)[1], np.ones(2, "float32"),
                   check_effects=False)
    with pytest.raises(AssertionError, match="does not compile"):
        check_pass(lambda graph: passes.rebuild(graph, graph.nodes[2:]), g, np.ones(2, "float32"))


# -- fusion ---------------------------------------------------------------------------------------------
def test_fusion_turns_matmul_bias_relu_into_one_node_and_keeps_results():
    from cornu.graph.passes import fusion
    w = tf.Variable(np.random.default_rng(0).normal(size=(4, 3)).astype("float32"))
    b = tf.Variable(np.linspace(-1, 1, 3).astype("float32"))

    def f(x):
        with tf.GradientTape() as tape:
            y = tf.nn.relu(tf.matmul(x, w) + b)
            loss = tf.reduce_sum(y * y)
        return loss, tape.gradient(loss, [w, b])

    x = tf.constant(np.random.default_rng(1).normal(size=(5, 4)).astype("float32"))
    result = check_pass(fusion.run, f, x, exact=False)
    ops = [n.op.name for n in result.after.nodes]
    assert "fused_dense" in ops
    before = [n.op.name for n in result.before.nodes]
    assert ops.count("matmul") == before.count("matmul") - 1  # the forward product was absorbed


def test_fusion_leaves_products_that_others_use():
    from cornu.graph.passes import fusion
    w = tf.Variable(np.ones((2, 2), "float32"))

    def f(x):
        h = tf.matmul(x, w)
        return tf.nn.relu(h + 1.0), h  # the product is also returned: no fusion

    result = check_pass(fusion.run, f, tf.constant(np.ones((3, 2), "float32")))
    assert "fused_dense" not in [n.op.name for n in result.after.nodes]


def test_fusion_of_a_bias_add_without_activation():
    from cornu.graph.passes import fusion
    w = tf.Variable(np.ones((2, 3), "float32"))
    b = tf.Variable(np.arange(3, dtype="float32"))

    def f(x):
        return tf.reduce_sum(tf.matmul(x, w) + b)

    result = check_pass(fusion.run, f, tf.constant(np.ones((4, 2), "float32")), exact=False)
    assert [n.op.name for n in result.after.nodes].count("fused_dense") == 1


def test_fusion_of_a_convolution_input_gradient():
    """matmul(dy, w^T) -> reshape -> col2im (conv2d's input gradient) becomes matmul_col2im, and the
    chunked product gives the same gradients, for chunks of one image and of several."""
    from cornu.graph.passes import fusion
    from cornu.ops import conv_ops
    w = tf.Variable(np.random.default_rng(0).normal(size=(3, 3, 4, 5)).astype("float32"))

    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "VALID") ** 2)
        return tape.gradient(loss, [x, w])

    x = tf.constant(np.random.default_rng(1).normal(size=(6, 9, 8, 4)).astype("float32"))
    for chunk_bytes in (1, conv_ops._PATCH_CHUNK_BYTES):
        conv_ops._PATCH_CHUNK_BYTES, saved = chunk_bytes, conv_ops._PATCH_CHUNK_BYTES
        try:
            result = check_pass(fusion.run, f, x, exact=False, rtol=1e-5, atol=1e-5)
        finally:
            conv_ops._PATCH_CHUNK_BYTES = saved
        counts = op_counts(result.after)
        assert counts["matmul_col2im"] == 1 and counts["col2im"] == 0
