"""Neural-network ops: activations, softmax family, cross-entropies, dropout, normalization.

Only four primitives carry their own gradient here: relu (the most used activation: one pass forward,
one mask backward), softmax and log_softmax (fused, max-shifted for stability, with short closed-form
gradients) and sparse softmax cross-entropy (loss from the logits in one pass, no one-hot in the
forward). One more primitive, dropout_mask, is a random draw (no gradient). Everything else is
composed from existing ops, so its gradient (of any order) comes for free.
"""
import math as _math

from .. import backend
from ..backend import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import Spec, apply, defop
from ..core.tensor import Tensor
from . import _rules
from ._rules import binary_args, same, static_int_list, to_tensor
from .array_ops import _squeeze, concat, expand_dims, reshape
from .gather_ops import _one_hot, gather
from .math_ops import (_exp, abs, cast, erf, expm1, greater, greater_equal, maximum, minimum,  # noqa: A004
                       rsqrt, sigmoid, softplus, square, squared_difference, tanh, where, zeros_like)
from .random_ops import _to_backend, generator
from .reduce_ops import _reduce_sum, reduce_mean, reduce_sum

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _features(x, op, allow_int=False):
    x = to_tensor(x)
    kind = x._value.dtype.kind
    if kind in "fc" or (allow_int and kind in "iu"):
        return x
    raise InvalidArgumentError(f"{op}: expected a {'numeric' if allow_int else 'floating-point'} tensor, "
                               f"got dtype {x.dtype.name} (shape {tuple(x.shape)})", op=op)


def _dims_match(a, b):
    """Shapes equal where both are known (symbolic tensors have None for unknown dims)."""
    return len(a) == len(b) and all(p is None or q is None or p == q for p, q in zip(a, b))


def _axis(axis, x, op):
    return _rules.normalize_axis(-1 if axis is None else axis, x._value.ndim, op)


# -- activations ---------------------------------------------------------------------------------
@defop("relu", same, writes_out="may_alias")
def _relu(xp, x, out=None):
    if backend.fits(out, x.shape, x.dtype):
        return xp.maximum(x, 0, out=out)
    return xp.maximum(x, 0)  # keeps x's dtype (NEP 50); NaN stays NaN, as in TF


@_relu.defgrad
def _(ctx, g):
    return g * cast(greater(ctx.outputs[0], 0), g.dtype)


def relu(features, name=None):
    """`cornu.nn.relu(features)`: max(features, 0).

    >>> import cornu as tf
    >>> tf.nn.relu([-1.0, 0.0, 2.0]).numpy()
    array([0., 0., 2.], dtype=float32)
    """
    if type(features) is Tensor and features._value.dtype.kind == "f":
        return apply(_relu, (features,))  # the common case, without argument checks
    return _relu(_features(features, "relu", allow_int=True))


def relu6(features, name=None):
    """`cornu.nn.relu6(features)`: min(max(features, 0), 6)."""
    return minimum(relu(_features(features, "relu6", allow_int=True)), 6)


def leaky_relu(features, alpha=0.2, name=None):
    """`cornu.nn.leaky_relu(features, alpha=0.2)`: features where positive, alpha * features elsewhere."""
    x = _features(features, "leaky_relu")
    return where(greater(x, 0), x, x * alpha)


def _elu_negative(x):
    # expm1 of min(x, 0): the branch `where` drops still runs, and exp(1000) would give inf * 0 = NaN
    # in the gradient
    return expm1(minimum(x, 0))


def elu(features, name=None):
    """`cornu.nn.elu(features)`: features where positive, exp(features) - 1 elsewhere."""
    x = _features(features, "elu")
    return where(greater(x, 0), x, _elu_negative(x))


def selu(features, name=None):
    """`cornu.nn.selu(features)`: scale * elu with alpha, the self-normalizing constants of Klambauer et al."""
    x = _features(features, "selu")
    return where(greater(x, 0), x * _SELU_SCALE, _elu_negative(x) * (_SELU_ALPHA * _SELU_SCALE))


