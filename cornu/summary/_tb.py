"""TensorBoard's own protos and event writer, imported on first use (so `import cornu` and
`cornu.summary` stay light, and TensorBoard is only needed by programs that write logs)."""
import importlib

_MODULES = {
    "summary_pb2": "tensorboard.compat.proto.summary_pb2",
    "event_pb2": "tensorboard.compat.proto.event_pb2",
    "graph_pb2": "tensorboard.compat.proto.graph_pb2",
    "node_def_pb2": "tensorboard.compat.proto.node_def_pb2",
    "attr_value_pb2": "tensorboard.compat.proto.attr_value_pb2",
    "tensor_pb2": "tensorboard.compat.proto.tensor_pb2",
    "tensor_shape_pb2": "tensorboard.compat.proto.tensor_shape_pb2",
    "types_pb2": "tensorboard.compat.proto.types_pb2",
    "config_pb2": "tensorboard.compat.proto.config_pb2",
    "histogram_pb2": "tensorboard.compat.proto.histogram_pb2",
    "versions_pb2": "tensorboard.compat.proto.versions_pb2",
    "tensor_util": "tensorboard.util.tensor_util",
    "event_file_writer": "tensorboard.summary.writer.event_file_writer",
    "scalar_metadata": "tensorboard.plugins.scalar.metadata",
    "histogram_metadata": "tensorboard.plugins.histogram.metadata",
    "image_metadata": "tensorboard.plugins.image.metadata",
    "text_metadata": "tensorboard.plugins.text.metadata",
    "graph_metadata": "tensorboard.plugins.graph.metadata",
}

INSTALL_HINT = ('cornu writes TensorBoard logs with the `tensorboard` package, which is not installed: '
                'pip install tensorboard  (or: pip install "cornu[tensorboard]")')


class _Namespace:
    def __getattr__(self, name):
        path = _MODULES.get(name)
        if path is None:
            raise AttributeError(name)
        try:
            module = importlib.import_module(path)
        except ImportError as exc:
            raise ImportError(f"{INSTALL_HINT} ({exc})") from exc
        setattr(self, name, module)
        return module


tb = _Namespace()


def available():
    """True when the tensorboard package can be imported."""
    try:
        tb.event_pb2  # noqa: B018
    except ImportError:
        return False
    return True
