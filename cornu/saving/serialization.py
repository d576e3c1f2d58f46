"""Keras 3's object configs: `serialize_keras_object` / `deserialize_keras_object`.

A config is plain JSON data. An object is written as
`{"module": ..., "class_name": ..., "config": {...}, "registered_name": ...}` (plus `build_config` and
`compile_config` for layers and models), exactly as Keras 3 writes it, so cornu and Keras read each
other's files.

Reading never runs code from the file: a class or function is found only among cornu's built-in
objects, the registered ones (`register_keras_serializable`), a `custom_object_scope` and the
`custom_objects` argument (plus classes of cornu's own kinds defined in modules that are already
imported, as Keras finds them). Nothing is imported, evaluated or unpickled; Keras's serialized
bytecode (`__lambda__`) is refused with an explanation.

Keras 3.x adds config keys from time to time (e.g. `quantization_config`, initializers'
`input_axes`). Reading a built-in cornu class, a key its constructor does not take is dropped: silently
when it holds Keras's default (it changes nothing), with a `UserWarning` when it is unknown, and with an
error when it asks for a feature cornu does not have (e.g. `renorm=True`).
"""
import inspect
import sys
import warnings

from . import object_registration as registration

# Keys Keras adds that cornu's constructors do not take, with the value that means "feature off":
# dropped silently when they hold it; a different value is a feature cornu lacks (an error).
_KERAS_DEFAULTS = {
    "input_axes": None, "output_axes": None, "quantization_config": None, "ragged": False,
    "optional": False, "synchronized": False, "renorm": False, "renorm_clipping": None,
    "groups": 1, "data_format": "channels_last", "lora_rank": None, "lora_alpha": None,
    "lora_enabled": False, "noise_shape": None, "use_cudnn": "auto", "autocast": True,
    "keepdims": False, "rms_scaling": False, "sparse": False, "antialias": False,
    "shared_object_id": object(),
}
# Keys Keras's own constructors refuse although cornu's configs have them (Keras 3.15 quirks).
_KERAS_REFUSES = {"SpatialDropout1D": {"trainable"}, "SpatialDropout2D": {"trainable"},
                  "SpatialDropout3D": {"trainable"}}
# Keys whose value does not matter while the feature they tune is off (renorm_momentum with renorm off).
_ALWAYS_DROP = {"renorm_momentum", "shared_object_id"}

_SPECIAL = ("__tuple__", "__numpy__", "__tensor__", "__bytes__", "__keras_tensor__", "__lambda__",
            "__typespec__")


class SerializationError(ValueError):
    """A config that cannot be turned into an object (unknown class, refused content, ...)."""


# -- writing --------------------------------------------------------------------------------------------
def _is_builtin(cls):
    return (getattr(cls, "__module__", "") or "").startswith("cornu.")


def _module_of(cls):
    module = getattr(cls, "__module__", None)
    return None if module == "__main__" else module


def _builtin_module(obj):
    """Keras's public module for a built-in cornu object (None if it is not one)."""
    from ..keras import constraints, initializers, losses, metrics, regularizers
    from ..keras.layers.layer import Layer
    from ..keras.optimizers import Optimizer, schedules
    if isinstance(obj, Layer):
        return "keras.layers"
    if isinstance(obj, Optimizer):
        return "keras.optimizers"
    if isinstance(obj, schedules.LearningRateSchedule):
        return "keras.optimizers.schedules"
    if isinstance(obj, initializers.Initializer):
        return "keras.initializers"
    if isinstance(obj, regularizers.Regularizer):
        return "keras.regularizers"
    if isinstance(obj, constraints.Constraint):
        return "keras.constraints"
    if isinstance(obj, losses.Loss):
        return "keras.losses"
    if isinstance(obj, metrics.Metric):
        return "keras.metrics"
    return None


