"""`keras.optimizers`: the optimizers, their learning-rate schedules, and get/serialize/deserialize.

>>> import cornu as tf
>>> opt = tf.keras.optimizers.get("adam")
>>> type(opt).__name__, round(float(opt.learning_rate), 6)
('Adam', 0.001)
"""
import inspect

from .._serialization import serialize_object
from . import schedules  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .base import Optimizer
from .ftrl import Ftrl
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

# names are matched case-insensitively, as Keras 3 does ('adam', 'Adam', 'SGD', 'sgd')
_OBJECTS = {cls.__name__.lower(): cls for cls in (Optimizer, SGD, Adam, AdamW, Adamax, Nadam, RMSprop,
                                                   Adagrad, Adadelta, Ftrl)}


def serialize(optimizer):
    """`{'module': 'keras.optimizers', 'class_name': 'Adam', 'config': {...}, 'registered_name': None}`."""
    return serialize_object(optimizer, "keras.optimizers")


def deserialize(config, custom_objects=None):
    """An optimizer from `serialize`'s dict (or a class name); `custom_objects` may name custom
    optimizer classes and custom learning-rate schedules."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret optimizer identifier: {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _OBJECTS.get(str(name).lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: '{name}'. Please ensure you are using a registered "
                         f"optimizer name or pass the class in `custom_objects`; known names: "
                         f"{sorted(_OBJECTS)}")
    inner = dict(config.get("config") or {})
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def get(identifier):
    """An optimizer from a name ('adam', 'sgd', 'rmsprop', ...: a new instance with the defaults), a
    config dict, or an Optimizer instance (returned as is)."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta",
           "Ftrl", "schedules", "get", "serialize", "deserialize"]
