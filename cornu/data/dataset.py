"""`cornu.data.Dataset`: tf.data's input pipelines, run by Python iterators and a few threads.

A Dataset is an immutable description; iterating it builds a chain of Python generators, one per
transformation, that pull elements from their input. Elements are nested tuples/dicts of cornu
Tensors (see `structure`). Sources live here; transformations in `transformations.py`, the threads
of prefetch / parallel map / parallel interleave in `parallel.py`, caching in `cache.py`.
"""
import glob as _glob
import os

import numpy as np

from ..backend import dtypes
from ..core.errors import InvalidArgumentError, OutOfRangeError
from ..core.shape import TensorShape
from ..core.tensor import Tensor, constant, convert_to_tensor
from ..core.tensor_spec import TensorSpec
from ..ops import array_ops
from . import structure
from .options import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Options
from .structure import StringSpec

_MAX_INT64 = 2 ** 63 - 1


class _Context:
    """What an iteration needs to know about the whole pipeline: its options."""

    __slots__ = ("options",)

    def __init__(self, options):
        self.options = options


class Dataset:
    """A sequence of elements, each a (nested tuple/dict) structure of tensors, as in `tf.data`.

    Build one from data (`from_tensor_slices`, `from_tensors`, `from_generator`, `range`,
    `list_files`), chain transformations (`map`, `filter`, `shuffle`, `batch`, `prefetch`, ...), then
    iterate it in Python or hand it to `model.fit`.

    >>> import cornu as tf
    >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3, 4], [0, 1, 0, 1]))
    >>> ds = ds.map(lambda x, y: (x * 10, y)).batch(2)
    >>> [x.numpy().tolist() for x, y in ds]
    [[10, 20], [30, 40]]
    >>> int(ds.cardinality())
    2
    """

    _inputs = ()
    _own_options = None

    # -- what each kind of dataset defines -------------------------------------------------------
    def _iter(self, ctx):
        """A Python iterator over this dataset's elements."""
        raise NotImplementedError

    def _compute_spec(self):
        raise NotImplementedError

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    # -- introspection -----------------------------------------------------------------------------
    @property
    def element_spec(self):
        """The structure of TensorSpecs that each element matches (None for dims that vary)."""
        spec = self.__dict__.get("_spec_cache")
        if spec is None:
            spec = self._compute_spec()
            self.__dict__["_spec_cache"] = spec
        return spec

    def cardinality(self):
        """Number of elements as a 0-d int64 tensor; INFINITE_CARDINALITY (-1) or
        UNKNOWN_CARDINALITY (-2) when it is infinite or cannot be known without iterating."""
        return constant(self._cardinality(), dtypes.int64)

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True  # as TF: a dataset is truthy, even an infinite one (whose len() raises)

    def __iter__(self):
        return Iterator(self)

    def as_numpy_iterator(self):
        """Iterate with NumPy values instead of tensors (text as bytes, as tf.data does).

        >>> import cornu as tf
        >>> [x.tolist() for x in tf.data.Dataset.range(3).as_numpy_iterator()]
        [0, 1, 2]
        """
        for element in Iterator(self):
            yield structure.to_numpy(element)

    def options(self):
        merged = Options()
        for ds in self._inputs:
            merged = merged.merge(ds.options())
        return merged.merge(self._own_options)

    def with_options(self, options, name=None):
        return _OptionsDataset(self, options)

    def __repr__(self):
        try:
            spec = structure.describe(self.element_spec)
        except Exception:  # noqa: BLE001 - a repr must not fail because a user function does
            spec = "<unknown>"
        return f"<{type(self).__name__} element_spec={spec}>"

    # -- sources ----------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """Elements are the slices of `tensors` along their first dimension.

        `tensors` may be a nested tuple/dict of arrays; every component needs the same first
        dimension. A Python list is one tensor, as in TF (`from_tensor_slices([1, 2, 3])` has three
        scalar elements).
        """
        return TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with the single element `tensors`."""
        return TensorDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements from calling `generator(*args)` and iterating its result, checked against the
        signature (`output_signature=TensorSpec(...)` structure, or `output_types`/`output_shapes`).

        >>> import cornu as tf
        >>> def gen():
        ...     yield 1, [1.0]
        ...     yield 2, [2.0, 3.0]
        >>> ds = tf.data.Dataset.from_generator(gen, output_signature=(
        ...     tf.TensorSpec((), tf.int32), tf.TensorSpec((None,), tf.float32)))
        >>> [int(a) for a, b in ds]
        [1, 2]
        """
        return GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args, output_type=dtypes.int64, name=None):
        """`range(stop)`, `range(start, stop[, step])`: int64 scalars, like Python's range."""
        return RangeDataset(*args, output_type=output_type)

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Elements are tuples (or the given structure) of the elements of the datasets; it ends with
        the shortest input. `zip(a, b)`, `zip((a, b))`, `zip({"x": a, "y": b})`, `zip(datasets=...)`."""
        if datasets is not None and args:
            raise TypeError("zip: give the datasets either as positional arguments or as `datasets`, "
                            "not both")
        if datasets is None:
            if not args:
                raise TypeError("zip: expected at least one dataset")
            datasets = args[0] if len(args) == 1 else args
        return ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The paths matching `file_pattern` (a glob, or a list of them) as `str` elements: sorted
        when `shuffle=False`, reshuffled each iteration otherwise (the default, as in TF)."""
        patterns = [file_pattern] if isinstance(file_pattern, (str, bytes, os.PathLike)) else \
            list(file_pattern)
        matched = set()
        for pattern in patterns:
            pattern = os.fsdecode(pattern)
            matched.update(_glob.glob(pattern))
        if not matched:
            raise InvalidArgumentError(f"list_files: no files matched pattern: "
                                       f"{', '.join(os.fsdecode(p) for p in patterns)}")
        files = TensorSliceDataset(sorted(matched))
        if shuffle is None or shuffle:
            files = files.shuffle(len(matched), seed=seed)
        return files

    # -- transformations (defined in transformations.py, cache.py) ---------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply `map_func` to each element; a tuple element is unpacked into positional arguments.

        `num_parallel_calls` (an int or `cornu.data.AUTOTUNE`) runs it on that many threads; the
        output order is the input order unless `deterministic=False`.
        """
        return _t.MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate, name=None):
        """Keep the elements for which `predicate` returns True (a bool or a scalar bool tensor)."""
        return _t.FilterDataset(self, predicate)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Randomly shuffle with a buffer of `buffer_size` elements: each output is drawn uniformly
        from the buffer, whose place the next input element takes. A seed (or
        `cornu.random.set_seed`) gives the same order on every run; each new iteration (epoch)
        draws a new order unless `reshuffle_each_iteration=False`."""
        return _t.ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None,
              name=None):
        """Stack `batch_size` consecutive elements (each component along a new first axis)."""
        return _t.BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False,
                     name=None):
        """Batch elements whose shapes differ, padding each component to `padded_shapes` (None or -1
        dims: the longest in the batch) with `padding_values` (default 0)."""
        return _t.PaddedBatchDataset(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name=None):
        """Split each element along its first dimension into several elements."""
        return _t.UnbatchDataset(self)

    def repeat(self, count=None, name=None):
        """Repeat the dataset `count` times (forever when None or -1)."""
        return _t.RepeatDataset(self, count)

    def take(self, count, name=None):
        """The first `count` elements (all when -1)."""
        return _t.TakeDataset(self, count)

    def skip(self, count, name=None):
        """All but the first `count` elements (none when -1)."""
        return _t.SkipDataset(self, count)

    def take_while(self, predicate, name=None):
        """Elements up to (not including) the first one for which `predicate` is False."""
        return _t.TakeWhileDataset(self, predicate)

    def shard(self, num_shards, index, name=None):
        """Every `num_shards`-th element, starting at `index`."""
        return _t.ShardDataset(self, num_shards, index)

    def enumerate(self, start=0, name=None):
        """(index, element) pairs; the index is an int64 counting from `start`."""
        return Dataset.zip((RangeDataset(start, _MAX_INT64), self))

    def prefetch(self, buffer_size, name=None):
        """Produce up to `buffer_size` elements ahead in a background thread, so that producing the
        next elements overlaps with consuming this one."""
        return _t.PrefetchDataset(self, buffer_size)

    def cache(self, filename="", name=None):
        """Keep the elements after the first complete iteration: in memory (`filename=''`) or in a
        file that later programs reuse (NumPy .npz, written atomically, read only when complete)."""
        from .cache import CacheDataset
        return CacheDataset(self, filename)

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by `dataset`'s (their element specs must match)."""
        return _t.ConcatenateDataset(self, dataset)

    def flat_map(self, map_func, name=None):
        """`map_func` returns a Dataset for each element; their elements are chained in order."""
        return _t.InterleaveDataset(self, map_func, cycle_length=1, block_length=1,
                                    num_parallel_calls=None, deterministic=None, flat=True)

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None,
                   deterministic=None, name=None):
        """`map_func` returns a Dataset for each element; `cycle_length` of them are open at once and
        `block_length` consecutive elements are taken from each in turn. With `num_parallel_calls`
        the open datasets are produced by background threads."""
        return _t.InterleaveDataset(self, map_func, cycle_length, block_length, num_parallel_calls,
                                    deterministic)

    def apply(self, transformation_func):
        """`transformation_func(self)`, which must return a Dataset."""
        result = transformation_func(self)
        if not isinstance(result, Dataset):
            raise TypeError(f"apply: `transformation_func` must return a Dataset, got "
                            f"{type(result).__name__}")
        return result

    def reduce(self, initial_state, reduce_func, name=None):
        """Fold the elements: `state = reduce_func(state, element)`, starting at `initial_state`.

        >>> import cornu as tf
        >>> int(tf.data.Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x))
        10
        """
        state = structure.normalize(initial_state, "reduce: initial_state")
        for element in Iterator(self):
            new = structure.normalize(reduce_func(state, element), "reduce: reduce_func's result")
            if not structure.same_structure(state, new):
                raise TypeError(f"reduce: `reduce_func` must return a state with the structure of "
                                f"initial_state {structure.describe(state)}, got "
                                f"{structure.describe(new)}")
            state = new
        return state

    def get_single_element(self, name=None):
        """The only element of a one-element dataset."""
        it = Iterator(self)
        try:
            element = next(it)
        except StopIteration:
            raise InvalidArgumentError("get_single_element: the dataset was empty") from None
        try:
            next(it)
        except StopIteration:
            return element
        finally:
            it.close()
        raise InvalidArgumentError("get_single_element: the dataset had more than one element")


