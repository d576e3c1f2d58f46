"""`Session`: runs parts of a v1 graph with `executor.Plan`, the executor `cornu.function` uses.

For each set of fetches and fed tensors, `run` prunes the graph to the nodes the fetches need (their
inputs and control dependencies, stopping at fed tensors), keeps them in graph order (so assignments
happen as written), runs the graph passes over that subgraph and compiles a Plan, cached on the graph.
A Session owns the values of the graph's v1 variables: they are put in place for the duration of each
run, so two sessions on one graph do not share state, and a new session starts uninitialized.
"""
import contextlib
import threading

from ... import backend
from ...core import nest
from ...core.errors import FailedPreconditionError, InvalidArgumentError
from ...core.symbolic import SymbolicTensor
from ...core.tensor import Tensor, convert_to_tensor
from ...graph.executor import Plan
from ...graph.ir import Graph as _IRGraph
from ...graph.tracing import eager
from ._graph import Graph, Operation, get_default_graph
from ._variables import _is_uninitialized

_PLAN_CACHE_SIZE = 128
_local = threading.local()


def _default_stack():
    stack = getattr(_local, "sessions", None)
    if stack is None:
        stack = _local.sessions = []
    return stack


def get_default_session():
    """The innermost session entered with `with sess:` / `sess.as_default()` (or an
    InteractiveSession), or None."""
    stack = _default_stack()
    return stack[-1] if stack else None


def _session_for(session, what):
    session = session if session is not None else get_default_session()
    if session is None:
        raise ValueError(f"Cannot evaluate tensor using `{what}`: No default session is registered. Use "
                         "`with sess.as_default()` or pass an explicit session")
    return session


