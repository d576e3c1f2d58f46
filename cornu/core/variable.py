"""Variable: a mutable tensor that holds model state; usable everywhere a Tensor is."""
from ..backend import dtypes
from ..backend.device import SLOW_PATH
from .shape import TensorShape
from .tensor import Tensor, Reference, convert_to_tensor


def _initial_tensor(initial_value, dtype):
    if callable(initial_value):
        initial_value = initial_value()
    value = initial_value if isinstance(initial_value, Tensor) else convert_to_tensor(initial_value, dtype=dtype)
    if dtype is not None and value.dtype != dtypes.as_dtype(dtype):
        from ..ops.math_ops import cast
        value = cast(value, dtype)
    return value


class Variable(Tensor):
    """`cornu.Variable(initial_value, trainable=True, name=None, dtype=None, shape=None, constraint=None)`.

    Assignment replaces the held array, so a tensor read earlier keeps its value.

    >>> import cornu as tf
    >>> v = tf.Variable([1., 2.])
    >>> v.assign_add([1., 1.]).numpy()
    array([2., 3.], dtype=float32)
    """

    __slots__ = ("_name", "_trainable", "_constraint", "_shape", "_unique_id", "__dict__")
    _is_variable = True
    _counter = [0]

    def __init__(self, initial_value=None, trainable=True, name=None, dtype=None, shape=None,
                 constraint=None, validate_shape=True, **kwargs):
        if initial_value is None:
            raise ValueError("Variable: initial_value must be given")
        if SLOW_PATH[0]:  # created while tracing: the initial value is computed now, not in the graph
            from ..graph.tracing import eager
            with eager():
                value = _initial_tensor(initial_value, dtype)
        else:
            value = _initial_tensor(initial_value, dtype)
        if value._value.__class__.__name__ == "ShapeOnly":
            raise ValueError("Variable: the initial value is a symbolic tensor of a traced function; create "
                             "variables outside the function, or from concrete values (TF's rule)")
        self._value = value._value.copy()
        self._shape = TensorShape(shape) if shape is not None else None
        if self._shape is not None and not self._shape.is_compatible_with(self._value.shape):
            raise ValueError(f"Variable: initial value shape {tuple(self._value.shape)} is not "
                             f"compatible with shape {self._shape}")
        self._name = (name or "Variable").split(":")[0]
        self._trainable = bool(trainable)
        self._constraint = constraint
        Variable._counter[0] += 1
        self._unique_id = Variable._counter[0]

    # -- state ---------------------------------------------------------------------------------
    @property
    def name(self):
        return f"{self._name}:0"

    @property
    def trainable(self):
        return self._trainable

    @property
    def constraint(self):
        return self._constraint

    @property
    def shape(self):
        return self._shape if self._shape is not None else TensorShape(self._value.shape)

    def value(self):
        return self.read_value()

    def read_value(self):
        """The current value as a Tensor (later assignments do not change it); while tracing, a read
        node of the graph, so each run sees the value at that point."""
        if SLOW_PATH[0]:
            from ..graph.tracing import current_graph
            graph = current_graph()
            if graph is not None:
                return graph.read_variable(self)
        t = Tensor.__new__(Tensor)
        t._value = self._value
        return t

    def _assign_array(self, value_array):
        self._value = value_array
        return self

    def _checked(self, value, what):
        value = convert_to_tensor(value, dtype=self.dtype)
        if value._value.shape != self._value.shape and (
                self._shape is None or not self._shape.is_compatible_with(value._value.shape)):
            raise ValueError(f"Variable.{what}: cannot assign a value of shape {tuple(value.shape)} "
                             f"to variable '{self.name}' of shape {tuple(self.shape)}")
        return value

    def _in_graph(self, op_name, value):
        """While tracing, an assignment becomes a stateful node that writes the variable when the graph
        runs; returns True if it did."""
        if not SLOW_PATH[0]:
            return False
        from ..graph.tracing import current_graph
        if current_graph() is None:
            return False
        from ..ops import state_ops
        from .registry import apply
        apply(getattr(state_ops, f"{op_name}_variable_op"), (value,), {"variable": self})
        return True

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Replace the value (same shape and dtype); returns the variable."""
        value = self._checked(value, "assign")
        if not self._in_graph("assign", value):
            self._value = value._value.copy() if value._value is self._value else value._value
        return self if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        delta = self._checked(delta, "assign_add")
        if not self._in_graph("assign_add", delta):
            self._value = self._value + delta._value
        return self if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        delta = self._checked(delta, "assign_sub")
        if not self._in_graph("assign_sub", delta):
            self._value = self._value - delta._value
        return self if read_value else None

    def __hash__(self):
        raise TypeError("Variable is unhashable. Use variable.ref() as the key.")

    def ref(self):
        return Reference(self)

    def __deepcopy__(self, memo):
        return Variable(self._value.copy(), trainable=self._trainable, name=self._name,
                        constraint=self._constraint)

    def __reduce__(self):
        return Variable, (self.numpy(), self._trainable, self._name)

    def __repr__(self):
        value = self.numpy()
        body = repr(value) if value.ndim else str(value)
        if "\n" in body:
            body = "\n" + body
        return f"<cornu.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, numpy={body}>"


Variable.__str__ = Variable.__repr__
