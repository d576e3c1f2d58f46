"""TF1 graphs on cornu's graph IR: `Graph` (an IR graph with collections, control dependencies and a
plan cache), `Operation` (a group of nodes to run), the default graph, graph mode, and scopes.

A v1 graph is an ordinary `cornu.graph.ir.Graph`: making it the default (`as_default()`, or graph mode
after `disable_eager_execution()`) is `cornu.graph.tracing.tracing(graph)`, so every op applied builds a
node of it exactly as `cornu.function` tracing does (DESIGN principle 2).
"""
import collections
import contextlib
import threading

from ...core.symbolic import SymbolicTensor
from ...graph import ir as _ir
from ...graph.ir import Graph as _IRGraph
from ...graph.tracing import current_graph, tracing


class GraphKeys:
    """Standard collection names (TF's `tf.GraphKeys`)."""
    GLOBAL_VARIABLES = "variables"
    VARIABLES = GLOBAL_VARIABLES
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    GLOBAL_STEP = "global_step"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    SUMMARIES = "summaries"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"


_TracedTensor = getattr(_ir, "GraphTensor", SymbolicTensor)  # what the IR makes its tensors


class GraphTensor(_TracedTensor):
    """A tensor of a v1 graph: hashable by identity, as TF1's graph tensors are, so that it can key a
    feed_dict (TF2's tensors, and cornu's, are unhashable because == compares elementwise)."""

    __slots__ = ()
    __hash__ = object.__hash__

    def _where(self):
        return "a TF1 graph (tf.compat.v1)"

    def _no_value(self, what):
        return TypeError(f"{what} is not available for {self!r}: it belongs to a TF1 graph and gets a value "
                         "only when a Session runs it: use sess.run(tensor, feed_dict=...)")

    def numpy(self):
        raise self._no_value(".numpy()")


class Graph(_IRGraph):
    """A TF1 graph (`tf.compat.v1.Graph`): build ops into it inside `with g.as_default():`.

    >>> import cornu.compat.v1 as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.placeholder(tf.float32, [None], name="x")
    ...     y = x * 2.0
    >>> with tf.Session(graph=g) as sess:
    ...     sess.run(y, {x: [1.0, 2.0]}).tolist()
    [2.0, 4.0]
    """

    def __init__(self):
        super().__init__("graph")
        self._variables = []          # this graph's v1 Variables, in creation order (sessions own values)
        self._collections = {}
        self._control_inputs = {}     # id(node) -> nodes that must run before it
        self._plans = collections.OrderedDict()  # Session.run plans, least recently used first
        self._lock = threading.Lock()  # one Session.run at a time swaps variable values in
        self._var_store = {}          # get_variable: full name -> variable
        self._scopes = threading.local()
        self._unknown_rank = []       # placeholders created without a shape (cornu makes them scalars)
        self.seed = None

    def placeholder(self, *args, **kwargs):
        t = super().placeholder(*args, **kwargs)
        if type(t) is _TracedTensor:
            t.__class__ = GraphTensor
        return t

    def add(self, *args, **kwargs):
        out = super().add(*args, **kwargs)
        for t in out if isinstance(out, tuple) else (out,):
            if type(t) is _TracedTensor:
                t.__class__ = GraphTensor
        return out

    @contextlib.contextmanager
    def as_default(self):
        """Context manager: inside it, ops (and v1 placeholders/variables) build nodes of this graph."""
        with tracing(self):
            yield self

    # -- collections ---------------------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for name in [names] if isinstance(names, str) else names:
            self.add_to_collection(name, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        import re
        pattern = re.compile(scope)
        return [x for x in items if pattern.match(_name_of(x) or "")]

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    # -- lookup ----------------------------------------------------------------------------------
    def get_tensor_by_name(self, name):
        """A placeholder, an op's output ('node:0') or a v1 Variable ('W:0') by name."""
        base, _, index = str(name).partition(":")
        if not index.isdigit():
            raise ValueError(f"The name {name!r} looks like an (invalid) Operation name, not a Tensor. "
                             "Tensor names must be of the form \"<op_name>:<output_index>\".")
        index = int(index)
        for t in self.inputs:
            if t.name == base and index == 0:
                return t
        for v in self._variables:
            if v._name == base and index == 0:
                return v
        for node in self.nodes:
            if node.name == base:
                if index >= len(node.outputs):
                    raise KeyError(f"The name {name!r} refers to a Tensor which does not exist: operation "
                                   f"{base!r} has {len(node.outputs)} outputs")
                return node.outputs[index]
        raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The operation "
                       f"{base!r} does not exist in the graph.")

    def get_operation_by_name(self, name):
        for node in self.nodes:
            if node.name == name:
                return Operation(self, [node], node.name, node.op.name, unique=False)
        raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")

    def get_operations(self):
        return [Operation(self, [n], n.name, n.op.name, unique=False) for n in self.nodes]

    def __repr__(self):
        return (f"<cornu.compat.v1.Graph: {len(self.inputs)} placeholders, {len(self.nodes)} nodes, "
                f"{len(self._variables)} variables>")


