"""Optimizers: each update checked step by step against a NumPy transcription of Keras 3's formula,
plus the base class's contract (build, apply, clipping, weight decay, EMA, learning rate, config)."""
import math
import warnings

import numpy as np
import pytest

import cornu as tf
from cornu.keras import constraints, optimizers
from cornu.keras.optimizers import schedules

F32 = lambda x: float(np.float32(x))  # noqa: E731 - the optimizer keeps its learning rate in float32


# -- NumPy references: one function per optimizer, updating (w, slots) in place for step t (1-based) --
def ref_sgd(w, g, s, t, lr, momentum=0.0, nesterov=False):
    if momentum == 0:
        return w - lr * g
    m = s.setdefault("m", np.zeros_like(w))
    m[...] = momentum * m - lr * g
    return w + (momentum * m - lr * g if nesterov else m)


def ref_adam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    m = s.setdefault("m", np.zeros_like(w))
    v = s.setdefault("v", np.zeros_like(w))
    m[...] = beta_1 * m + (1 - beta_1) * g
    v[...] = beta_2 * v + (1 - beta_2) * g * g
    if amsgrad:
        vh = s.setdefault("vh", np.zeros_like(w))
        vh[...] = np.maximum(vh, v)
        v = vh
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    # Keras's "epsilon hat": epsilon is added to sqrt(v) * sqrt(1 - beta_2^t) / ... scaled back
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon / math.sqrt(1 - beta_2 ** t))


def ref_adamw(w, g, s, t, lr, weight_decay=0.004, **kw):
    return ref_adam(w - w * weight_decay * lr, g, s, t, lr, **kw)


def ref_adamax(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = s.setdefault("m", np.zeros_like(w))
    u = s.setdefault("u", np.zeros_like(w))
    m[...] = beta_1 * m + (1 - beta_1) * g
    u[...] = np.maximum(beta_2 * u, np.abs(g))
    return w - lr / (1 - beta_1 ** t) * m / (u + epsilon)


def ref_nadam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = s.setdefault("m", np.zeros_like(w))
    v = s.setdefault("v", np.zeros_like(w))
    u_t = beta_1 * (1 - 0.5 * 0.96 ** t)
    u_next = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
    s["U"] = s.get("U", 1.0) * u_t  # product of u_1 ... u_t
    m[...] = beta_1 * m + (1 - beta_1) * g
    v[...] = beta_2 * v + (1 - beta_2) * g * g
    m_hat = u_next * m / (1 - s["U"] * u_next) + (1 - u_t) * g / (1 - s["U"])
    v_hat = v / (1 - beta_2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon)


def ref_rmsprop(w, g, s, t, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    v = s.setdefault("v", np.zeros_like(w))
    v[...] = rho * v + (1 - rho) * g * g
    if centered:
        a = s.setdefault("a", np.zeros_like(w))
        a[...] = rho * a + (1 - rho) * g
        denominator = v - a * a + epsilon
    else:
        denominator = v + epsilon
    increment = lr * g / np.sqrt(denominator)
    if momentum > 0:
        mom = s.setdefault("mom", np.zeros_like(w))
        mom[...] = momentum * mom + increment
        return w - mom
    return w - increment


def ref_adagrad(w, g, s, t, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    acc = s.setdefault("acc", np.full_like(w, initial_accumulator_value))
    acc += g * g
    return w - lr * g / np.sqrt(acc + epsilon)


def ref_adadelta(w, g, s, t, lr, rho=0.95, epsilon=1e-7):
    eg = s.setdefault("eg", np.zeros_like(w))
    ed = s.setdefault("ed", np.zeros_like(w))
    eg[...] = rho * eg + (1 - rho) * g * g
    delta = -np.sqrt(ed + epsilon) / np.sqrt(eg + epsilon) * g
    ed[...] = rho * ed + (1 - rho) * delta * delta
    return w + lr * delta


def ref_ftrl(w, g, s, t, lr, learning_rate_power=-0.5, initial_accumulator_value=0.1,
             l1_regularization_strength=0.0, l2_regularization_strength=0.0,
             l2_shrinkage_regularization_strength=0.0, beta=0.0):
    # McMahan et al.'s per-coordinate FTRL-Proximal, in the docstring's notation (n, z, sigma)
    n = s.setdefault("n", np.full_like(w, initial_accumulator_value))
    z = s.setdefault("z", np.zeros_like(w))
    p = -learning_rate_power
    lambda_1 = l1_regularization_strength
    lambda_2 = l2_regularization_strength + beta / (2 * lr)
    g_shrunk = g + 2 * l2_shrinkage_regularization_strength * w
    n_new = n + g * g
    sigma = (n_new ** p - n ** p) / lr
    z += g_shrunk - sigma * w
    n[...] = n_new
    w_new = (np.sign(z) * lambda_1 - z) / (n_new ** p / lr + 2 * lambda_2)
    return np.where(np.abs(z) <= lambda_1, 0.0, w_new)


CASES = [
    ("SGD", {}, ref_sgd),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}, ref_sgd),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, ref_sgd),
    ("Adam", {"learning_rate": 0.01}, ref_adam),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3, "amsgrad": True},
     ref_adam),
    ("AdamW", {"learning_rate": 0.01}, ref_adamw),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}, ref_adamw),
    ("Adamax", {"learning_rate": 0.01}, ref_adamax),
    ("Nadam", {"learning_rate": 0.01}, ref_nadam),
    ("Nadam", {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.95}, ref_nadam),
    ("RMSprop", {"learning_rate": 0.01}, ref_rmsprop),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5}, ref_rmsprop),
    ("RMSprop", {"learning_rate": 0.01, "centered": True}, ref_rmsprop),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.9, "centered": True}, ref_rmsprop),
    ("Adagrad", {"learning_rate": 0.1}, ref_adagrad),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5}, ref_adagrad),
    ("Adadelta", {"learning_rate": 1.0}, ref_adadelta),
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.9}, ref_adadelta),
    ("Ftrl", {"learning_rate": 0.1}, ref_ftrl),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1,
              "beta": 0.5}, ref_ftrl),
    ("Ftrl", {"learning_rate": 0.2, "learning_rate_power": -0.3, "initial_accumulator_value": 0.2,
              "l2_shrinkage_regularization_strength": 0.1, "l1_regularization_strength": 0.01}, ref_ftrl),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": 0.0}, ref_ftrl),
]

