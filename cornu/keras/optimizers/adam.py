"""Adam (with AMSGrad) and AdamW, as Keras 3."""
from ...core.registry import apply
from ...ops import math_ops as M
from ...ops import training_ops
from .base import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), in Keras's "epsilon hat" form.

    With `t = iterations + 1`: `m += (g - m) * (1 - beta_1)`, `v += (g^2 - v) * (1 - beta_2)`,
    `w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)`; with `amsgrad=True`
    the running maximum of v is used in place of v.

    >>> import cornu as tf
    >>> w = tf.Variable([1.0, 2.0])
    >>> _ = tf.keras.optimizers.Adam(learning_rate=0.1).apply_gradients([(tf.constant([1.0, -1.0]), w)])
    >>> [round(x, 4) for x in w.numpy().tolist()]
    [0.9, 2.1]
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _alpha(self, dtype, learning_rate):
        """`lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`, t = iterations + 1: once per step and dtype."""
        def make():
            local_step = M.cast(self.iterations + 1, dtype)
            beta_1_power = M.pow(float(self.beta_1), local_step)
            beta_2_power = M.pow(float(self.beta_2), local_step)
            return M.cast(learning_rate, dtype) * M.sqrt(1.0 - beta_2_power) / (1.0 - beta_1_power)
        return self._per_step(("alpha", dtype), make)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        alpha = self._alpha(dtype, learning_rate)
        one_minus_beta_1, one_minus_beta_2, epsilon = self._constants(
            dtype, 1.0 - self.beta_1, 1.0 - self.beta_2, self.epsilon)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        if not self.amsgrad and dtype.is_floating:  # one fused, multi-threaded kernel per variable
            apply(training_ops.adam_update_op, (gradient, alpha),
                  {"variable": variable, "m": m, "v": v, "one_minus_beta_1": 1.0 - self.beta_1,
                   "one_minus_beta_2": 1.0 - self.beta_2, "epsilon": float(self.epsilon)})
            return
        m.assign_add((gradient - m) * one_minus_beta_1)
        v.assign_add((M.square(gradient) - v) * one_minus_beta_2)
        if self.amsgrad:
            v_hat = self._velocity_hats[index]
            v_hat.assign(M.maximum(v_hat, v))
            v = v_hat
        variable.assign_sub(m * alpha / (M.sqrt(v) + epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): each step first does
    `w -= w * weight_decay * learning_rate` (default weight_decay=0.004), then Adam's update."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adamw", **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
