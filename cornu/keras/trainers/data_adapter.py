"""Turning what users pass to fit/evaluate/predict into batches: arrays (NumPy, tensors, lists/dicts
of them), `cornu.data.Dataset`s of batches, and generators or other iterables of batches."""
import math
import warnings

from ... import backend
from ...core import nest
from ...core.tensor import Tensor, wrap
from ...ops import random_ops

np = backend.numpy


def _to_array(x):
    if isinstance(x, Tensor):
        return backend.to_numpy(x._value)
    return np.asarray(x)


def is_array_data(x):
    """True for arrays, tensors and (nested) lists/tuples/dicts of them; False for iterables of batches."""
    if x is None:
        return True
    if isinstance(x, (np.ndarray, Tensor)):
        return True
    if isinstance(x, dict):
        return all(is_array_data(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return all(isinstance(v, (np.ndarray, Tensor, list, tuple, dict, int, float)) for v in x) and \
            not any(hasattr(v, "__next__") for v in x)
    return False


def unpack(data):
    """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(f"Data is expected as (x,), (x, y) or (x, y, sample_weight); got a tuple of "
                         f"{len(data)} elements")
    return data, None, None


def class_weights_to_sample_weights(y, class_weight):
    """Keras's class_weight: each sample weighs its class's weight (labels sparse or one-hot)."""
    y = _to_array(y)
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(-1).astype(np.int64)
    table = np.ones(max(int(labels.max()) + 1, max(class_weight) + 1), dtype=np.float32)
    for cls, w in class_weight.items():
        table[int(cls)] = w
    return table[labels]


class ArrayData:
    """In-memory arrays: batches by index, shuffled each epoch with cornu's seeded generator."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, class_weight=None,
                 steps=None):
        self.x = nest.map_structure(_to_array, x)
        self.y = None if y is None else nest.map_structure(_to_array, y)
        if class_weight is not None and y is not None:
            cw = class_weights_to_sample_weights(nest.flatten(self.y)[0], class_weight)
            sample_weight = cw if sample_weight is None else _to_array(sample_weight) * cw
        self.sample_weight = None if sample_weight is None else _to_array(sample_weight)
        sizes = {len(a) for a in nest.flatten((self.x, self.y, self.sample_weight)) if a is not None}
        if len(sizes) > 1:
            shapes = [tuple(a.shape) for a in nest.flatten((self.x, self.y)) if a is not None]
            raise ValueError(f"Data cardinality is ambiguous: x and y (and sample_weight) must have the same "
                             f"number of samples; got arrays of shapes {shapes}")
        self.size = sizes.pop() if sizes else 0
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        self.steps = steps if steps is not None else max(math.ceil(self.size / self.batch_size), 1)

    def __iter__(self):
        order = None
        if self.shuffle:
            order = random_ops.generator(None).permutation(self.size)
        step = 0
        while step < self.steps:
            start = (step * self.batch_size) % max(self.size, 1)
            stop = min(start + self.batch_size, self.size)
            index = slice(start, stop) if order is None else order[start:stop]
            yield self._take(index)
            step += 1

    def whole(self):
        """All samples as one batch (train_on_batch and friends)."""
        return self._take(slice(None))

    def _take(self, index):
        def pick(a):
            return wrap(np.ascontiguousarray(a[index]))
        x = nest.map_structure(pick, self.x)
        if self.y is None:
            return (x,)
        y = nest.map_structure(pick, self.y)
        if self.sample_weight is None:
            return x, y
        return x, y, pick(self.sample_weight)

    def split(self, fraction):
        """Keras's validation_split: the last `fraction` of the samples, taken before any shuffling."""
        if not 0 < fraction < 1:
            raise ValueError(f"validation_split must be between 0 and 1, got {fraction}")
        cut = int(self.size * (1 - fraction))

        def part(a, s):
            return None if a is None else nest.map_structure(lambda v: v[s], a)
        train = ArrayData(part(self.x, slice(0, cut)), part(self.y, slice(0, cut)),
                          part(self.sample_weight, slice(0, cut)), self.batch_size, self.shuffle)
        val = ArrayData(part(self.x, slice(cut, None)), part(self.y, slice(cut, None)),
                        part(self.sample_weight, slice(cut, None)), self.batch_size, False)
        return train, val


class IterableData:
    """A generator or other iterable that yields whole batches."""

    def __init__(self, source, steps=None):
        self.source = source
        self.steps = steps
        if steps is None:
            try:
                self.steps = len(source)
            except TypeError:
                self.steps = None
        self._iterator = None

    def __iter__(self):
        if hasattr(self.source, "__next__"):
            it = self.source  # a generator is consumed across epochs, as in Keras
        else:
            it = iter(self.source)
        count = 0
        for batch in it:
            yield _as_batch(batch)
            count += 1
            if self.steps is not None and count >= self.steps:
                return


def _as_batch(batch):
    """A batch as the (x,), (x, y) or (x, y, sample_weight) tuple the steps unpack, leaves as tensors."""
    if not isinstance(batch, tuple):
        batch = (batch,)
    return tuple(nest.map_structure(lambda a: a if isinstance(a, Tensor) else wrap(_to_array(a)), b)
                 for b in batch)


class DatasetData:
    """A `cornu.data.Dataset` whose elements are batches: x, (x, y) or (x, y, sample_weight).

    Keras's rules: without `steps` each epoch iterates the whole dataset afresh (a shuffle reshuffles)
    and the number of steps is its cardinality when known; with `steps` one iterator carries over
    from epoch to epoch (so `repeat()` + `steps_per_epoch` walks on through the data), and starts
    again once it has given all of a finite dataset's batches or ran out of data (with Keras's
    warning). An infinite dataset needs `steps`.
    """

    def __init__(self, dataset, steps=None, class_weight=None):
        from ...data.options import INFINITE_CARDINALITY
        self.dataset = dataset
        self.class_weight = class_weight
        cardinality = dataset._cardinality()
        self._num_batches = cardinality if cardinality >= 0 else None
        if steps is None and cardinality == INFINITE_CARDINALITY:
            raise ValueError("When passing an infinitely repeating dataset, please specify a "
                             "`steps_per_epoch` value (fit) or a `steps` value (evaluate, predict) so that "
                             "the epoch ends: "
                             "the value can be arbitrary, or the number of batches that you think makes "
                             "an epoch.")
        self._user_steps = steps
        self.steps = steps if steps is not None else self._num_batches
        self._iterator = None
        self._seen = 0  # batches taken from the current iterator

    def __iter__(self):
        if self._user_steps is None or self._iterator is None:
            self._iterator, self._seen = iter(self.dataset), 0
        count = 0
        while self.steps is None or count < self.steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                if self._user_steps is not None:
                    _ran_out_warning()
                self._iterator = None
                return
            self._seen += 1
            count += 1
            yield self._prepare(batch)
            if self._num_batches is not None and self._seen >= self._num_batches:
                self._iterator = None  # a finite dataset fully seen: the next epoch starts it again
                if self.steps is not None and count < self.steps:
                    _ran_out_warning()
                return

    def _prepare(self, batch):
        batch = _as_batch(batch)
        if self.class_weight is not None:
            if len(batch) < 2:
                raise ValueError("`class_weight` needs targets: the dataset must yield (x, y) batches")
            weights = class_weights_to_sample_weights(nest.flatten(batch[1])[0], self.class_weight)
            if len(batch) == 3:
                weights = weights * _to_array(batch[2])
            batch = (batch[0], batch[1], wrap(weights))
        return batch


def _ran_out_warning():
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your dataset or "
                  "generator can generate at least `steps_per_epoch * epochs` batches. You may need to use "
                  "the `.repeat()` function when building your dataset.", stacklevel=3)


def _is_dataset(x):
    from ...data.dataset import Dataset
    return isinstance(x, Dataset)


def adapt(x, y=None, sample_weight=None, batch_size=None, shuffle=False, class_weight=None, steps=None):
    """ArrayData for arrays, DatasetData for a cornu.data.Dataset, IterableData for anything else that
    yields batches (generators)."""
    if is_array_data(x):
        return ArrayData(x, y, sample_weight, batch_size or 32, shuffle, class_weight, steps)
    if _is_dataset(x):
        if y is not None:
            raise ValueError("`y` argument is not supported when using a dataset as input: the dataset "
                             "must yield (x, y) batches")
        if sample_weight is not None:
            raise ValueError("`sample_weight` argument is not supported when using a dataset as input: the "
                             "dataset must yield (x, y, sample_weight) batches")
        return DatasetData(x, steps, class_weight)
    if y is not None:
        raise ValueError("`y` must not be given when `x` is a dataset or generator that yields (x, y) batches")
    return IterableData(x, steps)
