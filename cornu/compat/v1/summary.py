"""`tf.compat.v1.summary`: TF1's summaries for Session loops.

>>> import tempfile
>>> import cornu.compat.v1 as tf
>>> logdir = tempfile.mkdtemp()
>>> g = tf.Graph()
>>> with g.as_default():
...     x = tf.placeholder(tf.float32, [None], name="x")
...     loss = tf.reduce_mean(x * x)
...     _ = tf.summary.scalar("loss", loss)
...     merged = tf.summary.merge_all()
...     writer = tf.summary.FileWriter(logdir, g)
...     with tf.Session() as sess:
...         for step in range(3):
...             s = sess.run(merged, {x: [1.0, float(step)]})
...             writer.add_summary(s, step)
>>> writer.close()

A summary op's value is the serialized `Summary` proto. cornu has no string tensors, so that value is a
uint8 tensor of the proto's bytes (shape [n]): `Session.run` gives a uint8 NumPy array, which
`FileWriter.add_summary` takes as it takes bytes or a Summary proto (`bytes(array)` gives the bytes
TF's `sess.run` would). `merge` concatenates them (concatenated Summary protos parse as one).

As in TF 2, when a TF2 default writer is set (`cornu.summary.create_file_writer(...).as_default()`)
and no TF1 graph is being built, `scalar`/`histogram`/`image`/`text` write through `cornu.summary`
instead (at `cornu.summary.experimental.get_step()`).

Formats are TF1's: scalars as `simple_value`, histograms as `HistogramProto` with TF's exponential
bucket limits, images as PNG `Summary.Image` values tagged `<name>/image/<i>`; TensorBoard reads them
as it reads TF1's logs.
"""
import os
import time

from ... import backend
from ...backend import dtypes
from ...core.registry import Op, Spec, apply
from ...core.tensor import Tensor, convert_to_tensor
from ...graph.tracing import current_graph
from ...summary._tb import tb
from . import _graph


def _bytes_shape(*specs, **attrs):
    return Spec((None,), dtypes.uint8)


def _no_grad(ctx, g):
    return (None,) * len(ctx.inputs)


def _as_uint8(summary):
    return backend.numpy.frombuffer(summary.SerializeToString(), dtype=backend.numpy.uint8).copy()


def _summary_op(name, build):
    """A pure op computing a serialized Summary from its inputs (TF1's *Summary kernels)."""
    def forward(xp, *arrays, **attrs):
        summary = build(*[backend.to_numpy(a) for a in arrays], **attrs)
        return xp.asarray(_as_uint8(summary))
    forward.__name__ = name
    op = Op(name, forward, _bytes_shape, differentiable=False)
    op.grad = _no_grad
    return op


def _scalar_summary(value, tag):
    np = backend.numpy
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"summary.scalar {tag!r}: tags and values must have the same shape (a scalar "
                         f"value), got shape {value.shape}")
    return tb.summary_pb2.Summary(value=[tb.summary_pb2.Summary.Value(
        tag=tag, simple_value=float(value.reshape(())))])


_LIMITS = []


def _bucket_limits():
    """TF's default histogram bucket limits: +-1e-12 growing by 10% up to 1e20, 0, and +-DBL_MAX."""
    if not _LIMITS:
        np = backend.numpy
        positive, v = [], 1e-12
        while v < 1e20:
            positive.append(v)
            v *= 1.1
        big = float(np.finfo(np.float64).max)
        positive.append(big)
        _LIMITS.append(np.array([-x for x in reversed(positive)] + [0.0] + positive))
    return _LIMITS[0]


def histogram_proto(values):
    """A HistogramProto of `values` as TF1's HistogramSummary builds it (empty buckets runs merged)."""
    np = backend.numpy
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    limits = _bucket_limits()
    proto = tb.summary_pb2.HistogramProto()
    if values.size:
        if not np.all(np.isfinite(values)):
            raise ValueError("summary.histogram: Nan or Inf in the input values")
        index = np.minimum(np.searchsorted(limits, values, side="right"), len(limits) - 1)
        counts = np.bincount(index, minlength=len(limits)).astype(np.float64)
        proto.min, proto.max = float(values.min()), float(values.max())
        proto.num = float(values.size)
        proto.sum = float(values.sum())
        proto.sum_squares = float(np.dot(values, values))
    else:
        counts = np.zeros(len(limits))
        proto.min, proto.max = float(limits[-1]), float(-limits[-1])
    following = np.append(counts[1:], 1.0)
    keep = (counts > 0) | (following > 0)  # a bucket with data, or the last of a run of empty ones
    proto.bucket_limit.extend(limits[keep].tolist())
    proto.bucket.extend(counts[keep].tolist())
    return proto


def _histogram_summary(values, tag):
    return tb.summary_pb2.Summary(value=[tb.summary_pb2.Summary.Value(tag=tag, histo=histogram_proto(values))])


