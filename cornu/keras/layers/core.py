"""Core layers: Dense, Identity, Masking, Lambda."""
import inspect
import sys

from ...core import nest
from ...core.symbolic import SymbolicTensor, is_keras_tensor
from ...ops import linalg_ops, math_ops, reduce_ops
from .. import activations
from .layer import InputSpec, Layer, kernel_bias_config, set_kernel_bias_args


class Dense(Layer):
    """`Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform', ...)`:
    `activation(inputs @ kernel + bias)`, applied to the last axis.

    >>> import cornu as tf
    >>> tf.keras.layers.Dense(3)(tf.ones((2, 4))).shape
    TensorShape([2, 3])
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_kernel_bias_args(self, kernel_initializer, bias_initializer, kernel_regularizer,
                             bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None:
            raise ValueError(f"Dense {self.name}: the last dimension of the input must be known, got "
                             f"shape {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", (last, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.built = True

    def call(self, inputs):
        if inputs.ndim == 2:
            out = linalg_ops.matmul(inputs, self.kernel)
        else:
            out = linalg_ops.tensordot(inputs, self.kernel, [[inputs.ndim - 1], [0]])
        if self.use_bias:
            out = out + self.bias
        return self.activation(out) if self.activation is not None else out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=activations.serialize(self.activation),
                      use_bias=self.use_bias,
                      **kernel_bias_config(self))
        return config


class Identity(Layer):
    """`Identity()`: returns its input unchanged (a placeholder, e.g. where a layer is optional)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Masking(Layer):
    """`Masking(mask_value=0.0)`: marks timesteps whose features all equal `mask_value` as padding.

    The output is the input with those timesteps zeroed, and carries the mask (batch, steps) that
    mask-aware layers downstream (RNNs, pooling) use to skip them.

    >>> import cornu as tf
    >>> x = tf.constant([[[1.0, 2.0], [0.0, 0.0]]])
    >>> tf.keras.layers.Masking().compute_mask(x).numpy().tolist()
    [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return reduce_ops.reduce_any(math_ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = reduce_ops.reduce_any(math_ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * math_ops.cast(keep, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(mask_value=self.mask_value)
        return config


def _function_config(fn):
    """A function stored by name only (never its code): {'module', 'class_name': 'function',
    'config': name, 'registered_name'}, as Keras writes named functions."""
    name = getattr(fn, "__name__", None)
    if name is None:
        raise ValueError(f"Lambda: cannot store {fn!r} in a config: it has no __name__; use a function "
                         "defined with `def`")
    builtin = activations.get(name) if name in _ACTIVATION_NAMES else None
    if builtin is fn:
        return name
    return {"module": getattr(fn, "__module__", None), "class_name": "function", "config": name,
            "registered_name": name}


_ACTIVATION_NAMES = ("relu", "leaky_relu", "relu6", "softmax", "elu", "selu", "softplus", "softsign", "silu",
                     "gelu", "tanh", "sigmoid", "exponential", "hard_sigmoid", "hard_silu", "linear", "mish",
                     "log_softmax", "crelu", "swish", "hard_swish")


def _function_from_config(config, custom_objects, what):
    """The function a config names: from custom_objects, keras activations, or a module that is already
    imported. Nothing is imported and no code is read from the config."""
    if callable(config):
        return config
    if isinstance(config, str):
        name, module = config, None
    elif isinstance(config, dict):
        name, module = config.get("config"), config.get("module")
        if not isinstance(name, str):  # e.g. Keras's "__lambda__" entries, which hold bytecode
            raise ValueError(f"Lambda: cannot restore {what} from {config!r}: only functions stored by name "
                             "can be loaded (no code is ever read from a config)")
    else:
        raise ValueError(f"Lambda: cannot restore {what} from {config!r}")
    custom_objects = custom_objects or {}
    if name in custom_objects:
        return custom_objects[name]
    if name in _ACTIVATION_NAMES:
        return activations.get(name)
    fn = getattr(sys.modules.get(module), name, None) if module and name != "<lambda>" else None
    if callable(fn):
        return fn
    hint = ("it is an anonymous lambda, so it has no name to find it by: define it with `def` and "
            "pass it in custom_objects" if name == "<lambda>" else
            f"pass custom_objects={{{name!r}: {name}}} (or import module {module!r} first)")
    raise ValueError(f"Lambda: cannot find the {what} {name!r} to restore the layer: {hint}")


class Lambda(Layer):
    """`Lambda(function, output_shape=None, mask=None, arguments=None)`: wraps `function(inputs,
    **arguments)` as a layer (it may also take `mask` and `training` arguments).

    `output_shape` (without the batch dimension, or a function of the input shape) lets a model be built
    without running `function` on symbolic inputs. `get_config` stores the function by name only, so a
    saved model with a Lambda layer loads only where that function can be found by name (pass it in
    `custom_objects`); anonymous lambdas cannot be restored (no code is ever stored or run from a file).

    >>> import cornu as tf
    >>> tf.keras.layers.Lambda(lambda x: x * 2)(tf.constant([[1.0, 2.0]])).numpy()
    array([[2., 4.]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params

    def call(self, inputs, mask=None, training=None):
        if self._output_shape is not None and any(is_keras_tensor(t) for t in nest.flatten(inputs)):
            # building a model: the declared shape says enough, and `function` may need real values
            shape = self.compute_output_shape(nest.map_structure(lambda t: tuple(t.shape), inputs))
            if isinstance(shape, list):
                return [SymbolicTensor(s, self._dtype) for s in shape]
            return SymbolicTensor(shape, self._dtype)
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape[0] if input_shape and isinstance(input_shape[0], (list, tuple)) else input_shape
        batch = first[0] if len(first) else None
        out = self._output_shape
        if isinstance(out, list) and out and isinstance(out[0], (list, tuple)):
            return [(batch,) + tuple(s) for s in out]
        return (batch,) + tuple(out)

    def get_config(self):
        config = super().get_config()
        config["function"] = _function_config(self.function)
        if self._output_shape is not None:
            config["output_shape"] = (_function_config(self._output_shape) if callable(self._output_shape)
                                      else self._output_shape)
        if self.mask is not None:
            config["mask"] = _function_config(self.mask) if callable(self.mask) else None
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["function"] = _function_from_config(config["function"], custom_objects, "function")
        shape = config.get("output_shape")
        if isinstance(shape, (dict, str)):
            config["output_shape"] = _function_from_config(shape, custom_objects, "output_shape function")
        if isinstance(config.get("mask"), (dict, str)):
            config["mask"] = _function_from_config(config["mask"], custom_objects, "mask function")
        return cls(**config)