def gelu(features, approximate=False, name=None):
    """`cornu.nn.gelu(features, approximate=False)`: x * Phi(x), Phi the standard normal CDF.

    approximate=True uses 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    >>> import cornu as tf
    >>> [round(v, 4) for v in tf.nn.gelu([-1.0, 0.0, 1.0]).numpy().tolist()]
    [-0.1587, 0.0, 0.8413]
    """
    x = _features(features, "gelu")
    if approximate:
        inner = (x + x * x * x * 0.044715) * _math.sqrt(2 / _math.pi)
        return x * 0.5 * (tanh(inner) + 1)
    return x * 0.5 * (erf(x * (1 / _math.sqrt(2))) + 1)


def silu(features, beta=1.0, name=None):
    """`cornu.nn.silu(features, beta=1.0)` (also `swish`): features * sigmoid(beta * features)."""
    x = _features(features, "silu")
    return x * sigmoid(x if beta == 1.0 else x * beta)


swish = silu


def softsign(features, name=None):
    """`cornu.nn.softsign(features)`: features / (1 + |features|)."""
    x = _features(features, "softsign")
    return x / (abs(x) + 1)


def crelu(features, axis=-1, name=None):
    """`cornu.nn.crelu(features, axis=-1)`: concat([relu(x), relu(-x)], axis)."""
    x = _features(features, "crelu")
    return concat([relu(x), relu(-x)], axis=axis)


# -- softmax family ------------------------------------------------------------------------------
@defop("softmax", same)
def _softmax(xp, x, axis):
    e = xp.exp(x - x.max(axis=axis, keepdims=True))  # shift by the max: exp never overflows
    e /= e.sum(axis=axis, keepdims=True)
    return e


@_softmax.defgrad
def _(ctx, g):
    y, axis = ctx.outputs[0], ctx.attrs["axis"]
    gy = g * y
    return gy - y * _reduce_sum(gy, axis=(axis,), keepdims=True)


@defop("log_softmax", same)
def _log_softmax(xp, x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


@_log_softmax.defgrad
def _(ctx, g):
    y, axis = ctx.outputs[0], ctx.attrs["axis"]
    return g - _exp(y) * _reduce_sum(g, axis=(axis,), keepdims=True)


def softmax(logits, axis=None, name=None):
    """`cornu.nn.softmax(logits, axis=-1)`: exp(logits) / sum(exp(logits), axis), computed stably.

    >>> import cornu as tf
    >>> tf.nn.softmax([0.0, 1000.0]).numpy()
    array([0., 1.], dtype=float32)
    """
    x = _features(logits, "softmax")
    return _softmax(x, axis=_axis(axis, x, "softmax"))


def log_softmax(logits, axis=None, name=None):
    """`cornu.nn.log_softmax(logits, axis=-1)`: logits - logsumexp(logits, axis), computed stably."""
    x = _features(logits, "log_softmax")
    return _log_softmax(x, axis=_axis(axis, x, "log_softmax"))


# -- cross-entropies -----------------------------------------------------------------------------
_SPARSE_XENT = "sparse_softmax_cross_entropy_with_logits"


@defop(_SPARSE_XENT, lambda labels, logits: Spec(tuple(labels.shape), logits.dtype))
def _sparse_xent(xp, labels, logits):
    """logsumexp(logits) - logits[label] along the last axis; labels are checked here, where their
    values are known (eagerly and when a graph runs)."""
    n = logits.shape[-1]
    lo, hi = (int(labels.min()), int(labels.max())) if labels.size else (0, 0)
    if lo < 0 or hi >= n:
        bad = lo if lo < 0 else hi
        raise InvalidArgumentError(
            f"{_SPARSE_XENT}: label {bad} is out of range [0, {n}) for logits of shape "
            f"{tuple(logits.shape)} (labels shape {tuple(labels.shape)})", op=_SPARSE_XENT)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    lse = xp.log(xp.exp(shifted).sum(axis=-1))
    picked = xp.take_along_axis(shifted, labels[..., None].astype(xp.intp, copy=False), axis=-1)[..., 0]
    return lse - picked


@_sparse_xent.defgrad
def _(ctx, g):
    labels, logits = ctx.inputs
    depth = logits._value.shape[-1]
    probs = _softmax(logits, axis=logits._value.ndim - 1)
    hot = _one_hot(labels, depth=depth, on_value=1, off_value=0, axis=-1, dtype=logits.dtype)
    return None, expand_dims(g, -1) * (probs - hot)


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """`cornu.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)`: per-example loss
    -log(softmax(logits)[label]); labels are int class ids shaped like logits without its last axis.

    >>> import cornu as tf
    >>> loss = tf.nn.sparse_softmax_cross_entropy_with_logits([0], [[1000.0, 0.0]])
    >>> loss.numpy()
    array([0.], dtype=float32)
    """
    logits = _features(logits, _SPARSE_XENT)
    labels = to_tensor(labels)
    if labels._value.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{_SPARSE_XENT}: labels must be int32 or int64 class ids, got dtype "
                                   f"{labels.dtype.name} (shape {tuple(labels.shape)})", op=_SPARSE_XENT)
    ls, gs = tuple(labels._value.shape), tuple(logits._value.shape)
    if len(gs) == 0 or len(ls) != len(gs) - 1:
        raise InvalidArgumentError(
            f"{_SPARSE_XENT}: rank mismatch: labels (shape {ls}, rank {len(ls)}) must have rank one less "
            f"than logits (shape {gs}, rank {len(gs)})", op=_SPARSE_XENT)
    if not _dims_match(ls, gs[:-1]):
        raise InvalidArgumentError(f"{_SPARSE_XENT}: labels shape {ls} must equal logits shape {gs} "
                                   f"without its last dimension", op=_SPARSE_XENT)
    if gs[-1] == 0:
        raise InvalidArgumentError(f"{_SPARSE_XENT}: logits shape {gs} has no classes", op=_SPARSE_XENT)
    return _sparse_xent(labels, logits)


