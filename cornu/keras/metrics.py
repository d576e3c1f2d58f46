"""`cornu.keras.metrics`: Keras 3's stateful metrics and metric functions.

A metric accumulates state over batches with `update_state(y_true, y_pred, sample_weight=None)`,
reports it with `result()` and starts over with `reset_state()`. Its state lives in non-trainable
`cornu.Variable`s (`metric.variables`), updated with cornu ops only, so an update can run eagerly
or inside a traced train step.

>>> import cornu as tf
>>> m = tf.keras.metrics.BinaryAccuracy()
>>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
>>> float(m.result())
0.75
>>> m.update_state([[1]], [[0.2]])
>>> round(float(m.result()), 6)
0.6
>>> m.reset_state()
>>> float(m.result())
0.0
"""

from ..backend import dtypes
from ..core.tensor import Tensor, convert_to_tensor
from ..core.variable import Variable
from ..ops.array_ops import (broadcast_to, expand_dims, ones, reshape, shape as _shape, squeeze,
                             stack, zeros)
from ..ops.gather_ops import one_hot, take_along_axis
from ..ops.linalg_ops import l2_normalize, matmul
from ..ops.math_ops import (cast, divide_no_nan, equal, greater, greater_equal, log, logical_and,
                            maximum, minimum, not_equal, sigmoid, sqrt, where)
from ..ops.reduce_ops import argmax, reduce_any, reduce_mean, reduce_sum, top_k
from . import losses as _losses
from ._serialization import get_object
from .losses import (binary_crossentropy, categorical_crossentropy, categorical_hinge,  # noqa: F401
                     hinge, huber, kl_divergence, log_cosh, mean_absolute_error,
                     mean_absolute_percentage_error, mean_squared_error,
                     mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
                     squared_hinge, squeeze_or_expand_to_same_rank, to_snake_case)
from .losses import mse, MSE, mae, MAE, mape, MAPE, msle, MSLE, kld, KLD, logcosh  # noqa: F401

NEG_INF = -1e10  # the score Keras gives entries outside the top k


