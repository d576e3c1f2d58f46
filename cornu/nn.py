"""`cornu.nn`: activations, softmax and cross-entropies, dropout, normalization, convolution and pooling
under TF's `tf.nn` names.

>>> import cornu as tf
>>> tf.nn.relu([-1.0, 2.0]).numpy()
array([0., 2.], dtype=float32)
"""
from .ops.math_ops import sigmoid, softplus, tanh  # noqa: F401
from .ops.linalg_ops import l2_normalize  # noqa: F401
from .ops.reduce_ops import top_k  # noqa: F401
from .ops.nn_ops import (relu, relu6, leaky_relu, elu, selu, gelu, silu, swish, softsign, crelu,  # noqa: F401
                         softmax, log_softmax, sparse_softmax_cross_entropy_with_logits,
                         softmax_cross_entropy_with_logits, sigmoid_cross_entropy_with_logits,
                         weighted_cross_entropy_with_logits, l2_loss, compute_average_loss, dropout,
                         moments, batch_normalization, bias_add, embedding_lookup)
from .ops.conv_ops import (conv1d, conv2d, conv2d_transpose, max_pool1d, max_pool2d, avg_pool1d,  # noqa: F401,E402
                           avg_pool2d, max_pool, avg_pool)