DEFAULT_LR = {"SGD": 0.01}


def _run_against_reference(name, kwargs, ref, dtype, steps=5, extra_ref=None):
    rng = np.random.default_rng(7)
    shapes = [(3, 4), (5,), ()]
    inits = [rng.normal(size=s) for s in shapes]
    variables = [tf.Variable(x.astype(dtype)) for x in inits]
    opt = getattr(optimizers, name)(**kwargs)
    ref_kwargs = {k: v for k, v in kwargs.items() if k != "learning_rate"}
    lr = F32(kwargs.get("learning_rate", DEFAULT_LR.get(name, 0.001)))
    expected = [x.astype(np.float64) for x in inits]
    slots = [{} for _ in shapes]
    for t in range(1, steps + 1):
        grads = [rng.normal(size=s) for s in shapes]
        opt.apply_gradients(zip([tf.constant(g.astype(dtype)) for g in grads], variables))
        for i, g in enumerate(grads):
            expected[i] = ref(expected[i], g, slots[i], t, lr, **ref_kwargs)
        for v, e in zip(variables, expected):
            tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)
            np.testing.assert_allclose(v.numpy(), e, **tol, err_msg=f"{name}{kwargs} step {t}")
    assert int(opt.iterations) == steps
    return opt, variables


@pytest.mark.parametrize("name,kwargs,ref", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_update_matches_formula_float64(name, kwargs, ref):
    _run_against_reference(name, kwargs, ref, np.float64)


@pytest.mark.parametrize("name,kwargs,ref", CASES[::3], ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES[::3])])
def test_update_matches_formula_float32(name, kwargs, ref):
    opt, variables = _run_against_reference(name, kwargs, ref, np.float32)
    assert all(v.dtype == tf.float32 for v in variables)
    assert all(v.dtype == tf.float32 for v in opt.variables[2:])