def _tensor(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _float_tensor(x):
    x = _tensor(x)
    return x if x.dtype.is_floating else cast(x, dtypes.float32)


def _cast_to(x, dtype):
    if not isinstance(x, Tensor):  # Python/NumPy data straight to dtype: no float32 detour
        try:
            return convert_to_tensor(x, dtype=dtype)
        except (TypeError, ValueError):
            x = convert_to_tensor(x)
    return x if x.dtype == dtype else cast(x, dtype)


def _static(shape):
    return tuple(-1 if d is None else d for d in shape)


# ================================================================================================
# base classes
# ================================================================================================
class Metric:
    """Base class of metrics: state variables, `update_state`, `result`, `reset_state`.

    Subclasses create their state with `add_variable` in `__init__` and implement `update_state`
    and `result`; `reset_state` sets every variable back to zeros. Calling a metric updates it and
    returns the result.

    >>> import cornu as tf
    >>> class Count(tf.keras.metrics.Metric):
    ...     def __init__(self, name="count", dtype=None):
    ...         super().__init__(name=name, dtype=dtype)
    ...         self.n = self.add_variable(shape=(), name="n")
    ...     def update_state(self, values, sample_weight=None):
    ...         self.n.assign_add(tf.cast(tf.size(values), self.dtype))
    ...     def result(self):
    ...         return self.n.read_value()
    >>> c = Count()
    >>> c.update_state([1, 2, 3]); float(c([4, 5]))
    5.0
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype = dtypes.as_dtype(dtype or "float32").name
        self._variables = []

    @property
    def dtype(self):
        """The dtype of the state and the result, by name ('float32' unless given)."""
        return self._dtype

    @property
    def variables(self):
        """The state variables (non-trainable)."""
        return list(self._variables)

    weights = non_trainable_variables = non_trainable_weights = variables

    @property
    def trainable_variables(self):
        return []

    trainable_weights = trainable_variables

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A new non-trainable state variable of `shape`, filled by `initializer` ('zeros', 'ones',
        a number, or a callable `(shape, dtype) -> value`)."""
        dtype = dtypes.as_dtype(dtype or self._dtype)
        shape = tuple(int(d) for d in shape)
        if initializer is None or initializer == "zeros":
            value = zeros(shape, dtype)
        elif initializer == "ones":
            value = ones(shape, dtype)
        elif callable(initializer):
            value = initializer(shape, dtype=dtype)
        else:
            value = cast(broadcast_to(_tensor(float(initializer)), shape), dtype)
        variable = Variable(value, trainable=False, name=name or "variable", dtype=dtype)
        self._variables.append(variable)
        return variable

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                   **kwargs):
        """TF2's spelling of `add_variable`."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self):
        """Set every state variable back to zeros."""
        for v in self._variables:
            v.assign(zeros(tuple(v.shape), v.dtype))

    def reset_states(self):
        """TF2's name for `reset_state`."""
        return self.reset_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Keras's reduction of metric values to one value per sample, weighted.

    Weights are fitted to the values (trailing-1 squeeze/expand), the values are reduced to the
    weights' rank, weighted, and finally reduced over every axis but the first.
    """
    values = cast(_tensor(values), dtype)
    if sample_weight is not None:
        sample_weight = _cast_to(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = len(sample_weight.shape), len(values.shape)
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=list(range(weight_ndim, values_ndim)))
        try:
            sample_weight = broadcast_to(sample_weight, _static(values.shape))
        except ValueError:
            raise ValueError(f"sample_weight of shape {tuple(sample_weight.shape)} does not broadcast to "
                             f"the metric values of shape {tuple(values.shape)}") from None
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_ndim)))
    if len(values.shape) > 1:
        values = reduce_fn(values, axis=list(range(1, len(values.shape))))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values seen.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.Sum()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), dtype=self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, reduce_sum, self.dtype)
        self.total.assign_add(reduce_sum(values))

    def result(self):
        return self.total.read_value()


class Mean(Metric):
    """The (weighted) mean of the values seen: total / count.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.Mean()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    4.0
    >>> m.reset_state()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), dtype=self.dtype, name="total")
        self.count = self.add_variable(shape=(), dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, reduce_mean,
                                                            self.dtype)
        self.total.assign_add(reduce_sum(values))
        if sample_weight is not None:
            num_samples = reduce_sum(sample_weight)
        elif len(values.shape) >= 1:
            n = values.shape[0]
            num_samples = float(n) if n is not None else cast(_shape(values)[0], self.dtype)
        else:
            num_samples = 1.0
        self.count.assign_add(_cast_to(num_samples, self.dtype))

    def result(self):
        return divide_no_nan(self.total.read_value(), self.count.read_value())


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function `fn(y_true, y_pred, **kwargs)` over everything seen.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.MeanMetricWrapper(tf.keras.losses.mean_absolute_error, name="mae")
    >>> float(m([[0.], [0.]], [[1.], [3.]]))
    2.0
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: fn must be callable, got {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config["fn"] = _losses.serialize_object(self._fn, module="keras.metrics")
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            config["fn"] = deserialize(config["fn"])
        return cls(**config)


class _Wrapper(MeanMetricWrapper):
    """A built-in MeanMetricWrapper: its config is its constructor arguments."""

    _function = None

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(type(self)._function, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self):
        config = Metric.get_config(self)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# ================================================================================================
# accuracy
# ================================================================================================
def _check(name, y_true, y_pred, exact=True):
    a, b = tuple(y_true.shape), tuple(y_pred.shape)
    ok = (len(a) == len(b) and all(p is None or q is None or p == q for p, q in zip(a, b))) if exact \
        else _losses._dims_broadcast(a, b)
    if not ok:
        raise ValueError(f"{name}: y_true of shape {a} and y_pred of shape {b} do not fit")


def accuracy(y_true, y_pred):
    """How often y_pred equals y_true exactly: `mean(equal(y_true, y_pred), axis=-1)`.

    >>> import cornu as tf
    >>> tf.keras.metrics.accuracy([[1], [2], [3], [4]], [[0], [2], [3], [4]]).numpy()
    array([0., 1., 1., 1.], dtype=float32)
    """
    y_pred = _tensor(y_pred)
    y_true = _cast_to(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check("accuracy", y_true, y_pred, exact=False)
    return _losses._mean_last(cast(equal(y_true, y_pred), dtypes.float32))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """How often `y_pred > threshold` matches the 0/1 labels, averaged over the last axis.

    >>> import cornu as tf
    >>> tf.keras.metrics.binary_accuracy([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]).numpy()
    array([1., 1., 1., 0.], dtype=float32)
    """
    y_pred = _float_tensor(y_pred)
    y_true = _cast_to(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check("binary_accuracy", y_true, y_pred, exact=False)
    predicted = cast(greater(y_pred, float(threshold)), y_true.dtype)
    return _losses._mean_last(cast(equal(y_true, predicted), dtypes.float32))


def categorical_accuracy(y_true, y_pred):
    """How often the argmax of y_pred is the argmax of the one-hot y_true (1.0 or 0.0 per sample).

    >>> import cornu as tf
    >>> tf.keras.metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                                       [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).numpy()
    array([0., 1.], dtype=float32)
    """
    y_pred, y_true = _tensor(y_pred), _tensor(y_true)
    _check("categorical_accuracy", y_true, y_pred)
    if len(y_pred.shape) == 0:
        raise ValueError("categorical_accuracy: y_pred must have a class axis, got a scalar")
    return cast(equal(argmax(y_true, axis=-1), argmax(y_pred, axis=-1)), dtypes.float32)


def _sparse_labels(name, y_true, y_pred):
    """Integer-valued class ids shaped like y_pred without its class axis ((N, 1) -> (N,))."""
    y_true = _tensor(y_true)
    if len(y_pred.shape) == 0:
        raise ValueError(f"{name}: y_pred must have a class axis, got a scalar")
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, axis=-1)
    a, b = tuple(y_true.shape), tuple(y_pred.shape[:-1])
    if len(a) != len(b) or not all(p is None or q is None or p == q for p, q in zip(a, b)):
        raise ValueError(f"{name}: y_true of shape {tuple(_tensor(y_true).shape)} and y_pred of shape "
                         f"{tuple(y_pred.shape)} do not fit; y_true must hold one class id per row of "
                         f"y_pred, shape {b} (or with a trailing 1)")
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """How often the argmax of y_pred equals the integer label (1.0 or 0.0 per sample).

    >>> import cornu as tf
    >>> tf.keras.metrics.sparse_categorical_accuracy([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]).numpy()
    array([0., 1.], dtype=float32)
    """
    y_pred = _tensor(y_pred)
    labels = _sparse_labels("sparse_categorical_accuracy", y_true, y_pred)
    predicted = argmax(y_pred, axis=-1)
    if labels.dtype != predicted.dtype:
        predicted = cast(predicted, labels.dtype)
    return cast(equal(labels, predicted), dtypes.float32)


def _in_top_k(targets, predictions, k):
    """Whether each target's score is at least the k-th largest score of its row (ties at the
    boundary count as in the top k, as in TF's in_top_k)."""
    num_classes = predictions.shape[-1]
    if num_classes is not None and k >= num_classes:
        return equal(targets, targets)  # every class is in the top k
    kth = top_k(predictions, k=k).values[..., k - 1]
    target_score = squeeze(take_along_axis(predictions, expand_dims(targets, -1), axis=-1), axis=-1)
    return greater_equal(target_score, kth)


def _top_k_matches(name, labels, y_pred, k):
    """in_top_k over the flattened leading axes, reshaped back to the labels' shape."""
    labels = cast(labels, dtypes.int32)
    shape = _static(labels.shape)
    flat_labels = reshape(labels, (-1,))
    flat_pred = reshape(y_pred, (-1, y_pred.shape[-1])) if len(y_pred.shape) != 2 else y_pred
    matches = cast(_in_top_k(flat_labels, flat_pred, int(k)), dtypes.float32)
    return reshape(matches, shape)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """How often the one-hot target is among the k highest-scored classes (1.0 or 0.0 per sample).

    >>> import cornu as tf
    >>> tf.keras.metrics.top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                                             [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1).numpy()
    array([0., 1.], dtype=float32)
    """
    y_pred, y_true = _tensor(y_pred), _tensor(y_true)
    _check("top_k_categorical_accuracy", y_true, y_pred)
    return _top_k_matches("top_k_categorical_accuracy", argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """How often the integer target is among the k highest-scored classes.

    With `from_sorted_ids=True`, y_pred holds class ids sorted by score (best first), e.g. the
    indices of `top_k`, and the target is looked for among the first k of them.

    >>> import cornu as tf
    >>> tf.keras.metrics.sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
    ...                                                    k=1).numpy()
    array([0., 1.], dtype=float32)
    """
    name = "sparse_top_k_categorical_accuracy"
    y_pred = _tensor(y_pred)
    labels = _sparse_labels(name, y_true, y_pred)
    if from_sorted_ids:
        ids = cast(y_pred[..., :int(k)], dtypes.int32)
        found = reduce_any(equal(expand_dims(cast(labels, dtypes.int32), -1), ids), axis=-1)
        return cast(found, dtypes.float32)
    return _top_k_matches(name, labels, y_pred, k)


class Accuracy(_Wrapper):
    """How often predictions equal labels exactly.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """
    _function = staticmethod(accuracy)

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class BinaryAccuracy(_Wrapper):
    """How often `y_pred > threshold` matches binary labels.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    >>> float(m.result())
    0.5
    """
    _function = staticmethod(binary_accuracy)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and not 0 < threshold < 1:
            raise ValueError(f"Invalid value for argument `threshold`. Expected a value in interval "
                             f"(0, 1). Received: threshold={threshold}")
        super().__init__(name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(_Wrapper):
    """How often the argmax of the predictions matches one-hot labels.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
    ...                sample_weight=[0.7, 0.3])
    >>> round(float(m.result()), 6)
    0.3
    """
    _function = staticmethod(categorical_accuracy)

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SparseCategoricalAccuracy(_Wrapper):
    """How often the argmax of the predictions matches integer labels.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """
    _function = staticmethod(sparse_categorical_accuracy)

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class TopKCategoricalAccuracy(_Wrapper):
    """How often the one-hot target is among the top `k` predictions.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """
    _function = staticmethod(top_k_categorical_accuracy)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(_Wrapper):
    """How often the integer target is among the top `k` predictions.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """
    _function = staticmethod(sparse_top_k_categorical_accuracy)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        kwargs = {"from_sorted_ids": True} if from_sorted_ids else {}
        super().__init__(name=name, dtype=dtype, k=k, **kwargs)
        self.from_sorted_ids = from_sorted_ids


# ================================================================================================
# regression and probabilistic metrics (means of the loss functions)
# ================================================================================================
def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity `sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)` (positive, unlike
    the loss of the same name)."""
    y_true, y_pred = _losses._fit("cosine_similarity", y_true, y_pred)
    return reduce_sum(l2_normalize(y_true, axis=axis) * l2_normalize(y_pred, axis=axis), axis=axis)


class MeanSquaredError(_Wrapper):
    """The mean of `square(y_true - y_pred)`.

    >>> import cornu as tf
    >>> float(tf.keras.metrics.MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """
    _function = staticmethod(mean_squared_error)

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsoluteError(_Wrapper):
    """The mean of `abs(y_true - y_pred)`.

    >>> import cornu as tf
    >>> float(tf.keras.metrics.MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """
    _function = staticmethod(mean_absolute_error)

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsolutePercentageError(_Wrapper):
    """The mean absolute percentage error."""
    _function = staticmethod(mean_absolute_percentage_error)

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_Wrapper):
    """The mean squared logarithmic error."""
    _function = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """`sqrt(mean(square(y_true - y_pred)))` over every element seen.

    >>> import cornu as tf
    >>> float(tf.keras.metrics.RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _cast_to(y_pred, self.dtype)
        y_true = _cast_to(y_true, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        _check(self.name, y_true, y_pred, exact=False)
        return super().update_state((y_pred - y_true) * (y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return sqrt(super().result())


class CosineSimilarity(_Wrapper):
    """The mean cosine similarity between labels and predictions."""
    _function = staticmethod(cosine_similarity)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class LogCoshError(_Wrapper):
    """The mean of `log(cosh(y_pred - y_true))`."""
    _function = staticmethod(log_cosh)

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name=name, dtype=dtype)


class BinaryCrossentropy(_Wrapper):
    """The mean binary cross-entropy."""
    _function = staticmethod(binary_crossentropy)

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_Wrapper):
    """The mean categorical cross-entropy."""
    _function = staticmethod(categorical_crossentropy)

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_Wrapper):
    """The mean sparse categorical cross-entropy."""
    _function = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits, axis=axis)


class Hinge(_Wrapper):
    """The mean hinge loss."""
    _function = staticmethod(hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SquaredHinge(_Wrapper):
    """The mean squared hinge loss."""
    _function = staticmethod(squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class CategoricalHinge(_Wrapper):
    """The mean categorical hinge loss."""
    _function = staticmethod(categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class KLDivergence(_Wrapper):
    """The mean Kullback-Leibler divergence."""
    _function = staticmethod(kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Poisson(_Wrapper):
    """The mean Poisson loss."""
    _function = staticmethod(poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name=name, dtype=dtype)


# ================================================================================================
# confusion-matrix metrics: Precision, Recall, AUC, TruePositives, ...
# ================================================================================================
_CONDITIONS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """A list of thresholds (each in [0, 1]); `default_threshold` when none are given."""
    if thresholds is not None:
        invalid = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return [float(t) for t in _to_list(default_threshold if thresholds is None else thresholds)]


def _filter_top_k(x, k):
    """x where the entry is among the k largest of its row, NEG_INF elsewhere."""
    _, idx = top_k(x, k=int(k))
    mask = reduce_sum(one_hot(idx, depth=x.shape[-1], dtype=x.dtype), axis=-2)
    return x * mask + NEG_INF * (1.0 - mask)


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds, top_k=None,
                                      class_id=None, sample_weight=None, multi_label=False,
                                      label_weights=None, name="metric"):
    """Add the (weighted) counts of true/false positives/negatives at each threshold to the variables
    in `variables_to_update` ({'true_positives': var, ...}), as Keras's metrics_utils does.

    A prediction is positive at threshold t when `y_pred > t`; a label is positive when non-zero.
    Without `multi_label` every entry of y_pred counts as one prediction and the variables have one
    entry per threshold; with it, the counts are kept per label (last axis of y_pred), shape
    (num_thresholds, num_labels).
    """
    unknown = [k for k in variables_to_update if k not in _CONDITIONS]
    if unknown:
        raise ValueError(f"Invalid keys: {unknown}. Valid variable keys are: {list(_CONDITIONS)}")
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multilabel data should be handled outside of "
                         "`update_confusion_matrix_variables` when `multi_label` is True.")
    dtype = next(iter(variables_to_update.values())).dtype
    y_true = _cast_to(y_true, dtype)
    y_pred = _cast_to(y_pred, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    _check(name, y_true, y_pred)
    if sample_weight is not None:
        sample_weight = expand_dims(_cast_to(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError(f"{name}: when class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}")
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    pred_shape = _static(y_pred.shape)
    thresholds = convert_to_tensor([float(t) for t in thresholds], dtype=dtype)
    num_thresholds = thresholds.shape[0]

    weights = None
    if sample_weight is not None:
        try:
            weights = broadcast_to(sample_weight, pred_shape)
        except ValueError:
            raise ValueError(f"{name}: sample_weight of shape {tuple(sample_weight.shape)} does not "
                             f"broadcast to y_pred of shape {tuple(y_pred.shape)}") from None
    if label_weights is not None:
        lw = broadcast_to(_cast_to(label_weights, dtype), pred_shape)
        weights = lw if weights is None else weights * lw
    positive = cast(not_equal(y_true, 0.0), dtype)

    if multi_label:
        # (T, N, L): prediction above threshold, counted per label
        above = cast(greater(expand_dims(y_pred, 0), reshape(thresholds, (num_thresholds, 1, 1))), dtype)
        w_pos = positive if weights is None else positive * weights
        w_neg = (1.0 - positive) if weights is None else (1.0 - positive) * weights
        counts = {"true_positives": lambda: reduce_sum(above * w_pos, axis=1),
                  "false_positives": lambda: reduce_sum(above * w_neg, axis=1)}
        totals = (lambda: reduce_sum(w_pos, axis=0), lambda: reduce_sum(w_neg, axis=0))
    else:
        # (T, M) 0/1 matrix times the per-prediction weights of positive and negative labels: one
        # matmul gives the weighted true- and false-positive counts at every threshold
        flat_pred = reshape(y_pred, (1, -1))
        flat_pos = reshape(positive, (-1,))
        flat_w = None if weights is None else reshape(weights, (-1,))
        w_pos = flat_pos if flat_w is None else flat_pos * flat_w
        w_neg = (1.0 - flat_pos) if flat_w is None else (1.0 - flat_pos) * flat_w
        above = cast(greater(flat_pred, reshape(thresholds, (num_thresholds, 1))), dtype)
        both = matmul(above, stack([w_pos, w_neg], axis=1))
        counts = {"true_positives": lambda: both[:, 0], "false_positives": lambda: both[:, 1]}
        totals = (lambda: reduce_sum(w_pos), lambda: reduce_sum(w_neg))

    need = set(variables_to_update)
    tp = counts["true_positives"]() if need & {"true_positives", "false_negatives"} else None
    fp = counts["false_positives"]() if need & {"false_positives", "true_negatives"} else None
    values = {}
    if "true_positives" in need:
        values["true_positives"] = tp
    if "false_negatives" in need:
        values["false_negatives"] = totals[0]() - tp
    if "false_positives" in need:
        values["false_positives"] = fp
    if "true_negatives" in need:
        values["true_negatives"] = totals[1]() - fp
    for key, value in values.items():
        variables_to_update[key].assign_add(value)


class _ConfusionMatrixConditionCount(Metric):
    """The weighted count of one confusion-matrix condition at each threshold."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables({self._condition: self.accumulator}, y_true, y_pred,
                                          self.thresholds, sample_weight=sample_weight, name=self.name)

    def result(self):
        value = self.accumulator.read_value()
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The weighted number of true positives (`y_pred > threshold` and a non-zero label).

    >>> import cornu as tf
    >>> float(tf.keras.metrics.TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]))
    2.0
    """
    _condition = "true_positives"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The weighted number of false positives."""
    _condition = "false_positives"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of true negatives."""
    _condition = "true_negatives"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of false negatives."""
    _condition = "false_negatives"


class Precision(Metric):
    """Precision `tp / (tp + fp)` at one or more thresholds (a prediction is positive when
    `y_pred > threshold`; default 0.5).

    With `top_k`, only the k highest-scored classes of each sample can be positive (the default
    threshold is then -inf); with `class_id`, only that class (last axis) is scored. Given a list of
    thresholds, `result()` has one precision per threshold.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _conditions = ("true_positives", "false_positives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        for condition in self._conditions:
            setattr(self, condition, self.add_variable(shape=(len(self.thresholds),), name=condition))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables({c: getattr(self, c) for c in self._conditions}, y_true, y_pred,
                                          self.thresholds, top_k=self.top_k, class_id=self.class_id,
                                          sample_weight=sample_weight, name=self.name)

    def result(self):
        tp, other = (getattr(self, c).read_value() for c in self._conditions)
        value = divide_no_nan(tp, tp + other)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Recall(Precision):
    """Recall `tp / (tp + fn)` at one or more thresholds (same arguments as Precision).

    >>> import cornu as tf
    >>> m = tf.keras.metrics.Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _conditions = ("true_positives", "false_negatives")


_CURVES = {"roc": "ROC", "pr": "PR", "pr_gain": "PR_GAIN", "prgain": "PR_GAIN"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Area under the ROC or precision-recall curve, approximated from confusion matrices at
    `num_thresholds` thresholds (Keras's algorithm).

    The thresholds are `i / (num_thresholds - 1)` for i = 1 .. num_thresholds - 2, plus -EPSILON and
    1 + EPSILON at the ends (or `[-EPSILON] + sorted(thresholds) + [1 + EPSILON]` when given). The
    'ROC' curve sums trapezoids of recall over the false-positive rate; 'PR' with 'interpolation'
    uses Davis & Goadrich's interpolation of precision between thresholds; 'minoring' and
    'majoring' take the lower or upper rectangle instead of the trapezoid.

    Args:
        num_thresholds: number of thresholds (> 1), default 200.
        curve: 'ROC' (default) or 'PR' ('PR_GAIN' too).
        summation_method: 'interpolation' (default), 'minoring' or 'majoring'.
        thresholds: explicit thresholds in [0, 1] (then num_thresholds is len(thresholds) + 2).
        multi_label: keep counts per label (last axis) and average the per-label AUCs.
        num_labels: the number of labels when multi_label (else read from the first batch).
        label_weights: per-label weights (for the average with multi_label, else for the counts).
        from_logits: apply a sigmoid to y_pred first.

    >>> import cornu as tf
    >>> m = tf.keras.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> round(float(m.result()), 4)
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        key = str(curve).lower()
        if key not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["ROC", "PR", '
                             '"PR_GAIN"]')
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values '
                             f'are {list(_SUMMATIONS)}')
        self.curve = _CURVES[key]
        self.summation_method = str(summation_method).lower()
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_init_thresholds(thresholds))
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds is None or num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
        self._thresholds = [0.0 - _losses.EPSILON] + inner + [1.0 + _losses.EPSILON]
        super().__init__(name=name, dtype=dtype)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self._label_weights_init = None if label_weights is None else [float(w) for w in
                                                                       _to_list(label_weights)]
        self.label_weights = None if label_weights is None else convert_to_tensor(
            self._label_weights_init, dtype=self.dtype)
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build(num_labels)
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, end points included."""
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds, int(num_labels))
        self._num_labels = num_labels
        for condition in _CONDITIONS:
            setattr(self, condition, self.add_variable(shape=shape, name=condition))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _float_tensor(y_pred)
        if not self._built:
            if len(y_pred.shape) != 2:
                raise ValueError(f"{self.name}: with multi_label=True, y_pred must have shape "
                                 f"(num_samples, num_labels); got {tuple(y_pred.shape)}")
            self._build(y_pred.shape[-1])
        if self._from_logits:
            y_pred = sigmoid(y_pred)
        update_confusion_matrix_variables({c: getattr(self, c) for c in _CONDITIONS}, y_true, y_pred,
                                          self._thresholds, sample_weight=sample_weight,
                                          multi_label=self.multi_label,
                                          label_weights=None if self.multi_label else self.label_weights,
                                          name=self.name)

    def _average(self, per_label):
        if self.label_weights is None:
            return reduce_mean(per_label)
        return divide_no_nan(reduce_sum(per_label * self.label_weights), reduce_sum(self.label_weights))

    def interpolate_pr_auc(self):
        """Davis & Goadrich (2006)'s interpolation of the precision-recall curve between thresholds:
        precision is tp / (tp + fp) with tp linear in p = tp + fp between two thresholds, which
        integrates in closed form."""
        n = self.num_thresholds
        tp = self.true_positives.read_value()
        p = tp + self.false_positives.read_value()
        fn = self.false_negatives.read_value()
        dtp = tp[:n - 1] - tp[1:]
        dp = p[:n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, maximum(dp, 0.0))
        intercept = tp[1:] - prec_slope * p[1:]
        both_positive = logical_and(greater(p[:n - 1], 0.0), greater(p[1:], 0.0))
        safe_p_ratio = where(both_positive, divide_no_nan(p[:n - 1], maximum(p[1:], 0.0)),
                             p[1:] * 0.0 + 1.0)
        increment = divide_no_nan(prec_slope * (dtp + intercept * log(safe_p_ratio)),
                                  maximum(tp[1:] + fn[1:], 0.0))
        if self.multi_label:
            return self._average(reduce_sum(increment, axis=0))
        return reduce_sum(increment)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        n = self.num_thresholds
        tp, fp, tn, fn = (getattr(self, c).read_value() for c in _CONDITIONS)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PR_GAIN (Flach & Kull 2015): gains relative to the always-positive classifier
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
            no_tp = equal(tp, 0.0)
            recall_gain = maximum(where(no_tp, tp * 0.0, recall_gain), 0.0)
            precision_gain = where(no_tp, tp * 0.0 + 1.0, precision_gain)
            x, y = recall_gain, precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = minimum(y[:n - 1], y[1:])
        else:
            heights = maximum(y[:n - 1], y[1:])
        terms = (x[:n - 1] - x[1:]) * heights
        if self.multi_label:
            return self._average(reduce_sum(terms, axis=0))
        return reduce_sum(terms)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": self._label_weights_init,
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config


# ================================================================================================
# get / serialize / deserialize, and compile's 'accuracy'
# ================================================================================================
_CLASSES = (Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, Precision,
            Recall, AUC, TruePositives, FalsePositives, TrueNegatives, FalseNegatives, MeanSquaredError,
            MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            RootMeanSquaredError, CosineSimilarity, LogCoshError, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge,
            CategoricalHinge, KLDivergence, Poisson)
_FUNCTIONS = (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
              mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy,
              sparse_categorical_crossentropy, hinge, squared_hinge, categorical_hinge, kl_divergence,
              poisson, huber, log_cosh)

_FUNCTIONS_BY_NAME = {fn.__name__: fn for fn in _FUNCTIONS}  # what serialized functions refer to
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "kld": KLDivergence, "KLD": KLDivergence, "rmse": RootMeanSquaredError,
    "logcosh": LogCoshError, "log_cosh": LogCoshError,
})


def serialize(metric):
    """The Keras config dict of a metric object or a metric function."""
    return _losses.serialize_object(metric, module="keras.metrics")


def deserialize(config, custom_objects=None):
    """A metric (or metric function) from `serialize`'s dict or a name."""
    return _losses.deserialize_object(config, ALL_OBJECTS_DICT, custom_objects, what="metric function",
                                      functions=_FUNCTIONS_BY_NAME)


def get(identifier):
    """A metric from a name ('accuracy', 'auc', 'mse', 'Precision', ...; classes are instantiated),
    a config dict, a class, or a callable (returned as is, e.g. a metric function).

    >>> import cornu as tf
    >>> tf.keras.metrics.get("auc").name
    'auc'
    >>> type(tf.keras.metrics.get("mse")).__name__
    'MeanSquaredError'
    """
    return get_object(identifier, ALL_OBJECTS_DICT, deserialize, "metric")


def resolve_accuracy(loss=None, y_pred_shape=None, y_true_shape=None, name="accuracy"):
    """The metric that `metrics=['accuracy']` (or 'acc') means in `compile`, as a Metric named `name`.

    Keras's rule, given the output's loss and shapes:

    - `BinaryAccuracy` (threshold 0.5) when the loss is binary cross-entropy, or when the output has
      one unit (`y_pred_shape[-1] == 1`);
    - `SparseCategoricalAccuracy` when the loss is sparse categorical cross-entropy;
    - `CategoricalAccuracy` when the loss is categorical cross-entropy;
    - for any other loss, Keras 3's shape rule: sparse when y_true has fewer dimensions than y_pred
      or ends in 1 while y_pred has several classes, else categorical.

    Args:
        loss: the output's loss: a name ('binary_crossentropy', 'bce', 'BinaryCrossentropy', ...), a
            loss function, a loss class or a Loss instance; None when unknown.
        y_pred_shape: the model output's shape (batch dimension may be None), or None.
        y_true_shape: the targets' shape, or None (only used for losses other than the
            cross-entropies).
        name: the metric's name (the string the user gave: 'accuracy' or 'acc').

    Note: like Keras, a binary cross-entropy with `from_logits=True` still gets threshold 0.5, so
    'accuracy' then compares logits with 0.5; pass `BinaryAccuracy(threshold=0.0)` explicitly for
    logits.

    >>> import cornu as tf
    >>> type(tf.keras.metrics.resolve_accuracy("sparse_categorical_crossentropy", (None, 10))).__name__
    'SparseCategoricalAccuracy'
    >>> type(tf.keras.metrics.resolve_accuracy("mse", (None, 1))).__name__
    'BinaryAccuracy'
    """
    kind = _losses.loss_kind(loss)
    units = None if y_pred_shape is None or len(tuple(y_pred_shape)) == 0 else tuple(y_pred_shape)[-1]
    if kind == "binary" or units == 1:
        return BinaryAccuracy(name=name)
    if kind == "sparse":
        return SparseCategoricalAccuracy(name=name)
    if kind == "categorical":
        return CategoricalAccuracy(name=name)
    if y_true_shape is not None and y_pred_shape is not None and _losses._is_sparse(y_true_shape,
                                                                                    y_pred_shape):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def _resolve_crossentropy(loss, y_pred_shape, y_true_shape, name):
    kind = _losses.loss_kind(loss)
    units = None if y_pred_shape is None or len(tuple(y_pred_shape)) == 0 else tuple(y_pred_shape)[-1]
    if kind == "binary" or units == 1:
        return BinaryCrossentropy(name=name)
    if kind == "sparse" or (kind is None and y_true_shape is not None and y_pred_shape is not None
                            and _losses._is_sparse(y_true_shape, y_pred_shape)):
        return SparseCategoricalCrossentropy(name=name)
    return CategoricalCrossentropy(name=name)


def get_compile_metric(identifier, loss=None, y_pred_shape=None, y_true_shape=None):
    """The Metric object for one entry of `compile(metrics=[...])`.

    'accuracy'/'acc' go through `resolve_accuracy` (and 'crossentropy'/'ce' through the same rule
    for the cross-entropy metrics); other names through `get`; plain functions are wrapped in a
    MeanMetricWrapper. A string identifier becomes the metric's name (so 'acc' logs as 'acc' and
    'mse' as 'mse'); Metric instances are used as they are.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return resolve_accuracy(loss, y_pred_shape, y_true_shape, name=identifier)
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        return _resolve_crossentropy(loss, y_pred_shape, y_true_shape, name=identifier)
    metric = get(identifier)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric, name=getattr(metric, "__name__", None) or "metric")
    if isinstance(identifier, str):
        metric.name = identifier
    return metric
