"""Where each variable lives in a Keras 3 weights file: `layers/dense/vars/0`, `optimizer/vars/3`.

Keras walks a model's attributes (saving_lib's `_walk_saveable`): a Sequential or functional model
lists its `layers` first; other objects their attributes in sorted order, private ones last. A layer
reached through an attribute is stored under that attribute's name (`lstm/cell`); a layer in a list
under the snake_case name of its class, numbered within the list (`layers/dense`, `layers/dense_1`).
An object is stored once, at the first path that reaches it. Each object's own variables are numbered
`vars/0, vars/1, ...`: its trainable variables, then its non-trainable ones, in creation order.

The optimizer's variables are numbered in Keras's order too: iterations, learning rate, then the slots
(Keras creates a variable's slots together, e.g. momentum and velocity of the first weight, then of the
second, ...), following Keras's order of the model's trainable variables.
"""
import posixpath
import re

_KERAS_SLOT_GROUPS = {
    "Adam": [["_momentums", "_velocities"], ["_velocity_hats"]],
    "AdamW": [["_momentums", "_velocities"], ["_velocity_hats"]],
    "Adamax": [["_m", "_u"]],
    "Nadam": [["_momentums", "_velocities"]],
    "RMSprop": [["_velocities"], ["_momentums"], ["_average_gradients"]],
    "Adagrad": [["_accumulators"]],
    "Adadelta": [["_accumulated_grads", "_accumulated_delta_vars"]],
    "Ftrl": [["_accumulators", "_linears"]],
    "SGD": [["momentums"]],
}


def snake_case(name):
    """Keras's `naming.to_snake_case`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


_BASELINE = None


def _baseline_attributes():
    """Attributes every cornu Layer/Model has: not children (Keras's attribute skip-set)."""
    global _BASELINE
    if _BASELINE is None:
        from ..keras.layers.layer import Layer
        from ..keras.models.model import Model
        names = set(vars(Layer(name="__baseline__")))
        names |= set(vars(Model(name="__baseline__")))
        names |= {"_input_layer", "_symbolic_input", "_step_functions", "_compile_args", "_compiled_for",
                  "_compile_loss", "_compile_metrics", "_loss_tracker", "_output_names", "history",
                  "optimizer", "_saving_build_shape", "_inputs_struct", "_outputs_struct", "inputs",
                  "outputs", "_nodes"}
        _BASELINE = names
    return _BASELINE


def _is_saveable(obj):
    from ..keras.layers.layer import Layer
    from ..keras.optimizers import Optimizer
    return isinstance(obj, (Layer, Optimizer))


def _holds_saveables(obj, depth=0):
    if depth > 8:
        return False
    items = obj.values() if isinstance(obj, dict) else obj
    return any(_is_saveable(x) or (isinstance(x, (list, tuple, dict)) and _holds_saveables(x, depth + 1))
               for x in items)


def _children(obj):
    """(attribute name, child) pairs in Keras's walking order."""
    from ..keras.layers.layer import Layer
    from ..keras.models.functional import Functional
    from ..keras.models.model import Model
    from ..keras.models.sequential import Sequential
    from ..keras.optimizers import Optimizer
    if isinstance(obj, Optimizer) or not isinstance(obj, Layer):
        return []
    optimizer = getattr(obj, "optimizer", None) if isinstance(obj, Model) else None
    if isinstance(obj, (Sequential, Functional)):
        layers = obj.layers
        if isinstance(obj, Functional):
            from .functional_config import keras_layer_order
            layers = keras_layer_order(obj)
        out = [("layers", layers)]
        if isinstance(optimizer, Optimizer):
            out.append(("optimizer", optimizer))
        return out
    baseline = _baseline_attributes()
    attrs = {}
    for name, value in vars(obj).items():
        if name in baseline or name.startswith("__"):
            continue
        if _is_saveable(value) or (isinstance(value, (list, tuple, dict)) and _holds_saveables(value)):
            attrs[name] = value
    if isinstance(obj, Model):
        attrs["layers"] = list(obj._layers)
        if isinstance(optimizer, Optimizer):
            attrs["optimizer"] = optimizer
    return [(name, attrs[name]) for name in sorted(attrs, key=_name_key)]


def own_variables(obj, model=None):
    """The variables stored in `obj`'s own `vars` group, in Keras's order."""
    from ..keras.optimizers import Optimizer
    if isinstance(obj, Optimizer):
        return keras_optimizer_variables(obj, model)
    weights = list(getattr(obj, "_weights", []))
    return [v for v in weights if v.trainable] + [v for v in weights if not v.trainable]


def collect(model, include_optimizer=True):
    """[(path, object, [variables])] for every object Keras would visit, in visiting order."""
    from ..keras.optimizers import Optimizer
    entries, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        if isinstance(obj, Optimizer) and not include_optimizer:
            return
        entries.append((path, obj, own_variables(obj, model)))
        visited.add(id(obj))
        for attr, child in _children(obj):
            child_path = posixpath.join(path, attr)
            if _is_saveable(child):
                visit(child, child_path)
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, child_path, set())

    def visit_container(container, path, seen):
        if id(container) in seen:
            return
        seen.add(id(container))
        used = {}
        for item in (list(container.values()) if isinstance(container, dict) else container):
            if _is_saveable(item):
                visit(item, posixpath.join(path, _unique(snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, posixpath.join(path, _unique("container", used)), seen)

    visit(model, "")
    return entries


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def keras_trainable_order(model):
    """The model's trainable variables in Keras's order (its layer order for functional models)."""
    from ..keras.layers.layer import Layer
    from ..keras.models.functional import Functional
    seen, out = set(), []

    def visit(layer):
        if not layer.trainable:
            return
        for v in layer._weights:
            if v.trainable and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        if isinstance(layer, Functional):
            from .functional_config import keras_layer_order
            subs = keras_layer_order(layer)
        else:
            subs = layer._layers
        for sub in subs:
            if isinstance(sub, Layer):
                visit(sub)

    visit(model)
    return out


def keras_optimizer_variables(optimizer, model=None):
    """`optimizer.variables` in the order Keras numbers them (see the module docstring)."""
    variables = list(optimizer._variables)
    built_with = list(getattr(optimizer, "_trainable_variables", []) or [])
    if not built_with:
        return variables
    index_of = {id(v): i for i, v in enumerate(built_with)}
    order = list(range(len(built_with)))
    if model is not None:
        keras_order = keras_trainable_order(model)
        if len(keras_order) == len(built_with) and all(id(v) in index_of for v in keras_order):
            order = [index_of[id(v)] for v in keras_order]
    n = len(built_with)
    position = {id(v): i for i, v in enumerate(variables)}
    groups = [["_model_variables_moving_average"]]
    known = _KERAS_SLOT_GROUPS.get(type(optimizer).__name__)
    if known is None:  # a custom optimizer: every per-variable slot list on its own
        known = [[name] for name, value in vars(optimizer).items()
                 if name != "_trainable_variables" and isinstance(value, (list, tuple)) and len(value) == n
                 and value and all(id(x) in position for x in value if x is not None)
                 and name != "_model_variables_moving_average" and name != "_variables"]
    groups += known
    result = list(variables)
    for group in groups:
        lists = [getattr(optimizer, name, None) for name in group]
        lists = [l for l in lists if isinstance(l, (list, tuple)) and len(l) == n]
        if not lists:
            continue
        members = [l[i] for i in order for l in lists if l[i] is not None]
        if not all(id(m) in position for m in members):
            continue
        slots = sorted(position[id(m)] for m in members)
        for slot, member in zip(slots, members):
            result[slot] = member
    return result
