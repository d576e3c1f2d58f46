"""Dataset transformations: each one is a Dataset whose iterator pulls from its input's iterator.

Every `_iter` closes the input iterators it opened (in `finally`), so stopping early anywhere in a
pipeline stops the background threads further up.
"""
import math

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.shape import TensorShape
from ..core.symbolic import SymbolicTensor
from ..core.tensor import Tensor
from ..core.tensor_spec import TensorSpec
from ..ops import array_ops, random_ops
from . import parallel, structure
from .dataset import Dataset
from .options import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, autotuned_buffer, \
    autotuned_parallelism
from .structure import StringSpec


def close(iterator):
    fn = getattr(iterator, "close", None)
    if fn is not None:
        fn()


def _fn_name(fn):
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _call(fn, element):
    """tf.data's calling convention: a tuple element is unpacked into positional arguments; any
    other element (a dict, a tensor, a namedtuple) is one argument."""
    return fn(*element) if type(element) is tuple else fn(element)


def _parallelism(num_parallel_calls, op):
    if num_parallel_calls is None:
        return None
    n = structure.check_int(num_parallel_calls, "num_parallel_calls", op)
    if n == AUTOTUNE:
        return autotuned_parallelism()
    if n < 1:
        raise InvalidArgumentError(f"{op}: num_parallel_calls must be positive or cornu.data.AUTOTUNE, "
                                   f"got {n}")
    return n


def _deterministic(flag, ctx):
    if flag is not None:
        return bool(flag)
    option = ctx.options.is_deterministic()
    return True if option is None else bool(option)


def _symbolic_args(spec):
    """Symbolic tensors standing for an element with this spec (to learn a function's output spec
    without data, as TF traces it); None when a leaf cannot be symbolic (text, unknown rank)."""
    leaves = []
    for leaf in structure.flatten(spec):
        if not isinstance(leaf, TensorSpec) or leaf.shape is None:
            return None
        leaves.append(SymbolicTensor(tuple(leaf.shape), leaf.dtype))
    return structure.pack(spec, leaves)


def _loose_spec(spec):
    """Rank and dtype kept, every dimension unknown: what one example element can safely tell."""
    def loosen(s):
        shape = None if s.shape is None else [None] * len(s.shape)
        return StringSpec(shape) if isinstance(s, StringSpec) else TensorSpec(shape, s.dtype)
    return structure.map_leaves(loosen, spec)


def _first_element(dataset):
    from .dataset import _Context
    it = dataset._iter(_Context(dataset.options()))
    try:
        return next(it)
    except StopIteration:
        raise ValueError(f"cannot infer the element_spec: the function could not be traced with symbolic "
                         f"tensors and the input dataset {dataset!r} is empty") from None
    finally:
        close(it)


def _output_spec(fn_result_spec, input_dataset, run):
    """The spec of a function's output: traced on symbolic inputs where possible, otherwise from
    running it on the input's first element (dims then marked unknown, as they may vary)."""
    args = _symbolic_args(input_dataset.element_spec)
    if args is not None:
        try:
            return fn_result_spec(run(args))
        except Exception:  # noqa: BLE001 - Python control flow or NumPy on a symbolic input: run it
            pass
    return _loose_spec(fn_result_spec(run(_first_element(input_dataset))))


# -- map / filter -----------------------------------------------------------------------------------
class MapDataset(Dataset):
    def __init__(self, dataset, map_func, num_parallel_calls, deterministic):
        if not callable(map_func):
            raise TypeError(f"map: `map_func` must be callable, got {type(map_func).__name__}")
        self._inputs = (dataset,)
        self._fn = map_func
        self._parallel = _parallelism(num_parallel_calls, "map")
        self._deterministic = deterministic
        self._what = f"map: the value returned by {_fn_name(map_func)}"

    def _apply(self, element):
        return structure.normalize(_call(self._fn, element), self._what)

    def _iter(self, ctx):
        it = self._inputs[0]._iter(ctx)
        if self._parallel is not None:
            deterministic = _deterministic(self._deterministic, ctx)
            return parallel.parallel_map(it, self._apply, self._parallel, deterministic)
        return self._sequential(it)

    def _sequential(self, it):
        fn, what = self._fn, self._what
        try:
            for element in it:
                yield structure.normalize(fn(*element) if type(element) is tuple else fn(element), what)
        finally:
            close(it)

    def _compute_spec(self):
        return _output_spec(structure.spec_of, self._inputs[0], self._apply)

    def _cardinality(self):
        return self._inputs[0]._cardinality()


