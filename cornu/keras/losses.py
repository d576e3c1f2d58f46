"""`cornu.keras.losses`: Keras 3's loss functions and loss classes.

Loss *functions* (`mean_squared_error(y_true, y_pred)`, ...) return one value per sample: the mean (or
sum, for the cross-entropies over classes) over the last axis. Loss *classes* (`MeanSquaredError()`,
...) wrap them, take `sample_weight` and reduce to a scalar ('sum_over_batch_size' by default).

>>> import cornu as tf
>>> mse = tf.keras.losses.MeanSquaredError()
>>> float(mse([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]]))
0.5
>>> tf.keras.losses.mean_squared_error([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]]).numpy()
array([0.5, 0.5], dtype=float32)

Numerics follow Keras: probabilities are clipped to [EPSILON, 1 - EPSILON] (EPSILON = 1e-7) before a
log, so saturated predictions (exact 0 or 1) give finite losses and gradients; `from_logits=True`
paths use the fused, max-shifted log-softmax and sigmoid cross-entropy kernels of `cornu.nn`, which
stay finite for any logits. Everything is written with cornu ops, so losses run eagerly, under a
GradientTape and in traced graphs alike.
"""
import inspect
import math as _math
import re
import warnings

from ..backend import dtypes
from ..core.errors import InvalidArgumentError
from ..core.tensor import Tensor, convert_to_tensor
from ..core.variable import Variable
from ..ops import nn_ops
from ._serialization import get_object
from ..ops.array_ops import expand_dims, reshape, shape, size, squeeze, transpose
from ..ops.gather_ops import take_along_axis
from ..ops.linalg_ops import l2_normalize
from ..ops.math_ops import (abs as _abs, cast, clip_by_value, divide_no_nan, equal, log, log1p,
                            logical_or, maximum, minimum, not_equal, softplus, square, squared_difference,
                            where, zeros_like)
from ..ops.reduce_ops import reduce_all, reduce_max, reduce_mean, reduce_min, reduce_sum

EPSILON = 1e-7  # Keras's backend.epsilon(): the clip applied to probabilities before a log

_REDUCTIONS = ("sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight")


class Reduction:
    """TF2's `tf.keras.losses.Reduction` names (strings, as Keras 3 uses them directly)."""
    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        standardize_reduction(key)


# ================================================================================================
# helpers shared with cornu.keras.metrics
# ================================================================================================
def to_snake_case(name):
    """'MeanSquaredError' -> 'mean_squared_error', 'AUC' -> 'auc' (Keras's naming rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def standardize_reduction(reduction):
    """Validate a reduction name; TF2's 'auto' means 'sum_over_batch_size'."""
    if reduction == "auto":
        return "sum_over_batch_size"
    if reduction is not None and reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                         f"{set(_REDUCTIONS) | {None}}. Received: reduction={reduction!r}")
    return reduction


