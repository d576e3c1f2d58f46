"""keras.utils.plot_model / model_to_dot: the DOT source is parsed back into (node label, edges) and
checked against the models' layer graphs; pictures are rendered when Graphviz's `dot` is installed."""
import re
import shutil

import pytest

import cornu as tf

L = tf.keras.layers
has_dot = shutil.which("dot") is not None


def _parse(dot):
    """{node id: (name, class)} and the set of (name, name) edges of model_to_dot's source."""
    source = str(dot)
    nodes = {}
    for node_id, label in re.findall(r"^\s*(n\d+) \[label=<(.*)>\];$", source, re.M):
        header = re.search(r"<b>(.*?)</b>(?: \((.*?)\))?", label)
        nodes[node_id] = (header.group(1), header.group(2))
    edges = {(nodes[a][0], nodes[b][0]) for a, b in re.findall(r"^\s*(n\d+) -> (n\d+);$", source, re.M)}
    return nodes, edges, source


def _sequential():
    return tf.keras.Sequential([tf.keras.Input((28, 28), name="pixels"), L.Flatten(name="flat"),
                                L.Dense(16, activation="relu", name="hidden"), L.Dense(10, name="logits")],
                               name="mlp")


def _branchy(expand=False):
    inputs = tf.keras.Input((6,), name="features")
    a = L.Dense(4, activation="relu", name="branch_a")(inputs)
    b = L.Dense(4, activation="tanh", name="branch_b")(inputs)
    merged = L.Concatenate(name="merge")([a, b])
    head = tf.keras.Sequential([tf.keras.Input((8,), name="head_in"), L.Dense(2, name="head_out")],
                               name="head")
    aux = L.Dense(1, name="aux")(merged)
    return tf.keras.Model(inputs, [head(merged), aux], name="branchy")


def test_sequential_is_a_chain_with_shapes():
    nodes, edges, source = _parse(tf.keras.utils.model_to_dot(_sequential(), show_shapes=True))
    assert sorted(nodes.values()) == sorted([("pixels", "InputLayer"), ("flat", "Flatten"), ("hidden", "Dense"),
                                             ("logits", "Dense")])
    assert edges == {("pixels", "flat"), ("flat", "hidden"), ("hidden", "logits")}
    assert "Output shape: (None, 28, 28)" in source
    assert "Input shape: (None, 784)</td><td>Output shape: (None, 16)" in source
    assert source.startswith('digraph "mlp" {') and "rankdir=TB" in source and "dpi=200" in source


def test_functional_branches_and_a_nested_model():
    nodes, edges, source = _parse(tf.keras.utils.model_to_dot(_branchy(), show_shapes=True))
    assert ("head", "Sequential") in nodes.values() and ("head_out", "Dense") not in nodes.values()
    assert edges == {("features", "branch_a"), ("features", "branch_b"), ("branch_a", "merge"),
                     ("branch_b", "merge"), ("merge", "head"), ("merge", "aux")}
    assert "Input shape: [(None, 4), (None, 4)]" in source  # the merge layer's two inputs
    assert "cluster" not in source


def test_expand_nested_draws_the_inner_layers_in_a_cluster():
    nodes, edges, source = _parse(tf.keras.utils.model_to_dot(_branchy(), expand_nested=True))
    assert ("head_in", "InputLayer") in nodes.values() and ("head_out", "Dense") in nodes.values()
    assert ("head", "Sequential") not in nodes.values()
    assert {("merge", "head_in"), ("head_in", "head_out"), ("merge", "aux")} <= edges
    cluster = source[source.index("subgraph cluster_0"):]
    assert 'label="head (Sequential)"' in cluster and "<b>head_out</b>" in cluster


def test_label_options():
    model = _sequential()
    source = str(tf.keras.utils.model_to_dot(model, show_layer_names=False, show_dtype=True, rankdir="LR",
                                             dpi=96, show_layer_activations=True, show_trainable=True))
    assert "<b>Dense</b>" in source and "hidden" not in source
    assert "dtype: float32" in source and "rankdir=LR" in source and "dpi=96" in source
    assert "Activation: relu" in source and "Trainable: Y" in source
    with pytest.raises(ValueError, match="rankdir"):
        tf.keras.utils.model_to_dot(model, rankdir="XY")


def test_an_unbuilt_model_is_an_error_and_a_subclassed_one_is_one_box():
    with pytest.raises(ValueError, match="not yet been built"):
        tf.keras.utils.model_to_dot(tf.keras.Sequential([L.Dense(2)]))

    class Custom(tf.keras.Model):
        def __init__(self):
            super().__init__(name="custom")
            self.dense = L.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Custom()
    model(tf.ones((1, 3)))
    nodes, edges, _ = _parse(tf.keras.utils.model_to_dot(model))
    assert list(nodes.values()) == [("custom", "Custom")] and not edges


def test_dot_files_need_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "model.dot"
    assert tf.keras.utils.plot_model(_sequential(), to_file=str(path), show_shapes=True) is None
    source = path.read_text()
    assert source == str(tf.keras.utils.model_to_dot(_sequential(), show_shapes=True))
    with pytest.raises(ImportError, match=r"apt-get install graphviz.*to_file='model\.dot'"):
        tf.keras.utils.plot_model(_sequential(), to_file=str(tmp_path / "model.png"))


@pytest.mark.skipif(not has_dot, reason="Graphviz's dot is not installed")
def test_pictures_are_rendered(tmp_path):
    png = tmp_path / "sub" / "model.png"
    tf.keras.utils.plot_model(_branchy(), to_file=str(png), show_shapes=True, expand_nested=True, dpi=60)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 100 and height > 200  # a top-to-bottom picture of 8 boxes
    svg = tmp_path / "model.svg"
    tf.keras.utils.plot_model(_sequential(), to_file=str(svg), rankdir="LR")
    text = svg.read_text()
    assert "<svg" in text and "hidden" in text and "logits" in text
    assert tf.keras.utils.model_to_dot(_sequential()).create(format="png")[:4] == b"\x89PNG"


def test_docstring_examples():
    import doctest
    import importlib
    module = importlib.import_module("cornu.keras.utils.plot_model")  # the module (the attribute is the function)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_plain_ops_between_layers_are_boxes_too():
    a, b = tf.keras.Input((4,), name="left"), tf.keras.Input((4,), name="right")
    out = L.Dense(2, name="project")(tf.nn.relu(a + b))
    model = tf.keras.Model([a, b], out, name="ops")
    nodes, edges, _ = _parse(tf.keras.utils.model_to_dot(model))
    assert ("add", "Add") in nodes.values() and ("relu", "Relu") in nodes.values()
    assert edges == {("left", "add"), ("right", "add"), ("add", "relu"), ("relu", "project")}
