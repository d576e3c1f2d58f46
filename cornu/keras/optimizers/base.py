"""Optimizer: the base class of Keras 3's optimizers (`keras.optimizers.Optimizer`).

One `apply` does, in Keras's order: drop None gradients, unscale (`loss_scale_factor`), clip
(`clipnorm`, `clipvalue` or `global_clipnorm`), decoupled weight decay (`var -= var * wd * lr`),
the subclass's `update_step` for each variable, the EMA of the weights (`use_ema`), `iterations += 1`,
and finally each variable's `constraint`.

Every update is written with cornu ops and `Variable.assign*`, never with `.numpy()`, so a compiled
train step can trace it into the same graph as the forward and backward pass.

Writing an optimizer: override `build(var_list)` (call `super().build(var_list)`, then create slots
with `add_variable_from_reference` / `add_optimizer_variables`), `update_step(gradient, variable,
learning_rate)` and `get_config()`.

>>> import cornu as tf
>>> w = tf.Variable(10.0)
>>> opt = tf.keras.optimizers.SGD(learning_rate=0.1)
>>> _ = opt.minimize(lambda: w * w / 2.0, [w])
>>> float(w)
9.0
"""
import re
import warnings

from ...backend import dtypes
from ...core import nest
from ...core.gradient_tape import GradientTape
from ...core.tensor import Tensor, convert_to_tensor
from ...core.variable import Variable
from ...ops import math_ops as M
from ...ops import reduce_ops as Rd
from .. import initializers
from . import schedules


