"""Layer: the unit models are made of — weights, a `call`, and Keras's calling conventions.

Calling a layer builds it on first use (`build(input_shape)`), checks its input against `input_spec`,
passes `training`/`mask` through when `call` accepts them, collects activity-regularization losses,
and, on symbolic inputs (Keras functional API), records a node so the model can replay it.
"""
import inspect
import re
import threading

from ...backend import dtypes
from ...core import nest
from ...core.shape import TensorShape
from ...core.symbolic import SymbolicTensor, is_keras_tensor
from ...core.tensor import Tensor, convert_to_tensor
from ...core.variable import Variable

_names = {}
_context = threading.local()


def unique_name(base):
    """'dense', 'dense_1', ... — Keras's automatic layer names."""
    count = _names.get(base, 0)
    _names[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    _names.clear()


def snake_case(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def call_context_training():
    """The `training` value of the outermost layer call in progress (None outside any call)."""
    return getattr(_context, "training", None)


class InputSpec:
    """What a layer accepts: dtype, ndim / min_ndim / max_ndim, and fixed sizes of given axes."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None):
        self.dtype, self.shape = dtype, shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}


class Node:
    """A layer called on symbolic tensors: replaying it calls the layer on real ones."""

    __slots__ = ("layer", "args", "kwargs", "inputs", "outputs")

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs = layer, args, kwargs
        self.inputs = tuple(t for t in nest.flatten((args, kwargs)) if isinstance(t, SymbolicTensor))
        self.outputs = tuple(outputs)

    def run(self, values, training=None):
        """Call the layer with real tensors substituted for self.inputs (in order)."""
        lookup = {id(s): v for s, v in zip(self.inputs, values)}
        args, kwargs = nest.map_structure(
            lambda t: lookup.get(id(t), t) if isinstance(t, SymbolicTensor) else t, (self.args, self.kwargs))
        if training is not None and self.layer._call_accepts("training") and "training" not in kwargs:
            kwargs = dict(kwargs, training=training)
        return tuple(nest.flatten(self.layer(*args, **kwargs)))


class Layer:
    """Base class of all layers (Keras's `keras.layers.Layer`).

    Subclasses create weights in `build(input_shape)` with `add_weight` and compute in
    `call(inputs, training=None, mask=None)`.

    >>> import cornu as tf
    >>> class Scale(tf.keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(tf.ones((2, 3))).shape
    TensorShape([2, 3])
    """

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None,
                 input_shape=None, batch_input_shape=None, input_dim=None, batch_size=None,
                 autocast=True, **kwargs):
        kwargs.pop("dynamic", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}")
        object.__setattr__(self, "_layers", [])
        self.name = name or unique_name(snake_case(type(self).__name__))
        self._dtype = dtypes.as_dtype(dtype.get("config", {}).get("name", "float32")
                                      if isinstance(dtype, dict) else (dtype or "float32"))
        self._trainable = bool(trainable)
        self._autocast = autocast
        self.built = False
        self.input_spec = None
        self.supports_masking = getattr(self, "supports_masking", False)
        self._weights = []
        self._activity_losses = []
        self._added_losses = []
        self._inbound_nodes = []
        from .. import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            self._batch_input_shape = None
        self._call_params = None

    # -- attribute tracking ----------------------------------------------------------------------
    def __setattr__(self, name, value):
        if name != "_layers" and "_layers" in self.__dict__:
            for item in (value if isinstance(value, (list, tuple)) else [value]):
                if isinstance(item, Layer) and item is not self and not any(item is l for l in self._layers):
                    self._layers.append(item)
        object.__setattr__(self, name, value)

    @property
    def dtype(self):
        return self._dtype.name

    @property
    def compute_dtype(self):
        return self._dtype.name

    @property
    def variable_dtype(self):
        return self._dtype.name

    # -- weights -----------------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, **kwargs):
        """Create a weight Variable owned by this layer (glorot_uniform for floats by default, zeros
        otherwise, as in Keras)."""
        from .. import constraints, initializers, regularizers
        dtype = dtypes.as_dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        init = initializers.get(initializer)
        shape = tuple(int(d) for d in (shape or ()))
        # a callable initial value is evaluated eagerly even when the layer is built inside a trace
        variable = Variable(lambda: init(shape, dtype=dtype), trainable=trainable, name=f"{self.name}/{name or 'variable'}",
                            dtype=dtype, constraint=constraints.get(constraint))
        variable._layer_path_name = name or "variable"
        variable._regularizer = regularizers.get(regularizer)
        self._weights.append(variable)
        return variable

    def _flat_layers(self):
        out = []
        for layer in self._layers:
            out.append(layer)
            out.extend(layer._flat_layers())
        return out

    def _all_weights(self):
        seen, out = set(), []
        for v in self._weights + [w for layer in self._layers for w in layer._all_weights()]:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        own = [v for v in self._weights if v.trainable]
        seen = {id(v) for v in own}
        for layer in self._layers:
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    own.append(v)
        return own

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        trainable_ids = {id(v) for v in self.trainable_weights}
        return [v for v in self._all_weights() if id(v) not in trainable_ids]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a layer freezes every layer inside it (transfer learning)."""
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(f"Layer {self.name}: set_weights got {len(weights)} arrays but the layer has "
                             f"{len(params)} weights ({[v.name for v in params]})")
        for v, w in zip(params, weights):
            w = convert_to_tensor(w, dtype=v.dtype) if not isinstance(w, Tensor) else w
            if tuple(w.shape) != tuple(v.shape):
                raise ValueError(f"Layer {self.name}: weight {v.name} has shape {tuple(v.shape)} but the "
                                 f"given array has shape {tuple(w.shape)}")
            v.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(f"Layer {self.name} is not built yet, so its weights do not exist: call it "
                             "on data or build it first")
        total = 0
        for v in self.weights:
            n = 1
            for d in v.shape:
                n *= d
            total += n
        return total

    # -- losses ------------------------------------------------------------------------------------
    def add_loss(self, loss):
        self._added_losses.append(loss)

    @property
    def losses(self):
        """Activity and added losses from the latest call, plus weight-regularization losses (computed
        now, so they follow the current weights)."""
        out = list(self._activity_losses) + list(self._added_losses)
        for v in self._weights:
            reg = getattr(v, "_regularizer", None)
            if reg is not None and (v.trainable and self._trainable):
                out.append(reg(v))
        for layer in self._layers:
            out.extend(layer.losses)
        return out

    def _clear_losses(self):
        self._activity_losses = []
        self._added_losses = []
        for layer in self._layers:
            layer._clear_losses()

    # -- building and calling ----------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def _call_accepts(self, arg):
        if self._call_params is None:
            params = inspect.signature(self.call).parameters
            self._call_params = (set(params), any(p.kind is p.VAR_KEYWORD for p in params.values()))
        names, var_kw = self._call_params
        return arg in names or var_kw

    def _maybe_build(self, inputs):
        if self.built:
            return
        self.build(nest.map_structure(lambda t: TensorShape(t.shape), inputs))
        self.built = True

    def __call__(self, *args, **kwargs):
        if not args:
            raise ValueError(f"Layer {self.name} was called without inputs")
        inputs = args[0]
        if isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(leaf, (int, float, bool)) for leaf in nest.flatten(inputs)):
            inputs = convert_to_tensor(inputs)  # nested Python numbers are one tensor, not a structure
        inputs = nest.map_structure(self._standardize_input, inputs)
        args = (inputs,) + args[1:]
        symbolic = any(is_keras_tensor(t) for t in nest.flatten((args, kwargs)))
        self._assert_input_compatibility(inputs)
        if not self.built:
            self._maybe_build(inputs)
        # training: explicit value, else the enclosing call's, else the layer's default (False)
        training = kwargs.get("training")
        outer = call_context_training()
        if training is None:
            training = outer
        if self._call_accepts("training"):
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        # mask: explicit, else the masks the inputs carry; compute_mask sees it even when call doesn't
        input_mask = kwargs.get("mask")
        if input_mask is None:
            masks = [getattr(t, "_keras_mask", None) if isinstance(t, Tensor) else None
                     for t in nest.flatten(inputs)]
            if any(m is not None for m in masks):
                input_mask = masks[0] if len(masks) == 1 else nest.pack_sequence_as(inputs, masks)
        if self._call_accepts("mask"):
            if input_mask is not None:
                kwargs["mask"] = input_mask
        else:
            kwargs.pop("mask", None)
        previous = outer
        _context.training = training
        try:
            self._activity_losses = []
            outputs = self.call(*args, **kwargs)
        finally:
            _context.training = previous
        if self.activity_regularizer is not None and not symbolic:
            for out in nest.flatten(outputs):
                batch = out.shape[0] or 1
                self._activity_losses.append(self.activity_regularizer(out) / batch)
        mask = self.compute_mask(inputs, input_mask) if (self.supports_masking or type(
            self).compute_mask is not Layer.compute_mask) else None
        if symbolic:
            outputs = self._record_node(args, kwargs, outputs)
        if mask is not None:
            for out, m in zip(nest.flatten(outputs), nest.flatten(mask) if isinstance(mask, (list, tuple))
                              else [mask] * len(nest.flatten(outputs))):
                if isinstance(out, Tensor):
                    out._keras_mask = m
        return outputs

    def _standardize_input(self, t):
        """Arrays become tensors; floating inputs are cast to the layer's dtype (Keras's autocast)."""
        if not isinstance(t, Tensor):
            if not _is_array_like(t):
                return t
            t = convert_to_tensor(t)
        if self._autocast and t.dtype.is_floating and t.dtype != self._dtype and self._dtype.is_floating:
            from ...ops.math_ops import cast
            t = cast(t, self._dtype)
        return t

    def _record_node(self, args, kwargs, outputs):
        flat = nest.flatten(outputs)
        fresh = [SymbolicTensor(o.shape, o.dtype, None, i, name=f"{self.name}/output_{i}")
                 if isinstance(o, Tensor) else o for i, o in enumerate(flat)]
        node = Node(self, args, {k: v for k, v in kwargs.items() if k != "training"}, fresh)
        for t in fresh:
            if isinstance(t, SymbolicTensor):
                t.node = node
        self._inbound_nodes.append(node)
        return nest.pack_sequence_as(outputs, fresh)

    def _assert_input_compatibility(self, inputs):
        spec = self.input_spec
        if spec is None:
            return
        specs = spec if isinstance(spec, (list, tuple)) else [spec]
        flat = [t for t in nest.flatten(inputs)]
        if len(specs) != len(flat) and len(specs) != 1:
            raise ValueError(f"Layer {self.name} expects {len(specs)} input(s), but it received "
                             f"{len(flat)} input tensors")
        for i, (s, x) in enumerate(zip(specs * (len(flat) if len(specs) == 1 else 1), flat)):
            if s is None or not isinstance(x, Tensor):
                continue
            shape = tuple(x.shape)
            where = f"Input {i} of layer \"{self.name}\" is incompatible with the layer: "
            if s.ndim is not None and len(shape) != s.ndim:
                raise ValueError(where + f"expected ndim={s.ndim}, found ndim={len(shape)}. Full shape "
                                 f"received: {shape}")
            if s.min_ndim is not None and len(shape) < s.min_ndim:
                raise ValueError(where + f"expected min_ndim={s.min_ndim}, found ndim={len(shape)}. Full "
                                 f"shape received: {shape}")
            if s.max_ndim is not None and len(shape) > s.max_ndim:
                raise ValueError(where + f"expected max_ndim={s.max_ndim}, found ndim={len(shape)}. Full "
                                 f"shape received: {shape}")
            for axis, size in s.axes.items():
                if size is not None and len(shape) > abs(axis) - (axis < 0) and shape[axis] not in (size, None):
                    raise ValueError(where + f"expected axis {axis} of input shape to have value {size}, "
                                     f"but received input with shape {shape}")

    def call(self, inputs, *args, **kwargs):
        return inputs

    def compute_mask(self, inputs, mask=None):
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """Output shape for an input shape, found by calling the layer on a symbolic input."""
        def make(shape):
            return SymbolicTensor(tuple(shape), self._dtype)
        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
            symbolic = [make(s) for s in input_shape]
        else:
            symbolic = make(input_shape)
        out = self(symbolic)
        return nest.map_structure(lambda t: TensorShape(t.shape), out)

    # -- config ------------------------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def set_kernel_bias_args(layer, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         kernel_constraint, bias_constraint):
    """Resolve a kernel-and-bias layer's initializer/regularizer/constraint arguments (by name or object)."""
    from .. import constraints, initializers, regularizers
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def kernel_bias_config(layer):
    """The config entries of a layer with a kernel and a bias (Dense, Conv*): initializers,
    regularizers and constraints, serialized the Keras way."""
    from .. import constraints, initializers, regularizers
    return dict(kernel_initializer=initializers.serialize(layer.kernel_initializer),
                bias_initializer=initializers.serialize(layer.bias_initializer),
                kernel_regularizer=regularizers.serialize(layer.kernel_regularizer),
                bias_regularizer=regularizers.serialize(layer.bias_regularizer),
                activity_regularizer=regularizers.serialize(layer.activity_regularizer),
                kernel_constraint=constraints.serialize(layer.kernel_constraint),
                bias_constraint=constraints.serialize(layer.bias_constraint))


def _is_array_like(x):
    return hasattr(x, "__array__") or isinstance(x, (int, float, list))