def _image_uint8(images):
    """TF1's image summary scaling: uint8 as is; floats that are all >= 0 scaled so the largest is 255,
    others so that 0 maps to 128 and the largest magnitude to 127 (per image)."""
    np = backend.numpy
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    out = []
    for img in images.astype(np.float64):
        if img.size and img.min() >= 0:
            top = img.max()
            scale, offset = (255.0 / top if top > 0 else 0.0), 0.0
        else:
            top = np.abs(img).max() if img.size else 0.0
            scale, offset = (127.0 / top if top > 0 else 0.0), 128.0
        out.append(np.clip(np.round(img * scale + offset), 0, 255).astype(np.uint8))
    return np.stack(out) if out else images.astype(np.uint8)


def _image_summary(images, tag, max_outputs):
    from ...summary._png import encode_png
    images = _image_uint8(images)
    values = []
    count = min(max_outputs, images.shape[0])
    for i in range(count):
        height, width, channels = images[i].shape
        name = f"{tag}/image" if max_outputs == 1 else f"{tag}/image/{i}"
        values.append(tb.summary_pb2.Summary.Value(tag=name, image=tb.summary_pb2.Summary.Image(
            height=height, width=width, colorspace=channels, encoded_image_string=encode_png(images[i]))))
    return tb.summary_pb2.Summary(value=values)


def _text_summary(tag, text):
    np = backend.numpy
    tensor = tb.tensor_util.make_tensor_proto(np.array(text, dtype=object))
    metadata = tb.text_metadata.create_summary_metadata(None, None)
    return tb.summary_pb2.Summary(value=[tb.summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])


def _merge(*summaries):
    merged = tb.summary_pb2.Summary()
    for s in summaries:
        merged.MergeFromString(bytes(backend.numpy.asarray(s, dtype=backend.numpy.uint8)))
    return merged


scalar_summary_op = _summary_op("scalar_summary", _scalar_summary)
histogram_summary_op = _summary_op("histogram_summary", _histogram_summary)
image_summary_op = _summary_op("image_summary", _image_summary)
text_summary_op = _summary_op("text_summary", _text_summary)
merge_summary_op = _summary_op("merge_summary", _merge)


# -- the functions ------------------------------------------------------------------------------------

def _tag(name, family=None):
    graph = _graph._building_v1_graph()
    prefix = _graph.current_name_prefix() if graph is not None else ""
    tag = f"{family}/{name}" if family else str(name)
    return prefix + tag


def _use_v2():
    """TF 2's rule: outside a TF1 graph, with a TF2 default writer recording, write through it."""
    if _graph._building_v1_graph() is not None or _graph._state["mode"] is not None:
        return False
    from ...summary import should_record_summaries
    record = should_record_summaries()
    return True if isinstance(record, Tensor) else bool(record)


def _finish(tensor, collections):
    graph = _graph._building_v1_graph()
    if graph is not None:
        for key in [_graph.GraphKeys.SUMMARIES] if collections is None else collections:
            graph.add_to_collection(key, tensor)
    return tensor


def _input(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def scalar(name, tensor, collections=None, family=None):
    """A scalar summary: in a TF1 graph, a tensor whose value (from `sess.run`) is the serialized
    Summary (uint8 bytes), added to the `summaries` collection for `merge_all`."""
    if _use_v2():
        from ... import summary as v2
        return v2.scalar(_tag(name, family), tensor)
    t = _input(tensor)
    if t.shape.rank is not None and t.shape.num_elements() not in (None, 1):
        raise ValueError(f"summary.scalar {name!r}: the value must be a scalar, got shape {tuple(t.shape)}")
    return _finish(apply(scalar_summary_op, (t,), {"tag": _tag(name, family)}), collections)


def histogram(name, values, collections=None, family=None):
    """A histogram summary of `values` (TF1's HistogramProto, TF's default bucket limits)."""
    if _use_v2():
        from ... import summary as v2
        return v2.histogram(_tag(name, family), values)
    return _finish(apply(histogram_summary_op, (_input(values),), {"tag": _tag(name, family)}), collections)


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """An image summary of `tensor` [batch, height, width, channels] (1, 3 or 4 channels)."""
    if _use_v2():
        from ... import summary as v2
        return v2.image(_tag(name, family), tensor, max_outputs=max_outputs)
    t = _input(tensor)
    if t.shape.rank is not None and t.shape.rank != 4:
        raise ValueError(f"summary.image {name!r}: expected a 4-D tensor [batch, height, width, channels], "
                         f"got shape {tuple(t.shape)}")
    return _finish(apply(image_summary_op, (t,), {"tag": _tag(name, family), "max_outputs": int(max_outputs)}),
                   collections)


def text(name, tensor, collections=None):
    """A text summary (a Python string or nested list of strings: cornu has no string tensors)."""
    if _use_v2():
        from ... import summary as v2
        return v2.text(_tag(name), tensor)
    if isinstance(tensor, bytes):
        tensor = tensor.decode("utf-8")
    return _finish(apply(text_summary_op, (), {"tag": _tag(name), "text": tensor}), collections)


def merge(inputs, collections=None, name=None):
    """One summary holding all of `inputs` (summary tensors)."""
    inputs = [x for x in inputs if x is not None]
    if not inputs:
        raise ValueError("summary.merge: no summaries to merge")
    return _finish(apply(merge_summary_op, tuple(_input(x) for x in inputs), {}), collections or [])


def merge_all(key=_graph.GraphKeys.SUMMARIES, scope=None, name=None):
    """Merge every summary in the default graph's `key` collection; None when there is none."""
    graph = current_graph()
    if graph is None and _graph._state["mode"] is None:
        raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution: build them "
                           "in a tf.compat.v1.Graph (or use cornu.summary's writers)")
    graph = graph if graph is not None else _graph.get_default_graph()
    getter = getattr(graph, "get_collection", None)
    summaries = getter(key, scope) if getter is not None else []
    if not summaries:
        return None
    return merge(summaries)