def _snake_case(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


class Optimizer:
    """Base class of the optimizers.

    Args:
        learning_rate: a float, a `LearningRateSchedule` (evaluated at `iterations` on each step), or
            a callable with no arguments returning the rate.
        weight_decay: if set, each step first does `var -= var * weight_decay * learning_rate`.
        clipnorm / clipvalue / global_clipnorm: clip each gradient's norm, each gradient's values, or
            the norm of all gradients together (at most one of the three).
        use_ema, ema_momentum, ema_overwrite_frequency: keep an exponential moving average of the
            weights (`finalize_variable_values` copies it into them).
        loss_scale_factor: gradients are divided by it (`scale_loss` multiplies the loss by it).
        name: the optimizer's name (prefix of its variables' names).
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if "lr" in kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}. Use `learning_rate=` instead of `lr=`.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps:
            if not gradient_accumulation_steps >= 2:
                raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                                 f"gradient_accumulation_steps={gradient_accumulation_steps}")
            raise NotImplementedError("cornu optimizers do not support gradient_accumulation_steps yet")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: "
                                 f"ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                                 f"ema_overwrite_frequency={ema_overwrite_frequency}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                             f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.name = name if name is not None else _snake_case(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._step_cache = None  # scalars shared by the variables during one apply()
        self._iterations = self._track(Variable(0, dtype=dtypes.int64, trainable=False,
                                                name=f"{self.name}/iteration"))
        if isinstance(learning_rate, schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Tensor)):
            self._learning_rate = learning_rate
        else:
            self._learning_rate = self._track(Variable(_lr_float(learning_rate), dtype=dtypes.float32,
                                                       trainable=False, name=f"{self.name}/learning_rate"))

    # -- state ---------------------------------------------------------------------------------
    def _track(self, variable):
        self._variables.append(variable)
        return variable

    @property
    def iterations(self):
        """The number of steps applied so far: an int64 non-trainable Variable."""
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.assign(M.cast(convert_to_tensor(value), dtypes.int64))

    @property
    def variables(self):
        """All of the optimizer's variables (iterations, learning rate, then slots in creation order)."""
        return self._variables[:]

    def _get_current_learning_rate(self):
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if callable(self._learning_rate) and not isinstance(self._learning_rate, Variable):
            return self._learning_rate()
        return self._learning_rate

    @property
    def learning_rate(self):
        """The rate for the next step: the learning-rate Variable, or the schedule's value now.

        Settable: a float is assigned to the Variable (so callbacks can change it mid-training);
        a schedule or callable replaces it.
        """
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        previous = self._learning_rate if isinstance(self._learning_rate, Variable) else None
        if isinstance(learning_rate, schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Tensor)):
            self._learning_rate = learning_rate
        elif isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(_lr_float(learning_rate))
        elif isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its "
                            "`learning_rate` constructor argument, hence its learning rate is not "
                            "settable. If you need the learning rate to be settable, you should "
                            "instantiate the optimizer with a float `learning_rate` argument.")
        else:  # a callable was set before: go back to a Variable
            self._learning_rate = self._track(Variable(_lr_float(learning_rate), dtype=dtypes.float32,
                                                       trainable=False, name=f"{self.name}/learning_rate"))
        if previous is not None and not isinstance(self._learning_rate, Variable):
            self._variables = [v for v in self._variables if v is not previous]

    # tf.keras 2's name for it, still used by many TF2 callbacks (`K.set_value(opt.lr, 1e-3)`)
    lr = learning_rate

    @property
    def current_learning_rate(self):
        """The rate the next step will use, as a Python float (for logs and callbacks; not for use
        inside a compiled step)."""
        return float(self._get_current_learning_rate())

    # -- building --------------------------------------------------------------------------------
    def build(self, variables):
        """Remember the variables this optimizer updates; subclasses then create their slots."""
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = [
                self.add_variable_from_reference(v, name="average") for v in variables]
        for i, variable in enumerate(variables):
            self._trainable_variables_indices[self._var_key(variable)] = i
        self._trainable_variables = variables[:]
        self.built = True

    def _var_key(self, variable):
        return id(variable)

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[self._var_key(variable)]

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="mean", name=None):
        """A new non-trainable optimizer variable (tracked in `variables`)."""
        init = initializers.get(initializer)
        dtype = dtypes.float32 if dtype is None else dtypes.as_dtype(dtype)
        value = init(tuple(int(d) for d in shape), dtype=dtype)
        return self._track(Variable(value, trainable=False, dtype=dtype,
                                    name=f"{self.name}/{name or 'variable'}"))

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped and typed like `reference_variable` (zeros unless `initializer` says)."""
        base = str(reference_variable.name).split(":")[0].replace("/", "_")
        return self.add_variable(shape=reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=f"{base}_{name or 'var'}")

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable (a list); with a list of names, one such list per name."""
        if isinstance(name, (list, tuple)):
            return tuple(self.add_optimizer_variables(trainable_variables, n, initializer) for n in name)
        return [self.add_variable_from_reference(v, name=name, initializer=initializer)
                for v in trainable_variables]

    def _check_variables_are_known(self, variables):
        for v in variables:
            if self._var_key(v) not in self._trainable_variables_indices:
                raise ValueError(f"Unknown variable: {v.name}. This optimizer can only be called for the "
                                 "variables it was originally built with. When working with a new set "
                                 "of variables, you should recreate a new optimizer instance (or call "
                                 "`optimizer.build(all_variables)` before the first step).")

    # -- applying ----------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False, **kwargs):
        """Apply `(gradient, variable)` pairs (a list, zip or generator); None gradients are skipped.

        Returns `iterations`, as tf.keras does.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update `trainable_variables` (default: those the optimizer was built with) from `grads`."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must already "
                                 "be built on a list of variables. Call `optimizer.build("
                                 "trainable_variables)` first.")
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError("When passing `grads` as a list of gradient tensors, the gradients must "
                                 f"match `optimizer.variables` one-to-one. Received a list of {len(grads)} "
                                 f"gradients, but the optimizer is tracking "
                                 f"{len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if len(grads) != len(trainable_variables):
                raise ValueError(f"Optimizer.apply: got {len(grads)} gradients for "
                                 f"{len(trainable_variables)} variables")
            if not self.built:
                self.build(trainable_variables)
                self.built = True
            self._check_variables_are_known(trainable_variables)
        grads, trainable_variables = self._filter_empty_gradients(grads, trainable_variables)
        grads = [_as_gradient(g, v) for g, v in zip(grads, trainable_variables)]
        if self.loss_scale_factor is not None:
            grads = [g / float(self.loss_scale_factor) for g in grads]
        self._backend_apply_gradients(grads, trainable_variables)
        for variable in trainable_variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable))

    def _backend_apply_gradients(self, grads, trainable_variables):
        self._step_cache = {}
        try:
            learning_rate = self.learning_rate  # a schedule is evaluated once per step
            grads = self._clip_gradients(grads)
            self._apply_weight_decay(trainable_variables, learning_rate)
            self._backend_update_step(grads, trainable_variables, learning_rate)
        finally:
            self._step_cache = None
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            if self.ema_overwrite_frequency:
                # no data-dependent branch: every `frequency` steps `where` picks the average
                overwrite = M.equal(M.floormod(self._iterations + 1, self.ema_overwrite_frequency), 0)
                for var, average in zip(self._trainable_variables, self._model_variables_moving_average):
                    var.assign(M.where(overwrite, average, var))
        self._iterations.assign_add(1)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        for grad, var in zip(grads, trainable_variables):
            self.update_step(grad, var, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """Update one variable from its (clipped, cast) gradient; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step()")

    def _per_step(self, key, make):
        """`make()`, computed once per step and shared by the variables (e.g. bias corrections of one
        dtype): scalar work then costs a few ops per step, not per variable."""
        cache = getattr(self, "_step_cache", None)
        if cache is None:  # called outside apply(): nothing to share
            return make()
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def _constants(self, dtype, *values):
        """Python hyperparameters as 0-d tensors of `dtype`, made once per step (tensor-tensor ops take
        the fast path of the dispatcher)."""
        return self._per_step(("constants", dtype) + values,
                              lambda: tuple(convert_to_tensor(float(v), dtype=dtype) for v in values))

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of `loss` with respect to `var_list` and apply them.

        `loss` is a callable with no arguments (evaluated under a new tape) or a tensor computed under
        `tape`. `var_list` may be a callable returning the list. Returns `iterations`.
        """
        if not callable(loss) and tape is None:
            raise ValueError(f"`tape` is required when a `Tensor` loss is passed. Received: loss={loss}, "
                             f"tape={tape}.")
        if tape is None:
            tape = GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
                if callable(var_list):
                    var_list = var_list()
        elif callable(var_list):
            var_list = var_list()
        var_list = nest.flatten(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def scale_loss(self, loss):
        """The loss multiplied by `loss_scale_factor` (if set), before taking gradients."""
        if self.loss_scale_factor is not None:
            return loss * float(self.loss_scale_factor)
        return loss

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable: "
                             f"{[v.name for v in variables]}.")
        if len(kept) < len(grads):
            missing = [v.name for g, v in zip(grads, variables) if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. If "
                          "using `model.compile()`, did you forget to provide a `loss` argument?")
        return [g for g, _ in kept], [v for _, v in kept]

    # -- clipping and weight decay -----------------------------------------------------------------
    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            v = float(self.clipvalue)
            return [M.clip_by_value(g, -v, v) for g in grads]
        return grads

    def _clip_by_norm(self, values):
        """`values * clipnorm / max(norm(values), clipnorm)` (Keras's formula; NaN-free at 0)."""
        l2sum = Rd.reduce_sum(M.square(values))
        positive = M.greater(l2sum, 0)
        l2norm = M.where(positive, M.sqrt(M.where(positive, l2sum, M.ones_like(l2sum))), l2sum)
        return values * float(self.clipnorm) / M.maximum(l2norm, float(self.clipnorm))

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables from weight decay: these objects, or those whose name contains one of
        `var_names` (e.g. `['bias']`). Call before the optimizer is built."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer "
                             "is built.")
        self._exclude_from_weight_decay = {self._var_key(v) for v in (var_list or [])}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(re.escape(n) for n in set(var_names))) if var_names else None)

    def _use_weight_decay(self, variable):
        if self._var_key(variable) in getattr(self, "_exclude_from_weight_decay", set()):
            return False
        pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
        return pattern is None or pattern.search(variable.name) is None

    def _apply_weight_decay(self, variables, learning_rate=None):
        if self.weight_decay is None:
            return
        if learning_rate is None:
            learning_rate = self.learning_rate
        for variable in variables:
            if self._use_weight_decay(variable):
                dtype = variable.dtype
                decay = self._per_step(("weight_decay", dtype),
                                       lambda: M.cast(learning_rate, dtype) * float(self.weight_decay))
                variable.assign(variable - variable * decay)

    # -- EMA -----------------------------------------------------------------------------------------
    def _update_model_variables_moving_average(self, trainable_variables):
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            # the first step copies the weights: momentum 0 while iterations == 0
            momentum = M.cast(M.not_equal(self._iterations, 0), var.dtype) * float(self.ema_momentum)
            average.assign(momentum * average + (1.0 - momentum) * var)

    def finalize_variable_values(self, var_list):
        """With `use_ema`, copy the moving averages into the model's variables (end of training)."""
        if self.use_ema:
            if len(var_list) != len(self._model_variables_moving_average):
                raise ValueError(f"The length of model variables ({len(var_list)}) to override does not "
                                 "match the length of model variables stored in the optimizer "
                                 f"({len(self._model_variables_moving_average)}).")
            for var, average in zip(var_list, self._model_variables_moving_average):
                var.assign(average)

    # -- weights and config ------------------------------------------------------------------------
    def get_weights(self):
        return [v.numpy() for v in self._variables]

    def set_weights(self, weights):
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet been "
                             "built. Please call `optimizer.build(trainable_variables)` to create the "
                             "optimizer weights before calling `set_weights()`.")
        weights = list(weights)
        if len(weights) != len(self._variables):
            raise ValueError(f"set_weights: the optimizer has {len(self._variables)} variables, got "
                             f"{len(weights)} weights")
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(getattr(weight, "shape", ())):
                raise ValueError(f"Optimizer variable {variable.name} has shape {tuple(variable.shape)} "
                                 f"not compatible with provided weight shape "
                                 f"{tuple(getattr(weight, 'shape', ()))}.")
            variable.assign(M.cast(convert_to_tensor(weight), variable.dtype))

    def save_own_variables(self, store):
        """Write each variable's value into `store` under '0', '1', ... (Keras's saving protocol)."""
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self._variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self._variables)} variables whereas the saved optimizer has {len(store.keys())} "
                   "variables. ")
            if not self.built:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(self._variables):
            variable.assign(M.cast(convert_to_tensor(store[str(i)]), variable.dtype))

    def get_config(self):
        """The hyperparameters (not the state): `type(opt).from_config(opt.get_config())` is a fresh
        optimizer configured the same way."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(self._learning_rate)
        elif isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate.numpy())
        elif callable(self._learning_rate):
            learning_rate = self._learning_rate
        else:
            learning_rate = float(self._learning_rate)
        return {"name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._learning_rate_repr()}>"

    def _learning_rate_repr(self):
        if isinstance(self._learning_rate, Variable):
            return repr(float(self._learning_rate.numpy()))
        return type(self._learning_rate).__name__


def _lr_float(value):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"learning_rate must be a scalar, got shape {tuple(value.shape)}")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (float, int)):
        raise ValueError("Argument `learning_rate` should be float, or an instance of "
                         "LearningRateSchedule, or a callable (that takes in the current iteration value "
                         "and returns the corresponding learning rate value). Received instead: "
                         f"learning_rate={value!r}")
    return float(value)


def _as_gradient(grad, variable):
    """The gradient as a tensor of the variable's dtype and shape."""
    g = grad if isinstance(grad, Tensor) else convert_to_tensor(grad)
    if g.dtype != variable.dtype:
        g = M.cast(g, variable.dtype)
    if tuple(g.shape) != tuple(variable.shape):
        raise ValueError(f"Optimizer: the gradient for variable '{variable.name}' has shape "
                         f"{tuple(g.shape)}, but the variable has shape {tuple(variable.shape)}")
    return g


def global_norm(value_list):
    """`sqrt(sum of squares of every element of every tensor)` (None entries skipped)."""
    squares = [Rd.reduce_sum(M.square(v)) for v in value_list if v is not None]
    dtype = squares[0].dtype
    return M.sqrt(M.add_n([M.cast(s, dtype) for s in squares]))


def clip_by_global_norm(value_list, clip_norm):
    """Scale every tensor by `clip_norm / max(global_norm, clip_norm)`; NaN when the norm is not finite,
    as Keras."""
    use_norm = global_norm(value_list)
    scale = float(clip_norm) / M.maximum(use_norm, float(clip_norm)) + (use_norm - use_norm)
    return [v * M.cast(scale, v.dtype) if v is not None else v for v in value_list]

