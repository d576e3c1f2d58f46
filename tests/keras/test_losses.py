"""Losses: every function against a NumPy transcription of its formula, the reductions and sample
weights, from_logits equivalence, label smoothing, stability at saturated probabilities and huge
logits, finite-difference gradients, errors, and get/serialize/deserialize."""
import math
import warnings

import numpy as np
import pytest

import cornu as tf
from cornu.keras import losses
from tests.gradcheck import GradCase, check_grad

EPS = 1e-7
RNG = np.random.default_rng(42)


# -- NumPy references (one per loss; per-sample values) ---------------------------------------------
def np_softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_mse(t, p):
    return np.mean((t - p) ** 2, axis=-1)


def np_mae(t, p):
    return np.mean(np.abs(t - p), axis=-1)


def np_mape(t, p):
    return 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), axis=-1)


def np_msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, axis=-1)


def np_bce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    p = np.clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), axis=-1)


def np_cce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        logp = p - p.max(-1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    else:
        logp = np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))
    return -np.sum(t * logp, axis=-1)


def np_scce(labels, p, from_logits=False):
    onehot = np.eye(p.shape[-1])[labels.astype(int)]
    return np_cce(onehot, p, from_logits)


def np_hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_hinge(t, p):
    return np.mean(np.maximum(1 - np_hinge_labels(t) * p, 0), axis=-1)


def np_squared_hinge(t, p):
    return np.mean(np.maximum(1 - np_hinge_labels(t) * p, 0) ** 2, axis=-1)


def np_categorical_hinge(t, p):
    pos = np.sum(t * p, -1)
    neg = np.max((1 - t) * p, -1)
    return np.maximum(neg - pos + 1, 0)


def np_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def np_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), axis=-1)


def np_huber(t, p, delta=1.0):
    e = p - t
    return np.mean(np.where(np.abs(e) <= delta, 0.5 * e ** 2, delta * np.abs(e) - 0.5 * delta ** 2), -1)


def np_log_cosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def np_cosine(t, p, axis=-1):
    tn = t / np.sqrt(np.maximum(np.sum(t * t, axis, keepdims=True), 1e-12))
    pn = p / np.sqrt(np.maximum(np.sum(p * p, axis, keepdims=True), 1e-12))
    return -np.sum(tn * pn, axis=axis)


N, C = 6, 4
REAL_T, REAL_P = RNG.normal(size=(N, C)), RNG.normal(size=(N, C))
POS_T, POS_P = RNG.uniform(0.1, 3, size=(N, C)), RNG.uniform(0.1, 3, size=(N, C))
BIN_T = RNG.integers(0, 2, size=(N, C)).astype(float)
PROB_P = RNG.uniform(0.02, 0.98, size=(N, C))
ONEHOT = np.eye(C)[RNG.integers(0, C, size=N)]
DIST_T, DIST_P = np_softmax(RNG.normal(size=(N, C))), np_softmax(RNG.normal(size=(N, C)))
LOGITS = RNG.normal(scale=3, size=(N, C))
SIGNED_T = np.where(BIN_T > 0, 1.0, -1.0)

CASES = [  # (loss function, reference, y_true, y_pred)
    (losses.mean_squared_error, np_mse, REAL_T, REAL_P),
    (losses.mean_absolute_error, np_mae, REAL_T, REAL_P),
    (losses.mean_absolute_percentage_error, np_mape, REAL_T, REAL_P),
    (losses.mean_squared_logarithmic_error, np_msle, POS_T, POS_P),
    (losses.binary_crossentropy, np_bce, BIN_T, PROB_P),
    (losses.categorical_crossentropy, np_cce, ONEHOT, DIST_P),
    (losses.categorical_crossentropy, np_cce, DIST_T, PROB_P),  # soft labels, unnormalised y_pred
    (losses.hinge, np_hinge, BIN_T, REAL_P),
    (losses.hinge, np_hinge, SIGNED_T, REAL_P),
    (losses.squared_hinge, np_squared_hinge, SIGNED_T, REAL_P),
    (losses.categorical_hinge, np_categorical_hinge, ONEHOT, REAL_P),
    (losses.kl_divergence, np_kld, DIST_T, DIST_P),
    (losses.poisson, np_poisson, POS_T, POS_P),
    (losses.huber, np_huber, REAL_T, REAL_P * 2),
    (losses.log_cosh, np_log_cosh, REAL_T, REAL_P),
    (losses.cosine_similarity, np_cosine, REAL_T, REAL_P),
]
IDS = [f"{fn.__name__}-{i}" for i, (fn, *_) in enumerate(CASES)]