def _same_shape(labels, logits, op):
    """(labels, logits) as tensors of one dtype and one shape; Python labels take the logits' dtype."""
    labels, logits = binary_args(labels, logits, op)
    if logits._value.dtype.kind not in "fc":
        raise InvalidArgumentError(f"{op}: logits must be floating point, got {logits.dtype.name}", op=op)
    if not _dims_match(labels._value.shape, logits._value.shape):
        raise InvalidArgumentError(f"{op}: labels shape {tuple(labels.shape)} and logits shape "
                                   f"{tuple(logits.shape)} must be equal", op=op)
    return labels, logits


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """`cornu.nn.softmax_cross_entropy_with_logits(labels, logits, axis=-1)`: -sum(labels *
    log_softmax(logits), axis), one value per example; labels are probabilities (gradients reach them
    too, as in TF2)."""
    op = "softmax_cross_entropy_with_logits"
    labels, logits = _same_shape(labels, to_tensor(logits), op)
    axis = _rules.normalize_axis(axis, logits._value.ndim, op)
    return -_reduce_sum(labels * _log_softmax(logits, axis=axis), axis=(axis,), keepdims=False)


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """`cornu.nn.sigmoid_cross_entropy_with_logits(labels, logits)`: elementwise
    -z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x)), as max(x, 0) - x z + log(1 + exp(-|x|))."""
    op = "sigmoid_cross_entropy_with_logits"
    if labels is None or logits is None:
        raise ValueError(f"{op}: both labels and logits must be given")
    z, x = _same_shape(labels, to_tensor(logits), op)
    # one condition picks both branches, so that at x == 0 the gradient is sigmoid(0) - z exactly
    # (relu(x) + softplus(-abs(x)) would give -z there: both kinks drop their halves)
    nonneg = greater_equal(x, 0)
    zero = zeros_like(x)
    return where(nonneg, x, zero) - x * z + softplus(where(nonneg, -x, x))


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """`cornu.nn.weighted_cross_entropy_with_logits(labels, logits, pos_weight)`: sigmoid cross-entropy
    with the positive term weighted: (1 - z) x + (1 + (q - 1) z) log(1 + exp(-x))."""
    op = "weighted_cross_entropy_with_logits"
    z, x = _same_shape(labels, to_tensor(logits), op)
    q = binary_args(x, pos_weight, op)[1]
    return (1 - z) * x + (z * (q - 1) + 1) * softplus(-x)


