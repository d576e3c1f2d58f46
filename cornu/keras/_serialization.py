"""Keras 3's config dicts for built-in objects: `{"module", "class_name", "config", "registered_name"}`.

Shared by initializers, regularizers, constraints, activations, optimizers and schedules so that
`serialize` / `deserialize` / `get` behave the same everywhere (and configs look like Keras's own).
"""
import inspect


def serialize_object(obj, module):
    """The config dict of `obj` (an instance with `get_config`), under Keras's public `module` name."""
    if obj is None:
        return None
    if not hasattr(obj, "get_config"):
        raise ValueError(f"Cannot serialize {obj!r}: it has no get_config() method")
    cls = type(obj)
    builtin = cls.__module__.startswith("cornu.")
    return {"module": module if builtin else cls.__module__, "class_name": cls.__name__,
            "config": obj.get_config(), "registered_name": None if builtin else cls.__name__}


def deserialize_object(config, objects, custom_objects=None, what="object", lookup=None):
    """Rebuild an object from a config dict (or a class name) with `objects` {name: class}.

    `custom_objects` (user classes by name) take precedence, as in Keras; `lookup(name)` may
    normalise names (e.g. optimizers accept 'Adam' and 'adam').
    """
    if isinstance(config, str):
        name, inner = config, {}
    elif isinstance(config, dict) and "class_name" in config:
        name, inner = config["class_name"], config.get("config") or {}
        if config.get("registered_name") and custom_objects and config["registered_name"] in custom_objects:
            name = config["registered_name"]
    else:
        raise ValueError(f"Could not interpret {what} identifier: {config!r} (expected a name or a dict "
                         "with 'class_name' and 'config')")
    cls = (custom_objects or {}).get(name)
    if cls is None:
        cls = lookup(name) if lookup is not None else objects.get(name)
    if cls is None:
        raise ValueError(f"Unknown {what}: '{name}'. Please ensure you are using a registered {what} "
                         f"name or pass the class in `custom_objects`; known names: "
                         f"{sorted(objects)}")
    if not inspect.isclass(cls):
        return cls
    if not isinstance(inner, dict):
        raise ValueError(f"Could not interpret the config of {what} '{name}': {inner!r}")
    if hasattr(cls, "from_config"):
        return cls.from_config(dict(inner))
    return cls(**inner)


def get_object(identifier, objects, deserialize, what):
    """Keras's `get`: None stays None, a dict is deserialized, a name looked up in `objects`, a class
    instantiated, and any other callable returned as it is."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = objects.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret {what} identifier: {identifier!r}")
