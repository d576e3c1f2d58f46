"""cornu.nn: forward values against independent NumPy references, gradients by finite differences,
stability at huge logits, dropout statistics and seeding, and the error messages."""
import math

import numpy as np
import pytest

import cornu as tf
from tests.gradcheck import GradCase, rand

A = rand(2, 3)
X4 = rand(3, 4, seed=3) * 3
LABELS = np.array([2, 0, 3])
PROBS = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.25, 0.25, 0.0], [0.0, 0.0, 1.0, 0.0]])
Z = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.7]])
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

GRAD_CASES = {
    "relu": [GradCase(tf.nn.relu, [A]), GradCase(tf.nn.relu6, [A * 8]),
             GradCase(lambda x: tf.nn.crelu(x), [A])],
    "softmax": [GradCase(tf.nn.softmax, [X4], second_order=True),
                GradCase(lambda x: tf.nn.softmax(x, axis=0), [X4], second_order=True)],
    "log_softmax": [GradCase(tf.nn.log_softmax, [X4], second_order=True),
                    GradCase(lambda x: tf.nn.log_softmax(x, axis=0), [X4]),
                    GradCase(lambda y, x: tf.nn.softmax_cross_entropy_with_logits(y, x), [PROBS, X4],
                             second_order=True)],
    "sparse_softmax_cross_entropy_with_logits": [
        GradCase(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant(LABELS), x), [X4],
                 second_order=True),
        GradCase(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
            tf.constant(LABELS.reshape(3, 1)), x), [X4.reshape(3, 1, 4)]),
    ],
}

SHAPE_CASES = {
    "dropout_mask": [lambda: tf.nn.dropout(tf.constant(A), 0.5, seed=1),
                     lambda: tf.nn.dropout(tf.ones([2, 3, 4]), 0.3, noise_shape=[2, 1, None], seed=1)],
}

# Composite activations and losses are made of other ops; they get their own gradient checks here too,
# so a wrong composition (a kink in the wrong place, a NaN branch) fails even though no op is new.
COMPOSITE_GRAD_CASES = [
    ("leaky_relu", GradCase(lambda x: tf.nn.leaky_relu(x, alpha=0.1), [A])),
    ("elu", GradCase(tf.nn.elu, [A * 2], second_order=True)),
    ("selu", GradCase(tf.nn.selu, [A * 2])),
    ("gelu", GradCase(tf.nn.gelu, [A * 2], rtol=1e-4, atol=1e-5)),  # erf is a 1.5e-7 approximation
    ("gelu_tanh", GradCase(lambda x: tf.nn.gelu(x, approximate=True), [A * 2], second_order=True)),
    ("silu", GradCase(tf.nn.silu, [A * 3], second_order=True)),
    ("swish_beta", GradCase(lambda x: tf.nn.swish(x, beta=2.0), [A])),
    ("softsign", GradCase(tf.nn.softsign, [A * 3], second_order=True)),
    ("sigmoid_xent", GradCase(tf.nn.sigmoid_cross_entropy_with_logits, [Z, A * 4], second_order=True)),
    ("sigmoid_xent_at_zero", GradCase(lambda x: tf.nn.sigmoid_cross_entropy_with_logits(tf.constant(Z), x),
                                      [np.zeros((2, 3))], second_order=True)),
    ("weighted_xent", GradCase(lambda z, x: tf.nn.weighted_cross_entropy_with_logits(z, x, 3.0),
                               [Z, A * 4])),
    ("l2_loss", GradCase(tf.nn.l2_loss, [A], second_order=True)),
    ("moments_mean", GradCase(lambda x: tf.nn.moments(x, axes=[0])[0], [X4])),
    ("moments_var", GradCase(lambda x: tf.nn.moments(x, axes=[0, 1])[1], [X4], second_order=True)),
    ("batch_norm", GradCase(lambda x, m, v, b, s: tf.nn.batch_normalization(x, m, v, b, s, 1e-3),
                            [X4, rand(4, seed=4), rand(4, seed=5, positive=True), rand(4, seed=6),
                             rand(4, seed=7)])),
    ("bias_add", GradCase(tf.nn.bias_add, [X4, rand(4, seed=8)])),
    ("bias_add_nchw", GradCase(lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"),
                               [rand(2, 3, 2, 1), rand(3, seed=9)])),
]


@pytest.mark.parametrize("case", [c for _, c in COMPOSITE_GRAD_CASES], ids=[n for n, _ in COMPOSITE_GRAD_CASES])
def test_composite_gradients(case):
    from tests.gradcheck import check_grad
    check_grad(case)


