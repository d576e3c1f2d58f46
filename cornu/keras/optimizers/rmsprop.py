"""RMSprop (Hinton, 2012), plain or centered, with optional momentum, as Keras 3."""
from ...ops import math_ops as M
from .base import Optimizer


class RMSprop(Optimizer):
    """RMSprop.

    `v = rho * v + (1 - rho) * g^2`; centered: also `a = rho * a + (1 - rho) * g` and the denominator
    is `sqrt(v - a^2 + epsilon)`, else `sqrt(v + epsilon)`. `increment = lr * g / denominator`; with
    `momentum > 0`: `mom = momentum * mom + increment`, `w -= mom`; else `w -= increment`.

    >>> import cornu as tf
    >>> w = tf.Variable(10.0)
    >>> _ = tf.keras.optimizers.RMSprop(learning_rate=0.1).minimize(lambda: w * w / 2.0, [w])
    >>> round(float(w), 5)
    9.68377
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = self.add_optimizer_variables(var_list, "momentum") if self.momentum > 0 else []
        self._average_gradients = (self.add_optimizer_variables(var_list, "average_gradient")
                                   if self.centered else [])

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._per_step(("lr", dtype), lambda: M.cast(learning_rate, dtype))
        rho, one_minus_rho, epsilon = self._constants(dtype, self.rho, 1.0 - self.rho, self.epsilon)
        index = self._get_variable_index(variable)
        velocity = self._velocities[index]
        velocity.assign(velocity * rho + M.square(gradient) * one_minus_rho)
        if self.centered:
            average_grad = self._average_gradients[index]
            average_grad.assign(average_grad * rho + gradient * one_minus_rho)
            denominator = velocity - M.square(average_grad) + epsilon
        else:
            denominator = velocity + epsilon
        increment = lr * gradient / M.sqrt(denominator)
        if self.momentum > 0:
            momentum = self._momentums[index]
            momentum.assign(momentum * float(self.momentum) + increment)
            variable.assign_sub(momentum)
        else:
            variable.assign_sub(increment)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