@pytest.mark.parametrize("fn,ref,t,p", CASES, ids=IDS)
def test_function_matches_numpy_float64(fn, ref, t, p):
    out = fn(tf.constant(t), tf.constant(p))
    assert out.dtype == tf.float64 and out.shape == (N,)
    np.testing.assert_allclose(out.numpy(), ref(t, p), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn,ref,t,p", CASES, ids=IDS)
def test_function_matches_numpy_float32_and_python_inputs(fn, ref, t, p):
    out = fn(t.astype(np.float32).tolist(), p.astype(np.float32).tolist())  # Python lists -> float32
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), ref(t.astype(np.float32).astype(float),
                                                  p.astype(np.float32).astype(float)),
                               rtol=2e-5, atol=2e-5)


def test_sparse_categorical_matches_numpy_and_label_shapes():
    labels = RNG.integers(0, C, size=N)
    ref = np_scce(labels, DIST_P)
    for y in (labels, labels.reshape(N, 1), labels.astype(np.float32), labels.astype(np.int64)):
        np.testing.assert_allclose(losses.sparse_categorical_crossentropy(y, DIST_P).numpy(), ref,
                                   rtol=1e-10)
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(labels, LOGITS, from_logits=True).numpy(),
        np_scce(labels, LOGITS, from_logits=True), rtol=1e-10)
    # equals categorical cross-entropy on the one-hot labels
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(labels, DIST_P).numpy(),
                               losses.categorical_crossentropy(np.eye(C)[labels], DIST_P).numpy(),
                               rtol=1e-10)


def test_keras_documented_values():
    """Values printed in Keras 3's docstrings for the same inputs."""
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert float(bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])) == pytest.approx(0.8654, abs=2e-4)
    y_true, logits = [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
    assert float(bce(y_true, logits)) == pytest.approx(0.8654, abs=2e-4)
    assert float(bce(y_true, logits, sample_weight=[0.8, 0.2])) == pytest.approx(0.243, abs=1e-3)
    assert float(losses.BinaryCrossentropy(from_logits=True, reduction="sum")(y_true, logits)) == \
        pytest.approx(1.730, abs=1e-3)
    np.testing.assert_allclose(losses.BinaryCrossentropy(from_logits=True, reduction=None)(
        y_true, logits).numpy(), [0.235, 1.496], atol=1e-3)
    np.testing.assert_allclose(losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]),
                               [0.916, 0.714], atol=1e-3)
    np.testing.assert_allclose(losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
                                                               [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]),
                               [0.0513, 2.303], atol=1e-3)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([1, 2],
                                                                      [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]),
                               [0.0513, 2.303], atol=1e-3)
    assert float(losses.Huber()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])) == pytest.approx(0.155, abs=1e-3)
    assert float(losses.LogCosh()([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])) == pytest.approx(0.108, abs=1e-3)
    np.testing.assert_allclose(losses.cosine_similarity([[0., 1.], [1., 1.], [1., 1.]],
                                                        [[1., 0.], [1., 1.], [-1., -1.]]),
                               [0., -1., 1.], atol=1e-6)