class Session:
    """`tf.compat.v1.Session(target='', graph=None, config=None)`: runs fetches of `graph` (default:
    the default graph).

    >>> import cornu.compat.v1 as tf
    >>> with tf.Graph().as_default():
    ...     a = tf.placeholder(tf.float32, shape=[None])
    ...     total = tf.reduce_sum(a * a)
    ...     with tf.Session() as sess:
    ...         float(sess.run(total, feed_dict={a: [1.0, 2.0]}))
    5.0
    """

    def __init__(self, target="", graph=None, config=None):
        graph = graph if graph is not None else get_default_graph()
        if not isinstance(graph, Graph):
            raise TypeError("Session: graph must be a tf.compat.v1.Graph (a Session cannot run a "
                            f"cornu.function's graph), got {graph!r}")
        self._graph = graph
        self._closed = False
        self._values = {}        # id(variable) -> this session's value of one of graph's v1 variables
        self._contexts = []

    @property
    def graph(self):
        return self._graph

    @property
    def graph_def(self):
        return str(self._graph)

    @property
    def sess_str(self):
        return ""

    # -- lifetime ------------------------------------------------------------------------------------
    def close(self):
        """Free the session's variable values; running it afterwards is an error."""
        self._closed = True
        self._values = {}

    def __enter__(self):
        graph_context = self._graph.as_default()
        session_context = self.as_default()
        graph_context.__enter__()
        session_context.__enter__()
        self._contexts.append((graph_context, session_context))
        return self

    def __exit__(self, exc_type, exc, tb):
        graph_context, session_context = self._contexts.pop()
        session_context.__exit__(exc_type, exc, tb)
        graph_context.__exit__(exc_type, exc, tb)
        self.close()

    @contextlib.contextmanager
    def as_default(self):
        """Make this the default session (for `Tensor.eval`-style calls and `Operation.run`)."""
        stack = _default_stack()
        stack.append(self)
        try:
            yield self
        finally:
            if self in stack:
                stack.remove(self)

    def list_devices(self):
        return []

    # -- running -------------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Values of `fetches` (a tensor, op, variable, or list/tuple/dict/namedtuple of them, nested),
        computed with `feed_dict` {placeholder or tensor: value} fed. Ops give None."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        leaves = [self._fetch(leaf) for leaf in nest.flatten(fetches)]
        fed, values = self._feeds(feed_dict)
        runner = self._runner(leaves, fed)
        results = runner.run(self, values)
        return nest.pack_sequence_as(fetches, results)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running `fetches` with its positional arguments fed to `feed_list`."""
        feed_list = list(feed_list or [])

        def call(*args):
            if len(args) != len(feed_list):
                raise TypeError(f"the callable expects {len(feed_list)} feeds, got {len(args)}")
            return self.run(fetches, dict(zip(feed_list, args)) if feed_list else None)
        return call

    def _fetch(self, leaf):
        if isinstance(leaf, str):
            leaf = self._by_name(leaf)
        if isinstance(leaf, Operation):
            if leaf.graph is not self._graph:
                raise ValueError(f"Fetch argument {leaf!r} cannot be interpreted as a Tensor. "
                                 f"(Operation {leaf.name} is not an element of this graph.)")
            return leaf
        if isinstance(leaf, SymbolicTensor):
            if leaf.graph is not self._graph:
                raise ValueError(f"Fetch argument {leaf!r} cannot be interpreted as a Tensor. (Tensor "
                                 f"{leaf.name or leaf!r} is not an element of this graph.)")
            return leaf
        if isinstance(leaf, Tensor):
            graph = getattr(leaf, "graph", None)
            if isinstance(graph, _IRGraph) and graph is not self._graph:
                raise ValueError(f"Fetch argument {leaf!r} cannot be interpreted as a Tensor. "
                                 "(It is not an element of this graph.)")
            return leaf  # a variable, or a constant
        raise TypeError(f"Fetch argument {leaf!r} has invalid type {type(leaf)}, must be a string or "
                        f"Tensor. (Can not convert a {type(leaf).__name__} into a Tensor or Operation.)")

    def _by_name(self, name):
        if ":" in name:
            return self._graph.get_tensor_by_name(name)
        return self._graph.get_operation_by_name(name)

    def _feeds(self, feed_dict):
        if not feed_dict:
            return (), ()
        fed, values = [], []
        unknown_rank = self._graph._unknown_rank
        with eager():
            for key, value in feed_dict.items():
                t = self._by_name(key) if isinstance(key, str) else key
                if not isinstance(t, SymbolicTensor):
                    raise TypeError(f"Cannot interpret feed_dict key {key!r} as a Tensor: feed "
                                    "placeholders (or other symbolic tensors of the graph)")
                if t.graph is not self._graph:
                    raise ValueError(f"Cannot feed {_tensor_name(t)}: it is not an element of this graph.")
                fed.append(t)
                values.append(_feed_value(t, value, any(u is t for u in unknown_rank)))
        return tuple(fed), tuple(values)

    def _runner(self, leaves, fed):
        key = (tuple(id(x) for x in leaves), tuple(id(t) for t in fed))
        cache = self._graph._plans
        entry = cache.get(key)
        if entry is not None and all(a is b for a, b in zip(entry.leaves, leaves)) \
                and all(a is b for a, b in zip(entry.fed, fed)):
            cache.move_to_end(key)
            return entry
        entry = _Runner(self._graph, leaves, fed)
        cache[key] = entry
        if len(cache) > _PLAN_CACHE_SIZE:
            cache.popitem(last=False)
        return entry

    def _set_variable(self, variable, value):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        with eager():
            array = convert_to_tensor(value, dtype=variable.dtype)._value
        if tuple(array.shape) != tuple(variable.shape):
            raise ValueError(f"Variable.load: value of shape {tuple(array.shape)} for variable "
                             f"{variable.name} of shape {tuple(variable.shape)}")
        self._values[id(variable)] = array


class InteractiveSession(Session):
    """A Session that installs itself as the default session (and its graph as the default graph)
    until closed, for shells and notebooks."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self.__enter__()
        self._entered = True

    def close(self):
        if getattr(self, "_entered", False):
            self._entered = False
            graph_context, session_context = self._contexts.pop()
            session_context.__exit__(None, None, None)
            graph_context.__exit__(None, None, None)
        super().close()


def _tensor_name(t):
    return f"'{t.name}:0'" if t.node is None and t.name else repr(t)


def _shape_text(shape):
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _feed_value(t, value, unknown_rank):
    """`value` as a backend array of t's dtype, or an error naming the tensor."""
    if isinstance(value, SymbolicTensor) or getattr(value, "_is_variable", False):
        raise TypeError(f"The value of a feed cannot be a tf.Tensor object. Acceptable feed values "
                        f"include Python scalars, strings, lists, numpy ndarrays, or TensorHandles. For "
                        f"reference, the tensor object was {value!r} which was passed to the feed with "
                        f"key {_tensor_name(t)}.")
    try:
        if isinstance(value, Tensor):
            array = value._value
            if array.dtype != t._value.dtype:
                array = convert_to_tensor(backend.to_numpy(array), dtype=t.dtype)._value
        else:
            array = convert_to_tensor(value, dtype=t.dtype)._value
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"Cannot feed value {_short(value)} for Tensor {_tensor_name(t)} of dtype "
                        f"{t.dtype.name}: {exc}") from None
    shape = tuple(array.shape)
    if unknown_rank and shape != ():
        raise ValueError(f"Cannot feed value of shape {shape} for Tensor {_tensor_name(t)}: it was created "
                         "without a shape, which cornu's graphs treat as a scalar (shape []). Create "
                         "the placeholder with a shape, e.g. tf.placeholder(tf.float32, [None]) for a "
                         "vector of any length")
    static = tuple(t._value.shape)
    if len(static) != len(shape) or any(d is not None and d != s for d, s in zip(static, shape)):
        raise ValueError(f"Cannot feed value of shape {shape} for Tensor {_tensor_name(t)}, which has "
                         f"shape {_shape_text(static)}")
    return array


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_WRITES = ("assign_variable", "assign_add_variable", "assign_sub_variable")
_UPDATES = ("assign_add_variable", "assign_sub_variable")