def test_adam_first_step_is_lr_times_sign():
    # Adam's first bias-corrected step has size ~lr whatever the gradient's scale
    w = tf.Variable([1.0, 1.0, 1.0])
    optimizers.Adam(learning_rate=0.1).apply_gradients([(tf.constant([0.05, -5.0, 100.0]), w)])
    np.testing.assert_allclose(w.numpy(), [0.9, 1.1, 0.9], rtol=1e-4)


def test_rmsprop_keras_docstring_value():
    w = tf.Variable(10.0)
    optimizers.RMSprop(learning_rate=0.1).minimize(lambda: (w ** 2) / 2.0, [w])
    assert float(w) == pytest.approx(9.683772, abs=1e-5)


# -- end to end: every optimizer makes progress on a quadratic --------------------------------------
ALL = [("SGD", {"learning_rate": 0.1}), ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
       ("Adam", {"learning_rate": 0.1}), ("AdamW", {"learning_rate": 0.1}), ("Adamax", {"learning_rate": 0.1}),
       ("Nadam", {"learning_rate": 0.1}), ("RMSprop", {"learning_rate": 0.05}),
       ("Adagrad", {"learning_rate": 0.5}), ("Adadelta", {"learning_rate": 100.0}),
       ("Ftrl", {"learning_rate": 0.5})]


@pytest.mark.parametrize("name,kwargs", ALL, ids=[a[0] for a in ALL])
def test_minimize_decreases_a_quadratic(name, kwargs):
    target = tf.constant([1.0, -2.0, 3.0])
    w = tf.Variable([0.0, 0.0, 0.0])
    b = tf.Variable(4.0)

    def loss():
        return tf.reduce_sum(tf.square(w - target)) + b * b

    opt = getattr(optimizers, name)(**kwargs)
    start = float(loss())
    for _ in range(40):
        opt.minimize(loss, [w, b])
    assert float(loss()) < 0.25 * start, f"{name}: loss {start} -> {float(loss())}"
    # the same via apply_gradients with a GradientTape
    opt2 = getattr(optimizers, name)(**kwargs)
    w.assign([0.0, 0.0, 0.0])
    b.assign(4.0)
    for _ in range(40):
        with tf.GradientTape() as tape:
            value = loss()
        grads = tape.gradient(value, [w, b])
        opt2.apply_gradients(zip(grads, [w, b]))
    assert float(loss()) < 0.25 * start
    assert int(opt2.iterations) == 40


# -- the base class ----------------------------------------------------------------------------------
def test_iterations_and_variables():
    opt = optimizers.Adam()
    assert opt.iterations.dtype == tf.int64 and not opt.iterations.trainable
    assert int(opt.iterations) == 0
    assert not opt.built and len(opt.variables) == 2  # iterations, learning_rate
    w, b = tf.Variable(tf.ones((2, 3))), tf.Variable(tf.zeros((3,)))
    opt.apply_gradients([(tf.ones((2, 3)), w), (tf.ones((3,)), b)])
    assert opt.built
    slots = opt.variables[2:]
    assert len(slots) == 4 and all(not v.trainable for v in slots)
    assert [tuple(v.shape) for v in slots] == [(2, 3), (3,), (2, 3), (3,)]
    assert int(opt.iterations) == 1


def test_build_creates_slots_before_any_step():
    opt = optimizers.SGD(momentum=0.9)
    w = tf.Variable([1.0, 2.0])
    opt.build([w])
    assert len(opt.variables) == 3 and np.all(opt.variables[2].numpy() == 0)
    assert len(optimizers.SGD().variables) == 2  # no momentum, no slot
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    assert len(opt.variables) == 3


def test_apply_with_variables_omitted_uses_the_built_list():
    w = tf.Variable([1.0, 2.0])
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.raises(ValueError, match="build"):
        opt.apply([tf.constant([1.0, 1.0])])
    opt.build([w])
    opt.apply([tf.constant([1.0, 1.0])])
    np.testing.assert_allclose(w.numpy(), [0.5, 1.5])


def test_apply_gradients_accepts_generators_and_skips_none():
    w, b = tf.Variable([1.0]), tf.Variable([2.0])
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients((g, v) for g, v in [(tf.constant([0.5]), w), (None, b)])
    np.testing.assert_allclose(w.numpy(), [0.5])
    np.testing.assert_allclose(b.numpy(), [2.0])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, w), (None, b)])


