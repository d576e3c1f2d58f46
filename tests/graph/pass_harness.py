"""`check_pass`: the standard test for a graph pass (DESIGN: "a test that runs graphs with and without it").

    from tests.graph.pass_harness import check_pass, op_counts

    def f(x):
        return tf.nn.relu(x * 1.0) + tf.ones_like(x)
    result = check_pass(my_pass.run, f, np.ones((2, 3), "float32"))
    assert op_counts(result.after)["multiply"] == 0          # what the pass did: the test's own job

`fn` is a Python function (traced here with `cornu.function`), a `cornu.function`, or a
ConcreteFunction; `example_args` are what you would call it with (tensors, NumPy arrays, nested
structures such as Keras's `(x, y)` batches, Python values). The pass runs on the traced graph, and:

1. the contract of `cornu.graph.passes` holds: the input graph and its nodes are unchanged (same node
   list, and each node's op, inputs, attrs and outputs), the result is a Graph with the same
   placeholders in order, it compiles into an `executor.Plan` (every input produced before it is
   used), and its effectful stateful nodes (writes, random draws; not reads) are the same ops on the
   same Variables in the same order (a `fused_assign` counts as the assign it ends with;
   `check_effects=False` for a pass that legitimately fuses writes);
2. both graphs run through `executor.Plan`, each from the same start: the variables the graph
   touches restored to their values before the check, and the random streams reseeded with
   `cornu.random.set_seed(seed)`. Each runs `steps` times on the example inputs and then once on each
   of `random_inputs` random input sets (shapes and dtypes of the example; floats normal, ints drawn
   in the example's range, bools fair), in sequence, so variable updates accumulate;
3. after every run the outputs, the values of all those variables and the states of the random
   generators are identical: same dtype, same shape and, with `exact=True` (passes that are exact:
   folding, CSE, DCE, simplification), the same bytes, so -0.0 vs 0.0 or NaN payloads count. Passes
   that may reorder floating-point work (fusion) pass `exact=False` with `rtol`/`atol`.

Variables, the random streams' state and the global seed are put back as they were afterwards.
Returns a PassCheck(before, after, outputs): the two graphs (print them: `print(result.after)`) and the
outputs of the last run. `op_counts(graph)` counts nodes by op name.
"""
import collections
import copy

import numpy as np

import cornu as tf
from cornu import backend
from cornu.core.symbolic import SymbolicTensor
from cornu.graph import executor
from cornu.graph.function import ConcreteFunction, Function
from cornu.graph.ir import Graph
from cornu.ops import random_ops

PassCheck = collections.namedtuple("PassCheck", ["before", "after", "outputs"])


def op_counts(graph):
    """A Counter of the graph's nodes by op name (missing ops count 0)."""
    return collections.Counter(node.op.name for node in graph.nodes)


def check_pass(pass_fn, fn, *example_args, random_inputs=3, steps=2, exact=True, rtol=1e-6, atol=1e-7,
               seed=1234, check_effects=True, **example_kwargs):
    """Run `pass_fn` on `fn`'s graph and check it against the unoptimized graph (module docstring)."""
    concrete = _concrete(fn, example_args, example_kwargs)
    before = concrete.graph
    snapshot = _snapshot_graph(before)
    after = pass_fn(before)
    _check_contract(before, after, snapshot, check_effects)

    feeds = [backend.to_numpy(t._value) for t in concrete._feeds(example_args, example_kwargs)]
    rng = np.random.default_rng(seed)
    feed_sets = [feeds] * steps + [[_random_like(a, rng) for a in feeds] for _ in range(random_inputs)]
    variables = _variables(before)
    saved_vars = {id(v): v._value.copy() for v in variables}
    saved_random = (random_ops._state["global_seed"], copy.deepcopy(random_ops._state["generators"]))
    try:
        runs = []
        for graph in (before, after):
            for v in variables:
                v._value = saved_vars[id(v)].copy()
            tf.random.set_seed(seed)
            plan = executor.Plan(graph, graph.outputs)
            runs.append([_run(plan, fs, variables) for fs in feed_sets])
    finally:
        for v in variables:
            v._value = saved_vars[id(v)]
        random_ops._state["global_seed"], random_ops._state["generators"] = saved_random

    for step, (a, b) in enumerate(zip(*runs)):
        where = f"run {step} ({'example' if step < steps else 'random'} inputs)"
        assert len(a["outputs"]) == len(b["outputs"]), f"{where}: the pass changed the number of outputs"
        for i, (x, y) in enumerate(zip(a["outputs"], b["outputs"])):
            _assert_same(x, y, f"{where}, output {i}", exact, rtol, atol)
        for v in variables:
            _assert_same(a["variables"][id(v)], b["variables"][id(v)], f"{where}, variable {v.name}",
                         exact, rtol, atol)
        assert a["random"] == b["random"], (f"{where}: the random generators are in different states (a pass "
                                            "dropped, added or reordered random draws)")
    return PassCheck(before, after, runs[1][-1]["outputs"])


