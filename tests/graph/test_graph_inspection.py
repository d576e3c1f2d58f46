"""What a traced graph looks like: `str(graph)` for the forward and backward pass, Graphviz DOT, render."""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import cornu as tf
from cornu.graph import ir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC3 = tf.TensorSpec([3], tf.float32)


@tf.function
def affine_sum(x, w):
    return tf.reduce_sum(x * w + 1.0)


@tf.function
def value_and_grad(x, w):
    with tf.GradientTape() as tape:
        tape.watch(w)
        y = tf.reduce_sum(tf.tanh(x * w))
    return y, tape.gradient(y, w)


def test_forward_graph_text():
    graph = affine_sum.get_concrete_function(SPEC3, SPEC3).graph
    assert str(graph) == """\
graph affine_sum(%x: float32[3], %w: float32[3]) {
  %multiply = multiply(%x, %w) : float32[3]
  %add = add(%multiply, const(1)) : float32[3]
  %reduce_sum = reduce_sum(%add, axis=(0,), keepdims=False) : float32[]
  return %reduce_sum
}"""
    assert repr(graph) == "<Graph affine_sum: 2 inputs, 3 nodes>"


def test_forward_and_backward_graph_text():
    concrete = value_and_grad.get_concrete_function(SPEC3, SPEC3)
    text = str(concrete.graph)
    print(text)  # what a course slide shows (pytest -s)
    lines = text.splitlines()
    assert lines[0] == "graph value_and_grad(%x: float32[3], %w: float32[3]) {"
    forward = [l for l in lines[1:-2] if "# backward" not in l]
    backward = [l for l in lines[1:-2] if "# backward" in l]
    assert [l.split(" = ")[1].split("(")[0] for l in forward] == ["multiply", "tanh", "reduce_sum"]
    assert backward[0].startswith("  %ones_like = ones_like(%reduce_sum) : float32[]")
    assert backward[0].endswith("# backward: seed d(target) = 1")
    # d tanh(u) = (1 - tanh(u)^2) du, and d(x*w)/dw = x: the gradient rules, written with cornu ops
    assert any("multiply(%tanh, %tanh)" in l and "gradient through %tanh" in l for l in backward)
    assert any(l.startswith("  %subtract = subtract(const(1), %multiply_1)") for l in backward)
    assert backward[-1].startswith("  %multiply_3 = multiply(%multiply_2, %x) : float32[3]")
    assert backward[-1].endswith("# backward: gradient through %multiply")
    assert lines[-2] == "  return %reduce_sum, %multiply_3"
    assert lines[-1] == "}"
    # and the graph computes what it says
    x, w = np.array([0.5, -1.0, 2.0], np.float32), np.array([1.0, 0.3, -0.2], np.float32)
    y, dw = concrete(tf.constant(x), tf.constant(w))
    np.testing.assert_allclose(y.numpy(), np.tanh(x * w).sum(), rtol=1e-6)
    np.testing.assert_allclose(dw.numpy(), (1 - np.tanh(x * w) ** 2) * x, rtol=1e-6)


def test_train_step_graph_shows_variables_and_updates():
    w = tf.Variable([1.0, 2.0], name="weights")

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * x)
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    text = str(step.get_concrete_function(tf.TensorSpec([2])).graph)
    assert "%read_variable = read_variable(var(weights:0)) : float32[2]" in text
    assert re.search(r"assign_sub_variable\(%multiply_\d+, variable=var\(weights:0\)\) : float32\[2\]", text)
    assert "const(0.1)" in text


def test_unknown_dims_print_as_question_marks():
    @tf.function
    def f(x):
        return tf.reduce_sum(x, axis=1)

    text = str(f.get_concrete_function(tf.TensorSpec([None, 4])).graph)
    assert "graph f(%x: float32[?, 4]) {" in text and ": float32[?]" in text


def _parse_dot(dot):
    """Check DOT structure; returns declared node ids and the edges."""
    lines = dot.splitlines()
    assert re.fullmatch(r'digraph "[^"]+" \{', lines[0])
    assert lines[-1] == "}"
    assert dot.count("{") == dot.count("}")
    nodes, edges = set(), []
    node_re = re.compile(r'\s*(\w+) \[(?:[a-z]+=(?:"(?:[^"\\]|\\.)*"|[\w#.,]+)(?:, )?)+\];')
    edge_re = re.compile(r'\s*(\w+) -> (\w+)(?: \[.*\])?;')
    for line in lines[1:-1]:
        if m := edge_re.fullmatch(line):
            edges.append((m.group(1), m.group(2)))
        elif m := node_re.fullmatch(line):
            nodes.add(m.group(1))
        else:
            assert re.fullmatch(r'\s*(rankdir=TB;|(graph|node|edge) \[.*\];|subgraph \w+ \{|\}|label=.*;)',
                                line), f"unexpected DOT line: {line!r}"
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} uses an undeclared node"
    return nodes, edges


def test_to_dot_structure():
    graph = value_and_grad.get_concrete_function(SPEC3, SPEC3).graph
    dot = graph.to_dot()
    nodes, edges = _parse_dot(dot)
    assert {"in0", "in1", "out0", "out1"} <= nodes
    assert len([n for n in nodes if re.fullmatch(r"n\d+", n)]) == len(graph.nodes)
    assert ("in0", "n0") in edges and ("in1", "n0") in edges  # x and w feed the multiply
    assert 'label="%x\\nfloat32[3]"' in dot and 'label="tanh\\nfloat32[3]"' in dot
    assert "subgraph cluster_backward {" in dot  # the gradient nodes, grouped and coloured
    assert dot.count('fillcolor="#fde2c8"') == sum(1 for n in graph.nodes if n.name in graph.grad_of)


def test_to_dot_variables_and_escaping():
    v = tf.Variable(1.0, name='odd"name')

    @tf.function
    def f(x):
        v.assign_add(x)
        return v * 2.0

    dot = f.get_concrete_function(tf.TensorSpec([])).graph.to_dot()
    nodes, edges = _parse_dot(dot)
    assert 'shape=cylinder' in dot and 'label="odd\\"name:0\\nfloat32[]"' in dot
    assert any(a.startswith("n") and b == "v0" for a, b in edges)  # the update writes the variable
    assert any(a == "v0" for a, b in edges)  # and reads feed from it


def test_render_needs_graphviz(monkeypatch, tmp_path):
    monkeypatch.setattr(ir.shutil, "which", lambda name: None)
    graph = affine_sum.get_concrete_function(SPEC3, SPEC3).graph
    with pytest.raises(RuntimeError, match="to_dot"):
        graph.render(tmp_path / "g.svg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_render_svg_and_png(tmp_path):
    graph = value_and_grad.get_concrete_function(SPEC3, SPEC3).graph
    svg = graph.render(tmp_path / "graph.svg")
    text = open(svg).read()
    assert "<svg" in text and "tanh" in text and "backward (gradients)" in text
    png = graph.render(tmp_path / "graph.png")
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(png) > 1000


def test_example_runs_without_graphviz(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), PATH="")
    result = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "graph_inspection.py"),
                             str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "graph predict(%x: float32[4, 2]) {" in out
    assert "graph train_step(%x: float32[4, 2], %y: float32[4, 1]) {" in out
    assert "# backward: seed" in out and "assign_sub_variable" in out
    assert "Graphviz's `dot` is not installed" in out
    dot = (tmp_path / "train_step.dot").read_text()
    _parse_dot(dot.strip())
    assert "1 trace(s)" in out
