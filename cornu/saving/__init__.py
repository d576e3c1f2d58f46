"""cornu.saving: model files in Keras 3's formats, with no pickle anywhere.

- `.keras` (keras_format.py): a zip of config.json, metadata.json and model.weights.h5.
- `.weights.h5` (h5_weights.py, layout.py): Keras 3's weights layout, `layers/dense/vars/0`.
- `.safetensors` (safetensors_format.py): the same weights under the same names.
- configs (serialization.py, functional_config.py): Keras 3's `{"module", "class_name", "config",
  "registered_name"}` dicts; custom objects come only from the registry (object_registration.py),
  a custom_object_scope or `custom_objects`.

The public names are in `cornu.keras.saving` (`tf.keras.saving`) and `tf.keras.models`.
"""
from .object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: F401
                                  get_registered_name, get_registered_object, register_keras_serializable)
from .serialization import (SerializationError, deserialize_keras_object,  # noqa: F401
                            serialize_keras_object)
from .keras_format import InvalidFileError, load_model, load_weights, save_model, save_weights  # noqa: F401
from .h5_weights import WeightsFileError  # noqa: F401