def _function_config(fn):
    from ..keras import activations, losses, metrics
    name = getattr(fn, "__name__", None)
    if name == "<lambda>":
        raise SerializationError(
            f"Cannot save the anonymous function {fn!r}: cornu stores functions by name only (never their "
            "code). Define it with `def` and register it with "
            "@tf.keras.saving.register_keras_serializable()")
    if _is_builtin(fn):
        module = fn.__module__.rsplit(".", 1)[-1]
        if activations.__dict__.get(name) is fn or module == "activations":
            return name
        public = {"losses": "keras.losses", "metrics": "keras.metrics"}.get(module)
        if public is not None or losses.__dict__.get(name) is fn or metrics.__dict__.get(name) is fn:
            return {"module": public or "keras.losses", "class_name": "function", "config": name,
                    "registered_name": name}
    return {"module": _module_of(fn), "class_name": "function", "config": name,
            "registered_name": registration.get_registered_name(fn)}


def serialize_keras_object(obj):
    """The JSON-ready Keras 3 config of `obj` (a layer, model, optimizer, loss, metric, initializer,
    ..., a function, or plain data).

    >>> import cornu as tf
    >>> cfg = tf.keras.saving.serialize_keras_object(tf.keras.layers.Dense(2, name="d"))
    >>> cfg["module"], cfg["class_name"], cfg["config"]["units"]
    ('keras.layers', 'Dense', 2)
    """
    from ..core.tensor import Tensor
    from ..keras.layers.layer import Layer
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, Tensor) or type(obj).__module__ == "numpy":
        import numpy as np
        value = np.asarray(obj.numpy() if isinstance(obj, Tensor) else obj)
        return value.item() if value.ndim == 0 else value.tolist()
    if isinstance(obj, Layer):
        return _serialize_layer(obj)
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return _function_config(obj)
    if inspect.isclass(obj):
        raise SerializationError(f"Cannot serialize the class {obj!r}: pass an instance")
    if not hasattr(obj, "get_config"):
        raise SerializationError(f"Cannot serialize {obj!r}: it has no get_config() method")
    cls = type(obj)
    module = _builtin_module(obj) if _is_builtin(cls) else None
    config = serialize_keras_object(obj.get_config())
    if module is not None:
        return {"module": module, "class_name": cls.__name__, "config": config, "registered_name": None}
    return {"module": _module_of(cls), "class_name": cls.__name__, "config": config,
            "registered_name": registration.get_registered_name(cls)}


def _dtype_policy(name):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def layer_class_record(layer):
    """(module, class_name, registered_name) as Keras writes them for `layer`."""
    from ..keras.models.functional import Functional
    from ..keras.models.sequential import Sequential
    cls = type(layer)
    if cls is Sequential:
        return "keras", "Sequential", None
    if cls is Functional:
        return "keras.src.models.functional", "Functional", "Functional"
    if _is_builtin(cls):
        return "keras.layers", cls.__name__, None
    return _module_of(cls), cls.__name__, registration.get_registered_name(cls)


def keras_layer_config(layer_config, class_name):
    """A cornu layer config in Keras 3's form: dtype as a DTypePolicy, nested layers complete, no
    tf.keras 2 `batch_input_shape` (Keras 3 keeps input shapes in InputLayer / build_config)."""
    config = dict(layer_config)
    config.pop("batch_input_shape", None)
    for key in _KERAS_REFUSES.get(class_name, ()):
        config.pop(key, None)
    if class_name != "InputLayer" and isinstance(config.get("dtype"), str):
        config["dtype"] = _dtype_policy(config["dtype"])
    return {k: _complete_nested(v) for k, v in config.items()}


def _complete_nested(value):
    """Nested layer dicts written by cornu's `layers.serialize` ({'class_name', 'config'}) become full
    Keras dicts with module and registered_name."""
    if isinstance(value, (list, tuple)):
        return [_complete_nested(v) for v in value]
    if not isinstance(value, dict):
        return serialize_keras_object(value)
    if value.get("class_name") == "function" and isinstance(value.get("config"), str):
        # cornu's Lambda config names its function; Keras writes the registered name
        for obj, registered in registration._GLOBAL_CUSTOM_NAMES.items():
            if getattr(obj, "__name__", None) == value["config"] and _module_of(obj) == value.get("module"):
                return dict(value, registered_name=registered)
        return dict(value)
    if "class_name" in value and "config" in value and "module" not in value:
        cls = _find_layer_class(value["class_name"])
        if cls is not None:
            if _is_builtin(cls):
                module, registered = "keras.layers", None
            else:
                module, registered = _module_of(cls), registration.get_registered_name(cls)
            inner = value["config"]
            if isinstance(inner, dict):
                inner = keras_layer_config(inner, value["class_name"])
            return {"module": module, "class_name": value["class_name"], "config": inner,
                    "registered_name": registered}
    return {k: _complete_nested(v) for k, v in value.items()}