def _truth(value, op):
    if isinstance(value, Tensor):
        if value.dtype.name != "bool" or value.shape.num_elements() != 1:
            raise TypeError(f"{op}: `predicate` must return a scalar boolean tensor, got a tensor of shape "
                            f"{value.shape} and dtype {value.dtype.name}")
        return bool(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{op}: `predicate` must return a scalar boolean tensor, got {type(value).__name__} "
                    f"{value!r:.80}")


class FilterDataset(Dataset):
    def __init__(self, dataset, predicate):
        if not callable(predicate):
            raise TypeError(f"filter: `predicate` must be callable, got {type(predicate).__name__}")
        self._inputs = (dataset,)
        self._predicate = predicate

    def _iter(self, ctx):
        it = self._inputs[0]._iter(ctx)
        predicate = self._predicate
        try:
            for element in it:
                if _truth(_call(predicate, element), "filter"):
                    yield element
        finally:
            close(it)

    def _compute_spec(self):
        return self._inputs[0].element_spec


class TakeWhileDataset(FilterDataset):
    def _iter(self, ctx):
        it = self._inputs[0]._iter(ctx)
        try:
            for element in it:
                if not _truth(_call(self._predicate, element), "take_while"):
                    return
                yield element
        finally:
            close(it)


# -- shuffle ----------------------------------------------------------------------------------------
class ShuffleDataset(Dataset):
    def __init__(self, dataset, buffer_size, seed, reshuffle_each_iteration):
        self._inputs = (dataset,)
        size = structure.check_int(buffer_size, "buffer_size", "shuffle")
        if size == AUTOTUNE:
            size = 1 << 16
        if size < 1:
            raise InvalidArgumentError(f"shuffle: buffer_size must be greater than zero, got {size}")
        self._size = size
        self._reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        global_seed = random_ops.get_global_seed()
        if seed is not None:
            seed = structure.check_int(seed, "seed", "shuffle")
        # TF's seeding: an op seed, or the global one, makes the orders repeat from run to run (the
        # global seed alone draws this dataset's seed from the seeded global stream, so creation order
        # matters as in TF); neither gives fresh entropy.
        if seed is not None:
            self._entropy = [(global_seed if global_seed is not None else 87654321) % 2 ** 64, seed % 2 ** 64]
        elif global_seed is not None:
            self._entropy = [global_seed % 2 ** 64, int(random_ops.generator(None).integers(2 ** 62))]
        else:
            self._entropy = [int(x) for x in np.random.SeedSequence().generate_state(2)]
        self._epoch = 0

    def _rng(self):
        if not self._reshuffle:
            return np.random.default_rng(self._entropy)
        epoch, self._epoch = self._epoch, self._epoch + 1
        return np.random.default_rng(self._entropy + [epoch])

    def _iter(self, ctx):
        rng = self._rng()
        it = self._inputs[0]._iter(ctx)
        size = self._size
        buffer = []
        uniforms, k = rng.random(256), 0  # drawn in blocks: one generator call per 256 picks
        try:
            for element in it:
                buffer.append(element)
                if len(buffer) < size:
                    continue
                if k == len(uniforms):
                    uniforms, k = rng.random(256), 0
                i = int(uniforms[k] * len(buffer))
                k += 1
                out = buffer[i]
                buffer[i] = buffer[-1]
                buffer.pop()
                yield out
            while buffer:  # the input has ended: drain the buffer in random order
                if k == len(uniforms):
                    uniforms, k = rng.random(256), 0
                i = int(uniforms[k] * len(buffer))
                k += 1
                out = buffer[i]
                buffer[i] = buffer[-1]
                buffer.pop()
                yield out
        finally:
            close(it)

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        return self._inputs[0]._cardinality()


