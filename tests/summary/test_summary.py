"""cornu.summary: what is written is read back with TensorBoard's own reader and checked against values
computed here (NumPy histograms, PNG decoding with Pillow, the traced graph's nodes)."""
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

import cornu as tf
from cornu.summary._tb import available

from . import events

needs_tb = pytest.mark.skipif(not available(), reason="tensorboard is not installed")


# -- without TensorBoard ------------------------------------------------------------------------------
def test_summaries_without_a_default_writer_write_nothing_and_return_false():
    assert tf.summary.should_record_summaries() is False
    assert not bool(tf.summary.scalar("loss", 0.5, step=1))
    assert not bool(tf.summary.histogram("w", [1.0, 2.0], step=1))
    assert not bool(tf.summary.image("img", np.zeros((1, 2, 2, 1)), step=1))
    assert not bool(tf.summary.text("t", "hello", step=1))


def test_import_cornu_does_not_import_tensorboard():
    code = ("import sys, cornu; cornu.summary; cornu.keras.callbacks.TensorBoard; cornu.compat.v1.summary; "
            "print('tensorboard' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.stdout.strip() == "False"


def test_a_missing_tensorboard_gives_an_error_that_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "import cornu as tf\n"
            "assert not tf.summary.scalar('x', 1.0, step=0)\n"  # no writer: fine without tensorboard
            f"tf.summary.create_file_writer({str(tmp_path)!r})\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.returncode != 0
    assert "ImportError" in out.stderr and "pip install tensorboard" in out.stderr


def test_the_write_op_stays_out_of_the_op_registry():
    from cornu.core.registry import REGISTRY
    assert "write_summary" not in REGISTRY  # no math to gradient-check: not a registered primitive


def _decode_png_zlib(data):
    """Minimal PNG reader for the encoder's own output (filter type 0 rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        assert int.from_bytes(data[pos + 8 + length:pos + 12 + length], "big") == zlib.crc32(kind + body)
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:8], "big")
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[header[9]]
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(height, width, channels)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_the_zlib_png_encoder_round_trips(channels):
    from cornu.summary._png import encode_png
    image = np.random.default_rng(channels).integers(0, 256, (5, 7, channels), dtype=np.uint8)
    assert (_decode_png_zlib(encode_png(image, use_pillow=False)) == image).all()
    pytest.importorskip("PIL")
    assert (events.decode_png(encode_png(image, use_pillow=False)) == image).all()
    assert (events.decode_png(encode_png(image, use_pillow=True)) == image).all()


# -- writing ------------------------------------------------------------------------------------------
@needs_tb
def test_scalars_are_written_with_their_tags_steps_and_values(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path)
    values = [0.5, 0.25, 1.0 / 3.0]
    with writer.as_default():
        assert tf.summary.should_record_summaries() is True
        for step, v in enumerate(values):
            assert bool(tf.summary.scalar("loss", v, step=step * 10))
        tf.summary.scalar("acc", tf.constant(0.75), step=7, description="accuracy")
    writer.close()
    acc = events.load(tmp_path)
    assert events.scalars(acc, "loss") == [(s * 10, float(np.float32(v))) for s, v in enumerate(values)]
    assert events.scalars(acc, "acc") == [(7, 0.75)]
    assert events.plugin(acc, "loss") == "scalars"
    assert acc.SummaryMetadata("acc").summary_description == "accuracy"
    assert os.listdir(tmp_path)[0].startswith("events.out.tfevents.") and os.listdir(tmp_path)[0].endswith(".v2")


@needs_tb
def test_default_steps_and_their_errors(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
    with writer.as_default(step=5):
        assert tf.summary.experimental.get_step() == 5
        tf.summary.scalar("x", 1.0)
    assert tf.summary.experimental.get_step() is None
    step = tf.Variable(3, dtype=tf.int64)
    tf.summary.experimental.set_step(step)
    try:
        with writer.as_default():
            tf.summary.scalar("x", 2.0)
            step.assign(4)
            tf.summary.scalar("x", 3.0)
    finally:
        tf.summary.experimental.set_step(None)
    writer.close()
    assert events.scalars(events.load(tmp_path), "x") == [(5, 1.0), (3, 2.0), (4, 3.0)]


@needs_tb
def test_record_if_with_bools_callables_and_tensors(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default():
        with tf.summary.record_if(False):
            assert tf.summary.should_record_summaries() is False
            assert not bool(tf.summary.scalar("x", 1.0, step=0))
        for step in range(4):
            with tf.summary.record_if(lambda: step % 2 == 1):
                tf.summary.scalar("x", float(step), step=step)
            with tf.summary.record_if(tf.constant(step >= 2)):
                tf.summary.scalar("y", float(step), step=step)
    writer.close()
    acc = events.load(tmp_path)
    assert events.scalars(acc, "x") == [(1, 1.0), (3, 3.0)]
    assert events.scalars(acc, "y") == [(2, 2.0), (3, 3.0)]


@needs_tb
def test_histogram_buckets_match_numpy(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=1000)
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default(step=1):
        tf.summary.histogram("normal", data)
        tf.summary.histogram("seven", tf.constant(data.astype(np.float32)), buckets=7)
        tf.summary.histogram("constant", [2.0, 2.0, 2.0], buckets=4)
        tf.summary.histogram("empty", np.zeros((0,)))
    writer.close()
    acc = events.load(tmp_path)
    assert events.plugin(acc, "normal") == "histograms"
    (step, buckets), = events.tensors(acc, "normal")
    counts, edges = np.histogram(data, bins=30, range=(data.min(), data.max()))
    assert step == 1 and buckets.shape == (30, 3)
    np.testing.assert_allclose(buckets[:, 0], edges[:-1])
    np.testing.assert_allclose(buckets[:, 1], edges[1:])
    np.testing.assert_array_equal(buckets[:, 2], counts)
    (_, seven), = events.tensors(acc, "seven")
    d32 = data.astype(np.float32).astype(np.float64)
    np.testing.assert_array_equal(seven[:, 2], np.histogram(d32, bins=7, range=(d32.min(), d32.max()))[0])
    (_, constant), = events.tensors(acc, "constant")
    np.testing.assert_array_equal(constant, [[2, 2, 0], [2, 2, 0], [2, 2, 0], [2, 2, 3]])
    (_, empty), = events.tensors(acc, "empty")
    np.testing.assert_array_equal(empty, np.zeros((30, 3)))


@needs_tb
def test_images_are_pngs_with_their_dimensions(tmp_path):
    rng = np.random.default_rng(1)
    floats = rng.uniform(-0.2, 1.2, size=(4, 5, 7, 3))
    gray = rng.integers(0, 256, size=(2, 3, 6, 1), dtype=np.uint8)
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default(step=2):
        tf.summary.image("rgb", floats, max_outputs=2)
        tf.summary.image("gray", tf.constant(gray), max_outputs=3)
    writer.close()
    acc = events.load(tmp_path)
    assert events.plugin(acc, "rgb") == "images"
    (step, rgb), = events.tensors(acc, "rgb")
    assert step == 2 and list(rgb[:2]) == [b"7", b"5"] and len(rgb) == 4  # width, height, 2 of 4 images
    expected = (np.clip(floats, 0, 1) * 255.5).astype(np.uint8)
    for k in range(2):
        np.testing.assert_array_equal(events.decode_png(rgb[2 + k]), expected[k])
    (_, g), = events.tensors(acc, "gray")
    assert list(g[:2]) == [b"6", b"3"] and len(g) == 4
    np.testing.assert_array_equal(events.decode_png(g[3]), gray[1])
    with pytest.raises(ValueError, match="rank 4"):
        tf.summary.image("bad", np.zeros((5, 7, 3)), step=0)


@needs_tb
def test_text(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default(step=3):
        tf.summary.text("notes", "hello **world**")
        tf.summary.text("table", [["a", "b"], ["c", "d"]])
    writer.close()
    acc = events.load(tmp_path)
    assert events.plugin(acc, "notes") == "text"
    assert events.tensors(acc, "notes")[0][1].item() == b"hello **world**"
    assert events.tensors(acc, "table")[0][1].tolist() == [[b"a", b"b"], [b"c", b"d"]]


@needs_tb
def test_writer_lifetime(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path / "a")
    writer.set_as_default(step=1)
    try:
        tf.summary.scalar("x", 1.0)
    finally:
        tf.summary.create_noop_writer().set_as_default()
    assert not bool(tf.summary.scalar("x", 2.0, step=2))  # a no-op writer writes nothing
    tf.summary._writer._state().writer = None
    writer.flush()
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.as_default()
    writer.init()  # reopens: a second event file
    with writer.as_default(step=3):
        tf.summary.scalar("x", 3.0)
    writer.close()
    assert len(os.listdir(tmp_path / "a")) == 2
    assert events.scalars(events.load(tmp_path / "a"), "x") == [(1, 1.0), (3, 3.0)]


# -- inside cornu.function ------------------------------------------------------------------------------
@needs_tb
def test_summaries_in_a_function_write_each_time_it_runs(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path)
    scale = tf.Variable(2.0)
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def train(x):
        y = tf.reduce_sum(x) * scale
        tf.summary.scalar("y", y, step=step)
        tf.summary.histogram("x", x, step=step, buckets=2)
        step.assign_add(1)
        return y

    with writer.as_default():
        for i in range(4):
            train(tf.constant([1.0, float(i)]))
    writer.close()
    assert train.experimental_get_tracing_count() == 1
    ops = [n.op.name for n in train.get_concrete_function(tf.constant([1.0, 0.0])).graph.nodes]
    assert ops.count("write_summary") == 2
    acc = events.load(tmp_path)
    assert events.scalars(acc, "y") == [(i, 2.0 * (1.0 + i)) for i in range(4)]  # the values of each run
    hist = events.tensors(acc, "x")
    assert [s for s, _ in hist] == [0, 1, 2, 3]
    assert hist[0][1][:, 2].tolist() == [1.0, 1.0] and hist[1][1][:, 2].tolist() == [0.0, 2.0]  # x=[1, 0]; [1, 1]


@needs_tb
def test_record_if_with_a_tensor_condition_is_evaluated_when_the_function_runs(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path)
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def f(x):
        with tf.summary.record_if(lambda: tf.equal(tf.math.floormod(step, 2), 0)):
            tf.summary.scalar("x", x, step=step)
        step.assign_add(1)

    with writer.as_default():
        for i in range(5):
            f(tf.constant(float(i)))
    writer.close()
    assert events.scalars(events.load(tmp_path), "x") == [(0, 0.0), (2, 2.0), (4, 4.0)]


@needs_tb
def test_a_function_traced_without_a_writer_writes_nothing(tmp_path):
    @tf.function
    def f(x):
        tf.summary.scalar("x", x, step=0)
        return x + 1.0

    assert float(f(tf.constant(1.0))) == 2.0
    assert "write_summary" not in [n.op.name for n in f.get_concrete_function(tf.constant(1.0)).graph.nodes]


# -- graphs ----------------------------------------------------------------------------------------------
def _op_nodes(graph_def):
    return [n for n in graph_def.node if n.op not in ("Placeholder", "Const", "VarHandleOp", "Identity")]


@needs_tb
def test_trace_export_writes_the_graphs_of_the_functions_called(tmp_path):
    from tensorboard.compat.proto import config_pb2
    w = tf.Variable(tf.ones((3, 4)), name="dense/kernel")

    @tf.function
    def model(x):
        return tf.reduce_sum(tf.nn.relu(tf.matmul(x, w)))

    @tf.function
    def untraced(x):
        return x * 2.0

    untraced(tf.ones((2, 3)))  # called before trace_on: not recorded
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default():
        tf.summary.trace_on(graph=True)
        model(tf.ones((2, 3)))
        model(tf.ones((2, 3)))  # the same graph again: recorded once
        assert bool(tf.summary.trace_export("model_trace", step=0))
        untraced(tf.ones((2, 3)))  # after export: not recorded
    writer.close()
    acc = events.load(tmp_path)
    assert events.plugin(acc, "model_trace") == "graph_run_metadata_graph"
    (step, blob), = events.tensors(acc, "model_trace")
    run_metadata = config_pb2.RunMetadata.FromString(blob.item())
    assert len(run_metadata.function_graphs) == 1
    graph_def = run_metadata.function_graphs[0].pre_optimization_graph
    traced = model.get_concrete_function(tf.ones((2, 3))).graph
    assert [n.op for n in _op_nodes(graph_def)] == [n.op.name for n in traced.nodes]
    nodes = {n.name: n for n in graph_def.node}
    assert len(graph_def.node) == len(traced.inputs) + len(traced.nodes) + 1 + 1  # + variable + Identity
    assert nodes["x"].op == "Placeholder" and nodes["dense/kernel"].op == "VarHandleOp"
    assert list(nodes["matmul"].input) == ["x", "dense/kernel/read"]
    assert list(nodes["dense/kernel/read"].input) == ["dense/kernel"]
    assert list(nodes["relu"].input) == ["matmul"]
    shape = nodes["matmul"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [2, 4]
    assert nodes["Identity"].input == ["reduce_sum"]


@needs_tb
def test_graph_writes_a_run_graph_with_the_backward_pass_grouped(tmp_path):
    w = tf.Variable([[1.0], [2.0]], name="w")

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
        w.assign_sub(0.1 * tape.gradient(loss, w))
        return loss

    step(tf.ones((4, 2)))
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default():
        assert bool(tf.summary.graph(step.get_concrete_function(tf.ones((4, 2)))))
    writer.close()
    graph_def = events.load(tmp_path).Graph()
    traced = step.get_concrete_function(tf.ones((4, 2))).graph
    assert [n.op for n in _op_nodes(graph_def)] == [n.op.name for n in traced.nodes]
    names = [n.name for n in graph_def.node]
    backward = [n for n in names if n.startswith("gradient_tape/")]
    assert len(backward) == len(traced.grad_of) > 0
    assert "w/assign_sub_variable" in names  # the update is grouped with its variable
    update = next(n for n in graph_def.node if n.name == "w/assign_sub_variable")
    assert "w" in update.input


@needs_tb
def test_graph_accepts_graph_defs_and_refuses_other_things(tmp_path):
    from cornu.summary._graph_def import to_graph_def

    @tf.function
    def f(x):
        return x + 1.0

    f(tf.constant(1.0))
    graph_def = to_graph_def(f)
    assert [n.op for n in graph_def.node] == ["Placeholder", "Const", "add", "Identity"]
    assert list(graph_def.node[2].input) == ["x", "Const"]
    assert to_graph_def(graph_def.SerializeToString()) == graph_def
    with pytest.raises(TypeError, match="cannot write"):
        to_graph_def(42)
    assert not bool(tf.summary.graph(graph_def))  # no default writer


@needs_tb
@pytest.mark.parametrize("name", ["cornu.summary", "cornu.summary._writer", "cornu.summary._ops",
                                  "cornu.keras.callbacks.tensorboard", "cornu.compat.v1.summary"])
def test_docstring_examples(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@needs_tb
def test_events_queued_when_the_program_exits_are_flushed(tmp_path):
    code = ("import cornu as tf\n"
            f"tf.summary.create_file_writer({str(tmp_path)!r}).set_as_default(step=1)\n"
            "tf.summary.scalar('x', 1.5)\n")  # neither flushed nor closed
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert events.scalars(events.load(tmp_path), "x") == [(1, 1.5)]


@needs_tb
def test_bad_data_is_refused(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default(step=0):
        with pytest.raises(ValueError, match="scalar"):
            tf.summary.scalar("x", np.zeros(3))
        with pytest.raises(ValueError, match="NaN"):
            tf.summary.histogram("h", [1.0, float("nan")])
        with pytest.raises(TypeError, match="string"):
            tf.summary.text("t", tf.constant(1.0))
    writer.close()
