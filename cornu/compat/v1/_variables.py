"""TF1 variables: uninitialized until their initializer runs in a Session, which owns their values.

A v1 `Variable` created in a v1 graph is a `cornu.Variable` whose value, outside `Session.run`, is a
stand-in that knows its shape and dtype but refuses to compute (FailedPreconditionError naming the
variable). Its initializer is an `assign_variable` node of the graph; each Session keeps the values of
the graph's variables and puts them in place while it runs a plan. Created eagerly or inside
`cornu.function`, `Variable(...)` is TF2's variable (`cornu.Variable`).
"""
import math as _math

from ...backend import dtypes
from ...core.errors import FailedPreconditionError
from ...core.registry import apply
from ...core.shape import TensorShape
from ...core.symbolic import ShapeOnly
from ...core.tensor import Tensor, convert_to_tensor
from ...core.variable import Variable as _CoreVariable
from ...graph.tracing import current_graph, eager
from ...ops import state_ops
from ._graph import (Graph, GraphKeys, Operation, _building_v1_graph, current_name_prefix,
                     get_default_graph, get_variable_scope, AUTO_REUSE)


class _Uninitialized(ShapeOnly):
    """A v1 variable's value before its initializer ran in the session (shape and dtype only)."""

    __slots__ = ("variable_name",)

    def __init__(self, shape, dtype, variable_name):
        super().__init__(shape, dtype)
        self.variable_name = variable_name

    def _fail(self, *args, **kwargs):
        raise FailedPreconditionError(
            f"Attempting to use uninitialized value {self.variable_name}: run its initializer first "
            "(e.g. sess.run(tf.global_variables_initializer())) in the session that uses it",
            op=self.variable_name)

    __array__ = __array_ufunc__ = __array_function__ = _fail

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail()


def _is_uninitialized(value):
    return type(value) is _Uninitialized


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        # tf.compat.v1.Variable is tf.Variable in TF2: eager variables are instances too
        if cls is Variable:
            return isinstance(obj, _CoreVariable)
        return type.__instancecheck__(cls, obj)