def _find_layer_class(name):
    from ..keras import layers as layers_module
    from ..keras.layers.layer import Layer
    cls = getattr(layers_module, name, None)
    if inspect.isclass(cls) and issubclass(cls, Layer):
        return cls
    for obj, registered in registration._GLOBAL_CUSTOM_NAMES.items():
        if inspect.isclass(obj) and obj.__name__ == name:
            return obj
    return None


def _serialize_layer(layer):
    from ..keras.models.functional import Functional
    from ..keras.models.sequential import Sequential
    from . import functional_config
    module, class_name, registered = layer_class_record(layer)
    if isinstance(layer, Functional) and type(layer).get_config is Functional.get_config:
        config = functional_config.get_config(layer)
    elif isinstance(layer, Sequential) and type(layer).get_config is Sequential.get_config:
        config = _sequential_config(layer)
    else:
        config = keras_layer_config(layer.get_config(), class_name)
    out = {"module": module, "class_name": class_name, "config": config, "registered_name": registered}
    build = build_config(layer)
    if build is not None:
        out["build_config"] = build
    compile_config = get_compile_config(layer)
    if compile_config is not None:
        out["compile_config"] = compile_config
    return out


def _sequential_config(model):
    layers = []
    shape = model._declared_input_shape() if hasattr(model, "_declared_input_shape") else None
    if shape is None and getattr(model, "_build_input_shape", None) is not None and model.built:
        shape = tuple(model._build_input_shape)
    if shape is not None:
        input_layer = model._input_layer
        layers.append({"module": "keras.layers", "class_name": "InputLayer",
                       "config": {"batch_shape": list(shape),
                                  "dtype": input_layer.dtype if input_layer is not None else model.dtype,
                                  "sparse": False, "ragged": False,
                                  "name": input_layer.name if input_layer is not None else
                                  f"{model.name}_input", "optional": False},
                       "registered_name": None})
    layers += [serialize_keras_object(layer) for layer in model.layers]
    config = {"name": model.name, "trainable": model.trainable, "dtype": _dtype_policy(model.dtype),
              "layers": layers}
    if shape is not None:
        config["build_input_shape"] = list(shape)
    return config


def _shape_list(shape):
    if shape is None:
        return None
    if isinstance(shape, dict):
        return {k: _shape_list(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)) or (
            isinstance(shape, list) and shape and hasattr(shape[0], "as_list")):
        return [_shape_list(s) for s in shape]
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return [None if d is None else int(d) for d in shape]


def build_config(layer):
    """Keras's `{"input_shape": ...}` for a built layer or model (None when unknown)."""
    from ..keras.layers.input_layer import InputLayer
    from ..keras.models.functional import Functional
    from ..keras.models.sequential import Sequential
    if isinstance(layer, InputLayer) or not layer.built:
        return None
    if isinstance(layer, Functional):
        return {"input_shape": None}
    if isinstance(layer, Sequential):
        shape = layer.input_shape
        return {"input_shape": _shape_list(shape)} if shape is not None else None
    recorded = getattr(layer, "_saving_build_shape", None)
    if recorded is not None:
        return {"input_shape": _structure_shapes(recorded)}
    for node in layer._inbound_nodes:
        if node.args:
            first = node.args[0]
            return {"input_shape": _structure_shapes(first)}
    return None


