"""`keras.models`: Model, Sequential, and loading, rebuilding and cloning models."""
from .model import Model  # noqa: F401
from .sequential import Sequential  # noqa: F401
from .functional import Functional  # noqa: F401


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a Keras 3 `.keras` file (written by cornu or Keras); see cornu.saving."""
    from ...saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from `model.to_json()`'s string."""
    import json
    from ...saving import deserialize_keras_object
    try:
        config = json.loads(json_string)
    except ValueError as e:
        raise ValueError(f"model_from_json: not valid JSON: {e}") from e
    return deserialize_keras_object(config, custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    """A new model with the same architecture as `model` and new weights (its layers are rebuilt from
    their configs; `clone_function(layer)` may make each new layer instead)."""
    from ...saving.cloning import clone_model as _clone
    return _clone(model, input_tensors=input_tensors, clone_function=clone_function, **kwargs)