# -- pieces ------------------------------------------------------------------------------------------
def _concrete(fn, args, kwargs):
    if isinstance(fn, ConcreteFunction):
        return fn
    if not isinstance(fn, Function):
        fn = tf.function(fn)
    return fn.get_concrete_function(*args, **kwargs)


def _snapshot_graph(graph):
    return (list(graph.nodes), list(graph.inputs), list(graph.outputs),
            [(n.op, n.inputs, n.attrs, dict(n.attrs), n.outputs) for n in graph.nodes])


def _check_contract(before, after, snapshot, check_effects):
    nodes, inputs, outputs, parts = snapshot
    assert isinstance(after, Graph), f"a pass must return a Graph, got {type(after).__name__}"
    assert _same_objects(before.nodes, nodes), "the pass changed the input graph's node list"
    assert _same_objects(before.inputs, inputs), "the pass changed the input graph's placeholders"
    assert _same_objects(before.outputs, outputs), "the pass changed the input graph's outputs"
    for node, (op, ins, attrs, attr_copy, outs) in zip(before.nodes, parts):
        assert node.op is op and node.inputs is ins and node.outputs is outs and node.attrs is attrs \
            and attrs.keys() == attr_copy.keys() and all(attrs[k] is attr_copy[k] for k in attrs), \
            f"the pass modified node {node.name} of its input graph (make a new OpNode instead)"
    assert _same_objects(after.inputs, inputs), "the optimized graph must keep the placeholders, in order"
    try:
        executor.Plan(after, after.outputs)
    except ValueError as exc:  # a node uses a tensor that no earlier node produces
        raise AssertionError(f"the optimized graph does not compile: {exc}") from exc
    symbolic_outs = [t for t in after.outputs if isinstance(t, SymbolicTensor)]
    produced = {id(t) for t in after.inputs} | {id(t) for n in after.nodes for t in n.outputs}
    assert all(id(t) in produced for t in symbolic_outs), "an output of the optimized graph is not computed"
    if check_effects:
        assert _effects(after) == _effects(before), (
            "the pass removed, merged or reordered stateful nodes:\n"
            f"  before: {_effects(before)}\n  after:  {_effects(after)}")


def _same_objects(a, b):
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


# A fused_assign is the assign whose `value - delta` / `value + delta` ends its program (update_fusion).
_FUSED_ASSIGN = {"subtract": "assign_sub_variable", "add": "assign_add_variable"}


def _effects(graph):
    """Writes and random draws in order, each as (op name, the Variables it touches)."""
    return [(effect_name(n), tuple(v.name for v in _variables_in((n.inputs, n.attrs))))
            for n in graph.nodes if n.op.stateful and n.op.name != "read_variable"]


def effect_name(node):
    if node.op.name == "fused_assign":
        return _FUSED_ASSIGN[node.attrs["program"][-1][0]]
    return node.op.name


def _variables_in(value):
    if getattr(value, "_is_variable", False):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _variables_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _variables_in(v)


def _variables(graph):
    found = {}
    for node in graph.nodes:
        for v in _variables_in((node.inputs, node.attrs)):
            found.setdefault(id(v), v)
    return list(found.values())


def _random_like(a, rng):
    if a.dtype.kind == "f":
        return rng.standard_normal(a.shape).astype(a.dtype)
    if a.dtype.kind in "iu" and a.size:
        return rng.integers(a.min(), int(a.max()) + 1, size=a.shape).astype(a.dtype)
    if a.dtype.kind == "b":
        return rng.random(a.shape) < 0.5
    return a.copy()


def _run(plan, feeds, variables):
    outputs = [np.array(backend.to_numpy(o), copy=True) for o in plan.run([f.copy() for f in feeds])]
    return {"outputs": outputs,
            "variables": {id(v): np.array(backend.to_numpy(v._value), copy=True) for v in variables},
            "random": {repr(k): g.bit_generator.state for k, g in random_ops._state["generators"].items()}}


def _assert_same(x, y, where, exact, rtol, atol):
    x, y = np.asarray(x), np.asarray(y)
    assert x.dtype == y.dtype, f"{where}: dtype {y.dtype} with the pass, {x.dtype} without"
    assert x.shape == y.shape, f"{where}: shape {y.shape} with the pass, {x.shape} without"
    if not exact:
        np.testing.assert_allclose(y, x, rtol=rtol, atol=atol, err_msg=where)
    elif x.tobytes() != y.tobytes():
        if x.dtype.kind in "fc":  # equal as numbers and in sign, or both NaN
            bad = ~(((x == y) & (np.signbit(x.real) == np.signbit(y.real))) | (np.isnan(x) & np.isnan(y)))
        else:
            bad = x != y
        if not bad.any():
            raise AssertionError(f"{where}: NaNs with different bit patterns with and without the pass")
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(f"{where}: not bitwise identical: {int(bad.sum())} of {x.size} elements differ, "
                             f"first at {first}: {x[first]!r} without the pass, {y[first]!r} with it")
