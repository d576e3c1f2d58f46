"""`tf.compat.v1.train`: TF1 optimizers with TF1's update formulas.

`minimize(loss)` = `compute_gradients` (`cornu.gradients` over the graph) + `apply_gradients`, which
appends the update nodes (variable writes) to the graph and returns an Operation to run in a Session.
Eagerly, `minimize` takes a callable loss and updates the variables at once (TF2's behaviour for v1
optimizers).

>>> import cornu.compat.v1 as tf
>>> with tf.Graph().as_default():
...     w = tf.Variable(10.0)
...     step = tf.train.GradientDescentOptimizer(0.1).minimize(w * w / 2.0)
...     with tf.Session() as sess:
...         sess.run(tf.global_variables_initializer())
...         sess.run(step)
...         float(sess.run(w))
9.0
"""
from ...backend import dtypes
from ...core.gradient_tape import GradientTape
from ...core.registry import apply
from ...core.tensor import Tensor, convert_to_tensor
from ...graph.gradients import gradients
from ...graph.tracing import current_graph
from ...ops import math_ops as M
from ...ops import state_ops
from ._graph import Graph, GraphKeys, Operation, get_default_graph, variable_scope
from ._variables import Variable, get_variable, trainable_variables

_WRITES = ("assign_variable", "assign_add_variable", "assign_sub_variable")


def _assign(var, value):
    return apply(state_ops.assign_variable_op, (value,), {"variable": var})


def _assign_sub(var, value):
    return apply(state_ops.assign_sub_variable_op, (value,), {"variable": var})


def _assign_add(var, value):
    return apply(state_ops.assign_add_variable_op, (value,), {"variable": var})


