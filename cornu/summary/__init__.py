"""`cornu.summary`: TensorBoard logs with TF2's `tf.summary` API.

>>> import tempfile
>>> import cornu as tf
>>> logdir = tempfile.mkdtemp()
>>> writer = tf.summary.create_file_writer(logdir)
>>> with writer.as_default():
...     for step in range(3):
...         _ = tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
...         _ = tf.summary.histogram("weights", tf.random.normal([100]), step=step)
>>> writer.close()

Then `tensorboard --logdir <logdir>`. Writing needs the `tensorboard` package (`pip install
tensorboard`, or the `cornu[tensorboard]` extra); its event writer and protos are used, imported on
first use.

Summaries are written to the default writer (`with writer.as_default():`) and are no-ops returning
False without one. Inside a `cornu.function`, a summary call becomes a stateful node of the graph that
writes each time the function runs, with that run's values and step (pass a Variable such as
`optimizer.iterations` as the step, or set it with `experimental.set_step`, to have it read at run
time). The writer is the default one when the function was traced, as in TF.

`trace_on()` / `trace_export(name, step)` record the graphs of the cornu.functions called in between
and write them for TensorBoard's Graphs tab; `graph(graph_data)` writes one graph directly.
"""
import types as _types

from ._writer import (NoopWriter, SummaryWriter, create_file_writer, create_noop_writer,  # noqa: F401
                      flush, record_if, should_record_summaries)
from ._writer import get_step as _get_step, set_step as _set_step
from ._ops import histogram, image, scalar, text  # noqa: F401
from ._ops import write_tensor as write  # noqa: F401
from ._trace import trace_export, trace_off, trace_on  # noqa: F401


def graph(graph_data):
    """`tf.summary.graph`: write a graph (a cornu graph such as `concrete.graph`, a ConcreteFunction,
    a traced cornu.function, or a GraphDef) to the default writer, for TensorBoard's Graphs tab.
    Returns False without a default writer."""
    from ._ops import _false
    from ._writer import _state
    writer = _state().writer
    if writer is None or isinstance(writer, NoopWriter) or not should_record_summaries():
        return _false()
    from ..core.tensor import constant
    return constant(bool(writer.graph(graph_data)))


def _write_raw_pb(tensor, step=None, name=None):
    """`tf.summary.experimental.write_raw_pb`: write serialized Summary proto bytes as they are."""
    from ._ops import _false
    from ._tb import tb
    from ._writer import _state
    state = _state()
    writer = state.writer
    if writer is None or isinstance(writer, NoopWriter) or not should_record_summaries():
        return _false()
    step = state.step if step is None else step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument or through "
                         "cornu.summary.experimental.set_step()")
    data = bytes(getattr(tensor, "numpy", lambda: tensor)()) if not isinstance(tensor, bytes) else tensor
    event = tb.event_pb2.Event(step=int(step), summary=tb.summary_pb2.Summary.FromString(data))
    from ..core.tensor import constant
    return constant(bool(writer._add_event(event)))


experimental = _types.SimpleNamespace(get_step=_get_step, set_step=_set_step, write_raw_pb=_write_raw_pb)
experimental.__doc__ = "`cornu.summary.experimental`: the default step (get_step, set_step), write_raw_pb."
