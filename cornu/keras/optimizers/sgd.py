"""SGD: gradient descent with optional (Nesterov) momentum, as Keras 3."""
from ...core.registry import apply
from ...ops import math_ops as M
from ...ops import training_ops
from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent (with momentum).

    `momentum == 0`: `w -= learning_rate * g`. Otherwise `velocity = momentum * velocity -
    learning_rate * g`, then `w += velocity`, or with `nesterov=True`
    `w += momentum * velocity - learning_rate * g`.

    >>> import cornu as tf
    >>> w = tf.Variable(1.0)
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant(2.0), w)])
    >>> round(float(w), 6)
    0.8
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (float, int)) or not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = self._per_step(("lr", dtype), lambda: M.cast(learning_rate, dtype))
        if self.momentum != 0:
            m = self.momentums[self._get_variable_index(variable)]
            if dtype.is_floating:  # one fused, multi-threaded kernel per variable
                apply(training_ops.sgd_momentum_update_op, (gradient, lr),
                      {"variable": variable, "m": m, "momentum": float(self.momentum),
                       "nesterov": bool(self.nesterov)})
                return
            (momentum,) = self._constants(dtype, self.momentum)
            step = gradient * lr
            m.assign(m * momentum - step)
            if self.nesterov:
                variable.assign_add(m * momentum - step)
            else:
                variable.assign_add(m)
        else:
            variable.assign_sub(gradient * lr)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
