"""The summary functions and the op that writes them.

Every summary goes through one stateful op, `write_summary(step, *data[, condition])`, whose
forward builds the Summary proto from the values it receives and appends the event to the writer
captured in its attributes. Eagerly it runs at once; inside a cornu.function it becomes a node of the
graph, so each *call* of the function writes (with the step and data of that call: a step Variable
such as `optimizer.iterations` is read when the node runs). Being stateful, the node is never folded,
merged or dropped by the graph passes. The op is not in the op registry (it has no math: nothing to
differentiate or shape-check); it is an ordinary `Op` that `apply` runs or traces like any other.

Summary formats are TF2's, so TensorBoard's plugins read them as they read TF's: scalars as float32
tensors ("scalars" plugin), histograms as float64 [k, 3] tensors of (left edge, right edge, count)
("histograms"), images as string tensors [width, height, png, ...] ("images"), text as string
tensors ("text").
"""
from .. import backend
from ..backend import dtypes
from ..core.registry import Op, Spec, apply
from ..core.symbolic import ShapeOnly
from ..core.tensor import Tensor, constant, convert_to_tensor
from ._tb import tb
from ._writer import NoopWriter, _state

DEFAULT_BUCKET_COUNT = 30


def _write_shape(*specs, **attrs):
    return Spec((), dtypes.bool)


def _write_forward(xp, step, *values, writer, tag, kind, conditional, params):
    np = backend.numpy
    if conditional:
        values, condition = values[:-1], values[-1]
        if not bool(backend.to_numpy(condition)):
            return xp.asarray(False)
    if writer._writer is None:  # closed since the graph was traced
        return xp.asarray(False)
    arrays = [backend.to_numpy(v) for v in values]
    value = _BUILDERS[kind](tag, arrays, params)
    return xp.asarray(bool(writer._write_value(value, int(np.asarray(backend.to_numpy(step))))))


write_summary_op = Op("write_summary", _write_forward, _write_shape, differentiable=False, stateful=True)
write_summary_op.grad = lambda ctx, g: (None,) * len(ctx.inputs)


# -- the protos ---------------------------------------------------------------------------------------

def _value(tag, tensor, metadata):
    return tb.summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)


def _scalar_value(tag, arrays, params):
    np = backend.numpy
    tensor = tb.tensor_util.make_tensor_proto(np.asarray(arrays[0], dtype=np.float32).reshape(()))
    return _value(tag, tensor, tb.scalar_metadata.create_summary_metadata(None, params["description"]))


def histogram_buckets(data, bucket_count=None):
    """TensorBoard's histogram: a float64 array [bucket_count, 3] of (left edge, right edge, count),
    `bucket_count` equal-width buckets over [min, max] (the last one closed); all zeros for no data; for
    data of one value v, every bucket is [v, v] and the last one holds the count."""
    np = backend.numpy
    k = DEFAULT_BUCKET_COUNT if bucket_count is None else max(int(bucket_count), 0)
    data = np.asarray(data, dtype=np.float64).reshape(-1)
    if not np.isfinite(data).all():
        raise ValueError("NaN or Inf in the data of a histogram summary")
    if k == 0 or data.size == 0:
        return np.zeros((k, 3))
    lo, hi = data.min(), data.max()
    if hi - lo == 0:
        counts = np.zeros(k)
        counts[-1] = data.size
        return np.stack([np.full(k, lo), np.full(k, lo), counts], axis=1)
    width = (hi - lo) / k
    index = np.minimum(np.floor((data - lo) / width).astype(np.int64), k - 1)
    counts = np.bincount(index, minlength=k).astype(np.float64)
    edges = np.linspace(lo, hi, k + 1)
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def _histogram_value(tag, arrays, params):
    try:
        buckets = histogram_buckets(arrays[0], params["buckets"])
    except ValueError as exc:
        raise ValueError(f"summary.histogram {tag!r}: {exc}") from None
    tensor = tb.tensor_util.make_tensor_proto(buckets)
    return _value(tag, tensor, tb.histogram_metadata.create_summary_metadata(None, params["description"]))


def to_uint8_images(data):
    """Images as uint8: floats clipped to [0, 1] and scaled by 255 (as TF's convert_image_dtype with
    saturation), integers clipped to [0, 255]."""
    np = backend.numpy
    data = np.asarray(data)
    if data.dtype == np.uint8:
        return data
    if data.dtype.kind == "f":
        return (np.clip(data.astype(np.float64), 0.0, 1.0) * 255.5).astype(np.uint8)
    if data.dtype.kind == "b":
        return data.astype(np.uint8) * 255
    return np.clip(data, 0, 255).astype(np.uint8)


def _image_value(tag, arrays, params):
    from ._png import encode_png
    np = backend.numpy
    images = to_uint8_images(arrays[0])
    height, width = images.shape[1], images.shape[2]
    encoded = [encode_png(img) for img in images[:params["max_outputs"]]]
    content = np.array([str(width).encode(), str(height).encode()] + encoded, dtype=object)
    tensor = tb.tensor_util.make_tensor_proto(content)
    return _value(tag, tensor, tb.image_metadata.create_summary_metadata(None, params["description"]))


def _text_value(tag, arrays, params):
    np = backend.numpy
    tensor = tb.tensor_util.make_tensor_proto(np.array(params["text"], dtype=object))
    return _value(tag, tensor, tb.text_metadata.create_summary_metadata(None, params["description"]))