class Variable(_CoreVariable, metaclass=_VariableMeta):
    """`tf.compat.v1.Variable(initial_value, trainable=True, collections=None, validate_shape=True,
    name=None, dtype=None, ...)`.

    In a v1 graph the variable starts uninitialized: run `v.initializer` (or
    `global_variables_initializer()`) in a Session before reading it. `assign*` return tensors whose
    fetching performs the assignment.

    >>> import cornu.compat.v1 as tf
    >>> with tf.Graph().as_default():
    ...     v = tf.Variable([1.0, 2.0], name="v")
    ...     inc = v.assign_add([1.0, 1.0])
    ...     with tf.Session() as sess:
    ...         sess.run(v.initializer)
    ...         sess.run(inc).tolist()
    [2.0, 3.0]
    """

    def __new__(cls, initial_value=None, trainable=None, collections=None, validate_shape=True,
                caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                import_scope=None, constraint=None, use_resource=None, synchronization=None,
                aggregation=None, shape=None, **kwargs):
        if _building_v1_graph() is None:  # eagerly, or in a cornu.function: TF2's variable
            return _CoreVariable(initial_value, trainable=True if trainable is None else trainable,
                                 name=name, dtype=dtype, shape=shape, constraint=constraint)
        return super().__new__(cls)

    def __init__(self, initial_value=None, trainable=None, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, use_resource=None, synchronization=None,
                 aggregation=None, shape=None, _exact_name=False):
        graph = _building_v1_graph()
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        base = (name or "Variable").split(":")[0]
        full = base if _exact_name else graph.unique_name(current_name_prefix() + base)
        if callable(initial_value):
            initial_value = initial_value()
        value = initial_value if isinstance(initial_value, Tensor) else convert_to_tensor(
            initial_value, dtype=dtype)
        if getattr(value, "_is_variable", False):
            value = graph.read_variable(value)
        if dtype is not None and value.dtype != dtypes.as_dtype(dtype):
            from ...ops.math_ops import cast
            value = cast(value, dtype)
        declared = TensorShape(shape) if shape is not None else TensorShape(tuple(value.shape))
        if validate_shape and any(d is None for d in tuple(declared)):
            raise ValueError(f"Variable {full}: initial_value must have a fully defined shape (got "
                             f"{tuple(value.shape)}); pass validate_shape=False or give a shape")
        if not declared.is_compatible_with(tuple(value.shape)):
            raise ValueError(f"Variable {full}: initial value shape {tuple(value.shape)} is not "
                             f"compatible with shape {tuple(declared)}")
        self._uninitialized = _Uninitialized(tuple(declared), value._value.dtype, full)
        self._value = self._uninitialized
        self._shape = declared
        self._name = full
        self._trainable = True if trainable is None else bool(trainable)
        self._constraint = constraint
        _CoreVariable._counter[0] += 1
        self._unique_id = _CoreVariable._counter[0]
        self.graph = graph
        self._initial_value = value
        node = apply(state_ops.assign_variable_op, (value,), {"variable": self}).node
        self._initializer_op = Operation(graph, [node], f"{full}/Assign", "Assign", unique=False)
        graph._variables.append(self)
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if self._trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        graph.add_to_collections(collections, self)

    # -- TF1 surface -------------------------------------------------------------------------------
    @property
    def initializer(self):
        """The Operation that assigns the initial value."""
        return self._initializer_op

    @property
    def initial_value(self):
        return self._initial_value

    def initialized_value(self):
        return self._initial_value

    @property
    def op(self):
        return self._initializer_op

    def eval(self, session=None):
        """The value in `session` (default: the default session)."""
        from ._session import _session_for
        return _session_for(session, "Variable.eval").run(self)

    def load(self, value, session=None):
        """Set the value in `session` without adding nodes to the graph."""
        from ._session import _session_for
        _session_for(session, "Variable.load")._set_variable(self, value)

    def get_shape(self):
        return self.shape

    def _write(self, op, value, what):
        if current_graph() is not self.graph:
            raise RuntimeError(f"Variable {self._name} belongs to a TF1 graph: {what} it inside that "
                               "graph (with graph.as_default()) and run the result in a Session")
        return apply(op, (self._checked(value, what),), {"variable": self})

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """A tensor that, when run, assigns `value` and gives the new value."""
        return self._write(state_ops.assign_variable_op, value, "assign")

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._write(state_ops.assign_add_variable_op, delta, "assign_add")

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._write(state_ops.assign_sub_variable_op, delta, "assign_sub")

    # TF1 variables compare and hash by identity (`v in var_list` works)
    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __hash__(self):
        return id(self)

    def ref(self):
        from ...core.tensor import Reference
        return Reference(self)

    def __repr__(self):
        return (f"<cornu.compat.v1.Variable '{self.name}' shape={tuple(self.shape)} "
                f"dtype={self.dtype.name}_ref>")

    __str__ = __repr__

    def __deepcopy__(self, memo):
        raise TypeError(f"a TF1 graph variable ({self.name}) cannot be copied")

    def __reduce__(self):
        raise TypeError(f"a TF1 graph variable ({self.name}) cannot be pickled; save values with a "
                        "Session instead")


def _v1_variables(graph):
    return list(graph._variables) if isinstance(graph, Graph) else []


# -- assignments as functions ------------------------------------------------------------------------
def _write(op, method, ref, value):
    if not getattr(ref, "_is_variable", False):
        raise TypeError(f"{op.name}: ref must be a Variable, got {type(ref).__name__}")
    if current_graph() is None:
        return getattr(ref, method)(value)
    return apply(op, (ref._checked(value, method),), {"variable": ref})


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """`tf.assign(ref, value)`: a tensor that, when run, writes `value` into the variable `ref`."""
    return _write(state_ops.assign_variable_op, "assign", ref, value)


def assign_add(ref, value, use_locking=None, name=None):
    return _write(state_ops.assign_add_variable_op, "assign_add", ref, value)


def assign_sub(ref, value, use_locking=None, name=None):
    return _write(state_ops.assign_sub_variable_op, "assign_sub", ref, value)


# -- collections and initializers ---------------------------------------------------------------------
def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope) if isinstance(get_default_graph(), Graph) else []


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def global_variables(scope=None):
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None):
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """An Operation running the initializers of `var_list` (None when executing eagerly)."""
    graph = current_graph()
    if graph is None:
        return None
    nodes = [n for v in var_list if isinstance(getattr(v, "_initializer_op", None), Operation)
             for n in v._initializer_op._nodes]
    return Operation(graph, nodes, name)


