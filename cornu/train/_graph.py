"""Object graphs: which variables and Python state a checkpoint holds, and under which paths.

A checkpoint saves what can be reached from its root through *trackable children*, each edge named.
A variable's path is the names along the way, joined with '/': `model/layer-1/kernel`,
`optimizer/iteration`, `optimizer/variables/3`. Restoring walks the live objects the same way and
matches by path, so it works across processes and fresh instances (layer names, which Keras makes
unique per process, do not appear in paths). The children of each kind of object:

- `cornu.Variable`: a leaf; its value is saved.
- an object with `_trackable_children()`: the dict it returns (name -> child). This is the
  protocol for your own classes; `cornu.train.Checkpoint` is one.
- an object with `_checkpoint_state()` / `_restore_checkpoint_state(value)`: a leaf whose state is
  a small JSON value (random generators' states, counters).
- a Keras layer or model: its own weights under their names (`kernel`, `bias`, ...), Variables set
  as its attributes under the attribute's name, augmentation layers' seeded streams, then its
  sub-layers as `layer-0`, `layer-1`, ... in tracking order.
- a Keras optimizer: `iteration`, `learning_rate` (when it is a variable), then its other variables
  (slots such as Adam's moments, EMA averages) as `variables/0`, `variables/1`, ... in creation order.
- a Keras metric: its state variables as `variables/0`, ...
- lists, tuples and dicts: their items under their index or key.

An object reached by two paths is saved once, under the first path of a breadth-first walk.
"""
import collections
import sys

from .. import backend
from ..core.variable import Variable

np = backend.numpy


def _loaded_class(module, name):
    """A class of a module already imported (or None): an object cannot be an instance of a class
    whose module was never imported, and this keeps `cornu.train` from importing Keras."""
    mod = sys.modules.get(module)
    return getattr(mod, name, None) if mod is not None else None


def _layer_class():
    return _loaded_class("cornu.keras.layers.layer", "Layer")


def _optimizer_class():
    return _loaded_class("cornu.keras.optimizers.base", "Optimizer")


def _metric_class():
    return _loaded_class("cornu.keras.metrics", "Metric")


def _seed_stream_class():
    return _loaded_class("cornu.ops.image_ops", "SeedStream")


def _isinstance(obj, cls):
    return cls is not None and isinstance(obj, cls)


# -- Python state leaves ---------------------------------------------------------------------------
def is_state(obj):
    return (hasattr(obj, "_checkpoint_state") and hasattr(obj, "_restore_checkpoint_state")) or \
        _isinstance(obj, _seed_stream_class())


def get_state(obj):
    if _isinstance(obj, _seed_stream_class()):
        gen = obj._generator
        return {"seed": obj.seed, "generator": None if gen is None else generator_state(gen)}
    return obj._checkpoint_state()


def set_state(obj, value):
    if _isinstance(obj, _seed_stream_class()):
        obj._generator = None if value.get("generator") is None else make_generator(value["generator"])
        return
    obj._restore_checkpoint_state(value)


def generator_state(gen):
    """A NumPy Generator's state as a JSON value (its bit generator's state dict)."""
    return _jsonable(gen.bit_generator.state)


_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def make_generator(state):
    """A NumPy Generator in the state `generator_state` gave (only NumPy's own bit generators)."""
    name = state.get("bit_generator")
    if name not in _BIT_GENERATORS:
        raise ValueError(f"Checkpoint: unknown random bit generator {name!r}")
    bit_gen = getattr(np.random, name)()
    restored = dict(state)
    inner = restored.get("state")
    if isinstance(inner, dict):  # MT19937 and Philox keep arrays in their state
        restored["state"] = {k: np.asarray(v, dtype=np.uint32 if name == "MT19937" else np.uint64)
                             if isinstance(v, list) else v for k, v in inner.items()}
    for key in ("buffer",):
        if isinstance(restored.get(key), list):
            restored[key] = np.asarray(restored[key], dtype=np.uint64)
    bit_gen.state = restored
    return np.random.Generator(bit_gen)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