def l2_loss(t, name=None):
    """`cornu.nn.l2_loss(t)`: sum(t ** 2) / 2, a scalar."""
    t = _features(t, "l2_loss")
    return reduce_sum(square(t)) * 0.5


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """`cornu.nn.compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None)`:
    sum(loss * sample_weight) / global_batch_size (default: the first dimension of the loss)."""
    loss = _features(per_example_loss, "compute_average_loss")
    if sample_weight is not None:
        loss = loss * binary_args(loss, sample_weight, "compute_average_loss")[1]
    if global_batch_size is None:
        global_batch_size = loss._value.shape[0] if loss._value.ndim else 1
    global_batch_size = int(to_tensor(global_batch_size).numpy()) if hasattr(global_batch_size, "_value") \
        else int(global_batch_size)
    if global_batch_size <= 0:
        raise InvalidArgumentError(f"compute_average_loss: global_batch_size must be positive, got "
                                   f"{global_batch_size}")
    return reduce_sum(loss) / global_batch_size


# -- dropout -------------------------------------------------------------------------------------
def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """`cornu.nn.dropout(x, rate, noise_shape=None, seed=None)`: zero each element with probability
    `rate` and scale the kept ones by 1 / (1 - rate), so the expected value is unchanged.

    noise_shape (broadcastable to x's shape; None entries take x's dims) shares one draw along the
    dimensions where it is 1, e.g. [batch, 1, 1, channels] drops whole feature maps.

    >>> import cornu as tf
    >>> y = tf.nn.dropout(tf.ones([1000]), rate=0.5, seed=1)
    >>> sorted(set(y.numpy().tolist()))
    [0.0, 2.0]
    """
    op = "dropout"
    x = to_tensor(x)
    if not x.dtype.is_floating:
        raise InvalidArgumentError(f"{op}: x must be a floating-point tensor since it is scaled, got "
                                   f"dtype {x.dtype.name}", op=op)
    rate_value = to_tensor(rate).numpy() if hasattr(rate, "_value") else rate
    try:
        rate_value = float(rate_value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op}: rate must be a scalar in [0, 1), got {rate!r}", op=op) from None
    if not 0 <= rate_value < 1:
        raise InvalidArgumentError(f"{op}: rate must be a scalar in the range [0, 1), got {rate_value}",
                                   op=op)
    if rate_value == 0:
        return x
    shape = tuple(x._value.shape)
    noise = (None,) * len(shape)  # None: x's own dim there, read when the op runs
    if noise_shape is not None:
        given = noise_shape.numpy().tolist() if hasattr(noise_shape, "_value") else list(noise_shape)
        given = [None if n is None else static_int_list([n], "noise_shape", op)[0] for n in given]
        if len(given) != len(shape) or any(n not in (None, 1, d) and d is not None
                                           for n, d in zip(given, shape)):
            raise InvalidArgumentError(f"{op}: noise_shape {given} does not broadcast to the shape of x "
                                       f"{shape} (each entry must be 1, x's dimension or None)", op=op)
        noise = tuple(None if n == d else n for n, d in zip(given, shape))
    return x * _dropout_mask(x, rate=rate_value, noise_shape=noise, seed=seed)


def _mask_shape(x, rate, noise_shape, seed):
    return Spec(tuple(d if n is None else n for n, d in zip(noise_shape, x.shape)), x.dtype)


@defop("dropout_mask", _mask_shape, differentiable=False, stateful=True)
def _dropout_mask(xp, x, rate, noise_shape, seed):
    """0 with probability `rate`, else 1 / (1 - rate), shaped `noise_shape` (None: x's dim there).

    A random draw, like random_uniform, from the same seeded streams (`cornu.random.set_seed`, op seed).
    It takes x as an input only to read its shape when it runs, so it works when the batch size is
    unknown while a model is built, and one op replaces uniform + compare + cast + scale. Being random,
    a graph pass must never fold it as a constant.
    """
    shape = _mask_shape(x, rate, noise_shape, seed).shape
    draw = generator(seed).random(shape)
    mask = (draw >= rate).astype(x.dtype)
    mask *= 1 / (1 - rate)
    return _to_backend(xp, mask)