def global_variables_initializer():
    """An Operation initializing every global variable of the default graph (run it in a Session)."""
    if current_graph() is None:
        return None
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


def initialize_local_variables():
    return local_variables_initializer()


def tables_initializer(name="init_all_tables"):
    from ._graph import no_op
    return no_op(name)


# -- get_variable ------------------------------------------------------------------------------------
def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                 collections=None, caching_device=None, partitioner=None, validate_shape=True,
                 use_resource=None, custom_getter=None, constraint=None, synchronization=None,
                 aggregation=None):
    """`tf.get_variable`: the variable `scope/name`, created with `initializer` (default: Glorot
    uniform for floats, zeros otherwise) or, under a reusing variable_scope, the existing one."""
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    dtype = dtypes.as_dtype(dtype if dtype is not None else (scope.dtype or dtypes.float32))
    graph = _building_v1_graph()
    store = graph._var_store if graph is not None else None
    if store is not None and full in store:
        if scope.reuse not in (True, AUTO_REUSE):
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        existing = store[full]
        if shape is not None and not TensorShape(shape).is_compatible_with(tuple(existing.shape)):
            raise ValueError(f"Trying to share variable {full}, but specified shape {tuple(shape)} and "
                             f"found shape {tuple(existing.shape)}.")
        return existing
    if store is not None and scope.reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with tf.get_variable(). "
                         "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")
    if initializer is None:
        initializer = scope.initializer
    if initializer is None:
        from .initializers import glorot_uniform_initializer, zeros_initializer
        initializer = glorot_uniform_initializer() if dtype.is_floating else zeros_initializer()
    if callable(initializer) and not isinstance(initializer, Tensor):
        if shape is None:
            raise ValueError(f"get_variable {full}: the shape must be given when an initializer is")
        shape = tuple(int(d) for d in TensorShape(shape))
        init_fn = initializer

        def initial_value():
            return init_fn(shape, dtype=dtype)
    else:
        if shape is not None and not isinstance(initializer, Tensor):
            raise ValueError("If initializer is a constant, do not specify shape.")
        initial_value = initializer
    if graph is None:
        with eager():
            value = initial_value() if callable(initial_value) else initial_value
        return _CoreVariable(value, trainable=True if trainable is None else trainable, name=full,
                             dtype=dtype, constraint=constraint)
    var = Variable(initial_value, trainable=trainable, collections=collections, name=full, dtype=dtype,
                   validate_shape=validate_shape, constraint=constraint, _exact_name=True)
    store[full] = var
    return var


# -- placeholders ------------------------------------------------------------------------------------
def placeholder(dtype, shape=None, name=None):
    """`tf.placeholder(dtype, shape=None, name=None)`: a graph input fed through `feed_dict`.

    `shape` may have None dims (e.g. [None, 784] for any batch size). Without a shape, cornu (whose
    graph IR needs every tensor's rank) treats the placeholder as a scalar and says so if fed an array.
    """
    graph = _building_v1_graph()
    if graph is None:
        raise RuntimeError("tf.placeholder() is not compatible with eager execution: call "
                           "tf.compat.v1.disable_eager_execution() first, or build inside "
                           "tf.Graph().as_default()")
    dtype = dtypes.as_dtype(dtype)
    dims = () if shape is None else tuple(TensorShape(shape))
    t = graph.placeholder(dims, dtype, current_name_prefix() + (name or "Placeholder"))
    if shape is None:
        graph._unknown_rank.append(t)
    return t


def placeholder_with_default(input, shape, name=None):  # noqa: A002
    """A tensor that is `input` unless fed: feeding it replaces the value (any shape compatible with
    `shape`)."""
    graph = _building_v1_graph()
    if graph is None:
        return convert_to_tensor(input)
    from ...ops.math_ops import identity
    value = input if isinstance(input, Tensor) else convert_to_tensor(input)
    declared = tuple(TensorShape(shape))
    if not TensorShape(declared).is_compatible_with(tuple(value.shape)):
        raise ValueError(f"placeholder_with_default: default of shape {tuple(value.shape)} is not "
                         f"compatible with shape {declared}")
    out = identity(value)
    out._value = ShapeOnly(declared, value._value.dtype)  # its static shape is the declared one
    if name:
        out._name = name
    return out


# -- TF1-style initializers need the numbers of a shape ----------------------------------------------
def _fans(shape):
    shape = tuple(int(d) for d in shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = _math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive

