"""Metrics: state accumulation over several updates, reset, sample weights, results against NumPy
references (accuracies, precision/recall at thresholds, AUC from confusion matrices at the same
thresholds), configs, get/serialize/deserialize, and compile's 'accuracy' rule."""
import numpy as np
import pytest

import cornu as tf
from cornu.keras import losses, metrics

RNG = np.random.default_rng(7)
EPS = 1e-7


def f(x):
    return float(np.asarray(x))


# -- base classes: Mean, Sum, MeanMetricWrapper -----------------------------------------------------
def test_mean_accumulates_weights_and_resets():
    m = metrics.Mean()
    assert m.name == "mean" and m.dtype == "float32"
    assert [v.name for v in m.variables] == ["total:0", "count:0"]
    assert all(isinstance(v, tf.Variable) and not v.trainable for v in m.variables)
    assert m.trainable_variables == [] and len(m.non_trainable_variables) == 2
    assert f(m.result()) == 0.0  # nothing seen yet: 0, not NaN
    m.update_state([1, 3, 5, 7])
    m.update_state([[2.0], [4.0]])  # (N, 1): one value per sample
    assert f(m.result()) == pytest.approx(22 / 6)
    m.update_state([10.0, 20.0], sample_weight=[0.5, 0.0])
    assert f(m.result()) == pytest.approx((22 + 5) / 6.5)
    m.reset_state()
    assert f(m.result()) == 0.0 and f(m.count) == 0.0
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert f(m.result()) == 2.0
    m.reset_states()  # TF2 alias
    assert f(m.total) == 0.0
    # values of shape (N, T) are averaged per sample first, weights of (N,) or (N, 1) per sample
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]), sample_weight=np.array([[1.0], [3.0]]))
    assert f(m.result()) == pytest.approx((2 * 1 + 6 * 3) / 4)
    assert f(m([100.0])) == pytest.approx((2 + 18 + 100) / 5)  # __call__ updates and returns the result
    assert m.result().dtype == tf.float32


def test_sum_and_scalar_values():
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    s.update_state(10.0)
    s.update_state(np.array([[1.0, 2.0]]))
    assert f(s.result()) == 17.0
    s.reset_state()
    assert f(s.result()) == 0.0
    m = metrics.Mean(dtype="float64")
    m.update_state(2.0, sample_weight=3.0)
    m.update_state(4.0)
    assert m.result().dtype == tf.float64 and f(m.result()) == pytest.approx((6 + 4) / 4)


def test_mean_metric_wrapper_and_config():
    m = metrics.MeanMetricWrapper(losses.huber, name="hub", delta=0.5)
    t, p = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    m.update_state(t[:2], p[:2])
    m.update_state(t[2:], p[2:])
    e = np.abs(p - t)
    ref = np.where(e <= 0.5, 0.5 * e ** 2, 0.5 * e - 0.125).mean(-1).mean()
    assert f(m.result()) == pytest.approx(ref, rel=1e-6)
    config = m.get_config()
    assert config["name"] == "hub" and config["delta"] == 0.5 and config["fn"]["config"] == "huber"
    clone = metrics.MeanMetricWrapper.from_config(config)
    assert clone._fn is losses.huber and clone._fn_kwargs == {"delta": 0.5}
    assert metrics.MeanMetricWrapper(losses.mean_absolute_error).name == "mean_absolute_error"


def test_custom_metric_subclass():
    class Max(metrics.Metric):
        def __init__(self, name="max", dtype=None):
            super().__init__(name=name, dtype=dtype)
            self.best = self.add_weight(name="best", shape=(), initializer="zeros")

        def update_state(self, values, sample_weight=None):
            self.best.assign(tf.maximum(self.best, tf.reduce_max(tf.cast(values, self.dtype))))

        def result(self):
            return self.best.read_value()

    m = Max()
    m.update_state([1.0, 5.0])
    m.update_state([3.0])
    assert f(m.result()) == 5.0 and len(m.variables) == 1
    m.reset_state()
    assert f(m.result()) == 0.0
    with pytest.raises(NotImplementedError):
        metrics.Metric().update_state(1)


# -- accuracies --------------------------------------------------------------------------------------
def np_weighted_mean(values, w=None):
    w = np.ones(len(values)) if w is None else np.asarray(w, float)
    return np.sum(values * w) / np.sum(w)


N, C = 12, 5
PROBS = RNG.dirichlet(np.ones(C), size=N)
LABELS = RNG.integers(0, C, size=N)
ONEHOT = np.eye(C)[LABELS]
BIN_P = RNG.uniform(size=(N, 1))
BIN_T = RNG.integers(0, 2, size=(N, 1)).astype(float)
W = RNG.uniform(0, 2, size=N)


def _split_updates(metric, y_true, y_pred, w=None):
    """Feed the data in three batches; the result must equal one pass over everything."""
    for sl in (slice(0, 5), slice(5, 6), slice(6, None)):
        metric.update_state(y_true[sl], y_pred[sl], sample_weight=None if w is None else w[sl])
    return f(metric.result())


@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy_metrics_against_numpy(weighted):
    w = W if weighted else None
    cases = [
        (metrics.Accuracy(), np.round(BIN_P * 2), np.round(BIN_P * 2) * (RNG.uniform(size=(N, 1)) > 0.3),
         None),
        (metrics.BinaryAccuracy(), BIN_T, BIN_P, ((BIN_P > 0.5) == BIN_T)[:, 0]),
        (metrics.BinaryAccuracy(threshold=0.7), BIN_T, BIN_P, ((BIN_P > 0.7) == BIN_T)[:, 0]),
        (metrics.CategoricalAccuracy(), ONEHOT, PROBS, PROBS.argmax(-1) == LABELS),
        (metrics.SparseCategoricalAccuracy(), LABELS, PROBS, PROBS.argmax(-1) == LABELS),
        (metrics.SparseCategoricalAccuracy(), LABELS.reshape(N, 1).astype(np.float32), PROBS,
         PROBS.argmax(-1) == LABELS),
    ]
    for metric, t, p, hits in cases:
        if hits is None:
            hits = (t == p)[:, 0]
        assert _split_updates(metric, t, p, w) == pytest.approx(np_weighted_mean(hits, w), rel=1e-6), metric.name
        metric.reset_state()
        assert f(metric.result()) == 0.0


def np_in_top_k(labels, probs, k):
    kth = -np.sort(-probs, axis=-1)[:, k - 1]
    return probs[np.arange(len(labels)), labels] >= kth


@pytest.mark.parametrize("k", [1, 2, 3, 5, 7])
def test_top_k_accuracy_against_numpy(k):
    hits = np_in_top_k(LABELS, PROBS, min(k, C))
    assert _split_updates(metrics.TopKCategoricalAccuracy(k=k), ONEHOT, PROBS, W) == \
        pytest.approx(np_weighted_mean(hits, W), rel=1e-6)
    assert _split_updates(metrics.SparseTopKCategoricalAccuracy(k=k), LABELS, PROBS) == \
        pytest.approx(hits.mean(), rel=1e-6)
    sorted_ids = np.argsort(-PROBS, axis=-1, kind="stable")
    assert _split_updates(metrics.SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True), LABELS,
                          sorted_ids) == pytest.approx(hits.mean(), rel=1e-6)


def test_top_k_ties_and_sequences():
    # ties at the k-th score count as in the top k (TF's in_top_k)
    p = np.array([[0.3, 0.3, 0.3, 0.1], [0.1, 0.2, 0.3, 0.4]])
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy([1, 0], p, k=1).numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy([3, 2], p, k=1).numpy(), [0.0, 0.0])
    # (batch, time, classes) predictions keep the (batch, time) shape of the labels
    seq_p = RNG.uniform(size=(2, 3, 4))
    seq_t = RNG.integers(0, 4, size=(2, 3))
    out = metrics.sparse_top_k_categorical_accuracy(seq_t, seq_p, k=2)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out.numpy().ravel(), np_in_top_k(seq_t.ravel(), seq_p.reshape(-1, 4), 2))
    out = metrics.top_k_categorical_accuracy(np.eye(4)[seq_t], seq_p, k=2)
    np.testing.assert_array_equal(out.numpy().ravel(), np_in_top_k(seq_t.ravel(), seq_p.reshape(-1, 4), 2))


def test_accuracy_functions_shapes_and_keras_examples():
    np.testing.assert_array_equal(metrics.binary_accuracy([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]),
                                  [1, 1, 1, 0])
    np.testing.assert_array_equal(metrics.binary_accuracy([1, 1, 0, 0], [[0.98], [1], [0], [0.6]]),
                                  [1, 1, 1, 0])
    np.testing.assert_array_equal(metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]],
                                                               [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), [0, 1])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy([[2], [1]],
                                                                      [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]), [0, 1])
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert f(m.result()) == pytest.approx(0.3)
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    assert f(m.result()) == 0.5
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: y_true of shape \(2, 3\)"):
        metrics.sparse_categorical_accuracy(np.eye(3)[:2], np.eye(3)[:2])
    with pytest.raises(ValueError, match=r"categorical_accuracy: y_true of shape \(2,\) and y_pred of shape \(2, 3\)"):
        metrics.categorical_accuracy([0, 1], np.eye(3)[:2])
    with pytest.raises(ValueError, match="threshold"):
        metrics.BinaryAccuracy(threshold=1.5)


# -- regression metrics ------------------------------------------------------------------------------
def test_regression_metrics_against_numpy():
    t, p = RNG.normal(size=(N, 3)), RNG.normal(size=(N, 3))
    err = p - t
    cases = [(metrics.MeanSquaredError(), (err ** 2).mean(-1)),
             (metrics.MeanAbsoluteError(), np.abs(err).mean(-1)),
             (metrics.MeanAbsolutePercentageError(), 100 * np.abs(err / np.maximum(np.abs(t), EPS)).mean(-1)),
             (metrics.LogCoshError(), np.log(np.cosh(err)).mean(-1)),
             (metrics.CosineSimilarity(), np.sum(t * p, -1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1))]
    for metric, per_sample in cases:
        assert _split_updates(metric, t, p, W) == pytest.approx(np_weighted_mean(per_sample, W), rel=1e-5), metric.name
    rmse = metrics.RootMeanSquaredError()
    assert _split_updates(rmse, t, p, W) == pytest.approx(np.sqrt(np_weighted_mean((err ** 2).mean(-1), W)),
                                                          rel=1e-5)
    assert f(metrics.RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])) == 0.5
    logits = RNG.normal(size=(N, C))
    bce = metrics.BinaryCrossentropy(from_logits=True)
    assert _split_updates(bce, (ONEHOT > 0).astype(float), logits) == pytest.approx(
        f(losses.BinaryCrossentropy(from_logits=True)(ONEHOT, logits)), rel=1e-6)
    scce = metrics.SparseCategoricalCrossentropy()
    assert _split_updates(scce, LABELS, PROBS) == pytest.approx(
        f(losses.SparseCategoricalCrossentropy()(LABELS, PROBS)), rel=1e-6)