class _Runner:
    """One compiled (fetches, feeds) combination: a Plan over the pruned subgraph."""

    def __init__(self, graph, leaves, fed):
        self.graph, self.leaves, self.fed = graph, leaves, fed
        fed_ids = {id(t) for t in fed}
        needed = set()
        missing = []
        stack = []

        def want(t):
            if id(t) in fed_ids:
                return
            if t.node is None:
                if not any(m is t for m in missing):
                    missing.append(t)
            elif id(t.node) not in needed:
                stack.append(t.node)

        outputs, where = [], []
        for leaf in leaves:
            if isinstance(leaf, Operation):
                stack.extend(leaf._nodes)
                where.append(None)
                continue
            if isinstance(leaf, SymbolicTensor):
                want(leaf)
            where.append(len(outputs))
            outputs.append(leaf)
        control = graph._control_inputs
        while stack:
            node = stack.pop()
            if id(node) in needed:
                continue
            needed.add(id(node))
            for x in node.inputs:
                if isinstance(x, SymbolicTensor):
                    if x.graph is not graph:
                        raise ValueError(f"node {node.name} uses {x!r}, which is not an element of "
                                         "this graph")
                    want(x)
            stack.extend(n for n in control.get(id(node), ()) if id(n) not in needed)
        if missing:
            t = missing[0]
            raise InvalidArgumentError(
                f"You must feed a value for placeholder tensor '{t.name}' with dtype {t.dtype.name} "
                f"and shape {_shape_text(tuple(t._value.shape))}", op=t.name)
        nodes = [n for n in graph.nodes if id(n) in needed]

        # v1 variables this run reads before (or without) writing them must be initialized already
        checks, written = [], set()
        for node in nodes:
            name = node.op.name
            if name == "read_variable":
                var = node.inputs[0]
            elif name in _WRITES:
                var = node.attrs["variable"]
            else:
                continue
            if id(var) not in written and (name == "read_variable" or name in _UPDATES) \
                    and _is_v1(var) and not any(c is var for c in checks):
                checks.append(var)
            if name in _WRITES:
                written.add(id(var))
        for leaf in outputs:
            if _is_v1(leaf) and id(leaf) not in written and not any(c is leaf for c in checks):
                checks.append(leaf)
        self.checks = checks

        sub = _IRGraph(graph.name)
        sub.inputs = list(fed)
        sub.nodes = nodes
        sub.outputs = list(outputs)
        sub._names = dict(graph._names)
        from ...graph.passes import optimize
        optimized = optimize(sub)
        self.plan = Plan(optimized, optimized.outputs)
        self.where = where

    def run(self, session, feeds):
        graph = self.graph
        with graph._lock:
            variables = graph._variables
            state = session._values
            for v in variables:
                v._value = state.get(id(v), v._uninitialized)
            try:
                for v in self.checks:
                    if _is_uninitialized(v._value):
                        raise FailedPreconditionError(
                            f"Attempting to use uninitialized value {v._name} (run its initializer "
                            "first, e.g. sess.run(tf.global_variables_initializer()))",
                            op=v._name)
                arrays = self.plan.run(list(feeds))
            finally:
                for v in variables:
                    value = v._value
                    if not _is_uninitialized(value):
                        state[id(v)] = value
                    v._value = v._uninitialized
        results = []
        for slot in self.where:
            if slot is None:
                results.append(None)
                continue
            array = arrays[slot]
            value = backend.to_numpy(array)
            if value is array:
                value = value.copy()  # it may be (a view of) a variable's array or a constant's
            results.append(value[()] if value.ndim == 0 else value)
        return results


def _is_v1(x):
    return getattr(x, "_uninitialized", None) is not None