def _tensor(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _float_tensor(x, dtype=None):
    """x as a floating tensor: `dtype` when given, else x's own float dtype (ints become float32)."""
    x = _tensor(x)
    if dtype is not None:
        return cast(x, dtype)
    return x if x.dtype.is_floating else cast(x, dtypes.float32)


def _cast_to(x, dtype):
    if not isinstance(x, Tensor):  # Python/NumPy data straight to dtype: no float32 detour
        try:
            return convert_to_tensor(x, dtype=dtype)
        except (TypeError, ValueError):
            x = convert_to_tensor(x)
    return x if x.dtype == dtype else cast(x, dtype)


def _prepare(y_true, y_pred):
    """(y_true, y_pred) as tensors: y_pred floating, y_true cast to y_pred's dtype."""
    y_pred = _float_tensor(y_pred)
    return _cast_to(y_true, y_pred.dtype), y_pred


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rank fix-up: when the ranks differ by one and the longer one ends in a 1, squeeze it
    (or, when the shorter one has rank 1, expand that one instead), e.g. (N,) vs (N, 1)."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = expand_dims(x2, -1)
        else:
            x1 = squeeze(x1, axis=-1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = expand_dims(x1, -1)
        else:
            x2 = squeeze(x2, axis=-1)
    return x1, x2


def _dims_equal(a, b):
    return len(a) == len(b) and all(p is None or q is None or p == q for p, q in zip(a, b))


def _dims_broadcast(a, b):
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    return all(p is None or q is None or p == q or p == 1 or q == 1 for p, q in zip(a, b))


def _check_fit(name, y_true, y_pred, exact=False, hint=""):
    """A ValueError naming the loss and both shapes when y_true and y_pred do not fit together."""
    a, b = tuple(y_true.shape), tuple(y_pred.shape)
    if (_dims_equal(a, b) if exact else _dims_broadcast(a, b)):
        return
    need = "the same shape" if exact else "the same shape (or shapes that broadcast)"
    raise ValueError(f"{name}: y_true of shape {a} and y_pred of shape {b} do not fit; they must have "
                     f"{need}{hint}")


def _fit(name, y_true, y_pred, exact=False, hint=""):
    """Convert, cast y_true to y_pred's dtype, fix (N,) vs (N, 1), and check the shapes."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_fit(name, y_true, y_pred, exact, hint)
    return y_true, y_pred


def _mean_last(x, axis=-1):
    """Mean over `axis` (a scalar stays a scalar)."""
    return x if len(x.shape) == 0 else reduce_mean(x, axis=axis)


def _clip_probs(p):
    return clip_by_value(p, EPSILON, 1.0 - EPSILON)


# ================================================================================================
# loss functions (one value per sample)
# ================================================================================================
def mean_squared_error(y_true, y_pred):
    """Mean of squared errors over the last axis: `mean(square(y_true - y_pred), axis=-1)`.

    >>> import cornu as tf
    >>> tf.keras.losses.mean_squared_error([[0., 1.]], [[1., 3.]]).numpy()
    array([2.5], dtype=float32)
    """
    y_true, y_pred = _fit("mean_squared_error", y_true, y_pred)
    return _mean_last(squared_difference(y_pred, y_true))


def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`.

    >>> import cornu as tf
    >>> tf.keras.losses.mean_absolute_error([[0., 1.]], [[1., 3.]]).numpy()
    array([1.5], dtype=float32)
    """
    y_true, y_pred = _fit("mean_absolute_error", y_true, y_pred)
    return _mean_last(_abs(y_true - y_pred))


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), EPSILON)), axis=-1)`.

    >>> import cornu as tf
    >>> tf.keras.losses.mean_absolute_percentage_error([[2., 4.]], [[1., 5.]]).numpy()
    array([37.5], dtype=float32)
    """
    y_true, y_pred = _fit("mean_absolute_percentage_error", y_true, y_pred)
    diff = _abs((y_true - y_pred) / maximum(_abs(y_true), EPSILON))
    return _mean_last(diff) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(1 + max(y_pred, EPSILON)) - log(1 + max(y_true, EPSILON))), axis=-1)`.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.mean_squared_logarithmic_error([[0.]], [[1.]])[0]), 4)
    0.4805
    """
    y_true, y_pred = _fit("mean_squared_logarithmic_error", y_true, y_pred)
    first = log1p(maximum(y_pred, EPSILON))
    second = log1p(maximum(y_true, EPSILON))
    return _mean_last(squared_difference(first, second))


def _smooth_binary(y_true, label_smoothing):
    if label_smoothing:
        return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return y_true


def _elementwise_bce(y_true, y_pred, from_logits):
    if from_logits:
        return nn_ops.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    p = _clip_probs(y_pred)
    return -(y_true * log(p) + (1.0 - y_true) * log1p(-p))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over `axis`.

    Elementwise `-(y log(p) + (1 - y) log(1 - p))` with p = clip(y_pred, EPSILON, 1 - EPSILON), or
    with `from_logits=True` the fused `sigmoid_cross_entropy_with_logits(y_true, y_pred)`. Label
    smoothing squeezes the labels towards 0.5: `y * (1 - s) + 0.5 * s`.

    >>> import cornu as tf
    >>> loss = tf.keras.losses.binary_crossentropy([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]])
    >>> [round(v, 3) for v in loss.numpy().tolist()]
    [0.916, 0.714]
    """
    y_true, y_pred = _fit("binary_crossentropy", y_true, y_pred, exact=True)
    y_true = _smooth_binary(y_true, label_smoothing)
    return _mean_last(_elementwise_bce(y_true, y_pred, from_logits), axis=axis)


