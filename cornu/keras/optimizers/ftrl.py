"""FTRL-Proximal (McMahan et al., 2013), as Keras 3."""
from ...ops import math_ops as M
from .. import initializers
from .base import Optimizer


class Ftrl(Optimizer):
    """Follow The Regularized Leader, with online L1/L2 and shrinkage-type L2 regularization.

    With `p = -learning_rate_power`, `l2 = l2_regularization_strength + beta / (2 lr)` and
    `g' = g + 2 * l2_shrinkage_regularization_strength * w`:
    `n_new = n + g^2`, `z += g' - (n_new^p - n^p) / lr * w`,
    `w = (clip(z, -l1, l1) - z) / (n_new^p / lr + 2 * l2)`, `n = n_new`.
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be positive or zero. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=initializers.Constant(self.initial_accumulator_value))
        self._linears = self.add_optimizer_variables(var_list, "linear")

    def update_step(self, gradient, variable, learning_rate):
        lr = M.cast(learning_rate, variable.dtype)
        index = self._get_variable_index(variable)
        accum, linear = self._accumulators[index], self._linears[index]
        power = -float(self.learning_rate_power)
        l1 = float(self.l1_regularization_strength)
        l2_reg = float(self.l2_regularization_strength) + float(self.beta) / (2.0 * lr)
        grad_to_use = gradient + variable * (2.0 * float(self.l2_shrinkage_regularization_strength))
        new_accum = accum + M.square(gradient)
        new_accum_power = M.pow(new_accum, power)
        linear.assign_add(grad_to_use - (new_accum_power - M.pow(accum, power)) / lr * variable)
        quadratic = new_accum_power / lr + 2.0 * l2_reg
        linear_clipped = M.clip_by_value(linear, -l1, l1)
        variable.assign((linear_clipped - linear) / quadratic)
        accum.assign(new_accum)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