def test_unknown_variable_is_an_error():
    w, other = tf.Variable([1.0]), tf.Variable([1.0])
    opt = optimizers.Adam()
    opt.apply_gradients([(tf.constant([1.0]), w)])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(tf.constant([1.0]), other)])


def test_gradient_shape_mismatch_names_the_variable():
    w = tf.Variable([1.0, 2.0], name="kernel")
    with pytest.raises(ValueError, match="kernel"):
        optimizers.SGD().apply_gradients([(tf.constant([1.0, 2.0, 3.0]), w)])


def test_numpy_gradients_and_dtype_cast():
    w = tf.Variable(np.array([1.0, 2.0]))  # float64
    optimizers.SGD(learning_rate=0.5).apply_gradients([(np.array([1.0, 1.0], np.float32), w)])
    assert w.dtype == tf.float64
    np.testing.assert_allclose(w.numpy(), [0.5, 1.5])


def test_minimize_with_tensor_loss_needs_tape():
    w = tf.Variable(3.0)
    opt = optimizers.SGD(learning_rate=0.1)
    with tf.GradientTape() as tape:
        loss = w * w
    opt.minimize(loss, [w], tape=tape)
    assert float(w) == pytest.approx(3.0 - 0.1 * 6.0)
    with pytest.raises(ValueError, match="tape"):
        opt.minimize(w * w, [w])
    # var_list may be a callable, as in TF
    opt.minimize(lambda: w * w, lambda: [w])
    assert float(w) == pytest.approx(2.4 - 0.1 * 4.8)


def test_clipnorm_clipvalue_global_clipnorm():
    def step(**kw):
        a, b = tf.Variable([0.0, 0.0]), tf.Variable([0.0])
        optimizers.SGD(learning_rate=1.0, **kw).apply_gradients(
            [(tf.constant([3.0, 4.0]), a), (tf.constant([12.0]), b)])
        return a.numpy(), b.numpy()

    a, b = step(clipnorm=1.0)  # each gradient to norm 1
    np.testing.assert_allclose(a, [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(b, [-1.0], rtol=1e-6)
    a, b = step(clipnorm=100.0)  # below the norm: unchanged
    np.testing.assert_allclose(a, [-3.0, -4.0], rtol=1e-6)
    a, b = step(clipvalue=3.5)
    np.testing.assert_allclose(a, [-3.0, -3.5])
    np.testing.assert_allclose(b, [-3.5])
    a, b = step(global_clipnorm=6.5)  # global norm is 13: everything halves
    np.testing.assert_allclose(a, [-1.5, -2.0], rtol=1e-6)
    np.testing.assert_allclose(b, [-6.0], rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_clipnorm_of_a_zero_gradient_is_zero_not_nan():
    w = tf.Variable([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.SGD(learning_rate=1.0, clipnorm=1.0).apply_gradients([(tf.zeros((2,)), w)])
        optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0).apply_gradients([(tf.zeros((2,)), w)])
    np.testing.assert_allclose(w.numpy(), [1.0, 2.0])


def test_weight_decay_is_decoupled_and_uses_the_current_lr():
    w = tf.Variable([2.0, -4.0])
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    lr = F32(0.1)
    expected = np.array([2.0, -4.0]) * (1 - 0.5 * lr) - lr * 1.0
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)
    assert optimizers.AdamW().weight_decay == 0.004
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_exclude_from_weight_decay():
    kernel = tf.Variable([1.0], name="dense/kernel")
    bias = tf.Variable([1.0], name="dense/bias")
    other = tf.Variable([1.0], name="other")
    opt = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    zero = tf.constant([0.0])
    opt.apply_gradients([(zero, kernel), (zero, bias), (zero, other)])
    assert float(kernel[0]) == pytest.approx(1 - 0.5 * F32(0.1))
    assert float(bias[0]) == 1.0 and float(other[0]) == 1.0
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])


def test_learning_rate_is_a_settable_variable():
    opt = optimizers.SGD(learning_rate=0.5)
    lr_var = opt.learning_rate
    assert isinstance(lr_var, tf.Variable) and not lr_var.trainable and lr_var.dtype == tf.float32
    assert any(v is lr_var for v in opt.variables)
    opt.learning_rate = 0.25
    assert opt.learning_rate is lr_var and float(lr_var) == 0.25
    assert opt.current_learning_rate == 0.25 and isinstance(opt.current_learning_rate, float)
    lr_var.assign(0.125)  # what a callback does with the variable directly
    w = tf.Variable(1.0)
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == pytest.approx(0.875)
    assert float(opt.lr) == 0.125  # tf.keras 2's alias
    opt.lr = 0.5
    assert float(opt.learning_rate) == 0.5
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD(learning_rate="fast")
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD(lr=0.1)


def test_learning_rate_schedule_is_evaluated_at_iterations():
    sched = schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5, 0.25])
    opt = optimizers.SGD(learning_rate=sched)
    w = tf.Variable(0.0)
    values = []
    for _ in range(4):
        values.append(opt.current_learning_rate)
        before = float(w)
        opt.apply_gradients([(tf.constant(1.0), w)])
        assert before - float(w) == pytest.approx(values[-1])
    assert values == [1.0, 1.0, 0.5, 0.25]  # steps 0, 1, 2, 3
    assert len(opt.variables) == 1  # no learning-rate variable with a schedule
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1
    opt.learning_rate = schedules.ExponentialDecay(1.0, 1, 0.5)  # a schedule may replace a schedule
    assert opt.current_learning_rate == pytest.approx(0.5 ** 4)