class Iterator:
    """What `iter(dataset)` returns: yields elements as cornu tensors; `get_next()` as in TF."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._it = dataset._iter(_Context(dataset.options()))

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def get_next(self):
        try:
            return next(self._it)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None

    def close(self):
        """Stop the pipeline now (background threads end); the iterator is then exhausted."""
        close = getattr(self._it, "close", None)
        if close is not None:
            close()


# -- sources ----------------------------------------------------------------------------------------
def _leading_dim(leaf):
    shape = leaf.shape if isinstance(leaf, Tensor) else np.shape(leaf)
    return None if len(shape) == 0 else shape[0]


def _slice_leaf(leaf, i):
    if isinstance(leaf, np.ndarray):  # text
        item = leaf[i]
        return item.item() if item.ndim == 0 else item
    return leaf[i]


class TensorSliceDataset(Dataset):
    def __init__(self, tensors):
        element = structure.normalize(tensors, "from_tensor_slices")
        leaves = structure.flatten(element)
        if not leaves:
            raise ValueError("from_tensor_slices: `tensors` has no components")
        for i, leaf in enumerate(leaves):
            if isinstance(leaf, (str, bytes)) or len(leaf.shape) == 0:
                raise ValueError(f"from_tensor_slices: component {i} is a scalar; every component needs "
                                 "at least one dimension to slice along (use from_tensors for a "
                                 "single element)")
        sizes = [_leading_dim(leaf) for leaf in leaves]
        known = sorted({s for s in sizes if s is not None})
        if len(known) > 1:
            shapes = ", ".join(str(tuple(leaf.shape)) for leaf in leaves)
            raise ValueError(f"from_tensor_slices: all components must have the same size in their first "
                             f"dimension, got sizes {sizes} (component shapes {shapes})")
        self._element, self._leaves = element, leaves
        self._n = known[0] if known else None

    def _iter(self, ctx):
        leaves, pack = self._leaves, structure.packer(self._element)
        if len(leaves) == 1 and not structure.is_structure(self._element):
            leaf = leaves[0]
            for i in range(self._n):
                yield _slice_leaf(leaf, i)
            return
        for i in range(self._n):
            yield pack([_slice_leaf(leaf, i) for leaf in leaves])

    def _compute_spec(self):
        return structure.map_leaves(lambda leaf: structure.unbatched_spec(structure.spec_of_leaf(leaf)),
                                    self._element)

    def _cardinality(self):
        return UNKNOWN_CARDINALITY if self._n is None else self._n


class TensorDataset(Dataset):
    def __init__(self, tensors):
        self._element = structure.normalize(tensors, "from_tensors")

    def _iter(self, ctx):
        yield self._element

    def _compute_spec(self):
        return structure.spec_of(self._element)

    def _cardinality(self):
        return 1


class RangeDataset(Dataset):
    _CHUNK = 1024  # elements come as slices of one range tensor per chunk: cheaper than one op each

    def __init__(self, *args, output_type=dtypes.int64):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"range: expected 1 to 3 arguments (stop, or start, stop[, step]), got "
                             f"{len(args)}")
        values = [structure.check_int(a, "start/stop/step", "range") for a in args]
        start, stop, step = (0, values[0], 1) if len(values) == 1 else (values + [1])[:3]
        if step == 0:
            raise InvalidArgumentError("range: step must not be 0")
        self._range = range(start, stop, step)
        self._dtype = dtypes.as_dtype(output_type)

    def _iter(self, ctx):
        r, chunk = self._range, self._CHUNK
        for begin in range(0, len(r), chunk):
            part = r[begin:begin + chunk]
            values = array_ops.range(part.start, part.stop, part.step, dtype=self._dtype)
            for i in range(len(part)):
                yield values[i]

    def _compute_spec(self):
        return TensorSpec((), self._dtype)

    def _cardinality(self):
        return len(self._range)


def _flatten_up_to(shallow, value, what):
    """Leaves of `value` at the leaf positions of `shallow` (e.g. the shapes for output_types)."""
    if isinstance(shallow, dict):
        if not isinstance(value, dict) or sorted(value) != sorted(shallow):
            raise TypeError(f"{what}: expected a dict with keys {sorted(shallow)}, got {value!r}")
        return [leaf for k in sorted(shallow) for leaf in _flatten_up_to(shallow[k], value[k], what)]
    if isinstance(shallow, tuple):
        if not isinstance(value, (tuple, list)) or isinstance(value, TensorShape) or \
                len(value) != len(shallow):
            raise TypeError(f"{what}: expected a structure like {shallow!r}, got {value!r}")
        return [leaf for s, v in zip(shallow, value) for leaf in _flatten_up_to(s, v, what)]
    return [value]


def _make_spec(dtype, shape):
    shape = None if shape is None else TensorShape(shape)
    return StringSpec(shape) if dtype == "string" else TensorSpec(shape, dtype)


class GeneratorDataset(Dataset):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("from_generator: `generator` must be a Python callable that returns an iterable")
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("from_generator: `output_signature` cannot be given together with "
                                "`output_types` or `output_shapes`")
            for leaf in structure.flatten(output_signature):
                if not isinstance(leaf, (TensorSpec, StringSpec)):
                    raise TypeError(f"from_generator: `output_signature` must be a structure of "
                                    f"cornu.TensorSpec, found {leaf!r}")
            spec = output_signature
        else:
            if output_types is None:
                raise TypeError("from_generator: give the element signature, either as "
                                "`output_signature` or as `output_types` (and `output_shapes`)")
            types = structure.map_leaves(lambda d: structure.spec_dtype(d, "from_generator"), output_types)
            flat_types = structure.flatten(types)
            flat_shapes = [None] * len(flat_types) if output_shapes is None else \
                _flatten_up_to(types, output_shapes, "from_generator: output_shapes")
            spec = structure.pack(types, [_make_spec(d, s) for d, s in zip(flat_types, flat_shapes)])
        self._generator = generator
        self._args = () if args is None else tuple(a.numpy() if isinstance(a, Tensor) else a
                                                  for a in (args if isinstance(args, (tuple, list))
                                                            else (args,)))
        self._spec = spec
        self._flat_spec = structure.flatten(spec)

    def _iter(self, ctx):
        for value in self._generator(*self._args):
            yield self._check(value)

    def _check(self, value):
        spec = self._spec
        try:
            values = _flatten_up_to(spec, value, "")
        except TypeError:
            raise TypeError(f"`generator` yielded an element that did not match the expected structure. "
                            f"The expected structure was {structure.describe(_dtype_names(spec))}, but the "
                            f"yielded element was {value!r:.200}.") from None
        leaves = []
        for leaf_spec, v in zip(self._flat_spec, values):
            if isinstance(leaf_spec, StringSpec):
                leaf = structure.to_leaf(v) if structure.is_string(v) or isinstance(v, list) else None
                if leaf is None or not structure.is_string(leaf):
                    raise TypeError(f"`generator` yielded an element that could not be converted to the "
                                    f"expected type. The expected type was string, but the yielded "
                                    f"element was {v!r:.200}.")
                shape = np.shape(leaf)
            else:
                try:
                    if isinstance(v, Tensor) and v.dtype != leaf_spec.dtype:
                        raise TypeError
                    leaf = v if isinstance(v, Tensor) else \
                        convert_to_tensor(v, dtype=leaf_spec.dtype)
                except (TypeError, ValueError):
                    raise TypeError(f"`generator` yielded an element that could not be converted to the "
                                    f"expected type. The expected type was {leaf_spec.dtype.name}, but "
                                    f"the yielded element was {v!r:.200}.") from None
                shape = leaf.shape
            if leaf_spec.shape is not None and not leaf_spec.shape.is_compatible_with(shape):
                raise ValueError(f"`generator` yielded an element of shape {TensorShape(shape)} where an "
                                 f"element of shape {leaf_spec.shape} was expected.")
            leaves.append(leaf)
        return structure.pack(spec, leaves)

    def _compute_spec(self):
        return self._spec


def _dtype_names(spec):
    return structure.map_leaves(lambda s: _DTypeName(s.dtype if isinstance(s.dtype, str) else s.dtype.name),
                                spec)


class _DTypeName(str):
    def __repr__(self):
        return f"cornu.{self}"


class ZipDataset(Dataset):
    def __init__(self, datasets):
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        flat = structure.flatten(datasets)
        bad = [d for d in flat if not isinstance(d, Dataset)]
        if bad or not flat:
            raise TypeError(f"zip: `datasets` must be a (nested) tuple or dict of Datasets, got "
                            f"{type(bad[0]).__name__ if bad else 'an empty structure'}")
        self._structure = datasets
        self._inputs = tuple(flat)

    def _iter(self, ctx):
        iterators = [d._iter(ctx) for d in self._inputs]
        try:
            while True:
                parts = []
                for it in iterators:
                    try:
                        parts.append(next(it))
                    except StopIteration:
                        return
                yield structure.pack(self._structure, parts)
        finally:
            for it in iterators:
                close = getattr(it, "close", None)
                if close is not None:
                    close()

    def _compute_spec(self):
        return structure.pack(self._structure, [d.element_spec for d in self._inputs])

    def _cardinality(self):
        cards = [d._cardinality() for d in self._inputs]
        finite = [c for c in cards if c >= 0]
        if finite and min(finite) == 0:
            return 0
        if UNKNOWN_CARDINALITY in cards:
            return UNKNOWN_CARDINALITY
        return min(finite) if finite else INFINITE_CARDINALITY


class _OptionsDataset(Dataset):
    def __init__(self, dataset, options):
        if not isinstance(options, Options):
            raise TypeError(f"with_options: expected a cornu.data.Options, got {type(options).__name__}")
        self._inputs = (dataset,)
        self._own_options = options

    def _iter(self, ctx):
        return self._inputs[0]._iter(ctx)

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        return self._inputs[0]._cardinality()


from . import transformations as _t  # noqa: E402  (transformations subclass Dataset)