# -- classes and reductions -------------------------------------------------------------------------
CLASS_CASES = [
    (losses.MeanSquaredError, {}, np_mse, REAL_T, REAL_P),
    (losses.MeanAbsoluteError, {}, np_mae, REAL_T, REAL_P),
    (losses.MeanAbsolutePercentageError, {}, np_mape, REAL_T, REAL_P),
    (losses.MeanSquaredLogarithmicError, {}, np_msle, POS_T, POS_P),
    (losses.BinaryCrossentropy, {}, np_bce, BIN_T, PROB_P),
    (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.2},
     lambda t, p: np_bce(t, p, True, 0.2), BIN_T, LOGITS),
    (losses.CategoricalCrossentropy, {}, np_cce, ONEHOT, DIST_P),
    (losses.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
     lambda t, p: np_cce(t, p, True, 0.1), ONEHOT, LOGITS),
    (losses.Hinge, {}, np_hinge, BIN_T, REAL_P),
    (losses.SquaredHinge, {}, np_squared_hinge, BIN_T, REAL_P),
    (losses.CategoricalHinge, {}, np_categorical_hinge, ONEHOT, REAL_P),
    (losses.KLDivergence, {}, np_kld, DIST_T, DIST_P),
    (losses.Poisson, {}, np_poisson, POS_T, POS_P),
    (losses.Huber, {"delta": 0.5}, lambda t, p: np_huber(t, p, 0.5), REAL_T, REAL_P),
    (losses.LogCosh, {}, np_log_cosh, REAL_T, REAL_P),
    (losses.CosineSimilarity, {}, np_cosine, REAL_T, REAL_P),
]
CLASS_IDS = [f"{cls.__name__}-{i}" for i, (cls, *_) in enumerate(CLASS_CASES)]


@pytest.mark.parametrize("cls,kwargs,ref,t,p", CLASS_CASES, ids=CLASS_IDS)
def test_class_reductions_and_sample_weights(cls, kwargs, ref, t, p):
    per_sample = ref(t, p)
    w = RNG.uniform(0, 2, size=N)
    yt, yp = tf.constant(t), tf.constant(p)
    close = dict(rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(float(cls(**kwargs)(yt, yp)), per_sample.mean(), **close)
    np.testing.assert_allclose(float(cls(reduction="mean", **kwargs)(yt, yp)), per_sample.mean(), **close)
    np.testing.assert_allclose(float(cls(reduction="sum", **kwargs)(yt, yp)), per_sample.sum(), **close)
    np.testing.assert_allclose(cls(reduction="none", **kwargs)(yt, yp).numpy(), per_sample, **close)
    np.testing.assert_allclose(cls(reduction=None, **kwargs)(yt, yp).numpy(), per_sample, **close)
    # weights of shape (N,) and (N, 1) are per-sample; sum_over_batch_size divides by N, not sum(w)
    for sw in (w, w.reshape(N, 1), w.tolist()):
        np.testing.assert_allclose(float(cls(**kwargs)(yt, yp, sample_weight=sw)),
                                   np.sum(per_sample * w) / N, **close)
    np.testing.assert_allclose(float(cls(reduction="mean_with_sample_weight", **kwargs)(yt, yp, w)),
                               np.sum(per_sample * w) / w.sum(), **close)
    np.testing.assert_allclose(cls(reduction="none", **kwargs)(yt, yp, w).numpy(), per_sample * w, **close)
    np.testing.assert_allclose(float(cls(**kwargs)(yt, yp, sample_weight=2.5)), per_sample.mean() * 2.5,
                               **close)
    loss = cls(**kwargs)
    assert loss.name == loss.get_config()["name"] and loss.reduction == "sum_over_batch_size"
    clone = cls.from_config(loss.get_config())
    np.testing.assert_allclose(float(clone(yt, yp)), per_sample.mean(), **close)


def test_sparse_class_and_ignore_class():
    labels = np.array([1, -1, 2, 0, -1, 3])
    p = DIST_P
    valid = labels != -1
    per = np.where(valid, np_scce(np.where(valid, labels, 0), p), 0.0)
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    # the mean runs over the valid entries only (Keras's mask rule)
    np.testing.assert_allclose(float(loss(labels, p)), per.sum() / valid.sum(), rtol=1e-10)
    np.testing.assert_allclose(float(loss(labels.reshape(-1, 1), p)), per.sum() / valid.sum(), rtol=1e-10)
    w = np.arange(1.0, N + 1)
    np.testing.assert_allclose(float(loss(labels, p, sample_weight=w)), (per * w).sum() / valid.sum(),
                               rtol=1e-10)
    np.testing.assert_allclose(losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="none")(
        labels, p).numpy(), per, rtol=1e-10)
    np.testing.assert_allclose(float(losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="sum")(
        labels, p)), per.sum(), rtol=1e-10)
    logits_loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    per_logits = np.where(valid, np_scce(np.where(valid, labels, 0), LOGITS, True), 0.0)
    np.testing.assert_allclose(float(logits_loss(labels, LOGITS)), per_logits.sum() / valid.sum(), rtol=1e-10)
    # an ignored entry gets no gradient
    z = tf.Variable(LOGITS)
    with tf.GradientTape() as tape:
        value = logits_loss(labels, z)
    g = tape.gradient(value, z).numpy()
    assert np.all(g[~valid] == 0) and np.all(np.abs(g[valid]).sum(-1) > 0)
    # all entries ignored: 0, not NaN
    assert float(loss([-1, -1], [[0.5, 0.5], [0.2, 0.8]])) == 0.0
    # large class ids keep their value in float16 (labels are not cast to y_pred's dtype)
    big = np.zeros((1, 3000), np.float16)
    big[0, 2999] = 1
    assert float(losses.SparseCategoricalCrossentropy()([2999], big)) < 1e-3