def _structure_shapes(value):
    from ..core.tensor import Tensor
    if isinstance(value, Tensor):
        return [None if d is None else int(d) for d in value.shape]
    if isinstance(value, dict):
        return {k: _structure_shapes(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(d, int) or d is None for d in value):
            return [None if d is None else int(d) for d in value]
        return [_structure_shapes(v) for v in value]
    if hasattr(value, "as_list"):
        return [None if d is None else int(d) for d in value.as_list()]
    return None


def get_compile_config(model):
    """Keras's compile_config of a compiled model (None when it is not compiled)."""
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return None
    args = getattr(model, "_compile_args", None) or {}
    return {"optimizer": serialize_keras_object(model.optimizer),
            "loss": serialize_keras_object(args.get("loss")),
            "loss_weights": serialize_keras_object(args.get("loss_weights")),
            "metrics": serialize_keras_object(args.get("metrics")),
            "weighted_metrics": serialize_keras_object(args.get("weighted_metrics")),
            "run_eagerly": bool(getattr(model, "run_eagerly", False)),
            "steps_per_execution": 1, "jit_compile": False}


# -- reading --------------------------------------------------------------------------------------------
def _namespace(kind):
    """{name: object} of cornu's built-ins of one Keras kind."""
    from ..keras import activations, constraints, initializers, losses, metrics, regularizers
    from ..keras import layers as layers_module
    from ..keras import optimizers
    from ..keras.layers.layer import Layer
    from ..keras.optimizers import schedules
    if kind == "layers":
        out = {k: v for k, v in vars(layers_module).items() if inspect.isclass(v) and issubclass(v, Layer)}
        from ..keras.models import Functional, Model, Sequential
        out.update(Sequential=Sequential, Functional=Functional, Model=Model)
        return out
    if kind == "models":
        from ..keras.models import Functional, Model, Sequential
        return {"Sequential": Sequential, "Functional": Functional, "Model": Model}
    if kind == "optimizers":
        return {**{k: v for k, v in optimizers._OBJECTS.items()},
                **{v.__name__: v for v in optimizers._OBJECTS.values()}}
    if kind == "schedules":
        return dict(schedules._OBJECTS)
    if kind == "initializers":
        return dict(initializers._OBJECTS)
    if kind == "regularizers":
        return dict(regularizers._OBJECTS)
    if kind == "constraints":
        return dict(constraints._OBJECTS)
    if kind == "losses":
        return dict(losses.ALL_OBJECTS_DICT)
    if kind == "metrics":
        return {**dict(getattr(metrics, "_FUNCTIONS_BY_NAME", {})), **dict(metrics.ALL_OBJECTS_DICT)}
    if kind == "activations":
        return dict(activations._OBJECTS)
    return {}


def _kind_of_module(module, class_name):
    if not isinstance(module, str):
        return None
    if module == "keras":
        return "models"
    parts = module.split(".")
    if parts[0] != "keras" or len(parts) < 2:
        return None
    if parts[1] == "src":
        if "optimizers" in parts:
            return "schedules" if "schedules" in parts else "optimizers"
        return parts[2] if len(parts) > 2 else None
    if parts[1] == "optimizers" and len(parts) > 2 and parts[2] == "schedules":
        return "schedules"
    return parts[1]


_BASE_KINDS = None


def _allowed_bases():
    """cornu's serializable base classes: a class found in an already-imported module is used only
    when it is one of these kinds."""
    global _BASE_KINDS
    if _BASE_KINDS is None:
        from ..keras import constraints, initializers, losses, metrics, regularizers
        from ..keras.layers.layer import Layer
        from ..keras.optimizers import Optimizer, schedules
        _BASE_KINDS = (Layer, Optimizer, schedules.LearningRateSchedule, initializers.Initializer,
                       regularizers.Regularizer, constraints.Constraint, losses.Loss, metrics.Metric)
    return _BASE_KINDS


def _describe(config):
    text = repr(config)
    return text if len(text) < 300 else text[:300] + "..."


def resolve_class(config, custom_objects=None):
    """The class (or function) a serialized-object dict names, without importing anything."""
    class_name = config.get("class_name")
    registered = config.get("registered_name") or class_name
    module = config.get("module")
    if not isinstance(class_name, str):
        raise SerializationError(f"Invalid object config (class_name must be a string): {_describe(config)}")
    for name in (registered, class_name):
        if isinstance(name, str):
            obj = registration.get_registered_object(name, custom_objects)
            if obj is not None:
                return obj
    kind = _kind_of_module(module, class_name)
    if kind is not None:
        namespace = _namespace(kind)
        obj = namespace.get(class_name)
        if obj is None and kind == "optimizers":
            obj = namespace.get(class_name.lower())
        if obj is not None:
            return obj
        if kind in ("layers", "models"):
            obj = _namespace("layers").get(class_name)
            if obj is not None:
                return obj
    elif module is None:  # cornu's own short form {'class_name', 'config'}: any built-in kind
        for k in ("layers", "initializers", "regularizers", "constraints", "optimizers", "schedules",
                  "losses", "metrics"):
            obj = _namespace(k).get(class_name)
            if obj is not None:
                return obj
    if isinstance(module, str) and module in sys.modules and not module.startswith("keras"):
        obj = getattr(sys.modules[module], class_name, None)  # already imported: nothing runs
        if inspect.isclass(obj) and issubclass(obj, _allowed_bases()):
            return obj
    raise SerializationError(
        f"Could not locate class '{class_name}' (module {module!r}, registered name {registered!r}). "
        "Make sure custom classes are decorated with `@tf.keras.saving.register_keras_serializable()` "
        "or passed in `custom_objects` (cornu never imports modules or runs code named by a file). "
        f"Full object config: {_describe(config)}")


def resolve_function(config, custom_objects=None):
    """The function a `{"class_name": "function", ...}` dict (or a name) refers to."""
    if isinstance(config, str):
        name, registered, module = config, config, None
    else:
        name = config.get("config")
        registered = config.get("registered_name") or name
        module = config.get("module")
    if not isinstance(name, str):
        raise SerializationError(f"Invalid function config: {_describe(config)}")
    for key in (registered, name):
        obj = registration.get_registered_object(key, custom_objects)
        if obj is not None:
            return obj
    kind = _kind_of_module(module, name)
    if kind in ("activations", "losses", "metrics"):
        obj = _namespace(kind).get(name)
        if obj is not None:
            return obj
    raise SerializationError(
        f"Could not locate function '{name}' (module {module!r}). Register it with "
        "`@tf.keras.saving.register_keras_serializable()` or pass it in `custom_objects` (cornu never "
        "imports modules or runs code named by a file).")


def _lambda_error(config):
    return SerializationError(
        "This file holds a Python lambda as Keras's serialized bytecode ('__lambda__'). cornu never runs "
        "code stored in a file, whatever `safe_mode` says. Define the function with `def`, register it "
        "with `@tf.keras.saving.register_keras_serializable()` (or pass it in `custom_objects`), and "
        "rebuild the Lambda layer with it.")


def _special(config):
    import numpy as np
    class_name = config["class_name"]
    inner = config.get("config") or {}
    if class_name == "__lambda__":
        raise _lambda_error(config)
    if class_name == "__tuple__":
        return tuple(inner.get("value", ()))
    if class_name in ("__numpy__", "__tensor__"):
        dtype = np.dtype(inner.get("dtype", "float32"))
        if dtype.kind not in "biufc":
            raise SerializationError(f"Refusing array data of dtype {dtype} in a config")
        return np.asarray(inner.get("value"), dtype=dtype)
    if class_name == "__bytes__":
        return str(inner.get("value", "")).encode("utf-8")
    raise SerializationError(f"Unsupported special object '{class_name}' in a config: {_describe(config)}")


def _accepted_arguments(cls):
    """Names the constructor chain of `cls` accepts; None when a **kwargs goes where we cannot see
    (then the config is passed on as it is)."""
    from ..keras.layers.layer import Layer
    from ..keras.optimizers import Optimizer
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            return None
        names.update(n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if klass in (Layer, Optimizer):  # their **kwargs take only legacy names
            return names | {"dynamic", "decay"}
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return names
        if not _is_builtin(klass):
            return None
    return None


def sanitize_config(cls, config, what):
    """Drop the keys of a Keras config that `cls` (a built-in cornu class) does not take (see the
    module docstring for the rules)."""
    if not isinstance(config, dict):
        return config
    if not _is_builtin(cls):
        return config
    from ..keras import losses, metrics
    if issubclass(cls, (losses.Loss, metrics.Metric)):
        return config  # their **kwargs are real arguments (from_logits, ...)
    accepted = _accepted_arguments(cls)
    if accepted is None:
        return config
    out = {}
    for key, value in config.items():
        if key in accepted:
            out[key] = value
            continue
        if key in _ALWAYS_DROP:
            continue
        if key in _KERAS_DEFAULTS:
            if value == _KERAS_DEFAULTS[key] or (value is None and _KERAS_DEFAULTS[key] in (False, None)):
                continue
            raise SerializationError(
                f"{what} '{cls.__name__}': the Keras option {key}={value!r} is not supported by cornu "
                f"(only {key}={_KERAS_DEFAULTS[key]!r} is)")
        warnings.warn(f"{what} '{cls.__name__}': ignoring the config key {key!r}={_describe(value)} that "
                      "cornu does not know (written by a newer Keras?)", UserWarning, stacklevel=3)
    return out


def _is_object_dict(value):
    return isinstance(value, dict) and "class_name" in value and "config" in value


def _policy_name(config):
    inner = config.get("config") or {}
    name = inner.get("name", "float32")
    if name in ("mixed_float16", "mixed_bfloat16"):
        raise SerializationError(f"dtype policy {name!r} (mixed precision) is not supported by cornu")
    return name


def prepare(value, custom_objects=None):
    """Turn the nested objects of a config into what cornu's constructors take.

    Non-layer objects (initializers, regularizers, constraints, schedules, losses, metrics, custom
    objects, functions) become instances; layer dicts stay dicts (their owner's from_config builds them)
    with their configs cleaned; DTypePolicy dicts become dtype names.
    """
    from ..keras.layers.layer import Layer
    if isinstance(value, list):
        return [prepare(v, custom_objects) for v in value]
    if not isinstance(value, dict):
        return value
    if not _is_object_dict(value):
        return {k: prepare(v, custom_objects) for k, v in value.items() if k != "shared_object_id"}
    class_name = value["class_name"]
    if class_name in _SPECIAL:
        if class_name == "__keras_tensor__":
            raise SerializationError("A Keras tensor appears outside a functional model's inbound nodes: "
                                     f"{_describe(value)}")
        return _special(value)
    if class_name in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        return _policy_name(value)
    if class_name == "function":
        return resolve_function(value, custom_objects)
    cls = resolve_class(value, custom_objects)
    if inspect.isclass(cls) and issubclass(cls, Layer):
        return clean_layer_dict(value, cls, custom_objects)
    if not inspect.isclass(cls):
        return cls
    config = prepare(value.get("config") or {}, custom_objects)
    return instantiate(cls, sanitize_config(cls, config, _kind_label(cls)), custom_objects)


def _kind_label(cls):
    return {"Initializer": "Initializer", "Regularizer": "Regularizer", "Constraint": "Constraint",
            "Optimizer": "Optimizer", "Loss": "Loss", "Metric": "Metric"}.get(
        next((b.__name__ for b in cls.__mro__ if b.__name__ in
              ("Initializer", "Regularizer", "Constraint", "Optimizer", "Loss", "Metric")), ""), "Object")


def clean_layer_dict(value, cls, custom_objects):
    """A layer dict whose config holds only what cornu's `cls` takes (recursively)."""
    inner = value.get("config") or {}
    if not isinstance(inner, dict):
        raise SerializationError(f"Invalid layer config for '{value['class_name']}': {_describe(inner)}")
    from ..keras.models import Functional, Sequential
    if cls in (Sequential, Functional):
        config = inner  # their own readers deserialize the nested layers
    else:
        config = sanitize_config(cls, prepare(inner, custom_objects), "Layer")
    out = dict(value, config=config)
    if not _is_builtin(cls):
        out["class_name"] = value.get("registered_name") or value["class_name"]
    return out


def instantiate(cls, config, custom_objects=None):
    """`cls.from_config(config)`, passing custom_objects where the method takes them."""
    from_config = getattr(cls, "from_config", None)
    try:
        if from_config is None:
            return cls(**config)
        params = inspect.signature(from_config).parameters
        if "custom_objects" in params:
            return from_config(config, custom_objects=registration.all_custom_objects(custom_objects))
        return from_config(config)
    except SerializationError:
        raise
    except (TypeError, ValueError, KeyError) as e:
        raise SerializationError(
            f"Could not rebuild {cls.__name__} from its config: {type(e).__name__}: {e}. A custom class "
            "must implement get_config() returning its constructor arguments (and from_config() if they "
            "are not plain values).") from e


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, compile=True, **kwargs):
    """The object a Keras 3 config describes (see the module docstring for what can be found).

    >>> import cornu as tf
    >>> cfg = tf.keras.saving.serialize_keras_object(tf.keras.layers.Dense(2))
    >>> type(tf.keras.saving.deserialize_keras_object(cfg)).__name__
    'Dense'
    """
    from ..keras.layers.layer import Layer
    from ..keras.models.functional import Functional
    from ..keras.models.sequential import Sequential
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, list):
        return [deserialize_keras_object(v, custom_objects, safe_mode, compile) for v in config]
    if not isinstance(config, dict):
        raise SerializationError(f"Could not interpret a config of type {type(config).__name__}")
    if not _is_object_dict(config):
        return {k: deserialize_keras_object(v, custom_objects, safe_mode, compile) for k, v in config.items()}
    class_name = config["class_name"]
    if class_name in _SPECIAL or class_name in ("function", "DTypePolicy", "FloatDTypePolicy"):
        return prepare(config, custom_objects)
    cls = resolve_class(config, custom_objects)
    if not (inspect.isclass(cls) and issubclass(cls, Layer)):
        return prepare(config, custom_objects)
    inner = config.get("config") or {}
    if not isinstance(inner, dict):
        raise SerializationError(f"Invalid config of layer '{class_name}': {_describe(inner)}")
    with registration.CustomObjectScope(custom_objects or {}):
        if issubclass(cls, Functional) and cls.from_config.__func__ is Functional.from_config.__func__:
            from . import functional_config
            layer = functional_config.from_config(cls, inner, custom_objects)
        elif cls is Sequential:
            layer = sequential_from_config(inner, custom_objects)
        else:
            cleaned = clean_layer_dict(config, cls, custom_objects)["config"]
            layer = instantiate(cls, cleaned, custom_objects)
        build = config.get("build_config")
        if build and not layer.built and isinstance(build, dict) and build.get("input_shape") is not None:
            _build_from_config(layer, build["input_shape"])
        compile_config = config.get("compile_config")
        if compile and compile_config and hasattr(layer, "compile"):
            compile_from_config(layer, compile_config, custom_objects)
    return layer