# -- forward against NumPy ----------------------------------------------------------------------------
_erf = np.vectorize(math.erf)


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


ACTIVATIONS = [
    ("relu", tf.nn.relu, lambda x: np.maximum(x, 0)),
    ("relu6", tf.nn.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    ("leaky_relu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu", tf.nn.elu, lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)),
    ("selu", tf.nn.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(np.minimum(x, 0)) - 1))),
    ("gelu", tf.nn.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    ("gelu_tanh", lambda x: tf.nn.gelu(x, approximate=True),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    ("silu", tf.nn.silu, lambda x: x / (1 + np.exp(-x))),
    ("swish", tf.nn.swish, lambda x: x / (1 + np.exp(-x))),
    ("softplus", tf.nn.softplus, lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)),
    ("softsign", tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
    ("sigmoid", tf.nn.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", tf.nn.tanh, np.tanh),
    ("crelu", tf.nn.crelu, lambda x: np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], axis=-1)),
    ("softmax", tf.nn.softmax, np_softmax),
    ("log_softmax", tf.nn.log_softmax, np_log_softmax),
]
XA = np.linspace(-7.5, 7.5, 24).reshape(4, 6)


@pytest.mark.parametrize("fn,ref", [a[1:] for a in ACTIVATIONS], ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_forward_matches_numpy(fn, ref, dtype):
    out = fn(tf.constant(XA.astype(dtype)))
    assert out.dtype == tf.as_dtype(dtype)
    tol = 1e-6 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(out.numpy(), ref(XA), rtol=tol, atol=tol)


def test_softmax_axis_and_python_input():
    np.testing.assert_allclose(tf.nn.softmax(tf.constant(X4), axis=0).numpy(), np_softmax(X4, 0), rtol=1e-12)
    np.testing.assert_allclose(tf.nn.log_softmax(X4.tolist(), axis=0).numpy(), np_log_softmax(X4, 0),
                               rtol=1e-5)
    np.testing.assert_allclose(tf.nn.softmax(tf.constant(X4)).numpy().sum(-1), np.ones(3), rtol=1e-12)


def test_relu_family_keeps_integers_and_leaky_alpha():
    out = tf.nn.relu(tf.constant([-3, 0, 5]))
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), [0, 0, 5])
    np.testing.assert_array_equal(tf.nn.relu6(tf.constant([-3, 4, 9])).numpy(), [0, 4, 6])
    np.testing.assert_allclose(tf.nn.leaky_relu([-2.0, 3.0], alpha=0.5).numpy(), [-1.0, 3.0])


def test_relu_gradient_is_zero_at_zero_like_tf():
    x = tf.constant([-1.0, 0.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.relu(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0, 0, 1])


def test_cross_entropies_match_numpy():
    logits = X4
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(LABELS, tf.constant(logits))
    ref = -np_log_softmax(logits)[np.arange(3), LABELS]
    assert sparse.shape == (3,) and sparse.dtype == tf.float64
    np.testing.assert_allclose(sparse.numpy(), ref, rtol=1e-12)

    dense = tf.nn.softmax_cross_entropy_with_logits(PROBS, tf.constant(logits))
    np.testing.assert_allclose(dense.numpy(), -(PROBS * np_log_softmax(logits)).sum(-1), rtol=1e-12)
    dense0 = tf.nn.softmax_cross_entropy_with_logits(PROBS.T, tf.constant(logits.T), axis=0)
    np.testing.assert_allclose(dense0.numpy(), dense.numpy(), rtol=1e-12)
    one_hot = np.eye(4)[LABELS]
    np.testing.assert_allclose(tf.nn.softmax_cross_entropy_with_logits(one_hot, tf.constant(logits)).numpy(),
                               ref, rtol=1e-12)

    x = A * 4
    sig = 1 / (1 + np.exp(-x))
    bce = -(Z * np.log(sig) + (1 - Z) * np.log(1 - sig))
    np.testing.assert_allclose(tf.nn.sigmoid_cross_entropy_with_logits(Z, tf.constant(x)).numpy(), bce,
                               rtol=1e-10)
    wce = -(3.0 * Z * np.log(sig) + (1 - Z) * np.log(1 - sig))
    np.testing.assert_allclose(tf.nn.weighted_cross_entropy_with_logits(Z, tf.constant(x), 3.0).numpy(), wce,
                               rtol=1e-10)
    np.testing.assert_allclose(tf.nn.l2_loss(tf.constant(A)).numpy(), (A ** 2).sum() / 2, rtol=1e-12)


def test_sparse_cross_entropy_gradient_is_softmax_minus_one_hot():
    logits = tf.constant(X4)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(LABELS, logits))
    np.testing.assert_allclose(tape.gradient(loss, logits).numpy(), np_softmax(X4) - np.eye(4)[LABELS],
                               rtol=1e-12, atol=1e-15)


