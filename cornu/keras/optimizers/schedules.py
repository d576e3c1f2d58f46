"""Learning-rate schedules (`keras.optimizers.schedules`): callables from the optimizer step to a rate.

Each schedule is written with cornu ops on the step tensor (no Python branching on its value), so an
optimizer can evaluate it inside a compiled train step. Formulas and defaults follow Keras 3.

>>> import cornu as tf
>>> s = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> round(float(s(20)), 6)
0.025
"""
import math

from ...backend import dtypes
from ...core.tensor import Tensor, convert_to_tensor
from ...ops import math_ops as M
from .._serialization import deserialize_object, serialize_object


def _float(value):
    """A Python number or tensor as a floating tensor (Python floats and ints -> float32)."""
    t = value if isinstance(value, Tensor) else convert_to_tensor(value)
    return t if t.dtype.is_floating else M.cast(t, dtypes.float32)


def _step(step, dtype):
    return M.cast(step if isinstance(step, Tensor) else convert_to_tensor(step), dtype)


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` and `get_config()`.

    >>> import cornu as tf
    >>> class Halving(tf.keras.optimizers.schedules.LearningRateSchedule):
    ...     def __init__(self, lr):
    ...         self.lr = lr
    ...     def __call__(self, step):
    ...         return self.lr / (tf.cast(step, tf.float32) + 1)
    >>> opt = tf.keras.optimizers.SGD(learning_rate=Halving(0.1))
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_positive(value, name):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments and the progress
    `step / decay_steps`, floored with `staircase=True`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        _check_positive(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or type(self).__name__

    def _rate_and_progress(self, step):
        lr = _float(self.initial_learning_rate)
        p = _step(step, lr.dtype) / float(self.decay_steps)
        return lr, (M.floor(p) if self.staircase else p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; with `staircase=True` the exponent
    is floored, so the rate drops in steps."""

    def __call__(self, step):
        lr, p = self._rate_and_progress(step)
        return lr * M.pow(M.cast(convert_to_tensor(float(self.decay_rate)), lr.dtype), p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. "
                             f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                             f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = step if isinstance(step, Tensor) else convert_to_tensor(step)
        values = [v if isinstance(v, Tensor) else convert_to_tensor(v) for v in self.values]
        dtype = values[0].dtype
        values = [M.cast(v, dtype) for v in values]
        bounds = [M.cast(b if isinstance(b, Tensor) else convert_to_tensor(b), step.dtype)
                  for b in self.boundaries]
        # a sum of (step in interval) * value: no data-dependent branch, so it traces into a graph
        result = M.cast(M.less_equal(step, bounds[0]), dtype) * values[0]
        result = result + M.cast(M.greater(step, bounds[-1]), dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            inside = M.logical_and(M.greater(step, low), M.less_equal(step, high))
            result = result + M.cast(inside, dtype) * value
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end`; with
    `cycle=True` decay_steps is stretched to the first multiple of itself at or beyond `step`."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        lr = _float(self.initial_learning_rate)
        end = M.cast(_float(self.end_learning_rate), lr.dtype)
        step = _step(step, lr.dtype)
        decay_steps = M.cast(convert_to_tensor(float(self.decay_steps)), lr.dtype)
        if self.cycle:
            multiplier = M.where(M.equal(step, 0.0), M.ones_like(step), M.ceil(step / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = M.minimum(step, decay_steps)
        p = step / decay_steps
        return (lr - end) * M.pow(1.0 - p, float(self.power)) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(_StepDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (the quotient floored with
    `staircase=True`)."""

    def __call__(self, step):
        lr, p = self._rate_and_progress(step)
        return lr / (1.0 + p * float(self.decay_rate))


class CosineDecay(LearningRateSchedule):
    """Cosine decay (SGDR without restarts), with an optional linear warmup.

    Without `warmup_target`: `lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) /
    decay_steps)) + alpha)`. With it, the rate first rises linearly from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`, then decays from `warmup_target` the same way.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_steps, decay_from):
        cosine = 0.5 * (1.0 + M.cos(step / decay_steps * math.pi))
        return decay_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        lr = _float(self.initial_learning_rate)
        step = _step(step, lr.dtype)
        decay_steps = float(self.decay_steps)
        if self.warmup_target is None:
            return self._decay(M.minimum(step, decay_steps), decay_steps, lr)
        target = M.cast(_float(self.warmup_target), lr.dtype)
        warmup_steps = float(self.warmup_steps)
        step = M.minimum(step, decay_steps + warmup_steps)
        # both branches are computed and `where` picks one (as a graph would); max(.., 1) keeps the
        # unused warmup branch finite when warmup_steps is 0
        warm = (target - lr) * (step / max(warmup_steps, 1.0)) + lr
        decayed = self._decay(step - warmup_steps, decay_steps, target)
        return M.where(M.less(step, warmup_steps), warm, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): the i-th period lasts `first_decay_steps * t_mul**i`
    steps and starts from `initial_learning_rate * m_mul**i`."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_positive(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        lr = _float(self.initial_learning_rate)
        fraction = _step(step, lr.dtype) / float(self.first_decay_steps)
        t_mul, m_mul = float(self._t_mul), float(self._m_mul)
        if t_mul == 1.0:
            i_restart = M.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = M.floor(M.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - M.pow(M.cast(convert_to_tensor(t_mul), lr.dtype), i_restart)) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / M.pow(M.cast(convert_to_tensor(t_mul), lr.dtype), i_restart)
        m_fac = M.pow(M.cast(convert_to_tensor(m_mul), lr.dtype), i_restart)
        cosine = 0.5 * m_fac * (1.0 + M.cos(fraction * math.pi))
        return lr * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul, "m_mul": self._m_mul,
                "alpha": self.alpha, "name": self.name}


_OBJECTS = {cls.__name__: cls for cls in (LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay,
                                          PolynomialDecay, InverseTimeDecay, CosineDecay,
                                          CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """`{'module': 'keras.optimizers.schedules', 'class_name': ..., 'config': ..., 'registered_name': None}`."""
    return serialize_object(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None):
    """A schedule from `serialize`'s dict (or a legacy `{'class_name', 'config'}` dict)."""
    return deserialize_object(config, _OBJECTS, custom_objects, what="learning rate schedule")