def _name_of(x):
    name = getattr(x, "name", None)
    return name() if callable(name) else name


class Operation:
    """A TF1 op with no outputs to fetch (an initializer, a train step, `tf.group`): running it runs
    its nodes, and everything they depend on, in graph order."""

    def __init__(self, graph, nodes, name, type="NoOp", unique=True):
        self.graph = graph
        self._nodes = list(nodes)
        self.name = graph.unique_name(name) if unique and isinstance(graph, _IRGraph) else name
        self.type = type

    @property
    def outputs(self):
        return []

    @property
    def control_inputs(self):
        return [Operation(self.graph, [n], n.name, n.op.name, unique=False) for n in self._nodes]

    def run(self, feed_dict=None, session=None):
        """Run this op in `session` (default: the default session)."""
        from ._session import _session_for
        _session_for(session, "Operation.run").run(self, feed_dict)

    def __repr__(self):
        return f"<cornu.compat.v1.Operation '{self.name}' type={self.type}>"


# -- the default graph and graph mode ----------------------------------------------------------------
_state = {"default": None, "mode": None, "mode_graph": None}


def _global_default_graph():
    if _state["default"] is None:
        _state["default"] = Graph()
    return _state["default"]


def get_default_graph():
    """The graph ops are built into now: the innermost `as_default()` graph, else the global default."""
    graph = current_graph()
    return graph if graph is not None else _global_default_graph()


def reset_default_graph():
    """Replace the global default graph by a new, empty one (not allowed inside `as_default()`)."""
    graph = current_graph()
    if graph is not None and graph is not _state["mode_graph"]:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If you need a "
                             "cleared graph, exit the nesting and create a new graph.")
    new = Graph()
    if _state["mode"] is not None:
        _state["mode"].__exit__(None, None, None)
        _state["mode"] = tracing(new)
        _state["mode"].__enter__()
        _state["mode_graph"] = new
    _state["default"] = new


def disable_eager_execution():
    """Graph mode (TF1): from now on, ops on this thread build nodes of the default graph, to be run
    with `Session.run`. Call it at program start."""
    if _state["mode"] is None:
        graph = _global_default_graph()
        manager = tracing(graph)
        manager.__enter__()
        _state["mode"], _state["mode_graph"] = manager, graph


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Leave graph mode: ops run eagerly again."""
    if _state["mode"] is None:
        return
    if current_graph() is not _state["mode_graph"]:
        raise ValueError("tf.enable_eager_execution must be called at program startup (not inside "
                         "a graph's as_default() block)")
    manager = _state["mode"]
    _state["mode"] = _state["mode_graph"] = None
    manager.__exit__(None, None, None)


def disable_v2_behavior():
    """TF1 behaviour: graph mode (see `disable_eager_execution`)."""
    disable_eager_execution()


def enable_v2_behavior():
    enable_eager_execution()


def executing_eagerly():
    """False while building a graph (graph mode, `as_default()`, or inside `cornu.function`)."""
    return current_graph() is None


def executing_eagerly_outside_functions():
    return _state["mode"] is None


def _noop(*args, **kwargs):
    """Accepted for compatibility; cornu has one kind of variable and control flow."""


disable_resource_variables = enable_resource_variables = disable_control_flow_v2 = _noop
enable_control_flow_v2 = disable_tensor_equality = enable_tensor_equality = disable_v2_tensorshape = _noop
enable_v2_tensorshape = _noop


def _building_v1_graph():
    graph = current_graph()
    return graph if isinstance(graph, Graph) else None


# -- grouping and ordering ---------------------------------------------------------------------------
def _nodes_of(items, what):
    nodes = []
    stack = [items]
    while stack:
        x = stack.pop(0)
        if isinstance(x, (list, tuple)):
            stack[:0] = list(x)
        elif isinstance(x, Operation):
            nodes.extend(x._nodes)
        elif isinstance(x, SymbolicTensor):
            if x.node is not None:
                nodes.append(x.node)
        elif getattr(x, "_is_variable", False) or x is None:
            continue  # a variable (or nothing) has no computation to wait for
        elif hasattr(x, "_value"):
            continue  # a constant
        else:
            raise TypeError(f"{what}: expected tensors or operations, got {type(x).__name__}")
    return nodes


def group(*inputs, name="group_deps"):
    """An Operation that runs all `inputs` (tensors or operations); None when executing eagerly."""
    graph = current_graph()
    if graph is None:
        return None
    return Operation(graph, _nodes_of(list(inputs), "group"), name)


def no_op(name="NoOp"):
    graph = current_graph()
    if graph is None:
        return None
    return Operation(graph, [], name)


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Ops created inside run only after `control_inputs` (tensors or operations) have run.

    Execution follows graph order, so the dependencies matter when the ops inside are fetched without
    them: running them pulls `control_inputs` in."""
    graph = current_graph()
    if control_inputs is None or not isinstance(graph, Graph):
        yield  # eagerly (and in cornu.function graphs, which run every node) order is program order
        return
    deps = _nodes_of(list(control_inputs), "control_dependencies")
    start = len(graph.nodes)
    try:
        yield
    finally:
        for node in graph.nodes[start:]:
            graph._control_inputs.setdefault(id(node), []).extend(deps)


