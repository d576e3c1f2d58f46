"""Nadam: Adam with Nesterov momentum (Dozat, 2015), as Keras 3."""
from ...ops import math_ops as M
from .base import Optimizer


class Nadam(Optimizer):
    """Nadam, with Keras's momentum schedule `u_t = beta_1 * (1 - 0.5 * 0.96^t)`.

    With `t = iterations + 1` and `U_t = u_1 * ... * u_t` (kept in a variable): `m += (g - m) *
    (1 - beta_1)`, `v += (g^2 - v) * (1 - beta_2)`,
    `m_hat = u_{t+1} * m / (1 - U_t * u_{t+1}) + (1 - u_t) * g / (1 - U_t)`,
    `w -= lr * m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="nadam", **kwargs):
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
        dtype = var_list[0].dtype if var_list else None
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype, name="u_product")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        # U_t is advanced once per step, before the variables are updated
        dtype = self._u_product.dtype
        step = M.cast(self.iterations + 1, dtype)
        self._u_product.assign(self._u_product * float(self.beta_1) * (1.0 - 0.5 * M.pow(0.96, step)))
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def _coefficients(self, dtype, learning_rate):
        """The step's scalars, once per step and dtype: m_hat = c_m * m + c_g * g, and
        1 - beta_2^t for v_hat."""
        def make():
            local_step = M.cast(self.iterations + 1, dtype)
            next_step = M.cast(self.iterations + 2, dtype)
            beta_1 = float(self.beta_1)
            u_t = beta_1 * (1.0 - 0.5 * M.pow(0.96, local_step))
            u_t_1 = beta_1 * (1.0 - 0.5 * M.pow(0.96, next_step))
            u_product_t = M.cast(self._u_product, dtype)
            u_product_t_1 = u_product_t * u_t_1
            c_m = u_t_1 / (1.0 - u_product_t_1)
            c_g = (1.0 - u_t) / (1.0 - u_product_t)
            return M.cast(learning_rate, dtype), c_m, c_g, 1.0 - M.pow(float(self.beta_2), local_step)
        return self._per_step(("nadam", dtype), make)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr, c_m, c_g, bias_correction_2 = self._coefficients(dtype, learning_rate)
        one_minus_beta_1, one_minus_beta_2, epsilon = self._constants(
            dtype, 1.0 - self.beta_1, 1.0 - self.beta_2, self.epsilon)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        m.assign_add((gradient - m) * one_minus_beta_1)
        v.assign_add((M.square(gradient) - v) * one_minus_beta_2)
        m_hat = m * c_m + gradient * c_g
        v_hat = v / bias_correction_2
        variable.assign_sub(m_hat * lr / (M.sqrt(v_hat) + epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
