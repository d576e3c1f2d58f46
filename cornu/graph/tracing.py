"""Which graph, if any, ops are being traced into on this thread."""
import contextlib
import threading

from ..backend.device import SLOW_PATH

_local = threading.local()


def current_graph():
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


@contextlib.contextmanager
def tracing(graph):
    """Inside, every op applied on this thread becomes a node of `graph` instead of running."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append(graph)
    SLOW_PATH[0] += 1
    try:
        yield graph
    finally:
        SLOW_PATH[0] -= 1
        stack.pop()


@contextlib.contextmanager
def eager():
    """Run ops eagerly inside a trace (e.g. to compute a variable's initial value)."""
    stack = getattr(_local, "stack", None)
    saved = list(stack) if stack else []
    if stack:
        stack.clear()
    try:
        yield
    finally:
        if stack is not None:
            stack.extend(saved)


def inside_function():
    """True while tracing (TF's `tf.inside_function`)."""
    return current_graph() is not None
