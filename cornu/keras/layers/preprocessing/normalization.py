"""Normalization: (x - mean) / sqrt(variance), with the statistics given or learned by `adapt`."""
import math

from ....backend import dtypes
from ....core.tensor import Tensor, convert_to_tensor
from ....ops import array_ops, math_ops, reduce_ops
from ..layer import Layer
from .rescaling import plain

_EPSILON = 1e-7  # keras.backend.epsilon(): the smallest standard deviation divided by


class Normalization(Layer):
    """`Normalization(axis=-1, mean=None, variance=None, invert=False)`: shifts and scales inputs to mean 0
    and variance 1 along `axis`: `(x - mean) / max(sqrt(variance), 1e-7)` (or the inverse with
    invert=True).

    axis: the axis or axes that keep their own statistics (default -1, the features or channels);
    None gives one mean and variance for everything. Give `mean` and `variance`, or call
    `adapt(data)` before training to compute them from data: arrays, tensors, a `cornu.data.Dataset`
    or any iterable of batches (statistics are combined exactly across batches). Adapted statistics
    are the layer's two non-trainable weights, saved with the model.

    >>> import cornu as tf
    >>> layer = tf.keras.layers.Normalization()
    >>> layer.adapt([[1.0], [2.0], [3.0]])
    >>> layer(tf.constant([[1.0], [3.0]])).numpy()
    array([[-1.2247448],
           [ 1.2247448]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        else:
            try:
                axis = tuple(int(a) for a in axis)
            except TypeError:
                raise ValueError(f"Normalization: the `axis` argument must be an int, a tuple of ints or None, "
                                 f"got axis={axis!r}") from None
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: when `mean` is given, `variance` must be given too (and the other "
                             f"way round); got mean={mean!r} and variance={variance!r}")
        self.input_mean = None if mean is None else plain(mean)
        self.input_variance = None if variance is None else plain(variance)
        self.invert = bool(invert)
        self._keep = None
        self.supports_masking = True

    # -- shapes ----------------------------------------------------------------------------------------
    def _keep_axes(self, ndim, shape=None):
        keep = []
        for a in self.axis:
            if not -ndim <= a < ndim:
                raise ValueError(f"Normalization {self.name}: axis {a} is out of range for inputs of rank {ndim}"
                                 + (f" (shape {tuple(shape)})" if shape is not None else ""))
            keep.append(a % ndim)
        return tuple(sorted(set(keep)))

    def build(self, input_shape):
        shape = tuple(input_shape)
        keep = self._keep_axes(len(shape), shape)
        if any(shape[a] is None for a in keep):
            raise ValueError(f"Normalization {self.name}: the kept axes {list(self.axis)} must have known sizes, "
                             f"got input shape {shape}")
        self._keep = keep
        self._stats_shape = tuple(shape[a] for a in keep)
        self._broadcast_shape = tuple(shape[a] if a in keep else 1 for a in range(len(shape)))
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", self._stats_shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", self._stats_shape, initializer="ones",
                                                  trainable=False)
        else:
            def fixed(value, what):
                t = convert_to_tensor(value, dtype=self._dtype)
                try:
                    t = array_ops.broadcast_to(t, self._stats_shape)
                except Exception:  # noqa: BLE001 - any shape mismatch gets the one message below
                    raise ValueError(f"Normalization {self.name}: `{what}` of shape {tuple(t.shape)} does not "
                                     f"match the statistics shape {self._stats_shape} of axis {list(self.axis)} "
                                     f"for input shape {shape}") from None
                return array_ops.reshape(t, self._broadcast_shape)
            self.mean = fixed(self.input_mean, "mean")
            self.variance = fixed(self.input_variance, "variance")
        self.built = True

    def _stats(self):
        if self.input_mean is not None:
            return self.mean, self.variance
        return (array_ops.reshape(self.adapt_mean, self._broadcast_shape),
                array_ops.reshape(self.adapt_variance, self._broadcast_shape))

    # -- adapt -----------------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of `data` along the axes that are not kept.

        data: an array or tensor (one batch), or an iterable of batches (a `cornu.data.Dataset`, a
        generator, a list of arrays of different shapes); `steps` limits how many batches are read.
        Batch means and variances are combined with Chan's formula in float64, so the result equals
        NumPy's population mean and variance of all the data.
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization {self.name}: adapt() cannot change a `mean` and `variance` given "
                             "to the constructor")
        count, mean, var = 0, None, None
        for i, batch in enumerate(_batches(data, batch_size)):
            if steps is not None and i >= steps:
                break
            x = math_ops.cast(batch, dtypes.float64)
            ndim = x.ndim
            if not self.built:
                self.build(tuple(x.shape))
            keep = self._keep_axes(ndim, x.shape)
            if tuple(x.shape[a] for a in keep) != self._stats_shape:
                raise ValueError(f"Normalization {self.name}: a batch of shape {tuple(x.shape)} does not match "
                                 f"the statistics shape {self._stats_shape} along axis {list(self.axis)}")
            reduce = tuple(a for a in range(ndim) if a not in keep)
            n = math.prod(x.shape[a] for a in reduce)
            if n == 0:
                continue
            if reduce:
                b_mean = reduce_ops.reduce_mean(x, axis=reduce)
                b_var = reduce_ops.reduce_variance(x, axis=reduce)
            else:
                b_mean, b_var = x, math_ops.zeros_like(x)
            if mean is None:
                count, mean, var = n, b_mean, b_var
                continue
            total = count + n
            delta = b_mean - mean
            mean = mean + delta * (n / total)
            var = (var * (count / total) + b_var * (n / total) + delta * delta * (count * n / total / total))
            count = total
        if mean is None:
            raise ValueError(f"Normalization {self.name}: adapt() got no data")
        self.adapt_mean.assign(math_ops.cast(array_ops.reshape(mean, self._stats_shape), self.adapt_mean.dtype))
        self.adapt_variance.assign(math_ops.cast(array_ops.reshape(var, self._stats_shape),
                                                 self.adapt_variance.dtype))

    # -- call ------------------------------------------------------------------------------------------
    def call(self, inputs):
        x = inputs if inputs.dtype == self._dtype else math_ops.cast(inputs, self._dtype)
        mean, variance = self._stats()
        mean, variance = math_ops.cast(mean, x.dtype), math_ops.cast(variance, x.dtype)
        std = math_ops.maximum(math_ops.sqrt(variance), _EPSILON)
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=list(self.axis) if len(self.axis) != 1 else self.axis[0], invert=self.invert,
                      mean=self.input_mean, variance=self.input_variance)
        if not self.axis:
            config["axis"] = None
        return config


def _batches(data, batch_size):
    """One batch for array-like data (split by batch_size when given), else the iterable's elements."""
    if isinstance(data, Tensor) or hasattr(data, "__array__") or _is_nested_numbers(data):
        x = convert_to_tensor(data)
        if batch_size is None or x.ndim == 0:
            yield x
            return
        for start in range(0, x.shape[0], int(batch_size)):
            yield x[start:start + int(batch_size)]
        return
    if isinstance(data, dict) or isinstance(data, (str, bytes)):
        raise TypeError(f"Normalization.adapt: expected arrays, tensors or an iterable of batches, got "
                        f"{type(data).__name__}")
    try:
        iterator = iter(data)
    except TypeError:
        raise TypeError(f"Normalization.adapt: expected arrays, tensors or an iterable of batches, got "
                        f"{type(data).__name__}") from None
    for batch in iterator:
        if isinstance(batch, (tuple, list)) and batch and not _is_nested_numbers(batch):
            raise TypeError("Normalization.adapt: each batch must be one array or tensor; a dataset of "
                            "(features, labels) pairs can be mapped first: ds.map(lambda x, y: x)")
        yield convert_to_tensor(batch)


def _is_nested_numbers(data):
    """A (nested) list of numbers is array data; a list of arrays of different shapes is batches."""
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return True
    if isinstance(data, (list, tuple)):
        if not data:
            return True
        first = data[0]
        if isinstance(first, (list, tuple)):
            return all(isinstance(d, (list, tuple)) and len(d) == len(first) for d in data) and \
                _is_nested_numbers(first)
        return all(isinstance(d, (int, float)) and not isinstance(d, bool) for d in data)
    return False