# -- scopes ------------------------------------------------------------------------------------------
AUTO_REUSE = "AUTO_REUSE"


class VariableScope:
    """What `tf.variable_scope` opens: a name prefix, a reuse flag and defaults for get_variable."""

    def __init__(self, name, reuse=None, initializer=None, dtype=None, regularizer=None):
        self.name = name
        self.original_name_scope = name + "/" if name else ""
        self.reuse = reuse
        self.initializer = initializer
        self.dtype = dtype
        self.regularizer = regularizer

    def reuse_variables(self):
        self.reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer

    def __repr__(self):
        return f"<VariableScope {self.name!r} reuse={self.reuse}>"


_ROOT_SCOPES = threading.local()


def _scope_state(graph=None):
    graph = graph if graph is not None else _building_v1_graph()
    holder = graph._scopes if graph is not None else _ROOT_SCOPES
    if not hasattr(holder, "names"):
        holder.names = []
        holder.var_scopes = [VariableScope("")]
    return holder


def current_name_prefix():
    """'a/b/' inside name_scope('a') / name_scope('b'), '' outside."""
    names = _scope_state().names
    return "".join(n + "/" for n in names if n)


def get_variable_scope():
    return _scope_state().var_scopes[-1]


@contextlib.contextmanager
def name_scope(name, default_name=None, values=None):
    """TF1 `name_scope(name, default_name=None, values=None)`: prefixes the names of variables and
    placeholders created inside; yields the scope string ('outer/name/')."""
    name = name if name is not None else default_name
    state = _scope_state()
    base = str(name).rstrip("/") if name else ""
    state.names.append(base)
    try:
        yield current_name_prefix()
    finally:
        state.names.pop()


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None, regularizer=None,
                   caching_device=None, partitioner=None, custom_getter=None, reuse=None, dtype=None,
                   use_resource=None, constraint=None, auxiliary_name_scope=True):
    """A scope for `get_variable` names (and a name scope); `reuse=True` (or AUTO_REUSE) returns the
    variables created earlier under the same names instead of new ones."""
    state = _scope_state()
    parent = state.var_scopes[-1]
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        short = full.rsplit("/", 1)[-1]
        initializer = initializer if initializer is not None else name_or_scope.initializer
        dtype = dtype if dtype is not None else name_or_scope.dtype
        reuse = reuse if reuse is not None else name_or_scope.reuse
    else:
        short = name_or_scope if name_or_scope is not None else default_name
        if short is None:
            raise TypeError("variable_scope: name_or_scope or default_name must be given")
        full = f"{parent.name}/{short}" if parent.name else str(short)
    if reuse is None or reuse is False and parent.reuse is True:
        reuse = parent.reuse  # reuse=True is inherited by the scopes inside
    scope = VariableScope(full, reuse=reuse,
                          initializer=initializer if initializer is not None else parent.initializer,
                          dtype=dtype if dtype is not None else parent.dtype,
                          regularizer=regularizer if regularizer is not None else parent.regularizer)
    state.var_scopes.append(scope)
    state.names.append(str(short) if auxiliary_name_scope else "")
    try:
        yield scope
    finally:
        state.names.pop()
        state.var_scopes.pop()
