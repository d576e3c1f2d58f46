"""tf.compat.v1.summary: a TF1 Session loop logs through merge_all / FileWriter.add_summary; read back with
TensorBoard's EventAccumulator (which reads TF1's simple_value, HistogramProto and Summary.Image)."""
import numpy as np
import pytest

import cornu as tf
import cornu.compat.v1 as v1
from cornu.summary._tb import available

from . import events

pytestmark = pytest.mark.skipif(not available(), reason="tensorboard is not installed")


def _loop(logdir, feeds):
    g = v1.Graph()
    with g.as_default():
        x = v1.placeholder(v1.float32, [None], name="x")
        w = v1.Variable(2.0, name="w")
        with v1.name_scope("metrics"):
            loss = v1.reduce_mean(x * x * w)
            v1.summary.scalar("loss", loss)
        v1.summary.histogram("x", x)
        merged = v1.summary.merge_all()
        writer = v1.summary.FileWriter(logdir, g)
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            outputs = []
            for step, values in enumerate(feeds):
                s = sess.run(merged, {x: values})
                outputs.append(s)
                writer.add_summary(s, step)
    writer.close()
    return outputs, g


def test_a_session_loop_logs_scalars_and_histograms(tmp_path):
    feeds = [np.arange(12, dtype=np.float32) + step for step in range(3)]
    outputs, g = _loop(tmp_path, feeds)
    acc = events.load(tmp_path)
    assert acc.Tags()["scalars"] == ["metrics/loss"] and acc.Tags()["histograms"] == ["x"]
    expected = [float(np.float32(np.mean(f * f * np.float32(2.0)))) for f in feeds]
    assert [(e.step, e.value) for e in acc.Scalars("metrics/loss")] == list(enumerate(expected))
    for event, data in zip(acc.Histograms("x"), feeds):
        h = event.histogram_value
        assert (h.min, h.max, h.num, h.sum) == (data.min(), data.max(), data.size, data.sum())
        assert h.sum_squares == float(np.dot(data.astype(np.float64), data))
        assert sum(h.bucket) == data.size
        d, left = data.astype(np.float64), h.min
        for limit, count in zip(h.bucket_limit, h.bucket):  # TF1 buckets: [previous limit, limit)
            assert count == np.sum((d >= left) & (d < limit))
            left = limit
    # what sess.run gives: the serialized Summary as uint8 bytes
    assert outputs[0].dtype == np.uint8 and outputs[0].ndim == 1
    summary = v1.summary.Summary.FromString(bytes(outputs[0]))
    assert [v.tag for v in summary.value] == ["metrics/loss", "x"]
    assert summary.value[0].simple_value == expected[0]


def test_file_writer_writes_the_graph(tmp_path):
    _, g = _loop(tmp_path, [np.ones(3, np.float32)])
    graph_def = events.load(tmp_path).Graph()
    nodes = {n.name: n for n in graph_def.node}
    assert nodes["x"].op == "Placeholder" and nodes["w"].op == "VarHandleOp"
    ops = [n.op for n in graph_def.node]
    assert ops.count("multiply") == 2 and "reduce_mean" in ops and "scalar_summary" in ops
    assert "merge_summary" in ops
    assert len([n for n in graph_def.node if n.op not in ("Placeholder", "Const", "VarHandleOp")]) == len(g.nodes)


def test_images_text_and_merge(tmp_path):
    g = v1.Graph()
    with g.as_default():
        images = v1.placeholder(v1.float32, [None, 3, 4, 1], name="images")
        a = v1.summary.image("img", images, max_outputs=2)
        b = v1.summary.text("note", "hello")
        c = v1.summary.scalar("c", v1.constant(1.5), collections=["other"])
        assert v1.get_collection("other") == [c]
        merged = v1.summary.merge([a, b, c])
        with v1.Session() as sess:
            data = np.stack([np.full((3, 4, 1), k, np.float32) for k in (0.5, 1.0, 2.0)])
            data[0, 0, 0, 0] = 1.0
            s = sess.run(merged, {images: data})
    with v1.summary.FileWriter(tmp_path) as writer:
        writer.add_summary(s, 7)
        writer.add_summary(v1.summary.Summary.FromString(bytes(s)), 8)  # a proto works too
    acc = events.load(tmp_path)
    assert acc.Tags()["images"] == ["img/image/0", "img/image/1"]
    first = acc.Images("img/image/0")[0]
    assert (first.step, first.width, first.height) == (7, 4, 3)
    pixels = events.decode_png(first.encoded_image_string)
    assert pixels[0, 0, 0] == 255 and pixels[1, 1, 0] == 128  # TF1 scaling: the max becomes 255
    assert [e.step for e in acc.Scalars("c")] == [7, 8]
    assert events.tensors(acc, "note")[0][1].item() == b"hello"


def test_merge_all_without_summaries_and_in_eager_mode():
    with v1.Graph().as_default():
        assert v1.summary.merge_all() is None
    with pytest.raises(RuntimeError, match="eager"):
        v1.summary.merge_all()
    # eagerly a v1 summary is computed at once: its serialized proto
    s = v1.summary.scalar("x", 3.0)
    assert v1.summary.Summary.FromString(bytes(s.numpy())).value[0].simple_value == 3.0


def test_v1_summaries_write_through_a_tf2_default_writer(tmp_path):
    writer = tf.summary.create_file_writer(tmp_path)
    with writer.as_default(step=4):
        assert bool(v1.summary.scalar("x", 2.5))
    writer.close()
    assert events.scalars(events.load(tmp_path), "x") == [(4, 2.5)]


def test_add_summary_rejects_other_things(tmp_path):
    with v1.summary.FileWriter(tmp_path) as writer:
        with pytest.raises(TypeError, match="add_summary"):
            writer.add_summary(42, 0)
    with pytest.raises(RuntimeError, match="closed"):
        writer.add_summary(b"", 0)
    writer.reopen()
    writer.add_summary(b"", 1)
    writer.close()