def test_per_element_losses_with_per_sample_weights():
    """A loss keeping a time axis, (N, T), weighted by (N,) weights: each sample's row is scaled."""
    class PerElement(losses.Loss):
        def call(self, y_true, y_pred):
            return tf.square(y_true - y_pred)  # (N, T)

    t, p = RNG.normal(size=(3, 5)), RNG.normal(size=(3, 5))
    w = np.array([1.0, 0.0, 2.0])
    expected = ((t - p) ** 2 * w[:, None]).sum() / t.size
    np.testing.assert_allclose(float(PerElement()(t, p, sample_weight=w)), expected, rtol=1e-10)
    with pytest.raises(ValueError, match=r"per_element: sample_weight of shape \(4,\)"):
        PerElement()(t, p, sample_weight=np.ones(4))


def test_rank_fix_up_and_dtypes():
    y = np.array([0.0, 1.0, 1.0])
    p = np.array([[0.2], [0.7], [0.9]])
    for fn in (losses.mean_squared_error, losses.binary_crossentropy, losses.hinge):
        np.testing.assert_allclose(fn(y, p).numpy(), fn(y.reshape(3, 1), p).numpy())
        assert fn(y, p).shape == (3,)
    # integer labels are cast to y_pred's dtype; float64 predictions keep float64
    out = losses.BinaryCrossentropy()(np.array([[0], [1]], np.int64), np.array([[0.3], [0.6]]))
    assert out.dtype == tf.float64
    np.testing.assert_allclose(float(out), np.mean(np_bce(np.array([[0.], [1.]]), np.array([[0.3], [0.6]]))))
    # half-precision predictions are computed in float32 by the loss classes (saturated ones too)
    half = losses.BinaryCrossentropy()(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]], np.float16))
    assert half.dtype == tf.float32 and np.isfinite(float(half))
    # integer predictions become float32; an explicit dtype is used as given
    assert losses.MeanSquaredError()([[1]], [[3]]).dtype == tf.float32
    assert float(losses.MeanSquaredError()([[1]], [[3]])) == 4.0
    loss64 = losses.MeanSquaredError(dtype="float64")
    assert loss64([[1.0]], [[2.5]]).dtype == tf.float64 and loss64.dtype == "float64"
    assert losses.MeanSquaredError.from_config(loss64.get_config()).dtype == "float64"


