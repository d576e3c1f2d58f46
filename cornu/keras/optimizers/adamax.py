"""Adamax: Adam with the infinity norm, as Keras 3."""
from ...ops import math_ops as M
from .base import Optimizer


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2014, section 7.1).

    With `t = iterations + 1`: `m += (g - m) * (1 - beta_1)`, `u = max(beta_2 * u, |g|)`,
    `w -= lr * m / ((1 - beta_1^t) * (u + epsilon))`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr, bias_correction = self._per_step(("adamax", dtype), lambda: (
            M.cast(learning_rate, dtype),
            1.0 - M.pow(float(self.beta_1), M.cast(self.iterations + 1, dtype))))
        one_minus_beta_1, beta_2, epsilon = self._constants(dtype, 1.0 - self.beta_1, self.beta_2,
                                                            self.epsilon)
        index = self._get_variable_index(variable)
        m, u = self._m[index], self._u[index]
        m.assign_add((gradient - m) * one_minus_beta_1)
        u.assign(M.maximum(u * beta_2, M.abs(gradient)))
        variable.assign_sub(lr * m / (bias_correction * (u + epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