# -- confusion-matrix metrics --------------------------------------------------------------------------
def np_confusion(y_true, y_pred, thresholds, w=None):
    """(tp, fp, tn, fn) at each threshold; positive prediction: y_pred > t; positive label: y != 0."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    w = np.ones_like(y_pred) if w is None else np.broadcast_to(np.asarray(w, float), y_pred.shape)
    out = []
    for t in thresholds:
        pos_pred, pos_label = y_pred > t, y_true != 0
        out.append([np.sum(w * (pos_pred & pos_label)), np.sum(w * (pos_pred & ~pos_label)),
                    np.sum(w * (~pos_pred & ~pos_label)), np.sum(w * (~pos_pred & pos_label))])
    return np.array(out).T


def np_div(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))


SCORES = RNG.uniform(size=40)
TRUTH = (RNG.uniform(size=40) < SCORES).astype(float)  # informative but imperfect scores
SW = RNG.uniform(0, 2, size=40)


def test_confusion_counts():
    tp, fp, tn, fn = np_confusion(TRUTH, SCORES, [0.5], SW)
    for cls, ref in ((metrics.TruePositives, tp), (metrics.FalsePositives, fp),
                     (metrics.TrueNegatives, tn), (metrics.FalseNegatives, fn)):
        m = cls()
        assert _split_updates(m, TRUTH, SCORES, SW) == pytest.approx(ref[0], rel=1e-5), cls.__name__
        m2 = cls(thresholds=[0.2, 0.7])
        m2.update_state(TRUTH, SCORES)
        np.testing.assert_allclose(m2.result().numpy(), dict(zip(
            ("TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"),
            np_confusion(TRUTH, SCORES, [0.2, 0.7])))[cls.__name__], rtol=1e-6)
    assert f(metrics.TruePositives()([0, 1, 1, 1], [1, 0, 1, 1])) == 2.0


@pytest.mark.parametrize("thresholds", [None, 0.3, [0.0, 0.25, 0.5, 0.9, 1.0]])
def test_precision_recall_against_numpy(thresholds):
    th = [0.5] if thresholds is None else np.atleast_1d(thresholds)
    tp, fp, tn, fn = np_confusion(TRUTH, SCORES, th, SW)
    p = metrics.Precision(thresholds=thresholds)
    r = metrics.Recall(thresholds=thresholds)
    got_p = _split_updates(p, TRUTH, SCORES, SW) if np.ndim(thresholds) == 0 else None
    if got_p is None:
        for sl in (slice(0, 17), slice(17, None)):
            p.update_state(TRUTH[sl], SCORES[sl], SW[sl])
            r.update_state(TRUTH[sl], SCORES[sl], SW[sl])
        np.testing.assert_allclose(p.result().numpy(), np_div(tp, tp + fp), rtol=1e-5)
        np.testing.assert_allclose(r.result().numpy(), np_div(tp, tp + fn), rtol=1e-5)
        assert p.result().shape == (len(th),)
    else:
        assert got_p == pytest.approx(np_div(tp, tp + fp)[0], rel=1e-5)
        assert _split_updates(r, TRUTH, SCORES, SW) == pytest.approx(np_div(tp, tp + fn)[0], rel=1e-5)
        assert p.result().shape == ()
    p.reset_state()
    assert np.all(p.result().numpy() == 0)


def test_precision_recall_top_k_class_id_and_keras_examples():
    m = metrics.Precision()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert f(m.result()) == pytest.approx(2 / 3)
    m.reset_state()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert f(m.result()) == 1.0
    # top_k: only the k best classes of each row can be positive
    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert f(m.result()) == 0.0
    y_true = np.array([[0, 0, 1, 1], [1, 0, 0, 1]])
    y_pred = np.array([[0.9, 0.1, 0.8, 0.2], [0.3, 0.7, 0.1, 0.8]])
    for cls, ref in ((metrics.Precision, 2 / 4), (metrics.Recall, 2 / 4)):
        m = cls(top_k=2)
        m.update_state(y_true, y_pred)
        assert f(m.result()) == pytest.approx(ref), cls.__name__
    # class_id: score one column only
    m = metrics.Precision(class_id=2)
    m.update_state(y_true, y_pred)
    assert f(m.result()) == 1.0  # column 2: predictions 0.8 (label 1) and 0.1
    m = metrics.Recall(class_id=0)
    m.update_state(y_true, y_pred)
    assert f(m.result()) == 0.0  # column 0: label 1 only in row 1, predicted 0.3
    m = metrics.Recall(top_k=1, class_id=3)
    m.update_state(y_true, y_pred)
    assert f(m.result()) == 0.5  # row 1's best is class 3 (0.8): tp; row 0's best is class 0: fn
    with pytest.raises(ValueError, match="Threshold values must be in"):
        metrics.Precision(thresholds=[0.5, 1.5])
    config = metrics.Recall(thresholds=[0.2, 0.4], top_k=3, class_id=1, name="r").get_config()
    assert config == {"name": "r", "dtype": "float32", "thresholds": [0.2, 0.4], "top_k": 3, "class_id": 1}


# -- AUC -------------------------------------------------------------------------------------------
def np_auc_thresholds(num_thresholds):
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return np.array([-EPS] + inner + [1 + EPS])


def np_roc_auc(y, s, th, w=None, summation="interpolation"):
    tp, fp, tn, fn = np_confusion(y, s, th, w)
    tpr, fpr = np_div(tp, tp + fn), np_div(fp, fp + tn)
    heights = {"interpolation": (tpr[:-1] + tpr[1:]) / 2, "minoring": np.minimum(tpr[:-1], tpr[1:]),
               "majoring": np.maximum(tpr[:-1], tpr[1:])}[summation]
    return np.sum((fpr[:-1] - fpr[1:]) * heights)


def np_pr_auc_interpolated(y, s, th, w=None, steps=4000):
    """Integrate Davis & Goadrich's interpolated precision numerically: between two thresholds, tp
    moves linearly with the number of predicted positives p, precision = tp / p, recall = tp / P."""
    tp, fp, tn, fn = np_confusion(y, s, th, w)
    p = tp + fp
    positives = tp[0] + fn[0]
    area = 0.0
    for i in range(len(th) - 1):
        dp, dtp = p[i] - p[i + 1], tp[i] - tp[i + 1]
        if dp <= 0 or dtp == 0:
            continue
        slope = dtp / dp
        mids = p[i + 1] + (np.arange(steps) + 0.5) / steps * dp  # midpoint rule over p
        precision = (tp[i + 1] + slope * (mids - p[i + 1])) / mids
        area += np.sum(precision) * (dp / steps) * slope / positives
    return area


@pytest.mark.parametrize("num_thresholds", [3, 10, 200])
def test_auc_roc_against_numpy_confusion_matrices(num_thresholds):
    th = np_auc_thresholds(num_thresholds)
    m = metrics.AUC(num_thresholds=num_thresholds)
    assert m.thresholds == pytest.approx(list(th))
    got = _split_updates(m, TRUTH, SCORES)
    assert got == pytest.approx(np_roc_auc(TRUTH, SCORES, th), rel=1e-5)
    mw = metrics.AUC(num_thresholds=num_thresholds)
    assert _split_updates(mw, TRUTH, SCORES, SW) == pytest.approx(np_roc_auc(TRUTH, SCORES, th, SW), rel=1e-5)
    for summation in ("minoring", "majoring"):
        ms = metrics.AUC(num_thresholds=num_thresholds, summation_method=summation)
        assert _split_updates(ms, TRUTH, SCORES) == pytest.approx(
            np_roc_auc(TRUTH, SCORES, th, summation=summation), rel=1e-5, abs=1e-7)


def test_auc_roc_equals_rank_statistic_when_thresholds_separate_the_scores():
    n = 30
    scores = RNG.permutation((np.arange(n) + 0.5) / n)  # one score strictly inside each bucket
    labels = (RNG.uniform(size=n) < scores).astype(float)
    pos, neg = scores[labels == 1], scores[labels == 0]
    mann_whitney = np.mean(pos[:, None] > neg[None, :])
    m = metrics.AUC(num_thresholds=2 * n + 1)
    m.update_state(labels, scores)
    assert f(m.result()) == pytest.approx(mann_whitney, rel=1e-5)


def test_auc_pr_interpolation_against_numerical_integration():
    for num_thresholds in (5, 50):
        th = np_auc_thresholds(num_thresholds)
        m = metrics.AUC(num_thresholds=num_thresholds, curve="PR")
        got = _split_updates(m, TRUTH, SCORES, SW)
        assert got == pytest.approx(np_pr_auc_interpolated(TRUTH, SCORES, th, SW), rel=1e-4)
    # 'majoring' / 'minoring' PR: rectangles under precision over recall
    th = np_auc_thresholds(20)
    tp, fp, tn, fn = np_confusion(TRUTH, SCORES, th)
    recall, precision = np_div(tp, tp + fn), np_div(tp, tp + fp)
    m = metrics.AUC(num_thresholds=20, curve="pr", summation_method="majoring")
    m.update_state(TRUTH, SCORES)
    assert f(m.result()) == pytest.approx(np.sum((recall[:-1] - recall[1:]) * np.maximum(precision[:-1],
                                                                                          precision[1:])), rel=1e-5)


def test_auc_keras_example_explicit_thresholds_logits_and_multi_label():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert f(m.result()) == pytest.approx(0.75)
    # explicit thresholds give the same as the evenly spaced ones they equal
    a = metrics.AUC(thresholds=[0.25, 0.5, 0.75])
    b = metrics.AUC(num_thresholds=5)
    assert a.num_thresholds == 5
    for m in (a, b):
        m.update_state(TRUTH, SCORES)
    assert f(a.result()) == pytest.approx(f(b.result()))
    assert a.get_config()["thresholds"] == [0.25, 0.5, 0.75]
    # from_logits applies a sigmoid first
    logits = np.log(SCORES / (1 - SCORES))
    c = metrics.AUC(num_thresholds=50, from_logits=True)
    c.update_state(TRUTH, logits)
    d = metrics.AUC(num_thresholds=50)
    d.update_state(TRUTH, SCORES)
    assert f(c.result()) == pytest.approx(f(d.result()), rel=1e-5)
    # multi_label: one AUC per column, averaged (optionally weighted)
    y = (RNG.uniform(size=(40, 3)) < 0.5).astype(float)
    s = np.clip(y * 0.3 + RNG.uniform(size=(40, 3)) * 0.7, 0, 1)
    th = np_auc_thresholds(30)
    per_label = np.array([np_roc_auc(y[:, j], s[:, j], th) for j in range(3)])
    ml = metrics.AUC(num_thresholds=30, multi_label=True)
    assert _split_updates(ml, y, s) == pytest.approx(per_label.mean(), rel=1e-5)
    assert ml.true_positives.shape == (30, 3)
    weighted = metrics.AUC(num_thresholds=30, multi_label=True, num_labels=3, label_weights=[1.0, 0.0, 3.0])
    weighted.update_state(y, s)
    assert f(weighted.result()) == pytest.approx((per_label[0] + 3 * per_label[2]) / 4, rel=1e-5)
    # without multi_label, a (N, L) batch is one long list of predictions
    flat = metrics.AUC(num_thresholds=30)
    flat.update_state(y, s)
    assert f(flat.result()) == pytest.approx(np_roc_auc(y, s, th), rel=1e-5)
    flat.reset_state()
    assert np.all(flat.true_positives.numpy() == 0)


def test_auc_errors_and_config_round_trip():
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XYZ")
    with pytest.raises(ValueError, match="summation"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)
    m = metrics.AUC(num_thresholds=17, curve="PR", summation_method="minoring", name="prauc")
    clone = metrics.deserialize(metrics.serialize(m))
    assert isinstance(clone, metrics.AUC) and clone.get_config() == m.get_config()
    assert clone.num_thresholds == 17 and clone.curve == "PR" and clone.name == "prauc"


# -- get / serialize / deserialize / compile ---------------------------------------------------------
def test_get_names_aliases_and_callables():
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("SparseCategoricalAccuracy"), metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("top_k_categorical_accuracy"), metrics.TopKCategoricalAccuracy)
    assert isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get("precision"), metrics.Precision)
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("root_mean_squared_error"), metrics.RootMeanSquaredError)
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    m = metrics.Mean()
    assert metrics.get(m) is m and metrics.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get("no_such_metric")


@pytest.mark.parametrize("metric", [
    metrics.Mean(name="m"), metrics.Sum(), metrics.Accuracy(), metrics.BinaryAccuracy(threshold=0.3),
    metrics.CategoricalAccuracy(), metrics.SparseCategoricalAccuracy(), metrics.TopKCategoricalAccuracy(k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2), metrics.Precision(thresholds=[0.1, 0.6]),
    metrics.Recall(top_k=2), metrics.AUC(num_thresholds=7), metrics.TruePositives(thresholds=0.2),
    metrics.MeanSquaredError(), metrics.RootMeanSquaredError(), metrics.MeanAbsoluteError(),
    metrics.BinaryCrossentropy(from_logits=True), metrics.CategoricalCrossentropy(label_smoothing=0.1),
    metrics.SparseCategoricalCrossentropy(from_logits=True), metrics.Hinge(), metrics.KLDivergence(),
    metrics.CosineSimilarity(axis=1), metrics.LogCoshError(), metrics.Poisson(),
], ids=lambda m: type(m).__name__)
def test_serialize_round_trip(metric):
    config = metrics.serialize(metric)
    assert config["class_name"] == type(metric).__name__ and config["module"] == "keras.metrics"
    clone = metrics.deserialize(config)
    assert type(clone) is type(metric) and clone.get_config() == metric.get_config()
    assert type(metrics.get(config)) is type(metric)


def test_serialize_functions():
    config = metrics.serialize(metrics.sparse_categorical_accuracy)
    assert config["class_name"] == "function"
    assert metrics.deserialize(config) is metrics.sparse_categorical_accuracy
    assert isinstance(metrics.deserialize("binary_accuracy"), metrics.BinaryAccuracy)  # names: as `get`

    def my_metric(y_true, y_pred):
        return tf.abs(y_true - y_pred)

    config = metrics.serialize(my_metric)
    assert config["registered_name"] == "my_metric"
    assert metrics.deserialize(config, custom_objects={"my_metric": my_metric}) is my_metric
    assert metrics.MeanMetricWrapper(my_metric).get_config()["fn"]["registered_name"] == "my_metric"


@pytest.mark.parametrize("loss,y_pred_shape,y_true_shape,expected", [
    ("binary_crossentropy", (None, 1), None, metrics.BinaryAccuracy),
    ("bce", (None, 5), None, metrics.BinaryAccuracy),  # multi-label sigmoid outputs
    (losses.BinaryCrossentropy(from_logits=True), (None, 3), (None, 3), metrics.BinaryAccuracy),
    (losses.binary_crossentropy, None, None, metrics.BinaryAccuracy),
    ("sparse_categorical_crossentropy", (None, 10), (None,), metrics.SparseCategoricalAccuracy),
    (losses.SparseCategoricalCrossentropy(from_logits=True), (None, 10), None, metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (None, 10), None, metrics.CategoricalAccuracy),
    (losses.CategoricalCrossentropy, (None, 10), (None, 10), metrics.CategoricalAccuracy),
    ("mse", (None, 1), None, metrics.BinaryAccuracy),  # one output unit
    ("mse", (None, 4), (None, 1), metrics.SparseCategoricalAccuracy),  # Keras 3's shape rule
    ("mse", (None, 4), (None,), metrics.SparseCategoricalAccuracy),
    ("mse", (None, 4), (None, 4), metrics.CategoricalAccuracy),
    (None, None, None, metrics.CategoricalAccuracy),
])
def test_resolve_accuracy(loss, y_pred_shape, y_true_shape, expected):
    metric = metrics.resolve_accuracy(loss, y_pred_shape, y_true_shape)
    assert type(metric) is expected and metric.name == "accuracy"
    assert metrics.resolve_accuracy(loss, y_pred_shape, y_true_shape, name="acc").name == "acc"


def test_get_compile_metric():
    acc = metrics.get_compile_metric("acc", "sparse_categorical_crossentropy", (None, 3))
    assert isinstance(acc, metrics.SparseCategoricalAccuracy) and acc.name == "acc"
    acc.update_state([0, 2], [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]])
    assert f(acc.result()) == 0.5
    assert metrics.get_compile_metric("accuracy", losses.BinaryCrossentropy(), (None, 1)).name == "accuracy"
    mse = metrics.get_compile_metric("mse")
    assert isinstance(mse, metrics.MeanSquaredError) and mse.name == "mse"
    fn = metrics.get_compile_metric(metrics.binary_accuracy)
    assert isinstance(fn, metrics.MeanMetricWrapper) and fn.name == "binary_accuracy"
    ce = metrics.get_compile_metric("ce", "sparse_categorical_crossentropy", (None, 3))
    assert isinstance(ce, metrics.SparseCategoricalCrossentropy) and ce.name == "ce"
    auc = metrics.AUC(name="my_auc")
    assert metrics.get_compile_metric(auc) is auc and auc.name == "my_auc"
    assert metrics.get_compile_metric(None) is None


def test_metric_updates_are_not_recorded_as_gradients():
    """Metric state updates inside a GradientTape do not disturb the loss's gradient."""
    w = tf.Variable([[0.5], [-0.5]])
    x = tf.constant([[1.0, 2.0], [3.0, -1.0]])
    y = tf.constant([[0.0], [0.0]])  # predictions: 0.38 (right) and 0.88 (wrong)
    m = metrics.BinaryAccuracy()
    with tf.GradientTape() as tape:
        pred = tf.sigmoid(tf.matmul(x, w))
        loss = losses.BinaryCrossentropy()(y, pred)
        m.update_state(y, pred)
    g = tape.gradient(loss, w)
    assert g is not None and np.all(np.isfinite(g.numpy()))
    assert f(m.result()) == 0.5


def test_docstring_examples_run():
    import doctest
    result = doctest.testmod(metrics, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0