def test_sigmoid_cross_entropy_gradient_at_zero_logit():
    x = tf.constant([0.0, 0.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.sigmoid_cross_entropy_with_logits([1.0, 0.0], x)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), [-0.5, 0.5])


# -- numerical stability ------------------------------------------------------------------------------
HUGE = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_give_finite_values_and_gradients(dtype):
    logits = tf.constant(HUGE.astype(dtype))
    labels = np.array([1, 2])
    onehot = np.eye(3, dtype=dtype)[labels]
    binary = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=dtype)
    fns = {
        "softmax": lambda x: tf.nn.softmax(x),
        "log_softmax": lambda x: tf.nn.log_softmax(x),
        "sparse": lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x),
        "dense": lambda x: tf.nn.softmax_cross_entropy_with_logits(onehot, x),
        "sigmoid": lambda x: tf.nn.sigmoid_cross_entropy_with_logits(binary, x),
        "weighted": lambda x: tf.nn.weighted_cross_entropy_with_logits(binary, x, 2.0),
        "elu": tf.nn.elu, "selu": tf.nn.selu, "gelu": tf.nn.gelu, "silu": tf.nn.silu,
        "softplus": tf.nn.softplus, "softsign": tf.nn.softsign, "sigmoid_act": tf.nn.sigmoid,
    }
    for name, fn in fns.items():
        with tf.GradientTape() as tape:
            tape.watch(logits)
            y = fn(logits)
            total = tf.reduce_sum(y)
        g = tape.gradient(total, logits)
        assert np.all(np.isfinite(y.numpy())), name
        assert np.all(np.isfinite(g.numpy())), name
    np.testing.assert_allclose(tf.nn.softmax(logits).numpy()[0], [1, 0, 0])
    np.testing.assert_allclose(tf.nn.log_softmax(logits).numpy()[0], [0, -2000, -1000])
    np.testing.assert_allclose(fns["sparse"](logits).numpy(), [2000, math.log1p(2 * math.exp(-1))], rtol=1e-6)
    np.testing.assert_allclose(fns["sigmoid"](logits).numpy(), [[0, 0, math.log(2)], [0, 1000, 0]],
                               rtol=1e-6, atol=1e-6)


# -- dropout ------------------------------------------------------------------------------------------
def test_dropout_scales_kept_values_and_drops_about_rate():
    x = tf.ones([200, 50])
    y = tf.nn.dropout(x, rate=0.25, seed=3).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    assert abs(1 - kept.mean() - 0.25) < 0.02
    assert abs(y.mean() - 1) < 0.03


def test_dropout_rate_zero_returns_input_and_bad_rates_fail():
    x = tf.constant(A)
    assert tf.nn.dropout(x, 0.0) is x
    for rate in (1.0, -0.1, 1.5):
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"dropout: rate .*\[0, 1\)"):
            tf.nn.dropout(x, rate)
    with pytest.raises(tf.errors.InvalidArgumentError, match="dropout: x must be a floating"):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)


def test_dropout_seed_reproducibility():
    x = tf.ones([64])
    tf.random.set_seed(5)
    a = tf.nn.dropout(x, 0.5).numpy()
    b = tf.nn.dropout(x, 0.5).numpy()
    tf.random.set_seed(5)
    np.testing.assert_array_equal(tf.nn.dropout(x, 0.5).numpy(), a)
    np.testing.assert_array_equal(tf.nn.dropout(x, 0.5).numpy(), b)
    assert not np.array_equal(a, b)
    tf.random.set_seed(5)
    c = tf.nn.dropout(x, 0.5, seed=11).numpy()
    tf.random.set_seed(5)
    np.testing.assert_array_equal(tf.nn.dropout(x, 0.5, seed=11).numpy(), c)