class Optimizer:
    """Base class of the TF1 optimizers (`tf.compat.v1.train.Optimizer`).

    Subclasses implement `_create_slots(var_list)`, `_prepare()`, `_apply_dense(grad, var)` and
    optionally `_finish(update_ops)`, building their updates with cornu ops and variable writes.
    """

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}       # slot name -> {id(var): (var, slot variable)}
        self._non_slots = {}   # (name, id(graph)) -> variable

    def get_name(self):
        return self._name

    # -- gradients -----------------------------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """Add the gradient and update nodes; returns the Operation performing one step."""
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, gate_gradients=gate_gradients,
                                                aggregation_method=aggregation_method,
                                                grad_loss=grad_loss)
        variables = [v for g, v in grads_and_vars if g is not None]
        if not variables:
            raise ValueError("No gradients provided for any variable, check your graph for ops that do "
                             "not support gradients, between variables "
                             f"{[v.name for _, v in grads_and_vars]} and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """[(gradient, variable)] for `var_list` (default: the graph's trainable variables, and the
        trainable cornu Variables the graph reads); gradients are None where the loss does not depend
        on the variable."""
        if callable(loss) and not isinstance(loss, Tensor):
            if current_graph() is None:
                return self._eager_gradients(loss, var_list, grad_loss)
            loss = loss()
        if current_graph() is None:
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a function when "
                               "eager execution is enabled.")
        if var_list is None:
            var_list = _default_var_list(current_graph())
        var_list = list(var_list() if callable(var_list) else var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        for v in var_list:
            if not getattr(v, "_is_variable", False):
                raise TypeError(f"compute_gradients: var_list must hold Variables, got {v!r}")
        grads = gradients(loss, var_list, grad_ys=None if grad_loss is None else [grad_loss])
        return list(zip(grads, var_list))

    def _eager_gradients(self, loss_fn, var_list, grad_loss):
        with GradientTape() as tape:
            if var_list is not None and not callable(var_list):
                tape.watch(list(var_list))
            loss = loss_fn()
        if var_list is None:
            var_list = tape.watched_variables()
        elif callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list, output_gradients=grad_loss)
        return list(zip(grads, var_list))

    # -- updates -------------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Append the updates for `(gradient, variable)` pairs (None gradients skipped); returns the
        Operation to run (None when executing eagerly: the update has happened)."""
        pairs = list(grads_and_vars)
        if not pairs:
            raise ValueError("No variables provided.")
        for g, v in pairs:
            if not getattr(v, "_is_variable", False):
                raise TypeError(f"apply_gradients: {v!r} is not a Variable")
        pairs = [(g, v) for g, v in pairs if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable: "
                             f"{[v.name for _, v in grads_and_vars]}.")
        graph = current_graph()
        variables = [v for _, v in pairs]
        self._create_slots(variables)  # their initializers are not part of the step
        start = len(graph.nodes) if graph is not None else 0
        self._prepare()
        updates = []
        for g, v in pairs:
            g = g if isinstance(g, Tensor) else convert_to_tensor(g, dtype=v.dtype)
            if g.dtype != v.dtype:
                g = M.cast(g, v.dtype)
            updates.append(self._apply_dense(g, v))
        self._finish(updates)
        if global_step is not None:
            _assign_add(global_step, convert_to_tensor(1, dtype=global_step.dtype))
        if graph is None:
            return None
        writes = [n for n in graph.nodes[start:] if n.op.name in _WRITES]
        return Operation(graph, writes, name or self._name, "NoOp")

    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError(f"{type(self).__name__} must implement _apply_dense")

    def _finish(self, update_ops):
        pass

    def _hyper(self, value, dtype):
        """A hyperparameter (float, tensor or callable) as a tensor of `dtype`."""
        if callable(value) and not isinstance(value, Tensor):
            value = value()
        if isinstance(value, Tensor):
            return value if value.dtype == dtype else M.cast(value, dtype)
        return convert_to_tensor(float(value), dtype=dtype)

    # -- slots ---------------------------------------------------------------------------------------
    def _zeros_slot(self, var, slot_name, op_name):
        slots = self._slots.setdefault(slot_name, {})
        if id(var) not in slots:
            base = var.name.split(":")[0]
            with _no_scope():
                slot = _new_variable(_zeros_for(var), f"{base}/{op_name}", var.dtype)
            slots[id(var)] = (var, slot)
        return slots[id(var)][1]

    def get_slot(self, var, name):
        entry = self._slots.get(name, {}).get(id(var))
        return entry[1] if entry is not None and entry[0] is var else None

    def get_slot_names(self):
        return sorted(self._slots)

    def _non_slot(self, name, initial_value, graph):
        key = (name, id(graph))
        if key not in self._non_slots:
            with _no_scope():
                self._non_slots[key] = (graph, _new_variable(initial_value, name, dtypes.float32))
        return self._non_slots[key][1]

    def variables(self):
        """The optimizer's variables (slots and accumulators) for the current graph."""
        graph = current_graph()
        found = [s for slots in self._slots.values() for _, s in slots.values()]
        found += [v for g, v in self._non_slots.values() if g is graph]
        return [v for v in found if getattr(v, "graph", graph) is graph]


def _zeros_for(var):
    from ...ops.array_ops import zeros
    return zeros(tuple(var.shape), var.dtype)


def _new_variable(initial_value, name, dtype):
    """A non-trainable optimizer variable: a v1 Variable in a v1 graph, else a cornu.Variable."""
    return Variable(initial_value, trainable=False, name=name, dtype=dtype)


class _no_scope:
    """Optimizer variables are named after their variable, not the scope minimize is called in."""

    def __enter__(self):
        from ._graph import _scope_state
        state = _scope_state()
        self._saved = state.names[:]
        state.names.clear()
        return self

    def __exit__(self, *exc):
        from ._graph import _scope_state
        _scope_state().names[:] = self._saved


def _default_var_list(graph):
    found = trainable_variables() if isinstance(graph, Graph) else []
    for node in graph.nodes:  # cornu Variables the graph reads (e.g. Keras layers' weights)
        if node.op.name == "read_variable":
            v = node.inputs[0]
            if v.trainable and not any(v is f for f in found):
                found.append(v)
    return found


class GradientDescentOptimizer(Optimizer):
    """`var -= learning_rate * grad`."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        return _assign_sub(var, self._hyper(self._learning_rate, var.dtype) * grad)


class MomentumOptimizer(Optimizer):
    """`accum = momentum * accum + grad; var -= lr * accum` (Nesterov: `var -= lr * grad +
    lr * momentum * accum`), with the accumulator as the 'Momentum' slot."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "momentum")
        lr = self._hyper(self._learning_rate, var.dtype)
        momentum = self._hyper(self._momentum, var.dtype)
        accum_t = _assign(accum, accum * momentum + grad)
        if self._use_nesterov:
            return _assign_sub(var, grad * lr + accum_t * momentum * lr)
        return _assign_sub(var, lr * accum_t)


class AdamOptimizer(Optimizer):
    """TF1's Adam: `lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`, `m = beta1 m + (1 - beta1) g`,
    `v = beta2 v + (1 - beta2) g^2`, `var -= lr_t * m / (sqrt(v) + epsilon)` ("epsilon hat": epsilon
    is added after the bias correction, unlike Keras's Adam). beta1^t and beta2^t are the variables
    `beta1_power` and `beta2_power`."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False,
                 name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _beta_powers(self):
        graph = current_graph()
        return (self._non_slot("beta1_power", float(self._beta1), graph),
                self._non_slot("beta2_power", float(self._beta2), graph))

    def _create_slots(self, var_list):
        self._beta_powers()
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name + "_1")

    def _prepare(self):
        self._step_values = {}

    def _step(self, dtype):
        """lr_t and the constants for one dtype, read once per step before any write."""
        if dtype not in self._step_values:
            beta1_power, beta2_power = self._beta_powers()
            b1p = M.cast(beta1_power, dtype) if dtype != dtypes.float32 else beta1_power.read_value()
            b2p = M.cast(beta2_power, dtype) if dtype != dtypes.float32 else beta2_power.read_value()
            lr = self._hyper(self._lr, dtype)
            one = convert_to_tensor(1.0, dtype=dtype)
            lr_t = lr * M.sqrt(one - b2p) / (one - b1p)
            self._step_values[dtype] = (lr_t, self._hyper(self._beta1, dtype), self._hyper(self._beta2, dtype),
                                        self._hyper(self._epsilon, dtype), one)
        return self._step_values[dtype]

    def _apply_dense(self, grad, var):
        lr_t, beta1, beta2, epsilon, one = self._step(var.dtype)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        m_t = _assign(m, beta1 * m + (one - beta1) * grad)
        v_t = _assign(v, beta2 * v + (one - beta2) * M.square(grad))
        return _assign_sub(var, lr_t * m_t / (M.sqrt(v_t) + epsilon))

    def _finish(self, update_ops):
        beta1_power, beta2_power = self._beta_powers()
        _assign(beta1_power, beta1_power * self._hyper(self._beta1, dtypes.float32))
        _assign(beta2_power, beta2_power * self._hyper(self._beta2, dtypes.float32))


# -- global step -------------------------------------------------------------------------------------
def get_global_step(graph=None):
    graph = graph if graph is not None else get_default_graph()
    if not isinstance(graph, Graph):
        return None
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    return found[0] if found else None


def create_global_step(graph=None):
    graph = graph if graph is not None else get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("\"global_step\" already exists.")
    with graph.as_default(), variable_scope("", reuse=False):
        from . import initializers
        step = get_variable("global_step", shape=[], dtype=dtypes.int64,
                            initializer=initializers.zeros_initializer(), trainable=False,
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])
    return step


def get_or_create_global_step(graph=None):
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def global_step(sess, global_step_tensor):
    """The global step's value as an int."""
    return int(sess.run(global_step_tensor))

