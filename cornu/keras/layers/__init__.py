"""`keras.layers`: every layer class, plus serialize/deserialize by Keras class name."""
from .layer import Layer, InputSpec  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .core import Dense  # noqa: F401


def serialize(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    """A layer from {'class_name': ..., 'config': ...}; custom classes come from custom_objects."""
    from .._serialization import deserialize_object
    classes = {name: obj for name, obj in globals().items() if isinstance(obj, type) and issubclass(obj, Layer)}
    from ..models import Sequential, Model
    classes.update(Sequential=Sequential, Model=Model)
    return deserialize_object(config, classes, custom_objects, what="layer")