def test_shape_errors_name_the_loss_and_both_shapes():
    with pytest.raises(ValueError, match=r"mean_squared_error: y_true of shape \(4, 3\) and y_pred of "
                                         r"shape \(4, 2\)"):
        losses.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"categorical_crossentropy: y_true of shape \(2,\) and y_pred of "
                                         r"shape \(2, 3\).*sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()([0, 2], np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"binary_crossentropy: y_true of shape \(2, 3\) and y_pred of "
                                         r"shape \(2, 1\)"):
        losses.binary_crossentropy(np.zeros((2, 3)), np.full((2, 1), 0.5))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: y_true of shape \(2, 3\) and "
                                         r"y_pred of shape \(2, 3\).*categorical_crossentropy"):
        losses.SparseCategoricalCrossentropy()(np.eye(3)[:2], np.full((2, 3), 1 / 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label value of 3 .*\[0, 3\)"):
        losses.sparse_categorical_crossentropy([0, 3], np.full((2, 3), 1 / 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label value of -1 .*\[0, 3\)"):
        losses.sparse_categorical_crossentropy([0, -1], np.full((2, 3), 1 / 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"sparse_categorical_crossentropy: .*-1.*\[0, 3\)"):
        losses.sparse_categorical_crossentropy([0, -1], np.full((2, 3), 1 / 3), from_logits=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"sparse_categorical_crossentropy: .*7.*\[0, 3\)"):
        losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)([7, -1], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy([[0., 1.]], [[0.5, 0.5]], axis=True)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy([[1.0]], [[0.9]])


def test_axis_argument():
    t = np.swapaxes(ONEHOT, 0, 1)  # classes on axis 0
    p = np.swapaxes(DIST_P, 0, 1)
    np.testing.assert_allclose(losses.categorical_crossentropy(t, p, axis=0).numpy(), np_cce(ONEHOT, DIST_P),
                               rtol=1e-10)
    np.testing.assert_allclose(losses.categorical_crossentropy(t, np.swapaxes(LOGITS, 0, 1), from_logits=True,
                                                               axis=0).numpy(),
                               np_cce(ONEHOT, LOGITS, True), rtol=1e-10)
    labels = ONEHOT.argmax(-1)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(labels, p, axis=0).numpy(),
                               np_scce(labels, DIST_P), rtol=1e-10)
    np.testing.assert_allclose(losses.cosine_similarity(REAL_T, REAL_P, axis=0).numpy(),
                               np_cosine(REAL_T, REAL_P, axis=0), rtol=1e-10)
    np.testing.assert_allclose(losses.binary_crossentropy(BIN_T, PROB_P, axis=0).numpy(),
                               np.mean(-(BIN_T * np.log(PROB_P) + (1 - BIN_T) * np.log(1 - PROB_P)), 0),
                               rtol=1e-10)


# -- from_logits and label smoothing ----------------------------------------------------------------
def test_from_logits_equals_probabilities():
    sig = 1 / (1 + np.exp(-LOGITS))
    np.testing.assert_allclose(losses.binary_crossentropy(BIN_T, LOGITS, from_logits=True).numpy(),
                               losses.binary_crossentropy(BIN_T, sig).numpy(), rtol=1e-6)
    np.testing.assert_allclose(losses.categorical_crossentropy(ONEHOT, LOGITS, from_logits=True).numpy(),
                               losses.categorical_crossentropy(ONEHOT, np_softmax(LOGITS)).numpy(), rtol=1e-6)
    labels = ONEHOT.argmax(-1)
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(labels, LOGITS, from_logits=True).numpy(),
        losses.sparse_categorical_crossentropy(labels, np_softmax(LOGITS)).numpy(), rtol=1e-6)
    # the same through cornu's own activations, in float32
    z = tf.constant(LOGITS.astype(np.float32))
    np.testing.assert_allclose(float(losses.CategoricalCrossentropy(from_logits=True)(ONEHOT, z)),
                               float(losses.CategoricalCrossentropy()(ONEHOT, tf.nn.softmax(z))), rtol=1e-5)
    np.testing.assert_allclose(float(losses.BinaryCrossentropy(from_logits=True)(BIN_T, z)),
                               float(losses.BinaryCrossentropy()(BIN_T, tf.sigmoid(z))), rtol=1e-5)


def test_label_smoothing():
    s = 0.2
    np.testing.assert_allclose(losses.binary_crossentropy(BIN_T, PROB_P, label_smoothing=s).numpy(),
                               losses.binary_crossentropy(BIN_T * (1 - s) + 0.5 * s, PROB_P).numpy(), rtol=1e-12)
    np.testing.assert_allclose(losses.categorical_crossentropy(ONEHOT, DIST_P, label_smoothing=s).numpy(),
                               losses.categorical_crossentropy(ONEHOT * (1 - s) + s / C, DIST_P).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(losses.categorical_crossentropy(ONEHOT, DIST_P, label_smoothing=s).numpy(),
                               np_cce(ONEHOT, DIST_P, label_smoothing=s), rtol=1e-10)
    # with smoothing, a perfect confident prediction is no longer optimal
    assert float(losses.CategoricalCrossentropy(label_smoothing=s)([[0., 1.]], [[0.01, 0.99]])) > \
        float(losses.CategoricalCrossentropy(label_smoothing=s)([[0., 1.]], [[0.1, 0.9]]))


# -- stability ---------------------------------------------------------------------------------------
def _value_and_grad(fn, y_true, y_pred):
    x = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = fn(y_true, x)
    return value.numpy(), tape.gradient(value, x).numpy()


SATURATED_T = np.array([[0., 1., 0.], [1., 0., 0.], [0., 0., 1.]], np.float32)
SATURATED_P = np.array([[0., 1., 0.], [0., 1., 0.], [1., 0., 0.]], np.float32)


@pytest.mark.parametrize("loss", [losses.BinaryCrossentropy(), losses.CategoricalCrossentropy(),
                                  losses.KLDivergence(), losses.Poisson(), losses.MeanSquaredLogarithmicError(),
                                  losses.CosineSimilarity(), losses.MeanAbsolutePercentageError(),
                                  losses.CategoricalCrossentropy(label_smoothing=0.1)],
                         ids=lambda loss: loss.name)
def test_saturated_probabilities_give_finite_loss_and_gradient(loss):
    value, grad = _value_and_grad(loss, SATURATED_T, SATURATED_P)
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_saturated_cross_entropy_values():
    # a certain right answer costs ~0, a certain wrong one -log(EPSILON), never inf
    bound = -math.log(EPS)
    value = losses.categorical_crossentropy(SATURATED_T, SATURATED_P).numpy()
    np.testing.assert_allclose(value, [0, bound, bound], atol=1e-5, rtol=1e-5)
    value = losses.sparse_categorical_crossentropy([1, 0, 2], SATURATED_P).numpy()
    np.testing.assert_allclose(value, [0, bound, bound], atol=1e-5, rtol=1e-5)
    value, grad = _value_and_grad(losses.SparseCategoricalCrossentropy(), [1, 0, 2], SATURATED_P)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    value = losses.binary_crossentropy([[1.0, 0.0]], np.array([[0.0, 1.0]], np.float32)).numpy()
    assert np.all(np.isfinite(value)) and value[0] > 15
    # an all-zero probability row is not a distribution, but still gives no NaN
    value, grad = _value_and_grad(losses.CategoricalCrossentropy(), [[0., 1.]], np.zeros((1, 2), np.float32))
    assert np.isfinite(value) and np.all(np.isfinite(grad))


HUGE = np.array([[1e4, -1e4, 0.0], [-3e4, 2e4, 5.0], [88.0, -104.0, 1e38]], np.float32)


@pytest.mark.parametrize("loss,y", [
    (losses.BinaryCrossentropy(from_logits=True), SATURATED_T),
    (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), SATURATED_T),
    (losses.CategoricalCrossentropy(from_logits=True), SATURATED_T),
    (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), SATURATED_T),
    (losses.SparseCategoricalCrossentropy(from_logits=True), [1, 0, 2]),
    (losses.LogCosh(), SATURATED_T),
    (losses.Huber(), SATURATED_T),
], ids=lambda v: getattr(v, "name", "y"))
def test_huge_logits_give_finite_loss_and_gradient(loss, y):
    value, grad = _value_and_grad(loss, y, HUGE)
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_huge_logit_values_are_exact():
    z = np.array([[1000.0, 0.0], [0.0, 1000.0]], np.float32)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([0, 0], z, from_logits=True).numpy(),
                               [0.0, 1000.0])
    np.testing.assert_allclose(losses.categorical_crossentropy([[1., 0.], [1., 0.]], z, from_logits=True).numpy(),
                               [0.0, 1000.0])
    np.testing.assert_allclose(losses.binary_crossentropy([[1., 0.]], np.array([[1000.0, 1000.0]], np.float32),
                                                          from_logits=True).numpy(), [500.0])
    np.testing.assert_allclose(losses.log_cosh([[0.0]], np.array([[1000.0]], np.float32)).numpy(),
                               [1000.0 - math.log(2)])


# -- gradients by finite differences (float64) ------------------------------------------------------
T2, P2 = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
PROB2 = RNG.uniform(0.1, 0.9, size=(3, 4))
BIN2 = RNG.integers(0, 2, size=(3, 4)).astype(float)
HOT2 = np.eye(4)[[0, 3, 1]]
W2 = np.array([0.5, 1.0, 2.0])

GRAD_CASES = [
    GradCase(lambda p: losses.MeanSquaredError()(T2, p), [P2], second_order=True),
    GradCase(lambda t, p: losses.mean_absolute_error(t, p), [T2, P2]),
    GradCase(lambda p: losses.BinaryCrossentropy()(BIN2, p, sample_weight=W2), [PROB2], second_order=True),
    GradCase(lambda p: losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)(BIN2, p), [P2 * 3],
             second_order=True),
    GradCase(lambda p: losses.CategoricalCrossentropy()(HOT2, p), [PROB2]),
    GradCase(lambda t, p: losses.categorical_crossentropy(t, p, from_logits=True), [PROB2, P2 * 3]),
    GradCase(lambda p: losses.SparseCategoricalCrossentropy(from_logits=True)([0, 3, 1], p), [P2],
             second_order=True),
    GradCase(lambda p: losses.SparseCategoricalCrossentropy()([[0], [3], [1]], p), [PROB2]),
    GradCase(lambda p: losses.Huber(delta=0.7)(T2, p), [P2]),
    GradCase(lambda p: losses.LogCosh()(T2, p), [P2 * 5], second_order=True),
    GradCase(lambda p: losses.CosineSimilarity()(T2, p), [P2]),
    GradCase(lambda p: losses.KLDivergence()(np_softmax(T2), p), [PROB2]),
    GradCase(lambda p: losses.Poisson()(np.abs(T2), p), [PROB2]),
    GradCase(lambda p: losses.MeanSquaredLogarithmicError()(np.abs(T2), p), [PROB2]),
    GradCase(lambda p: losses.Hinge()(np.sign(T2), p), [P2 * 0.4]),
    GradCase(lambda p: losses.SquaredHinge()(np.sign(T2), p), [P2 * 0.4]),
    GradCase(lambda p: losses.CategoricalHinge()(HOT2, p), [P2]),
    GradCase(lambda p: losses.MeanAbsolutePercentageError()(T2, p), [P2]),
]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[f"grad-{i}" for i in range(len(GRAD_CASES))])
def test_gradients_match_finite_differences(case):
    check_grad(case)