def _tensor_value(tag, arrays, params):
    np = backend.numpy
    data = params.get("constant")
    tensor = tb.tensor_util.make_tensor_proto(np.array(data, dtype=object) if data is not None else arrays[0])
    metadata = params.get("metadata")
    if isinstance(metadata, (bytes, bytearray)):
        metadata = tb.summary_pb2.SummaryMetadata.FromString(bytes(metadata))
    elif metadata is None:
        metadata = tb.summary_pb2.SummaryMetadata()
    return _value(tag, tensor, metadata)


_BUILDERS = {"scalar": _scalar_value, "histogram": _histogram_value, "image": _image_value,
             "text": _text_value, "tensor": _tensor_value}


# -- the public functions ------------------------------------------------------------------------------

def _false():
    return constant(False)


def _as_input(x, dtype=None):
    if isinstance(x, Tensor):  # Tensors and Variables (read when the node runs)
        return x
    np = backend.numpy
    if dtype is None and isinstance(x, (float, int)) and not isinstance(x, bool):
        return convert_to_tensor(np.asarray(x, dtype=np.float64 if isinstance(x, float) else np.int64))
    return convert_to_tensor(x, dtype=dtype)


def _is_keras_symbolic(t):
    return isinstance(t, Tensor) and type(t._value) is ShapeOnly and _current_graph() is None


def _current_graph():
    from ..graph.tracing import current_graph
    return current_graph()


def write(kind, tag, data, step, params):
    """Write one summary to the default writer; a bool Tensor (False when nothing was written)."""
    state = _state()
    writer = state.writer
    if writer is None or isinstance(writer, NoopWriter):
        return _false()
    condition = state.recording
    if callable(condition):
        condition = condition()
    conditional = isinstance(condition, Tensor)
    if not conditional and not condition:
        return _false()
    if step is None:
        step = state.step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument or through "
                         "cornu.summary.experimental.set_step()")
    inputs = [step if isinstance(step, Tensor) else convert_to_tensor(int(step), dtype=dtypes.int64)]
    inputs += [_as_input(d) for d in data]
    if any(_is_keras_symbolic(t) for t in inputs):
        return _false()  # a Keras model being built on symbolic inputs: nothing to write yet
    if conditional:
        inputs.append(condition)
    attrs = {"writer": writer, "tag": str(tag), "kind": kind, "conditional": conditional, "params": params}
    if _current_graph() is None:
        writer._check_open()
    return apply(write_summary_op, tuple(inputs), attrs)


def scalar(name, data, step=None, description=None):
    """`tf.summary.scalar`: write a scalar (a Python number or a rank-0 tensor) to the default writer.

    Returns True (a bool tensor) when written, False without a default writer or when record_if's
    condition is false. Inside a cornu.function the value is written each time the function runs.

    >>> import tempfile
    >>> import cornu as tf
    >>> bool(tf.summary.scalar("loss", 0.5, step=1))  # no default writer: nothing written
    False
    """
    shape = tuple(getattr(data, "shape", ()) or ())
    if shape not in ((), (1,)) and None not in shape:
        raise ValueError(f"summary.scalar {name!r}: data must be a scalar, got shape {shape}")
    return write("scalar", name, [data], step, {"description": description})


def histogram(name, data, step=None, buckets=None, description=None):
    """`tf.summary.histogram`: the distribution of `data` (any shape) in `buckets` equal-width buckets
    (default 30) between its min and max, for TensorBoard's Histograms and Distributions tabs."""
    if buckets is not None and int(buckets) < 0:
        raise ValueError(f"summary.histogram {name!r}: buckets must be >= 0, got {buckets}")
    return write("histogram", name, [data], step, {"buckets": buckets, "description": description})


def image(name, data, step=None, max_outputs=3, description=None):
    """`tf.summary.image`: images of shape [k, height, width, channels] (channels 1, 2, 3 or 4; floats
    in [0, 1] or uint8), the first `max_outputs` written as PNGs."""
    shape = tuple(getattr(data, "shape", ()) or backend.numpy.shape(data))
    if len(shape) != 4:
        raise ValueError(f"summary.image {name!r}: data must have rank 4 [k, height, width, channels], got "
                         f"shape {shape}")
    if shape[-1] is not None and shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"summary.image {name!r}: the last dimension (channels) must be 1, 2, 3 or 4, got "
                         f"shape {shape}")
    if int(max_outputs) < 0:
        raise ValueError(f"summary.image {name!r}: max_outputs must be >= 0, got {max_outputs}")
    return write("image", name, [data], step, {"max_outputs": int(max_outputs), "description": description})


def text(name, data, step=None, description=None):
    """`tf.summary.text`: a string (or a nested list of strings: a table), rendered as Markdown.

    cornu has no string tensors, so `data` is a Python str (or list), fixed when the call is traced."""
    if isinstance(data, Tensor):
        raise TypeError(f"summary.text {name!r}: data must be a Python string (or a list of strings); "
                        "cornu has no string tensors")
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).decode("utf-8")
    return write("text", name, [], step, {"text": data, "description": description})


def write_tensor(tag, tensor, step=None, metadata=None):
    """`tf.summary.write`: a tensor (or a Python string) with a SummaryMetadata proto (or its bytes)."""
    if isinstance(tensor, (str, bytes)) or (isinstance(tensor, (list, tuple)) and tensor
                                            and isinstance(tensor[0], (str, bytes))):
        return write("tensor", tag, [], step, {"constant": tensor, "metadata": metadata})
    return write("tensor", tag, [tensor], step, {"metadata": metadata})
