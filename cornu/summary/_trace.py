"""Graph tracing for TensorBoard: `trace_on` / `trace_export` record the graphs of the cornu.functions
called in between and write them as TF's `trace_export` does (a RunMetadata whose function graphs
TensorBoard's graph tab shows under the export's tag).

Recording watches `ConcreteFunction._call_flat`, the one place every call of a traced graph goes
through (a first call that traces, and every later call). The watch is installed only while a
recorder is active and removed afterwards, so calls cost nothing extra otherwise. Calls made while
another function is traced are inlined into that one's graph and not recorded separately.
"""
import threading
import warnings

from ._tb import tb

_lock = threading.Lock()
_recorders = []
_original = []


class Recorder:
    """Collects the ConcreteFunctions called while it is active (each once, in call order)."""

    def __init__(self, name_filter=None):
        self.functions = []
        self._filter = name_filter

    def see(self, concrete):
        if self._filter is not None and not self._filter(concrete):
            return
        if not any(c is concrete for c in self.functions):
            self.functions.append(concrete)

    def start(self):
        with _lock:
            if not _recorders:
                _install()
            _recorders.append(self)
        return self

    def stop(self):
        with _lock:
            if self in _recorders:
                _recorders.remove(self)
            if not _recorders:
                _uninstall()


def _install():
    from ..graph.function import ConcreteFunction
    from ..graph.tracing import current_graph
    original = ConcreteFunction.__dict__.get("_call_flat")
    if original is None:
        warnings.warn("cornu.summary: ConcreteFunction has no _call_flat to watch; graphs are not recorded")
        return
    _original.append(original)

    def _call_flat(self, tensors):
        if current_graph() is None:
            for recorder in list(_recorders):
                recorder.see(self)
        return original(self, tensors)
    _call_flat.__wrapped__ = original
    _call_flat.__doc__ = original.__doc__
    ConcreteFunction._call_flat = _call_flat


def _uninstall():
    if _original:
        from ..graph.function import ConcreteFunction
        ConcreteFunction._call_flat = _original.pop()


_active = {"recorder": None, "profiler": False}


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """`tf.summary.trace_on`: start recording the graphs of the cornu.functions called from now on,
    until `trace_export` (or `trace_off`). cornu has no profiler: `profiler=True` records the graphs
    only (with a warning)."""
    if _active["recorder"] is not None:
        warnings.warn("cornu.summary.trace_on: a trace is already on; call trace_export or trace_off first")
        return
    if profiler:
        warnings.warn("cornu.summary.trace_on(profiler=True): cornu has no profiler; only the graphs are "
                      "recorded", RuntimeWarning, stacklevel=2)
    _active["profiler"] = bool(profiler)
    _active["recorder"] = Recorder().start() if graph or profiler else Recorder()


def trace_off():
    """`tf.summary.trace_off`: stop recording and forget what was recorded."""
    recorder = _active["recorder"]
    _active["recorder"] = None
    if recorder is not None:
        recorder.stop()


def trace_export(name, step=None, profiler_outdir=None):
    """`tf.summary.trace_export`: write the graphs recorded since `trace_on` to the default writer under
    the tag `name` (TensorBoard's Graphs tab lists it under the run), then stop tracing. Returns True
    when written."""
    from ._ops import _false
    from ._writer import NoopWriter, _state, get_step
    recorder = _active["recorder"]
    if recorder is None:
        warnings.warn("cornu.summary.trace_export: no trace is on (call trace_on first)", stacklevel=2)
        return _false()
    step = get_step() if step is None else step
    if step is None:
        raise ValueError("cornu.summary.trace_export: a step is required (pass step= or set one with "
                         "cornu.summary.experimental.set_step)")
    try:
        writer = _state().writer
        if writer is None or isinstance(writer, NoopWriter):
            return _false()
        return write_function_graphs(writer, name, recorder.functions, int(step))
    finally:
        trace_off()


def run_metadata_bytes(functions):
    from ._graph_def import graph_to_graph_def
    config_pb2 = tb.config_pb2
    run_metadata = config_pb2.RunMetadata()
    for concrete in functions:
        entry = run_metadata.function_graphs.add()
        entry.pre_optimization_graph.CopyFrom(graph_to_graph_def(concrete.graph))
    return run_metadata.SerializeToString()


def write_function_graphs(writer, name, functions, step):
    """Write `functions`' graphs as TF's `run_metadata_graphs` summary under the tag `name`."""
    from ..core.tensor import constant
    metadata = tb.summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = tb.graph_metadata.PLUGIN_NAME_RUN_METADATA_WITH_GRAPH
    metadata.plugin_data.content = b"1"
    tensor = tb.tensor_pb2.TensorProto(dtype=tb.types_pb2.DT_STRING, string_val=[run_metadata_bytes(functions)])
    value = tb.summary_pb2.Summary.Value(tag=name, metadata=metadata, tensor=tensor)
    return constant(bool(writer._write_value(value, step)))