# -- get / serialize / deserialize --------------------------------------------------------------------
ALL_CLASSES = [losses.MeanSquaredError, losses.MeanAbsoluteError, losses.MeanAbsolutePercentageError,
               losses.MeanSquaredLogarithmicError, losses.BinaryCrossentropy, losses.CategoricalCrossentropy,
               losses.SparseCategoricalCrossentropy, losses.Hinge, losses.SquaredHinge,
               losses.CategoricalHinge, losses.KLDivergence, losses.Poisson, losses.Huber, losses.LogCosh,
               losses.CosineSimilarity]


def test_get_by_name_alias_class_and_callable():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.get("mae") is losses.mean_absolute_error
    assert losses.get("mape") is losses.mean_absolute_percentage_error
    assert losses.get("msle") is losses.mean_squared_logarithmic_error
    assert losses.get("kld") is losses.kl_divergence is losses.kullback_leibler_divergence
    assert losses.get("bce") is losses.binary_crossentropy
    assert losses.get("sparse_categorical_crossentropy") is losses.sparse_categorical_crossentropy
    for cls in ALL_CLASSES:
        obj = losses.get(cls.__name__)
        assert type(obj) is cls
        assert type(losses.get(cls)) is cls
        assert losses.get(obj) is obj
    fn = lambda t, p: t - p  # noqa: E731
    assert losses.get(fn) is fn
    assert losses.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get("not_a_loss")
    with pytest.raises(ValueError):
        losses.get(42)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_serialize_round_trip(cls):
    loss = cls(reduction="sum", name="custom_name")
    config = losses.serialize(loss)
    assert config["class_name"] == cls.__name__ and config["module"] == "keras.losses"
    clone = losses.deserialize(config)
    assert type(clone) is cls and clone.get_config() == loss.get_config()
    assert clone.name == "custom_name" and clone.reduction == "sum"
    assert type(losses.get(config)) is cls


