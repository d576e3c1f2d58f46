"""`tf.keras.saving`: save and load models and weights (Keras 3's `.keras` / `.weights.h5` files),
register custom objects, and (de)serialize configs.

>>> import cornu as tf
>>> @tf.keras.saving.register_keras_serializable(package="docs")
... def double(x):
...     return 2 * x
>>> tf.keras.saving.get_registered_name(double)
'docs>double'
"""
from ..saving import (CustomObjectScope, custom_object_scope, deserialize_keras_object,  # noqa: F401
                      get_custom_objects, get_registered_name, get_registered_object, load_model,
                      load_weights, register_keras_serializable, save_model, save_weights,
                      serialize_keras_object)

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "register_keras_serializable",
           "get_registered_name", "get_registered_object", "get_custom_objects", "custom_object_scope",
           "CustomObjectScope", "serialize_keras_object", "deserialize_keras_object"]