# -- normalization -------------------------------------------------------------------------------
def moments(x, axes, shift=None, keepdims=False, name=None):
    """`cornu.nn.moments(x, axes, keepdims=False)`: (mean, variance) over `axes`.

    float16 inputs are reduced in float32, as in TF. Unlike TF, the mean inside the variance is not
    cut off with stop_gradient: first derivatives are the same, and second derivatives stay exact.

    >>> import cornu as tf
    >>> mean, var = tf.nn.moments(tf.constant([1.0, 2.0, 3.0, 4.0]), axes=[0])
    >>> float(mean), float(var)
    (2.5, 1.25)
    """
    x = _features(x, "moments")
    axes = _rules.normalize_axes(axes, x._value.ndim, "moments")
    y = cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
    mean = reduce_mean(y, axis=axes, keepdims=True)
    variance = reduce_mean(squared_difference(y, mean), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = _squeeze(mean, axis=axes)
    if y is not x:
        mean, variance = cast(mean, x.dtype), cast(variance, x.dtype)
    return mean, variance


def _param(x, value, what, op):
    p = binary_args(x, value, op)[1]
    shape = tuple(x._value.shape)
    try:
        ok = _rules.broadcast_shapes(shape, tuple(p._value.shape), op) == shape
    except InvalidArgumentError:
        ok = False
    if not ok:
        raise InvalidArgumentError(f"{op}: {what} of shape {tuple(p.shape)} does not broadcast to the "
                                   f"shape of x {shape}", op=op)
    return p


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """`cornu.nn.batch_normalization(x, mean, variance, offset, scale, variance_epsilon)`:
    scale * (x - mean) / sqrt(variance + variance_epsilon) + offset (offset, scale may be None)."""
    op = "batch_normalization"
    x = _features(x, op)
    mean, variance = _param(x, mean, "mean", op), _param(x, variance, "variance", op)
    inv = rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * _param(x, scale, "scale", op)
    shift = -mean * inv if offset is None else _param(x, offset, "offset", op) - mean * inv
    return x * inv + shift


def bias_add(value, bias, data_format=None, name=None):
    """`cornu.nn.bias_add(value, bias, data_format=None)`: value + bias along the channel dimension
    (the last one, or dimension 1 when data_format starts with 'NC')."""
    op = "bias_add"
    value, bias = binary_args(value, bias, op)
    vs, bs = tuple(value._value.shape), tuple(bias._value.shape)
    if len(bs) != 1:
        raise InvalidArgumentError(f"{op}: bias must be 1-D, got shape {bs}", op=op)
    if len(vs) < 2:
        raise InvalidArgumentError(f"{op}: value must have rank >= 2, got shape {vs}", op=op)
    channels_first = data_format is not None and str(data_format).upper().startswith("NC")
    channel = 1 if channels_first else len(vs) - 1
    if None not in (vs[channel], bs[0]) and vs[channel] != bs[0]:
        raise InvalidArgumentError(f"{op}: bias of shape {bs} must match dimension {channel} (channels) of "
                                   f"value shape {vs}", op=op)
    if channels_first:
        bias = reshape(bias, (bs[0],) + (1,) * (len(vs) - 2))
    return value + bias


def embedding_lookup(params, ids, max_norm=None, name=None):
    """`cornu.nn.embedding_lookup(params, ids)`: rows of params at ids (max_norm clips each row's
    L2 norm)."""
    out = gather(params, ids)
    if max_norm is not None:
        norms = reduce_sum(square(out), axis=-1, keepdims=True)
        out = out * minimum(rsqrt(maximum(norms, 1e-24)) * max_norm, 1)
    return out



# -- fused dense (made by the graph fusion pass, never called by users) ------------------------------
_DENSE_ACTIVATIONS = ("linear", "relu")


def _dense_shape(x, w, b, activation):
    return Spec(tuple(x.shape[:-1]) + (w.shape[-1],), x.dtype)


@defop("fused_dense", _dense_shape, differentiable=False, writes_out="separate")
def fused_dense_op(xp, x, w, b, activation, out=None):
    """activation(x @ w + b) with one allocation: the bias add and the activation run in place on
    the product. Graph passes substitute it after autodiff, so it needs no gradient of its own."""
    if backend.fits(out, x.shape[:-1] + w.shape[-1:], x.dtype) and x.ndim == 2 and w.dtype == x.dtype:
        out = xp.matmul(x, w, out=out)
    else:
        out = xp.matmul(x, w)
    out += b
    if activation == "relu":
        xp.maximum(out, 0, out=out)
    return out