def test_serialize_keeps_arguments_and_functions():
    for loss in (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, axis=-1),
                 losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
                 losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255),
                 losses.Huber(delta=2.5), losses.CosineSimilarity(axis=1)):
        clone = losses.deserialize(losses.serialize(loss))
        assert clone.get_config() == loss.get_config()
        assert clone._fn_kwargs == loss._fn_kwargs
    config = losses.serialize(losses.mean_squared_error)
    assert config["class_name"] == "function" and config["config"] == "mean_squared_error"
    assert losses.deserialize(config) is losses.mean_squared_error
    assert losses.deserialize("huber") is losses.huber
    wrapper = losses.LossFunctionWrapper(losses.huber, reduction="sum", delta=0.3)
    clone = losses.LossFunctionWrapper.from_config(wrapper.get_config())
    assert clone.fn is losses.huber and clone._fn_kwargs == {"delta": 0.3}
    np.testing.assert_allclose(float(clone(T2, P2)), np_huber(T2, P2, 0.3).sum(), rtol=1e-10)
    assert losses.deserialize(losses.serialize(wrapper)).fn is losses.huber

    def my_loss(y_true, y_pred):
        return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)

    config = losses.serialize(my_loss)
    assert config["registered_name"] == "my_loss"
    assert losses.deserialize(config, custom_objects={"my_loss": my_loss}) is my_loss
    with pytest.raises(ValueError, match="Unknown loss function"):
        losses.deserialize(config)


