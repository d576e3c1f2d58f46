"""Adadelta (Zeiler, 2012), as Keras 3."""
from ...ops import math_ops as M
from .base import Optimizer


class Adadelta(Optimizer):
    """Adadelta, with a learning rate (1.0 reproduces the paper).

    `Eg = rho * Eg + (1 - rho) * g^2`, `delta = -sqrt(Ed + epsilon) / sqrt(Eg + epsilon) * g`,
    `Ed = rho * Ed + (1 - rho) * delta^2`, `w += lr * delta`.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads = self.add_optimizer_variables(var_list, "accumulated_grad")
        self._accumulated_delta_vars = self.add_optimizer_variables(var_list, "accumulated_delta_var")

    def update_step(self, grad, variable, learning_rate):
        dtype = variable.dtype
        lr = self._per_step(("lr", dtype), lambda: M.cast(learning_rate, dtype))
        rho, one_minus_rho, epsilon = self._constants(dtype, self.rho, 1.0 - self.rho, self.epsilon)
        index = self._get_variable_index(variable)
        accumulated_grad = self._accumulated_grads[index]
        accumulated_delta_var = self._accumulated_delta_vars[index]
        accumulated_grad.assign(accumulated_grad * rho + M.square(grad) * one_minus_rho)
        delta_var = -(M.sqrt(accumulated_delta_var + epsilon) * grad / M.sqrt(accumulated_grad + epsilon))
        accumulated_delta_var.assign(accumulated_delta_var * rho + M.square(delta_var) * one_minus_rho)
        variable.assign_add(lr * delta_var)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
