"""Adagrad (Duchi et al., 2011), as Keras 3."""
from ...ops import math_ops as M
from .. import initializers
from .base import Optimizer


class Adagrad(Optimizer):
    """Adagrad: `acc += g^2` (acc starts at `initial_accumulator_value`),
    `w -= lr * g / sqrt(acc + epsilon)`."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=initializers.Constant(self.initial_accumulator_value))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._per_step(("lr", dtype), lambda: M.cast(learning_rate, dtype))
        (epsilon,) = self._constants(dtype, self.epsilon)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        accumulator.assign_add(M.square(gradient))
        variable.assign_sub(lr * gradient / M.sqrt(accumulator + epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
