"""Learning-rate schedules checked against their formulas (computed here in plain Python) at many steps."""
import math

import numpy as np
import pytest

import cornu as tf
from cornu.keras.optimizers import schedules

STEPS = [0, 1, 2, 5, 9, 10, 11, 25, 99, 100, 101, 250, 1000]


def check(schedule, formula, steps=STEPS, rtol=1e-5):  # float32 arithmetic, as Keras
    for step in steps:
        expected = formula(step)
        for given in (step, tf.constant(step, tf.int64), tf.Variable(step, dtype=tf.int64)):
            got = schedule(given)
            assert isinstance(got, tf.Tensor) and got.shape == ()
            assert float(got) == pytest.approx(expected, rel=rtol, abs=1e-7), (type(schedule).__name__, step)


def test_exponential_decay():
    check(schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10))
    check(schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** (s // 10))
    check(schedules.ExponentialDecay(2.0, 3, 0.96), lambda s: 2.0 * 0.96 ** (s / 3))


def test_piecewise_constant_decay():
    sched = schedules.PiecewiseConstantDecay([10, 100], [1.0, 0.5, 0.1])

    def formula(s):
        return 1.0 if s <= 10 else 0.5 if s <= 100 else 0.1

    check(sched, formula)
    assert sched(5).dtype == tf.float32
    check(schedules.PiecewiseConstantDecay([5], [0.3, 0.2]), lambda s: 0.3 if s <= 5 else 0.2)
    with pytest.raises(ValueError, match="1 less than"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])


def test_inverse_time_decay():
    check(schedules.InverseTimeDecay(0.1, 10, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 10))
    check(schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 / (1 + 0.5 * (s // 10)))


def test_polynomial_decay():
    def formula(s, lr0=0.1, end=0.01, steps=100, power=1.0):
        s = min(s, steps)
        return (lr0 - end) * (1 - s / steps) ** power + end

    check(schedules.PolynomialDecay(0.1, 100, 0.01), formula)
    check(schedules.PolynomialDecay(0.1, 100, 0.01, power=0.5), lambda s: formula(s, power=0.5))
    sched = schedules.PolynomialDecay(0.1, 100)
    assert sched.end_learning_rate == 0.0001 and sched.power == 1.0 and sched.cycle is False

    def cyclic(s, lr0=0.1, end=0.01, steps=100, power=2.0):
        steps = steps * (1 if s == 0 else math.ceil(s / steps))
        return (lr0 - end) * (1 - s / steps) ** power + end

    check(schedules.PolynomialDecay(0.1, 100, 0.01, power=2.0, cycle=True), cyclic)


def test_cosine_decay():
    def formula(s, lr0=0.1, steps=100, alpha=0.0):
        s = min(s, steps)
        return lr0 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / steps)) + alpha)

    check(schedules.CosineDecay(0.1, 100), formula)
    check(schedules.CosineDecay(0.1, 100, alpha=0.2), lambda s: formula(s, alpha=0.2))


def test_cosine_decay_with_warmup():
    lr0, target, warmup, steps, alpha = 0.0, 0.2, 10, 100, 0.1

    def formula(s):
        s = min(s, steps + warmup)
        if s < warmup:
            return lr0 + (target - lr0) * s / warmup
        d = s - warmup
        return target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * d / steps)) + alpha)

    check(schedules.CosineDecay(lr0, steps, alpha=alpha, warmup_target=target, warmup_steps=warmup), formula)
    # warmup_steps=0 with a target: decay from the target right away, no division by zero
    sched = schedules.CosineDecay(0.05, 10, warmup_target=0.2)
    assert float(sched(0)) == pytest.approx(0.2)
    assert np.isfinite(float(sched(5)))


def test_cosine_decay_restarts():
    def formula(s, lr0=0.1, first=10, t_mul=2.0, m_mul=1.0, alpha=0.0):
        # walk the periods explicitly: period i lasts first * t_mul**i steps and starts at m_mul**i
        start, length, i = 0.0, float(first), 0
        while s >= start + length:
            start += length
            length *= t_mul
            i += 1
        fraction = (s - start) / length
        return lr0 * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * fraction)) + alpha)

    steps = [0, 1, 5, 9, 10, 11, 20, 29, 30, 31, 60, 69, 70, 71, 150]
    check(schedules.CosineDecayRestarts(0.1, 10), formula, steps, rtol=1e-4)
    check(schedules.CosineDecayRestarts(0.1, 10, t_mul=1.0, m_mul=0.5, alpha=0.1),
          lambda s: formula(s, t_mul=1.0, m_mul=0.5, alpha=0.1), steps, rtol=1e-4)
    check(schedules.CosineDecayRestarts(0.1, 10, t_mul=3.0, m_mul=0.8),
          lambda s: formula(s, t_mul=3.0, m_mul=0.8), [0, 3, 9, 12, 39, 41, 100], rtol=1e-4)


def test_decay_steps_must_be_positive():
    for make in (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), lambda: schedules.InverseTimeDecay(0.1, -1, 0.5),
                 lambda: schedules.PolynomialDecay(0.1, 0), lambda: schedules.CosineDecay(0.1, 0),
                 lambda: schedules.CosineDecayRestarts(0.1, 0)):
        with pytest.raises(ValueError, match="must be > 0"):
            make()


ALL = [schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
       schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
       schedules.InverseTimeDecay(0.1, 10, 0.5),
       schedules.PolynomialDecay(0.1, 100, 0.01, power=0.5, cycle=True),
       schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=5),
       schedules.CosineDecayRestarts(0.1, 10, t_mul=1.5, m_mul=0.9, alpha=0.05)]


@pytest.mark.parametrize("sched", ALL, ids=[type(s).__name__ for s in ALL])
def test_serialization_round_trip(sched):
    data = schedules.serialize(sched)
    assert data["module"] == "keras.optimizers.schedules"
    assert data["class_name"] == type(sched).__name__
    clone = schedules.deserialize(data)
    assert type(clone) is type(sched) and clone.get_config() == sched.get_config()
    assert type(sched).from_config(sched.get_config()).get_config() == sched.get_config()
    for step in (0, 7, 33):
        assert float(clone(step)) == float(sched(step))
    # legacy {"class_name", "config"} dicts
    assert type(schedules.deserialize({"class_name": data["class_name"], "config": data["config"]})) is type(sched)


def test_base_class_contract():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, lr):
            self.lr = lr

        def __call__(self, step):
            return self.lr / (tf.cast(step, tf.float32) + 1.0)

    assert float(Halving(1.0)(3)) == 0.25
    with pytest.raises(NotImplementedError):
        schedules.LearningRateSchedule()(1)
    with pytest.raises(NotImplementedError, match="get_config"):
        Halving(1.0).get_config()
    with pytest.raises(ValueError, match="Unknown"):
        schedules.deserialize({"class_name": "Halving", "config": {"lr": 1.0}})
    assert type(schedules.deserialize({"class_name": "Halving", "config": {"lr": 1.0}},
                                      custom_objects={"Halving": Halving})) is Halving
