"""`tf.keras.models.clone_model`: the same architecture with new weights, rebuilt from configs."""
from . import functional_config
from .serialization import deserialize_keras_object, sequential_from_config, serialize_keras_object


def _layer_factory(model, clone_function):
    """Map a layer entry of the model's config to `clone_function(original layer)`."""
    by_name = {layer.name: layer for layer in _all_layers(model)}

    def make(entry):
        name = entry.get("name") or (entry.get("config") or {}).get("name")
        original = by_name.get(name)
        if original is None:
            return deserialize_keras_object(entry)
        return clone_function(original)
    return make


def _all_layers(model):
    layers = list(model.layers)
    if getattr(model, "_input_layer", None) is not None:
        layers.append(model._input_layer)
    return layers


def _default_clone(layer):
    return deserialize_keras_object(serialize_keras_object(layer), compile=False)


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    from ..keras.models.functional import Functional
    from ..keras.models.sequential import Sequential
    if input_tensors is not None:
        raise NotImplementedError("clone_model: input_tensors is not supported by cornu; clone the model, "
                                  "then call it on the new tensors")
    if kwargs:
        raise TypeError(f"clone_model: unexpected arguments {sorted(kwargs)}")
    config = serialize_keras_object(model)
    config.pop("compile_config", None)
    if clone_function is None or not isinstance(model, (Sequential, Functional)):
        if clone_function is not None:
            raise ValueError("clone_model: clone_function is only supported for Sequential and functional "
                             "models (a subclassed model is cloned from its config)")
        return deserialize_keras_object(config, compile=False)
    factory = _layer_factory(model, clone_function)
    if type(model) is Sequential:
        return sequential_from_config(config["config"], layer_factory=factory)
    return functional_config.from_config(type(model), config["config"], layer_factory=factory)
