"""Registering custom classes and functions by name (Keras's `register_keras_serializable`).

A saved config names a custom object by its *registered name* (`"package>ClassName"`); loading finds it
here, in a `custom_object_scope`, or in the `custom_objects` given to `load_model`. Nothing is ever
imported or evaluated to find an object: what is not registered or passed in cannot be loaded.
"""
import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}
_scope = threading.local()


def _scope_stack():
    if not hasattr(_scope, "stack"):
        _scope.stack = []
    return _scope.stack


class CustomObjectScope:
    """`with custom_object_scope({"MyLayer": MyLayer}):` — objects found by name while loading.

    >>> import cornu as tf
    >>> class Scale(tf.keras.layers.Layer):
    ...     pass
    >>> with tf.keras.saving.custom_object_scope({"Scale": Scale}):
    ...     tf.keras.saving.get_registered_object("Scale") is Scale
    True
    """

    def __init__(self, custom_objects=None, *more):
        objects = {}
        for d in (custom_objects,) + more:
            objects.update(d or {})
        self.custom_objects = objects

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The global registry {registered name: object} (mutable, as in Keras)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Class/function decorator: register `obj` under `"package>name"` (name defaults to its
    `__name__`) so that saved models can refer to it and `load_model` can find it.

    >>> import cornu as tf
    >>> @tf.keras.saving.register_keras_serializable(package="demo")
    ... class Double(tf.keras.layers.Layer):
    ...     def call(self, x):
    ...         return 2 * x
    >>> tf.keras.saving.get_registered_name(Double)
    'demo>Double'
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without '>', got {package!r}")

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(f"Cannot register class {arg.__name__}: it has no get_config() method, so it "
                             "could not be saved")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj):
    """The name `obj` is saved under: its registered name, else its `__name__`."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", None)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as `name`: from the innermost custom_object_scope, the global registry,
    `custom_objects`, then `module_objects`; None when it is nowhere."""
    for objects in reversed(_scope_stack()):
        if name in objects:
            return objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def all_custom_objects(custom_objects=None):
    """Every object findable now, keyed by registered name and by plain name (for cornu's own
    `from_config(config, custom_objects)` methods, which look objects up by class name)."""
    out = {}
    for registered, obj in _GLOBAL_CUSTOM_OBJECTS.items():
        out[registered] = obj
        out.setdefault(registered.split(">", 1)[-1], obj)
    for objects in _scope_stack():
        out.update(objects)
    out.update(custom_objects or {})
    return out
