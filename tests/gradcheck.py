"""Test harness for ops: finite-difference gradient checks in float64 (first and second order).

Each tests/ops/test_<family>.py declares GRAD_CASES = {op_name: [GradCase(...), ...]}; the registry
test collects them, so an op registered without a case fails the suite.
"""
from dataclasses import dataclass, field

import numpy as np

import cornu as tf


@dataclass
class GradCase:
    """fn(*inputs) -> Tensor; only the inputs listed in `wrt` (default: all float ones) are checked."""
    fn: callable
    inputs: list
    wrt: tuple = None
    second_order: bool = False
    rtol: float = 1e-5
    atol: float = 1e-6
    delta: float = None  # finite-difference step (default by dtype)
    extra: dict = field(default_factory=dict)

    def tensors(self):
        return [tf.constant(np.asarray(x)) for x in self.inputs]


def rand(*shape, low=-1.0, high=1.0, seed=0, positive=False):
    """Deterministic float64 test data away from kinks (|x| >= 0.05)."""
    rng = np.random.default_rng(seed + 7 * len(shape) + sum(shape))
    x = rng.uniform(low, high, size=shape)
    x = np.where(np.abs(x) < 0.05, 0.05 * np.sign(x) + (x == 0) * 0.05, x)
    return np.abs(x) + 0.1 if positive else x


def check_grad(case):
    """Theoretical Jacobian (autodiff) == numerical Jacobian (central differences), in float64."""
    xs = case.tensors()
    wrt = case.wrt if case.wrt is not None else tuple(
        i for i, x in enumerate(xs) if x.dtype.is_floating)
    assert wrt, "a gradient case needs at least one floating input"
    for i in wrt:
        def f_i(xi, i=i):
            args = list(xs)
            args[i] = xi
            return case.fn(*args)
        theory, numeric = tf.test.compute_gradient(f_i, [xs[i]], delta=case.delta)
        np.testing.assert_allclose(theory[0], numeric[0], rtol=case.rtol, atol=case.atol,
                                   err_msg=f"gradient w.r.t. input {i}")
    if case.second_order:
        check_second_order(case.fn, xs, wrt)


def check_second_order(fn, xs, wrt):
    """The gradient of <grad f, w> (a Hessian-vector product) against finite differences."""
    rng = np.random.default_rng(1)
    for i in wrt:
        w = tf.constant(rng.normal(size=xs[i].shape))

        def grad_dot_w(xi, i=i):
            args = list(xs)
            args[i] = xi
            with tf.GradientTape() as tape:
                tape.watch(xi)
                y = fn(*args)
            g = tape.gradient(y, xi)
            return tf.reduce_sum(g * w)
        theory, numeric = tf.test.compute_gradient(grad_dot_w, [xs[i]])
        np.testing.assert_allclose(theory[0], numeric[0], rtol=1e-4, atol=1e-5,
                                   err_msg=f"second-order gradient w.r.t. input {i}")