# -- batching ---------------------------------------------------------------------------------------
def _shape_text(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def stack_elements(elements):
    """One batch from a list of elements: each component stacked along a new first axis."""
    flats = [structure.flatten(e) for e in elements]
    out = []
    for j in range(len(flats[0])):
        column = [f[j] for f in flats]
        first = column[0]
        if isinstance(first, Tensor):
            shape = first._value.shape
            for k, t in enumerate(column):
                if t._value.shape != shape:
                    raise InvalidArgumentError(
                        f"Cannot batch tensors with different shapes in component {j}. First element had "
                        f"shape {_shape_text(shape)} and element {k} had shape {_shape_text(t._value.shape)}."
                        " (padded_batch pads components whose shapes vary.)")
            out.append(array_ops.stack(column))
        else:
            out.append(np.array(column))
    return structure.packer(elements[0])(out)


class BatchDataset(Dataset):
    def __init__(self, dataset, batch_size, drop_remainder):
        self._inputs = (dataset,)
        self._batch = structure.check_int(batch_size, "batch_size", "batch", minimum=1)
        self._drop = bool(drop_remainder)

    def _iter(self, ctx):
        it = self._inputs[0]._iter(ctx)
        size = self._batch
        try:
            buffer = []
            for element in it:
                buffer.append(element)
                if len(buffer) == size:
                    yield self._make(buffer)
                    buffer = []
            if buffer and not self._drop:
                yield self._make(buffer)
        finally:
            close(it)

    def _make(self, elements):
        return stack_elements(elements)

    def _compute_spec(self):
        dim = self._batch if self._drop else None
        return structure.map_leaves(lambda s: structure.batched_spec(s, dim), self._inputs[0].element_spec)

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return n // self._batch if self._drop else math.ceil(n / self._batch)


def _flatten_shapes(spec, value, what):
    """Per-leaf values of a structure given for the element's structure (padded_shapes, values)."""
    from .dataset import _flatten_up_to
    return _flatten_up_to(spec, value, what)


class PaddedBatchDataset(BatchDataset):
    def __init__(self, dataset, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(dataset, batch_size, drop_remainder)
        spec = dataset.element_spec
        leaf_specs = structure.flatten(spec)
        for s in leaf_specs:
            if s.shape is None:
                raise ValueError("padded_batch: every component needs a known rank (padded_shapes cannot "
                                 "be inferred for a component of unknown rank)")
        if padded_shapes is None:
            shapes = [None] * len(leaf_specs)
        else:
            raw = _flatten_shapes(spec, padded_shapes, "padded_batch: padded_shapes")
            shapes = []
            for s, given in zip(leaf_specs, raw):
                if isinstance(given, Tensor):
                    given = given.numpy().tolist()
                if isinstance(given, (int, np.integer)) or given is None:
                    given = [given]
                given = TensorShape([None if d is None or d == -1 else int(d) for d in given])
                if len(given) != len(s.shape) or not all(
                        g is None or d is None or g >= d for g, d in zip(given, s.shape)):
                    raise ValueError(f"The padded shape {given} is not compatible with the shape {s.shape} "
                                     f"of the corresponding input component.")
                shapes.append(given)
        if padding_values is None:
            values = [None] * len(leaf_specs)
        else:
            raw = _flatten_shapes(spec, padding_values, "padded_batch: padding_values")
            values = [self._padding_value(s, v) for s, v in zip(leaf_specs, raw)]
        self._shapes, self._values = shapes, values

    @staticmethod
    def _padding_value(spec, value):
        if isinstance(spec, StringSpec):
            if not isinstance(value, (str, bytes)):
                raise TypeError(f"padded_batch: the padding value for a text component must be a string, "
                                f"got {value!r}")
            return value
        if isinstance(value, Tensor):
            if value.dtype != spec.dtype:
                raise TypeError(f"padded_batch: padding value of dtype {value.dtype.name} does not match the "
                                f"component dtype {spec.dtype.name}")
            if value.shape.rank != 0:
                raise ValueError(f"padded_batch: padding values must be scalars, got shape {value.shape}")
            return value.numpy().item()
        if isinstance(value, (bool, int, float, np.generic)):
            return value
        raise TypeError(f"padded_batch: padding values must be scalars, got {value!r}")

    def _make(self, elements):
        flats = [structure.flatten(e) for e in elements]
        out = []
        for j in range(len(flats[0])):
            column = [f[j] for f in flats]
            given = self._shapes[j]
            shapes = [tuple(c._value.shape) if isinstance(c, Tensor) else tuple(np.shape(c)) for c in column]
            rank = len(shapes[0])
            if any(len(s) != rank for s in shapes):
                raise InvalidArgumentError(f"padded_batch: component {j} has elements of different ranks: "
                                           f"{sorted(set(shapes))}")
            target = [max(s[d] for s in shapes) if given is None or given[d] is None else given[d]
                      for d in range(rank)]
            for s in shapes:
                if any(a > b for a, b in zip(s, target)):
                    raise InvalidArgumentError(f"Attempted to pad to a smaller size than the input element: "
                                               f"component {j} has shape {_shape_text(s)} but the padded "
                                               f"shape is {_shape_text(target)}.")
            value = self._values[j]
            if isinstance(column[0], Tensor):
                fill = 0 if value is None else value
                padded = [c if tuple(c._value.shape) == tuple(target) else
                          array_ops.pad(c, [[0, t - d] for d, t in zip(c._value.shape, target)],
                                        constant_values=fill) for c in column]
                out.append(array_ops.stack(padded))
            else:
                fill = "" if value is None else value
                batch = np.full([len(column)] + target, fill, dtype=np.result_type(*column, np.asarray(fill)))
                for i, c in enumerate(column):
                    batch[(i,) + tuple(slice(0, d) for d in np.shape(c))] = c
                out.append(batch)
        return structure.pack(elements[0], out)

    def _compute_spec(self):
        dim = self._batch if self._drop else None

        def leaf(s, given):
            shape = list(s.shape) if given is None else list(given)
            shape = [dim] + shape
            return StringSpec(shape) if isinstance(s, StringSpec) else TensorSpec(shape, s.dtype)
        spec = self._inputs[0].element_spec
        return structure.pack(spec, [leaf(s, g) for s, g in zip(structure.flatten(spec), self._shapes)])


class UnbatchDataset(Dataset):
    def __init__(self, dataset):
        self._inputs = (dataset,)
        for s in structure.flatten(dataset.element_spec):
            structure.unbatched_spec(s)  # raises for scalar components, as TF does on construction

    def _iter(self, ctx):
        from .dataset import _leading_dim, _slice_leaf
        it = self._inputs[0]._iter(ctx)
        try:
            for element in it:
                leaves = structure.flatten(element)
                sizes = [_leading_dim(leaf) for leaf in leaves]
                if len(set(sizes)) > 1:
                    raise InvalidArgumentError(f"unbatch: input element must have the same batch size in "
                                               f"each component, got sizes {sizes}")
                if None in sizes:
                    raise InvalidArgumentError("unbatch: cannot unbatch a scalar component")
                for i in range(sizes[0]):
                    yield structure.pack(element, [_slice_leaf(leaf, i) for leaf in leaves])
        finally:
            close(it)

    def _compute_spec(self):
        return structure.map_leaves(structure.unbatched_spec, self._inputs[0].element_spec)


# -- counting ---------------------------------------------------------------------------------------
class _Passthrough(Dataset):
    def _compute_spec(self):
        return self._inputs[0].element_spec


class RepeatDataset(_Passthrough):
    def __init__(self, dataset, count):
        self._inputs = (dataset,)
        self._count = -1 if count is None else structure.check_int(count, "count", "repeat")

    def _iter(self, ctx):
        source = self._inputs[0]
        k = 0
        while self._count < 0 or k < self._count:
            it = source._iter(ctx)
            produced = False
            try:
                for element in it:
                    produced = True
                    yield element
            finally:
                close(it)
            if not produced:  # repeating an empty dataset forever would never yield: stop, as TF does
                return
            k += 1

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if self._count < 0:
            return 0 if n == 0 else INFINITE_CARDINALITY
        if self._count == 0:
            return 0
        if n < 0:
            return n
        return self._count * n


class TakeDataset(_Passthrough):
    def __init__(self, dataset, count):
        self._inputs = (dataset,)
        self._count = structure.check_int(count, "count", "take")

    def _iter(self, ctx):
        count = self._count
        if count == 0:
            return
        it = self._inputs[0]._iter(ctx)
        try:
            k = 0
            for element in it:
                yield element
                k += 1
                if k == count:
                    return
        finally:
            close(it)

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n == UNKNOWN_CARDINALITY:
            return n
        if n == INFINITE_CARDINALITY:
            return self._count
        if self._count < 0:
            return n
        return min(n, self._count)


class SkipDataset(_Passthrough):
    def __init__(self, dataset, count):
        self._inputs = (dataset,)
        self._count = structure.check_int(count, "count", "skip")

    def _iter(self, ctx):
        it = self._inputs[0]._iter(ctx)
        try:
            k = 0
            for element in it:
                if self._count < 0 or k < self._count:
                    k += 1
                    continue
                yield element
        finally:
            close(it)

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return 0 if self._count < 0 else max(n - self._count, 0)


class ShardDataset(_Passthrough):
    def __init__(self, dataset, num_shards, index):
        self._inputs = (dataset,)
        self._num = structure.check_int(num_shards, "num_shards", "shard")
        self._index = structure.check_int(index, "index", "shard")
        if self._num < 1:
            raise InvalidArgumentError(f"shard: num_shards must be greater than zero, got {self._num}")
        if not 0 <= self._index < self._num:
            raise InvalidArgumentError(f"shard: index must be between 0 and {self._num - 1} (currently "
                                       f"index = {self._index})")

    def _iter(self, ctx):
        it = self._inputs[0]._iter(ctx)
        try:
            for k, element in enumerate(it):
                if k % self._num == self._index:
                    yield element
        finally:
            close(it)

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return n // self._num + (1 if self._index < n % self._num else 0)


# -- threads ----------------------------------------------------------------------------------------
class PrefetchDataset(_Passthrough):
    def __init__(self, dataset, buffer_size):
        self._inputs = (dataset,)
        size = structure.check_int(buffer_size, "buffer_size", "prefetch")
        if size == AUTOTUNE:
            size = autotuned_buffer()
        elif size < 0:
            raise InvalidArgumentError(f"prefetch: buffer_size must be >= 0 or cornu.data.AUTOTUNE, got "
                                       f"{size}")
        self._size = size

    def _iter(self, ctx):
        source = self._inputs[0]
        if self._size == 0:
            return source._iter(ctx)
        return parallel.prefetch(lambda: source._iter(ctx), self._size)

    def _cardinality(self):
        return self._inputs[0]._cardinality()


# -- combining --------------------------------------------------------------------------------------
class ConcatenateDataset(Dataset):
    def __init__(self, dataset, other):
        if not isinstance(other, Dataset):
            raise TypeError(f"concatenate: expected a Dataset, got {type(other).__name__}")
        self._inputs = (dataset, other)
        try:
            self._spec = structure.common_spec(dataset.element_spec, other.element_spec)
        except TypeError as exc:
            raise TypeError(f"concatenate: the datasets have incompatible elements. {exc}") from None

    def _iter(self, ctx):
        for d in self._inputs:
            it = d._iter(ctx)
            try:
                yield from it
            finally:
                close(it)

    def _compute_spec(self):
        return self._spec

    def _cardinality(self):
        a, b = (d._cardinality() for d in self._inputs)
        if INFINITE_CARDINALITY in (a, b):
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in (a, b):
            return UNKNOWN_CARDINALITY
        return a + b


class InterleaveDataset(Dataset):
    """interleave and flat_map (cycle_length=1): TF's cycle of open datasets, block by block."""

    def __init__(self, dataset, map_func, cycle_length, block_length, num_parallel_calls, deterministic,
                 flat=False):
        op = "flat_map" if flat else "interleave"
        if not callable(map_func):
            raise TypeError(f"{op}: `map_func` must be callable, got {type(map_func).__name__}")
        self._inputs = (dataset,)
        self._fn, self._op = map_func, op
        if cycle_length is None or (not isinstance(cycle_length, Tensor) and cycle_length == AUTOTUNE):
            cycle_length = autotuned_parallelism()
        self._cycle = structure.check_int(cycle_length, "cycle_length", op, minimum=1)
        self._block = 1 if block_length is None else structure.check_int(block_length, "block_length", op,
                                                                         minimum=1)
        self._parallel = _parallelism(num_parallel_calls, op)
        self._deterministic = deterministic

    def _open(self, element):
        result = _call(self._fn, element)
        if not isinstance(result, Dataset):
            raise TypeError(f"{self._op}: `map_func` must return a `Dataset` object, got "
                            f"{type(result).__name__} from {_fn_name(self._fn)}")
        return result

    def _iter(self, ctx):
        inputs = self._inputs[0]._iter(ctx)
        n, block_length = self._cycle, self._block
        threaded = self._parallel is not None
        slots = [None] * n
        cycle = block = num_open = 0
        end_of_input = False
        try:
            while not end_of_input or num_open:
                current = slots[cycle]
                if current is not None:
                    try:
                        element = current.get() if threaded else next(current)
                    except StopIteration:
                        current.close()
                        slots[cycle] = None
                        num_open -= 1
                        cycle, block = (cycle + 1) % n, 0
                        continue
                    block += 1
                    if block == block_length:
                        cycle, block = (cycle + 1) % n, 0
                    yield element
                elif not end_of_input:
                    try:
                        arg = next(inputs)
                    except StopIteration:
                        end_of_input = True
                        continue
                    dataset = self._open(arg)
                    if threaded:
                        slots[cycle] = parallel.Producer(lambda d=dataset: d._iter(ctx), max(block_length, 2),
                                                         name=f"cornu.data {self._op}")
                    else:
                        slots[cycle] = _Closing(dataset._iter(ctx))
                    num_open += 1
                else:
                    cycle, block = (cycle + 1) % n, 0
        finally:
            for s in slots:
                if s is not None:
                    s.close()
            close(inputs)

    def _compute_spec(self):
        return _output_spec(lambda d: d.element_spec, self._inputs[0], self._open)


class _Closing:
    """An iterator with close() (plain iterators may lack one)."""

    __slots__ = ("_it",)

    def __init__(self, it):
        self._it = it

    def __next__(self):
        return next(self._it)

    def close(self):
        close(self._it)