def get_summary_description(node_def):
    """TF1's `get_summary_description`: not available (cornu graphs carry no summary descriptions)."""
    raise NotImplementedError("cornu.compat.v1.summary.get_summary_description is not supported")


# -- FileWriter ---------------------------------------------------------------------------------------

def _summary_proto(summary):
    summary_type = tb.summary_pb2.Summary
    if isinstance(summary, summary_type):
        return summary
    if hasattr(summary, "SerializeToString"):  # a Summary of another copy of the proto classes
        return summary_type.FromString(summary.SerializeToString())
    if isinstance(summary, Tensor):
        summary = backend.to_numpy(summary._value)
    if isinstance(summary, (bytes, bytearray, memoryview)):
        return summary_type.FromString(bytes(summary))
    np = backend.numpy
    if isinstance(summary, (np.ndarray, np.generic)):
        return summary_type.FromString(np.asarray(summary).tobytes())
    raise TypeError(f"FileWriter.add_summary: expected a Summary proto, its serialized bytes, or the "
                    f"value of a summary op from Session.run; got {type(summary).__name__}")


class FileWriter:
    """`tf.compat.v1.summary.FileWriter(logdir, graph=None, max_queue=10, flush_secs=120)`: writes
    summaries (from `sess.run` of summary ops) and graphs to an event file in `logdir`."""

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        self._logdir = os.fspath(logdir)
        self._options = (max_queue, flush_secs, filename_suffix or "")
        self._writer = None
        self._closed = False
        self.reopen()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def get_logdir(self):
        return self._logdir

    def reopen(self):
        """Open a new event file after `close()` (does nothing while open)."""
        if self._writer is None:
            max_queue, flush_secs, suffix = self._options
            self._writer = tb.event_file_writer.EventFileWriter(self._logdir, max_queue, flush_secs, suffix)
            self._closed = False

    def add_event(self, event):
        if self._writer is None:
            raise RuntimeError(f"FileWriter for {self._logdir!r} is closed (call reopen())")
        if not event.wall_time:
            event.wall_time = time.time()
        self._writer.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Write a summary: `sess.run`'s value of a summary op, serialized bytes or a Summary proto."""
        event = tb.event_pb2.Event(summary=_summary_proto(summary))
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Write a graph (a compat.v1 Graph, any cornu graph or ConcreteFunction, or a GraphDef)."""
        from ...summary._graph_def import to_graph_def_bytes
        data = graph_def if graph_def is not None else graph
        if data is None:
            raise ValueError("FileWriter.add_graph: give a graph or a graph_def")
        event = tb.event_pb2.Event(graph_def=to_graph_def_bytes(data))
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_session_log(self, session_log, global_step=None):
        event = tb.event_pb2.Event(session_log=session_log)
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def flush(self):
        if self._writer is not None:
            self._writer.flush()

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<cornu.compat.v1.summary.FileWriter logdir={self._logdir!r}>"


class FileWriterCache:
    """One FileWriter per log directory (TF1's cache)."""

    _cache = {}

    @staticmethod
    def get(logdir):
        logdir = os.fspath(logdir)
        writer = FileWriterCache._cache.get(logdir)
        if writer is None:
            writer = FileWriterCache._cache[logdir] = FileWriter(logdir)
        return writer

    @staticmethod
    def clear():
        for writer in FileWriterCache._cache.values():
            writer.close()
        FileWriterCache._cache.clear()


def __getattr__(name):
    """`Summary`, `Event`, `SessionLog`, `HistogramProto`: TensorBoard's protos (TF1's tf.Summary)."""
    protos = {"Summary": ("summary_pb2", "Summary"), "HistogramProto": ("summary_pb2", "HistogramProto"),
              "SummaryMetadata": ("summary_pb2", "SummaryMetadata"), "Event": ("event_pb2", "Event"),
              "SessionLog": ("event_pb2", "SessionLog"), "TaggedRunMetadata": ("event_pb2", "TaggedRunMetadata")}
    if name in protos:
        module, attr = protos[name]
        return getattr(getattr(tb, module), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