# -- children --------------------------------------------------------------------------------------
def _layer_children(layer):
    out, used = [], set()
    for variable in layer._weights:
        base = getattr(variable, "_layer_path_name", None) or variable.name.split(":")[0].split("/")[-1]
        name, k = base, 1
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        out.append((name, variable))
    own = {id(v) for v in layer._weights}
    stream_class = _seed_stream_class()
    for attr, value in vars(layer).items():
        name = attr.lstrip("_") or attr
        if isinstance(value, Variable) and id(value) not in own and name not in used:
            used.add(name)  # a Variable set as an attribute (`self.step = cornu.Variable(0)`)
            out.append((name, value))
        elif stream_class is not None and isinstance(value, stream_class):
            out.append((name, value))
    out.extend((f"layer-{i}", sub) for i, sub in enumerate(layer._layers))
    return out


def _optimizer_children(optimizer):
    iteration = optimizer._iterations
    learning_rate = optimizer._learning_rate if isinstance(optimizer._learning_rate, Variable) else None
    out = [("iteration", iteration)]
    if learning_rate is not None:
        out.append(("learning_rate", learning_rate))
    others = [v for v in optimizer._variables if v is not iteration and v is not learning_rate]
    out.extend((f"variables/{i}", v) for i, v in enumerate(others))
    return out


def children(obj):
    """The (name, child) pairs of a trackable object, or None when `obj` is not trackable."""
    method = getattr(type(obj), "_trackable_children", None)
    if method is not None:
        return list(obj._trackable_children().items())
    if _isinstance(obj, _layer_class()):
        return _layer_children(obj)
    if _isinstance(obj, _optimizer_class()):
        return _optimizer_children(obj)
    if _isinstance(obj, _metric_class()):
        return [(f"variables/{i}", v) for i, v in enumerate(obj._variables)]
    if isinstance(obj, (list, tuple)):
        return [(str(i), v) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items()]
    return None


def is_trackable(obj):
    """A Variable, a Python-state leaf, or an object with trackable children (a list or dict only
    if something trackable is inside it)."""
    if isinstance(obj, Variable) or is_state(obj):
        return True
    if isinstance(obj, (list, tuple, dict)):
        return any(is_trackable(v) for _, v in children(obj))
    return children(obj) is not None


def is_deferrable(obj):
    """Objects that create their variables later (on build): values for them can wait."""
    return (_isinstance(obj, _layer_class()) or _isinstance(obj, _optimizer_class())) and \
        not getattr(obj, "built", True)


class Graph:
    """One breadth-first walk: `variables` (path -> Variable), `states` (path -> state leaf),
    `objects` (path -> object; '' or the prefix for the root), in walk order."""

    def __init__(self, root, prefix=""):
        self.variables, self.states, self.objects = {}, {}, {prefix: root}
        seen = {id(root)}
        queue = collections.deque([(prefix, root)])
        while queue:
            path, obj = queue.popleft()
            for name, child in children(obj) or ():
                if child is None or id(child) in seen:
                    continue
                child_path = f"{path}/{name}" if path else str(name)
                if isinstance(child, Variable):
                    seen.add(id(child))
                    self.variables[child_path] = child
                elif is_state(child):
                    seen.add(id(child))
                    self.states[child_path] = child
                elif children(child) is not None:
                    seen.add(id(child))
                    self.objects[child_path] = child
                    queue.append((child_path, child))

    def class_names(self):
        return {path: type(obj).__name__ for path, obj in self.objects.items() if path}

    def owner_of(self, key):
        """The deepest walked object whose path is a proper prefix of `key` (and its path)."""
        parts = key.split("/")
        for cut in range(len(parts) - 1, -1, -1):
            path = "/".join(parts[:cut])
            if path in self.objects:
                return path, self.objects[path]
        return None, None