def _build_from_config(layer, input_shape):
    shape = _as_shape(input_shape)
    try:
        layer.build(shape)
        layer.built = True
    except Exception as e:
        raise SerializationError(f"Could not build {type(layer).__name__} '{layer.name}' for input shape "
                                 f"{input_shape} from its build_config: {type(e).__name__}: {e}") from e


def _as_shape(value):
    if isinstance(value, dict):
        return {k: _as_shape(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], (list, dict)):
        return [_as_shape(v) for v in value]
    if isinstance(value, list):
        return tuple(value)
    return value


def sequential_from_config(config, custom_objects=None, layer_factory=None):
    """A Sequential from Keras 3's config ({'name', 'layers': [InputLayer?, ...], 'build_input_shape'})
    or cornu's older one."""
    from ..keras.models.sequential import Sequential
    if isinstance(config, list):
        config = {"layers": config}
    layer_configs = config.get("layers")
    if not isinstance(layer_configs, list):
        raise SerializationError("Sequential config: 'layers' must be a list")
    model = Sequential(name=config.get("name"), trainable=config.get("trainable", True))
    for spec in layer_configs:
        if not _is_object_dict(spec):
            raise SerializationError(f"Sequential config: invalid layer entry {_describe(spec)}")
        if layer_factory is not None and spec.get("class_name") != "InputLayer":
            layer = layer_factory(spec)
        else:
            layer = deserialize_keras_object(spec, custom_objects)
        model.add(layer, rebuild=False)
    build_shape = config.get("build_input_shape")
    if model._declared_input_shape() is None and build_shape is not None and model.layers:
        model.build(tuple(build_shape))
    else:
        model._maybe_build_from_declared_shape()
    return model


def compile_from_config(model, compile_config, custom_objects=None):
    """`model.compile(**deserialized compile_config)` (Keras's compile_from_config)."""
    if not isinstance(compile_config, dict):
        raise SerializationError(f"Invalid compile_config: {_describe(compile_config)}")
    args = {}
    for key in ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"):
        if key in compile_config:
            args[key] = deserialize_keras_object(compile_config[key], custom_objects)
    if args.get("optimizer") is None:
        args["optimizer"] = "rmsprop"
    args["run_eagerly"] = bool(compile_config.get("run_eagerly", False))
    model.compile(**args)