def _check_axis(axis, name):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"{name}: `axis` must be of type `int`. Received: axis={axis!r} of type "
                         f"{type(axis)}")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy between one-hot (or soft) labels and predicted class scores.

    `-sum(y_true * log(p), axis)` with p = y_pred normalised to sum to 1 along `axis` and clipped to
    [EPSILON, 1 - EPSILON]; with `from_logits=True`, `-sum(y_true * log_softmax(y_pred), axis)`
    (fused, stable for any logits). Label smoothing: `y * (1 - s) + s / num_classes`.

    >>> import cornu as tf
    >>> loss = tf.keras.losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
    ...                                                 [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> [round(v, 4) for v in loss.numpy().tolist()]
    [0.0513, 2.3026]
    """
    name = "categorical_crossentropy"
    _check_axis(axis, name)
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_fit(name, y_true, y_pred, exact=True,
               hint=" (for integer class labels use sparse_categorical_crossentropy)")
    if len(y_pred.shape) == 0:
        raise ValueError(f"{name}: y_pred must have a class axis, got a scalar")
    num_classes = y_pred.shape[axis]
    if num_classes == 1:
        warnings.warn(f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
                      f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        if num_classes is None:  # unknown until run time (symbolic shapes)
            num_classes = cast(shape(y_pred)[axis], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        return nn_ops.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    p = y_pred / maximum(reduce_sum(y_pred, axis=axis, keepdims=True), EPSILON)
    return -reduce_sum(y_true * log(_clip_probs(p)), axis=axis)


def _move_axis_last(x, axis):
    rank = len(x.shape)
    axis = axis % rank
    if axis == rank - 1:
        return x
    perm = [i for i in range(rank) if i != axis] + [axis]
    return transpose(x, perm)


def _is_concrete(t):
    # symbolic tensors (graph tracing) carry no values to check; their labels are checked by the
    # fused kernel (logits) or the gather (probabilities) when the graph runs
    return type(t) is Tensor or isinstance(t, Variable)


def _label_error(name, depth, labels, detail):
    return InvalidArgumentError(f"{name}: received a label value of {detail} which is outside the valid "
                                f"range of [0, {depth}) (labels shape {tuple(labels.shape)})", op=name)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy with integer class ids as labels.

    `y_true` holds class ids shaped like `y_pred` without its class axis ((N,) or (N, 1) for
    (N, C) predictions). Per sample: `-log(p[y_true])` with p normalised and clipped as in
    `categorical_crossentropy`, or the fused `sparse_softmax_cross_entropy_with_logits` when
    `from_logits=True`. Entries whose label equals `ignore_class` get loss 0 (the loss classes then
    average over the other entries only).

    >>> import cornu as tf
    >>> loss = tf.keras.losses.sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> [round(v, 4) for v in loss.numpy().tolist()]
    [0.0513, 2.3026]
    """
    name = "sparse_categorical_crossentropy"
    _check_axis(axis, name)
    y_pred = _float_tensor(y_pred)
    y_true = _tensor(y_true)
    if len(y_pred.shape) == 0:
        raise ValueError(f"{name}: y_pred must have a class axis, got a scalar")
    y_pred = _move_axis_last(y_pred, axis)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, axis=-1)
    if not _dims_equal(tuple(y_true.shape), tuple(y_pred.shape[:-1])):
        raise ValueError(f"{name}: y_true of shape {tuple(y_true.shape)} and y_pred of shape "
                         f"{tuple(y_pred.shape)} do not fit; y_true must hold one class id per row "
                         f"of y_pred, shape {tuple(y_pred.shape[:-1])} (or with a trailing 1); for "
                         "one-hot labels use categorical_crossentropy")
    labels = y_true if y_true.dtype.is_integer else cast(y_true, dtypes.int32)
    depth = y_pred.shape[-1]
    valid = None
    if ignore_class is not None:
        valid = not_equal(labels, ignore_class)
        labels = where(valid, labels, zeros_like(labels))
    if from_logits:
        try:  # the fused kernel checks the label range where the values are known
            res = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=y_pred)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{name}: {exc.message}", op=name) from None
    else:
        # the gather rejects ids >= depth (and < -depth); negative ids would silently pick from the end
        if _is_concrete(labels) and labels.shape.num_elements() and int(reduce_min(labels)) < 0:
            raise _label_error(name, depth, labels, int(reduce_min(labels)))
        # pick the target column first: one log per sample instead of one per class
        p = y_pred / maximum(reduce_sum(y_pred, axis=-1, keepdims=True), EPSILON)
        try:
            picked = squeeze(take_along_axis(p, expand_dims(labels, -1), axis=-1), axis=-1)
        except InvalidArgumentError:
            raise _label_error(name, depth, labels, int(reduce_max(labels))) from None
        res = -log(_clip_probs(picked))
    if valid is not None:
        res = where(valid, res, zeros_like(res))
    return res