def test_custom_loss_subclass_and_config():
    class Scaled(losses.Loss):
        def __init__(self, scale=2.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1) * self.scale

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    loss = Scaled(scale=3.0, reduction="sum")
    assert loss.name == "scaled"
    np.testing.assert_allclose(float(loss(T2, P2)), 3 * np_mse(T2, P2).sum(), rtol=1e-10)
    config = losses.serialize(loss)
    assert config["registered_name"] == "Scaled"
    clone = losses.deserialize(config, custom_objects={"Scaled": Scaled})
    assert clone.scale == 3.0 and clone.reduction == "sum"
    with pytest.raises(NotImplementedError):
        losses.Loss()(T2, P2)


def test_get_loss_and_loss_kind_for_compile():
    wrapped = losses.get_loss("mse")
    assert isinstance(wrapped, losses.LossFunctionWrapper) and wrapped.name == "mse"
    np.testing.assert_allclose(float(wrapped(T2, P2, sample_weight=W2)), (np_mse(T2, P2) * W2).mean())
    assert losses.get_loss("ce", (None,), (None, 1)).fn is losses.binary_crossentropy
    assert losses.get_loss("crossentropy", (None,), (None, 10)).fn is losses.sparse_categorical_crossentropy
    assert losses.get_loss("ce", (None, 10), (None, 10)).fn is losses.categorical_crossentropy
    instance = losses.Huber()
    assert losses.get_loss(instance) is instance
    for loss, kind in [("binary_crossentropy", "binary"), ("bce", "binary"), (losses.binary_crossentropy, "binary"),
                       (losses.BinaryCrossentropy(from_logits=True), "binary"), (losses.BinaryCrossentropy, "binary"),
                       ("categorical_crossentropy", "categorical"), (losses.CategoricalCrossentropy(), "categorical"),
                       ("SparseCategoricalCrossentropy", "sparse"), (losses.sparse_categorical_crossentropy, "sparse"),
                       (losses.get_loss("sparse_categorical_crossentropy"), "sparse"),
                       ("mse", None), (losses.Huber(), None), (None, None), (lambda t, p: t, None)]:
        assert losses.loss_kind(loss) == kind, loss


def test_tf2_reduction_names():
    assert losses.Reduction.SUM_OVER_BATCH_SIZE == "sum_over_batch_size"
    assert losses.MeanSquaredError(reduction=losses.Reduction.AUTO).reduction == "sum_over_batch_size"
    assert losses.MeanSquaredError(reduction=losses.Reduction.NONE)(T2, P2).shape == (3,)


def test_empty_batch_gives_zero_not_nan():
    assert float(losses.MeanSquaredError()(np.zeros((0, 3)), np.zeros((0, 3)))) == 0.0


def test_losses_module_has_no_warnings_on_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.CategoricalCrossentropy()(ONEHOT, DIST_P)
        losses.SparseCategoricalCrossentropy(from_logits=True)(ONEHOT.argmax(-1), LOGITS)


def test_docstring_examples_run():
    import doctest
    result = doctest.testmod(losses, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0