def test_callable_learning_rate():
    value = [0.5]
    opt = optimizers.SGD(learning_rate=lambda: value[0])
    w = tf.Variable(1.0)
    opt.apply_gradients([(tf.constant(1.0), w)])
    value[0] = 0.25
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == pytest.approx(0.25)


def test_constraint_is_applied_after_the_update():
    w = tf.Variable([3.0, -4.0], constraint=constraints.NonNeg())
    optimizers.SGD(learning_rate=1.0).apply_gradients([(tf.constant([-1.0, -1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [4.0, 0.0])


def test_loss_scale_factor_unscales_gradients():
    w = tf.Variable(1.0)
    opt = optimizers.SGD(learning_rate=0.1, loss_scale_factor=128.0)
    opt.minimize(lambda: opt.scale_loss(w * 2.0), [w])
    assert float(w) == pytest.approx(0.8)


def test_ema_tracks_the_average_and_finalizes():
    w = tf.Variable([1.0])
    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5)
    expected_w, average = 1.0, None
    for t in range(3):
        opt.apply_gradients([(tf.constant([1.0]), w)])
        expected_w -= F32(0.1)
        average = expected_w if average is None else 0.5 * average + 0.5 * expected_w
    assert float(w[0]) == pytest.approx(expected_w, rel=1e-6)
    opt.finalize_variable_values([w])
    assert float(w[0]) == pytest.approx(average, rel=1e-6)


def test_ema_overwrite_frequency():
    w = tf.Variable([1.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    opt.apply_gradients([(tf.constant([1.0]), w)])  # w = 0, avg = 0 (first step copies)
    opt.apply_gradients([(tf.constant([1.0]), w)])  # w = -1, avg = -0.5, then w <- avg
    assert float(w[0]) == pytest.approx(-0.5)


def test_update_path_reads_no_values_on_the_host(monkeypatch):
    """Updates must stay expressible as graph ops: no .numpy()/float() of a tensor while applying."""
    variables = [tf.Variable(np.ones((2, 2), np.float32)), tf.Variable(np.ones((3,), np.float32))]
    grads = [tf.constant(np.full((2, 2), 0.5, np.float32)), tf.constant(np.full((3,), -0.5, np.float32))]
    opts = [optimizers.SGD(momentum=0.9, nesterov=True, weight_decay=0.1, clipnorm=1.0),
            optimizers.Adam(amsgrad=True, global_clipnorm=1.0), optimizers.AdamW(clipvalue=0.1),
            optimizers.Adamax(), optimizers.Nadam(), optimizers.RMSprop(momentum=0.5, centered=True),
            optimizers.Adagrad(), optimizers.Adadelta(), optimizers.Ftrl(beta=0.1, l1_regularization_strength=0.1),
            optimizers.SGD(learning_rate=schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=2),
                           use_ema=True, ema_overwrite_frequency=3)]
    for opt in opts:
        opt.build(variables)  # building may read values; applying may not

    def forbidden(*args, **kwargs):
        raise AssertionError("a tensor value was read on the host during an optimizer update")

    for name in ("numpy", "__float__", "__int__", "__bool__", "__array__", "__index__"):
        monkeypatch.setattr(tf.Tensor, name, forbidden)
    for opt in opts:
        for _ in range(2):
            opt.apply_gradients(zip(grads, variables))


def test_config_round_trip_and_serialization():
    for name, kwargs, _ in CASES:
        opt = getattr(optimizers, name)(**kwargs)
        config = opt.get_config()
        clone = type(opt).from_config(config)
        assert clone.get_config() == config
        data = optimizers.serialize(opt)
        assert data["class_name"] == name and data["module"] == "keras.optimizers"
        assert optimizers.deserialize(data).get_config() == config
    opt = optimizers.Adam(learning_rate=schedules.CosineDecay(0.1, 100), clipnorm=1.0)
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    clone = optimizers.Adam.from_config(config)
    assert isinstance(clone._learning_rate, schedules.CosineDecay)
    assert clone.get_config() == config
    assert optimizers.SGD().get_config()["learning_rate"] == F32(0.01)
    assert optimizers.Adam().get_config()["name"] == "adam"


def test_get():
    for name, cls in [("adam", optimizers.Adam), ("Adam", optimizers.Adam), ("sgd", optimizers.SGD),
                      ("SGD", optimizers.SGD), ("rmsprop", optimizers.RMSprop), ("adamw", optimizers.AdamW),
                      ("adagrad", optimizers.Adagrad), ("adadelta", optimizers.Adadelta),
                      ("adamax", optimizers.Adamax), ("nadam", optimizers.Nadam), ("ftrl", optimizers.Ftrl)]:
        assert type(optimizers.get(name)) is cls
    assert optimizers.get("adam") is not optimizers.get("adam")
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}}).current_learning_rate == 0.5
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(42)


def test_custom_optimizer_subclass_and_custom_objects():
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, name="sign_sgd", **kwargs):
            super().__init__(learning_rate=learning_rate, name=name, **kwargs)

        def update_step(self, gradient, variable, learning_rate):
            variable.assign_sub(tf.sign(gradient) * tf.cast(learning_rate, variable.dtype))

    w = tf.Variable([1.0, 1.0])
    opt = SignSGD()
    opt.apply_gradients([(tf.constant([5.0, -0.1]), w)])
    np.testing.assert_allclose(w.numpy(), [0.9, 1.1], rtol=1e-6)
    restored = optimizers.deserialize(optimizers.serialize(opt), custom_objects={"SignSGD": SignSGD})
    assert isinstance(restored, SignSGD) and restored.get_config() == opt.get_config()