def _hinge_labels(y_true):
    """Keras's rule: labels that are all 0/1 become -1/+1; other labels are used as given."""
    is_binary = reduce_all(logical_or(equal(y_true, 0.0), equal(y_true, 1.0)))
    return where(is_binary, y_true * 2.0 - 1.0, y_true)


def hinge(y_true, y_pred):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`; labels in {-1, 1} (0/1 labels are converted).

    >>> import cornu as tf
    >>> tf.keras.losses.hinge([[0., 1.]], [[0.5, 0.25]]).numpy()
    array([1.125], dtype=float32)
    """
    y_true, y_pred = _fit("hinge", y_true, y_pred)
    return _mean_last(maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0))


def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`; 0/1 labels are converted to -1/1.

    >>> import cornu as tf
    >>> tf.keras.losses.squared_hinge([[0., 1.]], [[0.5, 0.25]]).numpy()
    array([1.40625], dtype=float32)
    """
    y_true, y_pred = _fit("squared_hinge", y_true, y_pred)
    return _mean_last(square(maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)))


def categorical_hinge(y_true, y_pred):
    """`maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred, -1)` and
    `neg = max((1 - y_true) * y_pred, -1)`; y_true one-hot.

    >>> import cornu as tf
    >>> tf.keras.losses.categorical_hinge([[0., 1., 0.]], [[0.3, 0.5, 0.9]]).numpy()
    array([1.4], dtype=float32)
    """
    y_true, y_pred = _fit("categorical_hinge", y_true, y_pred)
    pos = reduce_sum(y_true * y_pred, axis=-1)
    neg = reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return maximum(neg - pos + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to
    [EPSILON, 1].

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])[0]), 5)
    0.14384
    """
    y_true, y_pred = _fit("kl_divergence", y_true, y_pred)
    y_true = clip_by_value(y_true, EPSILON, 1.0)
    y_pred = clip_by_value(y_pred, EPSILON, 1.0)
    return reduce_sum(y_true * log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + EPSILON), axis=-1)`.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.poisson([[1.]], [[1.]])[0]), 5)
    1.0
    """
    y_true, y_pred = _fit("poisson", y_true, y_pred)
    return _mean_last(y_pred - y_true * log(y_pred + EPSILON))


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: `0.5 * e**2` where `|e| <= delta`, else `delta * |e| - 0.5 * delta**2`
    (e = y_pred - y_true), averaged over the last axis.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).numpy().mean()), 3)
    0.155
    """
    y_true, y_pred = _fit("huber", y_true, y_pred)
    delta = float(delta)
    abs_error = _abs(y_pred - y_true)
    # split |e| into its quadratic part (up to delta) and the linear rest: the same values as the
    # piecewise formula, but no branch squares a huge error (inf) only for `where` to drop it
    quadratic = minimum(abs_error, delta)
    linear = abs_error - quadratic
    return _mean_last(square(quadratic) * 0.5 + linear * delta)


_LOG2 = _math.log(2.0)


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed as `x + softplus(-2x) - log(2)` so that
    large errors do not overflow.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.log_cosh([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]]).numpy().mean()), 3)
    0.108
    """
    y_true, y_pred = _fit("log_cosh", y_true, y_pred)
    x = y_pred - y_true
    return _mean_last(x + softplus(x * -2.0) - _LOG2)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity `-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`: -1 for
    parallel vectors, 0 for orthogonal ones (or a zero vector).

    >>> import cornu as tf
    >>> loss = tf.keras.losses.cosine_similarity([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
    >>> [round(v, 4) for v in loss.numpy().tolist()]
    [-0.0, -1.0]
    """
    y_true, y_pred = _fit("cosine_similarity", y_true, y_pred)
    y_true = l2_normalize(y_true, axis=axis)
    y_pred = l2_normalize(y_pred, axis=axis)
    return -reduce_sum(y_true * y_pred, axis=axis)


# Keras's short and legacy names
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy


# ================================================================================================
# reduction
# ================================================================================================
def _weights_like(values, sample_weight, what="sample_weight", name="loss"):
    """sample_weight cast to values' dtype and shaped to broadcast against values: Keras's
    squeeze/expand of a trailing 1, then trailing size-1 axes for per-sample weights of (N,) against
    per-element losses of (N, T)."""
    w = _cast_to(sample_weight, values.dtype)
    values, w = squeeze_or_expand_to_same_rank(values, w)
    if 0 < len(w.shape) < len(values.shape):
        w = reshape(w, tuple(-1 if d is None else d for d in w.shape) + (1,) * (len(values.shape) - len(w.shape)))
    vs, ws = tuple(values.shape), tuple(w.shape)
    if not vs:  # a scalar loss: every weight scales it, as in Keras
        return values, w
    n = max(len(vs), len(ws))
    pv, pw = (1,) * (n - len(vs)) + vs, (1,) * (n - len(ws)) + ws
    if len(ws) > len(vs) or not all(a is None or b is None or a == b or b == 1 for a, b in zip(pv, pw)):
        raise ValueError(f"{name}: {what} of shape {tuple(_tensor(sample_weight).shape)} does not "
                         f"broadcast to the per-sample losses of shape {vs} (use one weight per "
                         "sample, shape (batch_size,) or (batch_size, 1))")
    return values, w


def _apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a validity mask into the sample weights; for the mean reductions valid entries are
    scaled by total / valid so that the mean runs over valid entries only (Keras's rule)."""
    if mask is None:
        return sample_weight
    mask = cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = mask.shape.num_elements()
        total = cast(size(mask), dtype) if total is None else float(total)
        mask = mask * divide_no_nan(_cast_to(total, dtype), reduce_sum(mask))
    if sample_weight is None:
        return mask
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, _cast_to(sample_weight, dtype))
    return sample_weight * mask


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce (already weighted) per-sample values: 'sum', 'sum_over_batch_size'/'mean' (sum over the
    number of elements), 'mean_with_sample_weight' (sum over the sum of weights), 'none'/None."""
    if reduction is None or reduction == "none" or len(values.shape) == 0:
        return values
    loss = reduce_sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return divide_no_nan(loss, reduce_sum(_cast_to(sample_weight, loss.dtype)))
    n = values.shape.num_elements()
    if n is None or n == 0:  # unknown batch size, or an empty batch (loss 0, not NaN)
        return divide_no_nan(loss, cast(size(values), loss.dtype))
    return loss / float(n)


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size",
                           name="loss"):
    """Weight per-sample `values` by `sample_weight` (and a validity `mask`) and reduce them."""
    reduction = standardize_reduction(reduction)
    values = _float_tensor(values)
    sample_weight = _apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = _weights_like(values, sample_weight, name=name)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


# ================================================================================================
# loss classes
# ================================================================================================
class Loss:
    """Base class of losses: `loss(y_true, y_pred, sample_weight=None)` -> the reduced loss.

    Subclasses implement `call(y_true, y_pred)` returning per-sample losses; `__call__` converts the
    inputs (y_pred to a floating tensor, y_true to y_pred's dtype), weights and reduces.

    Args:
        name: the loss's name (default: the class name in snake_case).
        reduction: 'sum_over_batch_size' (default; sum / number of elements), 'sum', 'mean' (same as
            'sum_over_batch_size'), 'mean_with_sample_weight' (sum / sum of the weights), or
            'none'/None (the per-sample losses).
        dtype: compute dtype; None computes in y_pred's floating dtype when it is float32 or float64,
            else in float32 (integer and half-precision predictions).

    >>> import cornu as tf
    >>> class MeanCubicError(tf.keras.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return tf.reduce_mean(tf.abs(y_pred - y_true) ** 3, axis=-1)
    >>> float(MeanCubicError()([[0.], [0.]], [[1.], [2.]]))
    4.5
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype).name

    @property
    def dtype(self):
        """The compute dtype's name, or None for 'the dtype of y_pred'."""
        return self._dtype

    _cast_labels = True  # False: y_true keeps its dtype (integer class ids)

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = _float_tensor(y_pred, self._dtype)
        if self._dtype is None and y_pred.dtype.size < 4:
            # half-precision outputs (mixed precision): the loss runs in float32, as Keras's does;
            # float16 cannot even represent 1 - EPSILON
            y_pred = cast(y_pred, dtypes.float32)
        y_true = _cast_to(y_true, y_pred.dtype) if self._cast_labels else _tensor(y_true)
        losses, mask = self._call_with_mask(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, name=self.name)

    def _call_with_mask(self, y_true, y_pred):
        """(per-sample losses, validity mask or None); the mask limits the mean to valid entries."""
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction}
        if self._dtype is not None:
            config["dtype"] = self._dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss around a per-sample function `fn(y_true, y_pred, **kwargs)`.

    >>> import cornu as tf
    >>> loss = tf.keras.losses.LossFunctionWrapper(tf.keras.losses.huber, delta=0.5)
    >>> round(float(loss([[0.], [0.]], [[0.25], [2.0]])), 4)
    0.4531
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: fn must be callable, got {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


class _Builtin(LossFunctionWrapper):
    """A built-in loss class: its config is its constructor arguments (no 'fn')."""

    _fn = None
    _args = ()

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(type(self)._fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self):
        config = Loss.get_config(self)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MeanSquaredError(_Builtin):
    """`mean(square(y_true - y_pred))`.

    >>> import cornu as tf
    >>> float(tf.keras.losses.MeanSquaredError()([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]]))
    0.5
    """
    _fn = staticmethod(mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(_Builtin):
    """`mean(abs(y_true - y_pred))`.

    >>> import cornu as tf
    >>> float(tf.keras.losses.MeanAbsoluteError()([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]]))
    0.5
    """
    _fn = staticmethod(mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_Builtin):
    """`100 * mean(abs((y_true - y_pred) / y_true))`.

    >>> import cornu as tf
    >>> float(tf.keras.losses.MeanAbsolutePercentageError()([[2., 4.]], [[1., 5.]]))
    37.5
    """
    _fn = staticmethod(mean_absolute_percentage_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_Builtin):
    """`mean(square(log(y_true + 1) - log(y_pred + 1)))`.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.MeanSquaredLogarithmicError()([[0.]], [[1.]])), 4)
    0.4805
    """
    _fn = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(_Builtin):
    """Binary cross-entropy for 0/1 labels and probabilities (or logits with `from_logits=True`).

    >>> import cornu as tf
    >>> bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    >>> round(float(bce([0., 1., 0., 0.], [-18.6, 0.51, 2.94, -12.8])), 3)
    0.865
    """
    _fn = staticmethod(binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(_Builtin):
    """Cross-entropy for one-hot labels and class probabilities (or logits with `from_logits=True`).

    >>> import cornu as tf
    >>> cce = tf.keras.losses.CategoricalCrossentropy()
    >>> round(float(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """
    _fn = staticmethod(categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Builtin):
    """Cross-entropy for integer class ids and class probabilities (or logits).

    With `ignore_class`, entries labelled with that id count neither in the sum nor in the number of
    elements the mean divides by (as in Keras).

    >>> import cornu as tf
    >>> scce = tf.keras.losses.SparseCategoricalCrossentropy()
    >>> round(float(scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """
    _fn = staticmethod(sparse_categorical_crossentropy)
    _cast_labels = False  # class ids stay integers (float16 could not hold ids above 2048 exactly)

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class)

    def call(self, y_true, y_pred):
        # no rank fix-up here: (N,) labels against (N, C) predictions are the normal case
        return sparse_categorical_crossentropy(y_true, y_pred, **self._fn_kwargs)

    def _call_with_mask(self, y_true, y_pred):
        losses = self.call(y_true, y_pred)
        if self.ignore_class is None:
            return losses, None
        labels = _tensor(y_true)
        if len(labels.shape) == len(y_pred.shape) and labels.shape[-1] == 1:
            labels = squeeze(labels, axis=-1)
        valid = not_equal(labels, _cast_to(self.ignore_class, labels.dtype))
        return losses, reshape(valid, tuple(-1 if d is None else d for d in losses.shape))


class Hinge(_Builtin):
    """`maximum(1 - y_true * y_pred, 0)`; labels -1/1 (0/1 are converted).

    >>> import cornu as tf
    >>> float(tf.keras.losses.Hinge()([[0., 1.]], [[0.5, 0.25]]))
    1.125
    """
    _fn = staticmethod(hinge)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(_Builtin):
    """`square(maximum(1 - y_true * y_pred, 0))`.

    >>> import cornu as tf
    >>> float(tf.keras.losses.SquaredHinge()([[0., 1.]], [[0.5, 0.25]]))
    1.40625
    """
    _fn = staticmethod(squared_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(_Builtin):
    """`maximum(neg - pos + 1, 0)`, neg the largest wrong-class score, pos the true-class score.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.CategoricalHinge()([[0., 1., 0.]], [[0.3, 0.5, 0.9]])), 5)
    1.4
    """
    _fn = staticmethod(categorical_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class KLDivergence(_Builtin):
    """`y_true * log(y_true / y_pred)` summed over the last axis.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])), 5)
    0.14384
    """
    _fn = staticmethod(kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Poisson(_Builtin):
    """`y_pred - y_true * log(y_pred)`.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.Poisson()([[1.]], [[1.]])), 5)
    1.0
    """
    _fn = staticmethod(poisson)

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Huber(_Builtin):
    """Quadratic for errors up to `delta`, linear beyond.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.Huber()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 3)
    0.155
    """
    _fn = staticmethod(huber)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(_Builtin):
    """`log(cosh(y_pred - y_true))`.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.LogCosh()([[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]])), 3)
    0.108
    """
    _fn = staticmethod(log_cosh)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(_Builtin):
    """Negative cosine similarity along `axis`.

    >>> import cornu as tf
    >>> round(float(tf.keras.losses.CosineSimilarity()([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])), 4)
    -0.5
    """
    _fn = staticmethod(cosine_similarity)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


# ================================================================================================
# get / serialize / deserialize
# ================================================================================================
_CLASSES = (Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
            Huber, LogCosh, CosineSimilarity)
_FUNCTIONS = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy,
              sparse_categorical_crossentropy, hinge, squared_hinge, categorical_hinge, kl_divergence,
              poisson, huber, log_cosh, cosine_similarity)

ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence, "kullback_leibler_divergence": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh, "huber_loss": huber,
})

_MODULE = "keras.losses"


def _is_builtin(obj):
    module = getattr(obj, "__module__", "") or ""
    return module.startswith("cornu.")


def serialize_object(obj, module=_MODULE):
    """Keras 3's config dict of a built-in or custom object (instance with get_config, or a function)."""
    if obj is None:
        return None
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        name = obj.__name__
        return {"module": module if _is_builtin(obj) else obj.__module__, "class_name": "function",
                "config": name, "registered_name": None if _is_builtin(obj) else name}
    if not hasattr(obj, "get_config"):
        raise ValueError(f"Cannot serialize {obj!r}: it is neither a function nor an object with "
                         "get_config()")
    cls = type(obj)
    builtin = _is_builtin(cls)
    return {"module": module if builtin else cls.__module__, "class_name": cls.__name__,
            "config": obj.get_config(), "registered_name": None if builtin else cls.__name__}


def deserialize_object(config, objects, custom_objects=None, what="object", functions=None):
    """Rebuild an object from a name or a Keras config dict; classes are instantiated, functions
    returned as they are. `custom_objects` ({name: class or function}) take precedence; a
    serialized function is looked up in `functions` (default: `objects`)."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        name, inner = config, None
    elif isinstance(config, dict) and "class_name" in config:
        name, inner = config["class_name"], config.get("config")
        if name == "function":
            name, inner = config.get("registered_name") or inner, None
            if name not in custom_objects and name not in (functions or objects):
                name = config.get("config")
            if name not in custom_objects and functions is not None:
                objects = functions
        elif config.get("registered_name") in custom_objects:
            name = config["registered_name"]
    else:
        raise ValueError(f"Could not interpret {what} identifier: {config!r} (expected a name or a dict "
                         "with 'class_name' and 'config')")
    obj = custom_objects.get(name, objects.get(name))
    if obj is None:
        raise ValueError(f"Unknown {what}: {name!r}. Please ensure you are using a registered {what} "
                         f"name or pass it in `custom_objects`.")
    if not inspect.isclass(obj):
        return obj
    if inner is None:
        return obj()
    if not isinstance(inner, dict):
        raise ValueError(f"Could not interpret the config of {what} {name!r}: {inner!r}")
    return obj.from_config(dict(inner)) if hasattr(obj, "from_config") else obj(**inner)


def serialize(loss):
    """The Keras config dict of a loss object or a loss function.

    >>> import cornu as tf
    >>> tf.keras.losses.serialize(tf.keras.losses.Huber(delta=2.0))["config"]["delta"]
    2.0
    """
    return serialize_object(loss)


def deserialize(name, custom_objects=None):
    """A loss from `serialize`'s dict or from a name (classes are instantiated)."""
    return deserialize_object(name, ALL_OBJECTS_DICT, custom_objects, what="loss function")


def get(identifier):
    """A loss from a name ('mse', 'mean_squared_error', 'MeanSquaredError', ...), a config dict, a
    class (instantiated) or a callable (returned as is).

    >>> import cornu as tf
    >>> tf.keras.losses.get("mse").__name__
    'mean_squared_error'
    >>> tf.keras.losses.get("BinaryCrossentropy").name
    'binary_crossentropy'
    """
    return get_object(identifier, ALL_OBJECTS_DICT, deserialize, "loss")


def get_loss(identifier, y_true_shape=None, y_pred_shape=None):
    """A Loss object for `model.compile(loss=identifier)`, as Keras 3's compile does it.

    Strings 'crossentropy'/'ce' pick binary (y_pred's last dimension is 1), sparse categorical
    (y_true has one dimension fewer, or ends in 1 while y_pred does not) or categorical
    cross-entropy from the shapes. Functions are wrapped in a LossFunctionWrapper named after the
    identifier (the string given, or the function's name).
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        if y_pred_shape is not None and len(y_pred_shape) and y_pred_shape[-1] == 1:
            loss = binary_crossentropy
        elif y_pred_shape is not None and y_true_shape is not None and _is_sparse(y_true_shape,
                                                                                  y_pred_shape):
            loss = sparse_categorical_crossentropy
        else:
            loss = categorical_crossentropy
    else:
        loss = get(identifier)
    if isinstance(loss, Loss):
        return loss
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", None)
    return LossFunctionWrapper(loss, name=name)


def _is_sparse(y_true_shape, y_pred_shape):
    """Keras's test for integer labels: fewer dims than y_pred, or a trailing 1 against classes."""
    yt, yp = tuple(y_true_shape), tuple(y_pred_shape)
    return len(yt) < len(yp) or (len(yt) > 0 and len(yp) > 0 and yt[-1] == 1
                                 and (yp[-1] is None or yp[-1] > 1))


def loss_kind(loss):
    """'binary', 'categorical' or 'sparse' for the built-in cross-entropies (given as a name,
    function, class or Loss instance), else None. Used by `metrics.resolve_accuracy`."""
    if loss is None:
        return None
    if isinstance(loss, str):
        loss = ALL_OBJECTS_DICT.get(loss, loss)
    if isinstance(loss, LossFunctionWrapper):
        loss = loss.fn
    elif isinstance(loss, Loss):
        loss = type(loss)
    table = {binary_crossentropy: "binary", BinaryCrossentropy: "binary",
             categorical_crossentropy: "categorical", CategoricalCrossentropy: "categorical",
             sparse_categorical_crossentropy: "sparse", SparseCategoricalCrossentropy: "sparse"}
    for obj, kind in table.items():
        if loss is obj or (inspect.isclass(loss) and inspect.isclass(obj) and issubclass(loss, obj)):
            return kind
    return None