def test_dropout_noise_shape_shares_the_mask():
    x = tf.ones([4, 5, 6])
    y = tf.nn.dropout(x, 0.5, noise_shape=[4, 1, 6], seed=2).numpy()
    assert np.all(y == y[:, :1, :])
    assert 0 < (y == 0).mean() < 1
    y = tf.nn.dropout(x, 0.5, noise_shape=[None, 1, None], seed=2).numpy()
    assert np.all(y == y[:, :1, :])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"dropout: noise_shape \[4, 2, 6\].*\(4, 5, 6\)"):
        tf.nn.dropout(x, 0.5, noise_shape=[4, 2, 6])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"dropout: noise_shape \[4, 6\]"):
        tf.nn.dropout(x, 0.5, noise_shape=[4, 6])


def test_dropout_gradient_is_the_mask_times_scale():
    x = tf.constant(np.ones((10, 10)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, 0.2, seed=4)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), y.numpy())


# -- moments, batch_normalization, bias_add ------------------------------------------------------------
def test_moments_match_numpy():
    x = rand(3, 4, 5, seed=12) * 4 + 2
    mean, var = tf.nn.moments(tf.constant(x), axes=[0, 2])
    assert mean.shape == (4,) and var.shape == (4,)
    np.testing.assert_allclose(mean.numpy(), x.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), x.var(axis=(0, 2)), rtol=1e-12)
    mean, var = tf.nn.moments(tf.constant(x), axes=[1], keepdims=True)
    assert mean.shape == (3, 1, 5) and var.shape == (3, 1, 5)
    np.testing.assert_allclose(var.numpy(), x.var(axis=1, keepdims=True), rtol=1e-12)
    half_mean, half_var = tf.nn.moments(tf.constant(x.astype(np.float16)), axes=[0, 1, 2])
    assert half_mean.dtype == tf.float16 and half_var.dtype == tf.float16
    np.testing.assert_allclose(float(half_var), x.astype(np.float16).astype(np.float64).var(), rtol=2e-3)


def test_batch_normalization_matches_numpy():
    x = rand(6, 4, seed=13) * 3
    m, v = x.mean(0), x.var(0)
    offset, scale = rand(4, seed=14), rand(4, seed=15)
    out = tf.nn.batch_normalization(tf.constant(x), m, v, offset, scale, 1e-3)
    np.testing.assert_allclose(out.numpy(), scale * (x - m) / np.sqrt(v + 1e-3) + offset, rtol=1e-12)
    out = tf.nn.batch_normalization(tf.constant(x), m, v, None, None, 1e-3)
    np.testing.assert_allclose(out.numpy(), (x - m) / np.sqrt(v + 1e-3), rtol=1e-12, atol=1e-14)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"batch_normalization: scale of shape \(3,\).*\(6, 4\)"):
        tf.nn.batch_normalization(tf.constant(x), m, v, offset, np.ones(3), 1e-3)


def test_bias_add_channels_last_and_first():
    v = rand(2, 3, 4, seed=16)
    b = rand(4, seed=17)
    np.testing.assert_allclose(tf.nn.bias_add(tf.constant(v), b).numpy(), v + b)
    b3 = rand(3, seed=18)
    np.testing.assert_allclose(tf.nn.bias_add(tf.constant(v), b3, data_format="NCW").numpy(), v + b3[:, None])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"bias_add: bias of shape \(3,\).*\(2, 3, 4\)"):
        tf.nn.bias_add(tf.constant(v), b3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="bias_add: bias must be 1-D"):
        tf.nn.bias_add(tf.constant(v), np.ones((1, 4)))


