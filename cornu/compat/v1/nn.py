"""`tf.compat.v1.nn`: cornu.nn plus TF1's signatures (`dropout(x, keep_prob)`,
`softmax_cross_entropy_with_logits` that does not differentiate the labels, `xw_plus_b`)."""
from ...nn import *  # noqa: F401,F403
from ...nn import dropout as _dropout, softmax_cross_entropy_with_logits as _xent
from ...core.tensor import Tensor
from ...ops.linalg_ops import matmul as _matmul
from ...ops.math_ops import stop_gradient as _stop_gradient
from ...ops.nn_ops import bias_add as _bias_add

softmax_cross_entropy_with_logits_v2 = _xent


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None,
                                      axis=None):
    """TF1's version: keyword arguments only, and no gradient flows into `labels`."""
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("Only call `softmax_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=..., ...)")
    return _xent(_stop_gradient(labels), logits, axis=dim if axis is None else axis)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF1 `dropout(x, keep_prob)`: keep each element with probability keep_prob (a Python number;
    cornu's dropout rate is fixed when the graph is built)."""
    if rate is None:
        if keep_prob is None:
            raise ValueError("dropout: give keep_prob (or rate)")
        if isinstance(keep_prob, Tensor):
            raise NotImplementedError("dropout: keep_prob must be a Python number in cornu (a fed "
                                      "keep_prob placeholder is not supported); build the training and "
                                      "evaluation graphs with keep_prob values, or use rate=")
        rate = 1.0 - float(keep_prob)
    return _dropout(x, rate, noise_shape=noise_shape, seed=seed)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases."""
    return _bias_add(_matmul(x, weights), biases)