def test_weights_save_and_load():
    w = tf.Variable([1.0, 2.0])
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    store = {}
    opt.save_own_variables(store)
    assert len(store) == len(opt.variables) == 4 and store["0"] == 1
    fresh = optimizers.Adam(learning_rate=0.1)
    fresh.build([w])
    fresh.load_own_variables(store)
    for a, b in zip(opt.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    fresh.set_weights(opt.get_weights())
    with pytest.raises(ValueError, match="not yet been built"):
        optimizers.Adam().set_weights([])


def test_argument_validation():
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(beta1=0.9)
    with pytest.warns(UserWarning, match="decay"):
        optimizers.Adam(decay=0.1)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.Adam(use_ema=True, ema_momentum=2.0)


def test_update_step_called_directly_uses_the_current_step():
    # step scalars are shared between variables within one apply(), never carried to a later call
    w = tf.Variable(np.zeros(3))
    opt = optimizers.Adam(learning_rate=0.1)
    opt.apply_gradients([(tf.constant(np.ones(3)), w)])
    opt.iterations.assign(5)
    before = w.numpy()
    opt.update_step(tf.constant(np.ones(3)), w, opt.learning_rate)
    s = {"m": np.full(3, 0.1), "v": np.full(3, 0.001)}  # the slots after the first step
    expected = ref_adam(before, np.ones(3), s, 6, F32(0.1))
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-10)
