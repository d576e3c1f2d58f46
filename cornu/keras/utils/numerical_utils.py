"""`to_categorical` (one-hot class matrices) and `normalize` (unit-norm rows), as in Keras 3.

>>> import cornu as tf
>>> tf.keras.utils.to_categorical([0, 2, 1], num_classes=3)
array([[1., 0., 0.],
       [0., 0., 1.],
       [0., 1., 0.]])
>>> tf.keras.utils.normalize([[3.0, 4.0]])
array([[0.6, 0.8]])
"""
from ... import backend
from ...core.tensor import Tensor

np = backend.numpy  # these utilities work on NumPy arrays (the data before it meets the model)


def to_categorical(x, num_classes=None):
    """Convert a class vector (integers) to a binary class matrix (one-hot, float64).

    Args:
        x: class labels: an array-like of integers from 0 to `num_classes - 1`; a trailing
            dimension of size 1 (shape `(n, 1)`) is dropped first. A cornu Tensor gives a Tensor.
        num_classes: the number of classes; None means `max(x) + 1`.

    Returns:
        A NumPy array of shape `x.shape + (num_classes,)` (float64, as Keras 3 returns).

    >>> import cornu as tf
    >>> tf.keras.utils.to_categorical([[1], [0]]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if isinstance(x, Tensor):
        from ...ops import array_ops, gather_ops
        shape = tuple(x.shape)
        if len(shape) > 1 and shape[-1] == 1:
            x = array_ops.reshape(x, shape[:-1])
        if num_classes is None:
            num_classes = int(np.max(x.numpy())) + 1 if x.numpy().size else 0
        return gather_ops.one_hot(x, int(num_classes))
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    # shrink the last dimension if the shape is (..., 1)
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    batch_size = x.shape[0]
    categorical = np.zeros((batch_size, num_classes))
    categorical[np.arange(batch_size), x] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalize an array along an axis to unit `order`-norm (all-zero slices are left at zero).

    Args:
        x: a NumPy array (or array-like) or a cornu Tensor.
        axis: the axis along which to normalize.
        order: the norm's order (2 for the L2 norm).

    Returns:
        For NumPy input: `x / norm` with zero norms replaced by 1. For a cornu Tensor (Keras 3's
        `ops.nn.normalize`): `x / max(norm, epsilon)`, written with cornu ops so it can be
        differentiated and traced.

    >>> import cornu as tf
    >>> tf.keras.utils.normalize([[1.0, 0.0], [0.0, 0.0]], order=1).tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    if isinstance(x, Tensor):
        return _normalize_tensor(x, axis, order)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    if axis is None:
        return x / norm
    return x / np.expand_dims(norm, axis)


def _normalize_tensor(x, axis, order):
    from ...ops import array_ops, linalg_ops, math_ops, reduce_ops
    from .. import backend as keras_backend
    if not isinstance(order, int) or not order >= 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    if not x.dtype.is_floating:
        x = math_ops.cast(x, "float32")
    if len(x.shape) == 0:
        x = array_ops.expand_dims(x, 0)
    epsilon = keras_backend.epsilon()
    if order == 2:
        # Keras: x * min(rsqrt(sum(x^2)), 1 / epsilon); the same value as rsqrt(max(sum, epsilon^2)),
        # which never takes rsqrt(0) (no inf, and a zero gradient rather than NaN at x = 0)
        square_sum = reduce_ops.reduce_sum(math_ops.square(x), axis=axis, keepdims=True)
        return x * math_ops.rsqrt(math_ops.maximum(square_sum, epsilon * epsilon))
    norm = linalg_ops.norm(x, ord=order, axis=axis, keepdims=True)
    return x / math_ops.maximum(norm, epsilon)