def test_embedding_lookup_and_average_loss():
    params = tf.constant([[3.0, 4.0], [0.3, 0.4]])
    np.testing.assert_allclose(tf.nn.embedding_lookup(params, [1, 0]).numpy(), [[0.3, 0.4], [3, 4]])
    np.testing.assert_allclose(tf.nn.embedding_lookup(params, [0, 1], max_norm=1.0).numpy(),
                               [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    loss = tf.constant([1.0, 2.0, 3.0, 6.0])
    assert float(tf.nn.compute_average_loss(loss)) == 3.0
    assert float(tf.nn.compute_average_loss(loss, global_batch_size=8)) == 1.5
    assert float(tf.nn.compute_average_loss(loss, sample_weight=[1.0, 0.0, 0.0, 1.0])) == 1.75


# -- errors -------------------------------------------------------------------------------------------
def test_sparse_cross_entropy_errors_name_op_and_shapes():
    logits = tf.constant(X4)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"sparse_softmax_cross_entropy_with_logits: label 4 is out of range \[0, 4\).*\(3, 4\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits([0, 4, 1], logits)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label -1 is out of range"):
        tf.nn.sparse_softmax_cross_entropy_with_logits([0, -1, 1], logits)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"sparse_softmax_cross_entropy_with_logits: rank mismatch.*\(3, 1\).*\(3, 4\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits([[0], [1], [2]], logits)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"labels shape \(2,\).*\(3, 4\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits([0, 1], logits)
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be int32 or int64"):
        tf.nn.sparse_softmax_cross_entropy_with_logits([0.0, 1.0, 2.0], logits)


def test_dense_cross_entropy_and_activation_errors():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"softmax_cross_entropy_with_logits: labels shape \(3, 3\).*\(3, 4\)"):
        tf.nn.softmax_cross_entropy_with_logits(np.zeros((3, 3)), tf.constant(X4))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"sigmoid_cross_entropy_with_logits.*\(2,\)"):
        tf.nn.sigmoid_cross_entropy_with_logits([1.0, 0.0], tf.constant(A))
    with pytest.raises(tf.errors.InvalidArgumentError, match="softmax: axis 2 is out of range"):
        tf.nn.softmax(tf.constant(X4), axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="gelu: expected a floating-point tensor"):
        tf.nn.gelu(tf.constant([1, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="softmax: expected a floating-point"):
        tf.nn.softmax(tf.constant([1, 2]))


def test_public_namespace():
    for name in ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus",
                 "softsign", "sigmoid", "tanh", "softmax", "log_softmax", "sparse_softmax_cross_entropy_with_logits",
                 "softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
                 "weighted_cross_entropy_with_logits", "l2_loss", "dropout", "moments", "batch_normalization",
                 "bias_add", "conv1d", "conv2d", "conv2d_transpose", "max_pool1d", "max_pool2d", "avg_pool1d",
                 "avg_pool2d", "max_pool", "avg_pool"]:
        assert callable(getattr(tf.nn, name)), name


def test_functions_build_symbolic_tensors_with_unknown_batch():
    """Keras builds models by calling these on shape-only tensors: no values, None for the batch."""
    from cornu.core.symbolic import SymbolicTensor
    x = SymbolicTensor((None, 4), tf.float32)
    for fn in [tf.nn.relu, tf.nn.relu6, tf.nn.leaky_relu, tf.nn.elu, tf.nn.selu, tf.nn.gelu, tf.nn.silu,
               tf.nn.softsign, tf.nn.softmax, tf.nn.log_softmax, lambda t: tf.nn.dropout(t, 0.5),
               lambda t: tf.nn.dropout(t, 0.5, noise_shape=[None, 1]), lambda t: tf.nn.bias_add(t, tf.ones([4])),
               lambda t: tf.nn.batch_normalization(t, tf.zeros([4]), tf.ones([4]), None, tf.ones([4]), 1e-3),
               lambda t: tf.nn.sigmoid_cross_entropy_with_logits(t, t)]:
        y = fn(x)
        assert isinstance(y, SymbolicTensor) and tuple(y.shape) == (None, 4) and y.dtype == tf.float32
    labels = SymbolicTensor((None,), tf.int32)
    assert tuple(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x).shape) == (None,)
    assert tuple(tf.nn.softmax_cross_entropy_with_logits(x, x).shape) == (None,)
    mean, var = tf.nn.moments(x, axes=[0])
    assert tuple(mean.shape) == (4,) and tuple(var.shape) == (4,)
    assert tuple(tf.nn.l2_loss(x).shape) == ()


def _fused_dense_case():
    from cornu.core.registry import apply
    from cornu.ops.nn_ops import fused_dense_op
    x = tf.constant(np.linspace(-1, 1, 6).reshape(2, 3).astype("float32"))
    w = tf.constant(np.linspace(-2, 2, 12).reshape(3, 4).astype("float32"))
    b = tf.constant(np.array([0.5, -0.5, 0.0, 1.0], "float32"))
    return apply(fused_dense_op, (x, w, b), {"activation": "relu"})


SHAPE_CASES.setdefault("fused_dense", []).append(_fused_dense_case)


def test_fused_dense_equals_unfused():
    x = np.linspace(-1, 1, 6).reshape(2, 3).astype("float32")
    w = np.linspace(-2, 2, 12).reshape(3, 4).astype("float32")
    b = np.array([0.5, -0.5, 0.0, 1.0], "float32")
    np.testing.assert_allclose(_fused_dense_case().numpy(), np.maximum(x @ w + b, 0), rtol=1e-6)
