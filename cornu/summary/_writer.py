"""Summary writers and the per-thread summary state (default writer, default step, record_if), as in
TF2's `tf.summary`."""
import atexit
import contextlib
import os
import threading
import time
import weakref

from ._tb import tb

_local = threading.local()
_open_writers = weakref.WeakSet()  # flushed when the program exits, so nothing queued is lost


@atexit.register
def _flush_at_exit():
    for writer in list(_open_writers):
        try:
            writer.flush()
        except Exception:  # noqa: BLE001 - exiting: a writer that cannot flush is not an error now
            pass


def _state():
    state = _local.__dict__
    if "writer" not in state:
        state.update(writer=None, step=None, recording=True)
    return _local


class SummaryWriter:
    """Writes summaries to an event file in `logdir` (TF's `tf.summary.SummaryWriter`).

    Make it the default writer with `with writer.as_default():` (or `writer.set_as_default()`): the
    summary functions (`cornu.summary.scalar`, ...) write to the default writer and do nothing
    without one.

    >>> import tempfile
    >>> import cornu as tf
    >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
    >>> with writer.as_default(step=3):
    ...     bool(tf.summary.scalar("loss", 0.25))
    True
    >>> writer.close()
    """

    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None):
        if logdir is None:
            raise ValueError("create_file_writer: logdir must be a directory path, got None")
        self._logdir = os.fspath(logdir)
        self._max_queue = 10 if max_queue is None else int(max_queue)
        self._flush_secs = 120.0 if flush_millis is None else float(flush_millis) / 1000.0
        self._suffix = ".v2" if filename_suffix is None else str(filename_suffix)
        self._writer = None
        self._closed = False
        self._lock = threading.Lock()
        self.init()

    # -- lifetime ------------------------------------------------------------------------------------
    def init(self):
        """Open the event file (done on creation; after `close()`, opens a new one)."""
        with self._lock:
            if self._writer is None:
                self._writer = tb.event_file_writer.EventFileWriter(
                    self._logdir, max_queue_size=self._max_queue, flush_secs=self._flush_secs,
                    filename_suffix=self._suffix)
                self._closed = False
                _open_writers.add(self)

    def flush(self):
        """Write pending events to disk."""
        writer = self._writer
        if writer is not None:
            writer.flush()

    def close(self):
        """Flush and close the event file; writing to a closed writer does nothing (`init()` reopens)."""
        with self._lock:
            writer, self._writer = self._writer, None
            self._closed = True
        if writer is not None:
            writer.close()

    @property
    def logdir(self):
        return self._logdir

    @property
    def closed(self):
        return self._closed

    def _check_open(self):
        if self._closed:
            raise RuntimeError(f"SummaryWriter for {self._logdir!r} is already closed (call init() to "
                               "reopen it)")

    # -- defaults ------------------------------------------------------------------------------------
    def as_default(self, step=None):
        """Context manager: inside, this is the default writer (and `step`, if given, the default step).
        Leaving it restores the previous ones and flushes this writer."""
        self._check_open()
        return _as_default(self, step)

    def set_as_default(self, step=None):
        """Make this the default writer (and `step` the default step) from now on, on this thread."""
        self._check_open()
        state = _state()
        state.writer = self
        if step is not None:
            state.step = step

    # -- writing -------------------------------------------------------------------------------------
    def _add_event(self, event):
        """Returns False when the writer is closed (the event is dropped)."""
        writer = self._writer
        if writer is None:
            return False
        if not event.wall_time:
            event.wall_time = time.time()
        writer.add_event(event)
        return True

    def _write_value(self, value, step):
        summary = tb.summary_pb2.Summary(value=[value])
        return self._add_event(tb.event_pb2.Event(step=int(step), summary=summary))

    def graph(self, graph_data, step=0):
        """Write a graph for TensorBoard's graph tab: a cornu graph (`concrete.graph`, a compat.v1
        Graph), a ConcreteFunction, or a GraphDef proto (or its serialized bytes)."""
        from ._graph_def import to_graph_def_bytes
        return self._add_event(tb.event_pb2.Event(step=int(step), graph_def=to_graph_def_bytes(graph_data)))

    def __repr__(self):
        return f"<cornu.summary.SummaryWriter logdir={self._logdir!r}{' (closed)' if self._closed else ''}>"


class NoopWriter:
    """A writer that writes nothing: summaries inside its `as_default()` are no-ops."""

    def init(self):
        pass

    def flush(self):
        pass

    def close(self):
        pass

    def as_default(self, step=None):
        return _as_default(self, step)

    def set_as_default(self, step=None):
        state = _state()
        state.writer = self
        if step is not None:
            state.step = step

    def graph(self, graph_data, step=0):
        return False


@contextlib.contextmanager
def _as_default(writer, step):
    state = _state()
    previous = (state.writer, state.step)
    state.writer = writer
    if step is not None:
        state.step = step
    try:
        yield writer
    finally:
        state.writer, state.step = previous
        writer.flush()


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None,
                       experimental_trackable=False, experimental_mesh=None):
    """`tf.summary.create_file_writer`: a SummaryWriter writing an event file in `logdir` (created if
    needed). Events are queued (at most `max_queue`, default 10) and flushed every `flush_millis`
    (default 120000 ms), on `flush()`, on leaving `as_default()` and on `close()`.

    >>> import tempfile
    >>> import cornu as tf
    >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
    >>> with writer.as_default():
    ...     for step in range(3):
    ...         _ = tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
    >>> writer.close()
    """
    return SummaryWriter(logdir, max_queue=max_queue, flush_millis=flush_millis,
                         filename_suffix=filename_suffix)


def create_noop_writer():
    """`tf.summary.create_noop_writer`: a writer that writes nothing."""
    return NoopWriter()


def get_default_writer():
    return _state().writer


def get_step():
    """`tf.summary.experimental.get_step`: the default step (an int, a Tensor or a Variable), or None."""
    return _state().step


def set_step(step):
    """`tf.summary.experimental.set_step`: the step summaries use when they are given none (on this
    thread). A Variable (e.g. `optimizer.iterations`) is read each time a summary is written, also
    inside a cornu.function."""
    _state().step = step


@contextlib.contextmanager
def record_if(condition):
    """Context manager: inside, summaries are written only when `condition` holds: a bool, a bool
    Tensor, or a callable returning either (called each time a summary is about to be written; inside
    a cornu.function a tensor result is evaluated each time the graph runs)."""
    state = _state()
    previous = state.recording
    state.recording = condition
    try:
        yield
    finally:
        state.recording = previous


def should_record_summaries():
    """Whether summaries would be written now: a default writer is set and the record_if condition
    holds (a bool, or a bool Tensor when the condition is a tensor)."""
    state = _state()
    writer = state.writer
    if writer is None or isinstance(writer, NoopWriter) or getattr(writer, "_closed", False):
        return False
    condition = state.recording
    if callable(condition):
        condition = condition()
    return condition if _is_tensor(condition) else bool(condition)


def flush(writer=None, name=None):
    """Flush `writer` (default: the default writer)."""
    writer = writer if writer is not None else _state().writer
    if writer is not None:
        writer.flush()


def _is_tensor(x):
    from ..core.tensor import Tensor
    return isinstance(x, Tensor)
