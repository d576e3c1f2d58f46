"""Every Dataset transformation against element sequences computed by hand (most from TF's docs)."""
import collections
import glob
import os
import subprocess
import sys

import numpy as np
import pytest

import cornu as tf
import cornu.data  # noqa: F401  (tf.data)

Dataset = tf.data.Dataset
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def values(ds):
    def plain(x):
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, tuple):
            return tuple(plain(v) for v in x)
        return x.tolist() if isinstance(x, np.ndarray) else (x.item() if isinstance(x, np.generic) else x)
    return [plain(e) for e in ds.as_numpy_iterator()]


# -- map ---------------------------------------------------------------------------------------------
def test_map_unpacks_tuples_and_passes_dicts_whole():
    pairs = Dataset.from_tensor_slices(([1, 2, 3], [10, 20, 30]))
    assert values(pairs.map(lambda x, y: x + y)) == [11, 22, 33]
    assert values(pairs.map(lambda x, y: (y, x))) == [(10, 1), (20, 2), (30, 3)]
    dicts = Dataset.from_tensor_slices({"a": [1, 2], "b": [3, 4]})
    assert values(dicts.map(lambda d: d["a"] * d["b"])) == [3, 8]
    assert values(dicts.map(lambda d: {"sum": d["a"] + d["b"]})) == [{"sum": 4}, {"sum": 6}]
    nested = Dataset.zip((pairs, Dataset.range(3, output_type=tf.int32)))
    assert values(nested.map(lambda xy, i: xy[0] * 100 + i)) == [100, 201, 302]


def test_map_converts_results_like_tf():
    ds = Dataset.range(3)
    assert values(ds.map(lambda x: [x, x * 2])) == [[0, 0], [1, 2], [2, 4]]  # a list is one tensor
    py = ds.map(lambda x: 1.5)
    assert py.element_spec == tf.TensorSpec((), tf.float32) and values(py) == [1.5] * 3
    assert values(ds.map(lambda x: np.full(2, int(x)))) == [[0, 0], [1, 1], [2, 2]]
    Pair = collections.namedtuple("Pair", "a b")
    out = next(iter(ds.map(lambda x: Pair(x, -x))))
    assert isinstance(out, Pair) and int(out.b) == 0
    with pytest.raises(TypeError, match="None is not a valid dataset component"):
        list(ds.map(lambda x: None))
    with pytest.raises(TypeError, match="callable"):
        ds.map(3)


def test_map_function_runs_once_per_element_in_order():
    seen = []

    def record(x):
        seen.append(int(x))
        return x
    ds = Dataset.range(5).map(record)
    assert values(ds) == [0, 1, 2, 3, 4] and seen == [0, 1, 2, 3, 4]


# -- filter / take_while -----------------------------------------------------------------------------
def test_filter():
    assert values(Dataset.range(10).filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    pairs = Dataset.from_tensor_slices(([1, 2, 3, 4], [1, 0, 1, 0]))
    assert values(pairs.filter(lambda x, keep: keep == 1)) == [(1, 1), (3, 1)]
    assert values(Dataset.range(4).filter(lambda x: True)) == [0, 1, 2, 3]
    assert int(Dataset.range(4).filter(lambda x: True).cardinality()) == tf.data.UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="scalar boolean"):
        list(Dataset.range(3).filter(lambda x: x))
    with pytest.raises(TypeError, match="scalar boolean"):
        list(Dataset.range(3).filter(lambda x: 1))


def test_take_while():
    assert values(Dataset.range(10).take_while(lambda x: x < 4)) == [0, 1, 2, 3]


# -- shuffle -----------------------------------------------------------------------------------------
def order(ds):
    return [int(x) for x in ds]


def test_shuffle_buffer_of_one_keeps_the_order_and_full_buffer_permutes():
    assert order(Dataset.range(10).shuffle(1)) == list(range(10))
    out = order(Dataset.range(20).shuffle(20, seed=3))
    assert sorted(out) == list(range(20)) and out != list(range(20))


def test_shuffle_buffer_semantics():
    # with a buffer of b elements, output position p can only hold input elements 0 .. p + b - 1,
    # and the whole input comes out exactly once
    for seed in range(20):
        for b in (2, 3, 7):
            out = order(Dataset.range(30).shuffle(b, seed=seed))
            assert sorted(out) == list(range(30))
            assert all(x <= p + b - 1 for p, x in enumerate(out)), (b, out)


def test_shuffle_picks_uniformly_from_the_buffer():
    # the first output is uniform over the first `buffer_size` elements: 3000 draws, 3 cells of ~1000
    counts = np.zeros(3)
    for seed in range(3000):
        counts[order(Dataset.range(3).shuffle(3, seed=seed))[0]] += 1
    assert np.all(np.abs(counts - 1000) < 120), counts  # > 4 standard deviations apart otherwise


def test_shuffle_seeds_give_the_same_order():
    a = order(Dataset.range(50).shuffle(10, seed=7))
    assert a == order(Dataset.range(50).shuffle(10, seed=7))
    assert a != order(Dataset.range(50).shuffle(10, seed=8))
    tf.random.set_seed(11)
    b = order(Dataset.range(50).shuffle(10))
    tf.random.set_seed(11)
    assert b == order(Dataset.range(50).shuffle(10))
    tf.random.set_seed(None)


_SHUFFLE_SCRIPT = """
import cornu.data as data
ds = data.Dataset.range(40).shuffle(8, seed=5)
print([int(x) for x in ds], [int(x) for x in ds])
"""


def test_shuffle_order_is_the_same_on_every_run():
    runs = [subprocess.run([sys.executable, "-c", _SHUFFLE_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                           check=True, timeout=120).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].count("[") == 2


def test_reshuffle_each_iteration():
    ds = Dataset.range(30).shuffle(30, seed=1)
    epochs = [order(ds) for _ in range(3)]
    assert len({tuple(e) for e in epochs}) == 3 and all(sorted(e) == list(range(30)) for e in epochs)
    fixed = Dataset.range(30).shuffle(30, seed=1, reshuffle_each_iteration=False)
    assert order(fixed) == order(fixed) != list(range(30))
    # a fresh dataset with the same seed repeats the same sequence of epoch orders
    again = Dataset.range(30).shuffle(30, seed=1)
    assert [order(again) for _ in range(3)] == epochs
    # repeat() after shuffle: each repetition is a new epoch
    both = order(Dataset.range(10).shuffle(10, seed=2).repeat(2))
    assert sorted(both[:10]) == sorted(both[10:]) == list(range(10)) and both[:10] != both[10:]
    same = order(Dataset.range(10).shuffle(10, seed=2, reshuffle_each_iteration=False).repeat(2))
    assert same[:10] == same[10:]


def test_shuffle_argument_errors():
    with pytest.raises(ValueError, match="greater than zero"):
        Dataset.range(3).shuffle(0)


# -- batch / padded_batch / unbatch ------------------------------------------------------------------
def test_batch():
    assert values(Dataset.range(8).batch(3)) == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert values(Dataset.range(8).batch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(Dataset.range(8).batch(3)) == 3 and len(Dataset.range(8).batch(3, drop_remainder=True)) == 2
    assert int(Dataset.range(3).repeat().batch(2).cardinality()) == tf.data.INFINITE_CARDINALITY
    nested = Dataset.from_tensor_slices(({"a": np.arange(6).reshape(3, 2)}, [7, 8, 9])).batch(2)
    assert values(nested) == [({"a": [[0, 1], [2, 3]]}, [7, 8]), ({"a": [[4, 5]]}, [9])]
    first = next(iter(nested))
    assert isinstance(first[0]["a"], tf.Tensor) and first[0]["a"].shape == (2, 2)
    with pytest.raises(ValueError, match="batch_size"):
        Dataset.range(3).batch(0)


def test_batch_of_different_shapes_is_an_error():
    ds = Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Cannot batch tensors with different shapes in "
                                                             r"component 0. First element had shape \[1\] "
                                                             r"and element 1 had shape \[2\]"):
        list(ds)


def test_padded_batch_tf_examples():
    a = Dataset.range(1, 5, output_type=tf.int32).map(lambda x: tf.fill([x], x))
    assert values(a.padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    assert values(a.padded_batch(2, padded_shapes=5)) == [[[1, 0, 0, 0, 0], [2, 2, 0, 0, 0]],
                                                          [[3, 3, 3, 0, 0], [4, 4, 4, 4, 0]]]
    assert values(a.padded_batch(2, padded_shapes=(None,), padding_values=-1)) == [
        [[1, -1], [2, 2]], [[3, 3, 3, -1], [4, 4, 4, 4]]]
    assert a.padded_batch(2).element_spec == tf.TensorSpec((None, None), tf.int32)
    fixed = a.padded_batch(2, padded_shapes=5, drop_remainder=True)
    assert fixed.element_spec == tf.TensorSpec((2, 5), tf.int32)
    pairs = Dataset.zip((a, Dataset.range(4))).padded_batch(
        3, padded_shapes=([4], []), padding_values=(-1, np.int64(9)))
    assert values(pairs) == [([[1, -1, -1, -1], [2, 2, -1, -1], [3, 3, 3, -1]], [0, 1, 2]),
                             ([[4, 4, 4, 4]], [3])]
    with pytest.raises(tf.errors.InvalidArgumentError, match="smaller size"):
        list(a.padded_batch(2, padded_shapes=[3]))
    with pytest.raises(ValueError, match="not compatible"):
        a.padded_batch(2, padded_shapes=[3, 3])


def test_padded_batch_two_dims():
    ds = Dataset.range(1, 3).map(lambda x: tf.ones(tf.stack([x, 3 - x]), tf.int64) * x)
    out = values(ds.padded_batch(2))
    assert out == [[[[1, 1], [0, 0]], [[2, 0], [2, 0]]]]


def test_unbatch():
    assert values(Dataset.range(7).batch(3).unbatch()) == list(range(7))
    pairs = Dataset.from_tensors(([[1, 2], [3, 4]], [5, 6])).unbatch()
    assert values(pairs) == [([1, 2], 5), ([3, 4], 6)]
    assert pairs.element_spec == (tf.TensorSpec((2,), tf.int32), tf.TensorSpec((), tf.int32))
    with pytest.raises(ValueError, match="scalar"):
        Dataset.range(3).unbatch()
    with pytest.raises(tf.errors.InvalidArgumentError, match="same batch size"):
        list(Dataset.from_tensors(([1, 2], [1, 2, 3])).unbatch())


# -- repeat / take / skip / shard / enumerate --------------------------------------------------------
def test_repeat():
    assert values(Dataset.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert values(Dataset.range(3).repeat(0)) == []
    assert values(Dataset.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert values(Dataset.range(0).repeat()) == []  # an empty dataset repeated forever ends
    assert int(Dataset.range(3).repeat(2).cardinality()) == 6
    assert int(Dataset.range(0).repeat().cardinality()) == 0
    assert int(Dataset.range(3).repeat(-1).cardinality()) == tf.data.INFINITE_CARDINALITY


def test_take_and_skip():
    assert values(Dataset.range(10).take(3)) == [0, 1, 2]
    assert values(Dataset.range(10).take(-1)) == list(range(10))
    assert values(Dataset.range(10).take(0)) == []
    assert values(Dataset.range(10).skip(7)) == [7, 8, 9]
    assert values(Dataset.range(10).skip(-1)) == []
    assert values(Dataset.range(10).skip(20)) == []
    assert [int(Dataset.range(10).take(k).cardinality()) for k in (3, 20, -1)] == [3, 10, 10]
    assert [int(Dataset.range(10).skip(k).cardinality()) for k in (3, 20, -1)] == [7, 0, 0]
    assert int(Dataset.range(2).repeat().take(5).cardinality()) == 5


def test_shard():
    assert values(Dataset.range(10).shard(3, 0)) == [0, 3, 6, 9]
    assert values(Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    assert [len(Dataset.range(10).shard(3, i)) for i in range(3)] == [4, 3, 3]
    with pytest.raises(ValueError, match="between 0 and 2"):
        Dataset.range(10).shard(3, 3)
    with pytest.raises(ValueError, match="num_shards"):
        Dataset.range(10).shard(0, 0)


def test_enumerate():
    ds = Dataset.from_tensor_slices([7, 8, 9]).enumerate(start=5)
    assert values(ds) == [(5, 7), (6, 8), (7, 9)]
    assert ds.element_spec == (tf.TensorSpec((), tf.int64), tf.TensorSpec((), tf.int32))
    assert len(ds) == 3


# -- prefetch / concatenate / flat_map / interleave -------------------------------------------------
def test_prefetch_keeps_elements_and_spec():
    for size in (0, 1, 3, tf.data.AUTOTUNE):
        ds = Dataset.range(20).map(lambda x: x * 2).prefetch(size)
        assert values(ds) == list(range(0, 40, 2)) and len(ds) == 20


def test_concatenate():
    a, b = Dataset.range(1, 4), Dataset.range(4, 8)
    assert values(a.concatenate(b)) == [1, 2, 3, 4, 5, 6, 7]
    assert len(a.concatenate(b)) == 7
    with pytest.raises(TypeError, match="incompatible"):
        a.concatenate(Dataset.zip(a, b))
    with pytest.raises(TypeError, match="incompatible"):
        a.concatenate(Dataset.range(3, output_type=tf.int32))
    vary = Dataset.from_tensors([1, 2]).concatenate(Dataset.from_tensors([1, 2, 3]))
    assert vary.element_spec == tf.TensorSpec((None,), tf.int32)


def test_flat_map():
    ds = Dataset.from_tensor_slices([[1, 2, 3], [4, 5, 6]]).flat_map(Dataset.from_tensor_slices)
    assert values(ds) == [1, 2, 3, 4, 5, 6]
    assert values(Dataset.range(4).flat_map(lambda x: Dataset.range(x))) == [0, 0, 1, 0, 1, 2]
    with pytest.raises(TypeError, match="must return a `Dataset`"):
        list(Dataset.range(2).flat_map(lambda x: x))


def test_interleave_tf_example():
    ds = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2,
                                        block_length=4)
    expected = [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    assert values(ds) == expected
    assert values(Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2,
                                                 block_length=4, num_parallel_calls=2)) == expected
    assert ds.element_spec == tf.TensorSpec((), tf.int64)


def test_interleave_defaults_and_uneven_lengths():
    ds = Dataset.range(1, 4).interleave(lambda x: Dataset.range(x), cycle_length=3)
    assert values(ds) == [0, 0, 0, 1, 1, 2]
    files = Dataset.range(3).interleave(lambda x: Dataset.range(x * 10, x * 10 + 2), cycle_length=2,
                                        block_length=1)
    assert values(files) == [0, 10, 1, 11, 20, 21]
    assert sorted(values(Dataset.range(4).interleave(lambda x: Dataset.range(x)))) == [0, 0, 0, 1, 1, 2]


# -- cache -------------------------------------------------------------------------------------------
class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return x * 2


def test_cache_in_memory():
    count = Counter()
    ds = Dataset.range(5).map(count).cache()
    assert values(ds) == [0, 2, 4, 6, 8] and count.calls == 5
    assert values(ds) == [0, 2, 4, 6, 8] and count.calls == 5
    assert values(ds.repeat(3)) == [0, 2, 4, 6, 8] * 3 and count.calls == 5


def test_cache_in_memory_keeps_only_a_complete_pass():
    count = Counter()
    ds = Dataset.range(5).map(count).cache()
    assert values(ds.take(2)) == [0, 2]
    assert values(ds) == [0, 2, 4, 6, 8] and count.calls == 2 + 5
    assert values(ds) == [0, 2, 4, 6, 8] and count.calls == 7


def boom(x):
    raise AssertionError("the cached dataset must not run its input again")


def test_cache_file_survives_a_fresh_dataset(tmp_path):
    prefix = str(tmp_path / "mnist")
    source = Dataset.from_tensor_slices(({"image": np.arange(12, dtype=np.uint8).reshape(3, 2, 2)},
                                         np.array([1, 0, 1])))
    count = Counter()
    first = source.map(lambda d, y: (d, count(y))).cache(prefix)
    expected = values(first)
    assert count.calls == 3 and os.path.exists(prefix + ".cache.npz")
    # a new Dataset (as in a later program) reads the file instead of running its input
    fresh = source.map(lambda d, y: (d, boom(y))).cache(prefix)
    assert values(fresh) == expected
    element = next(iter(fresh))
    assert element[0]["image"].dtype == tf.uint8 and element[1].dtype == tf.int64
    # the file holds plain arrays: it loads without pickle
    with np.load(prefix + ".cache.npz", allow_pickle=False) as z:
        assert z["leaf0"].shape == (3, 2, 2)


def test_cache_file_with_varying_shapes_and_text(tmp_path):
    prefix = str(tmp_path / "ragged")
    ds = Dataset.range(1, 4).map(lambda x: (tf.fill([x], x), "row")).cache(prefix)
    expected = [([1], b"row"), ([2, 2], b"row"), ([3, 3, 3], b"row")]
    assert values(ds) == expected
    assert values(Dataset.range(1).map(boom).cache(prefix)) == expected
    assert values(Dataset.range(0).cache(str(tmp_path / "empty"))) == []
    assert values(Dataset.range(3).map(boom).cache(str(tmp_path / "empty"))) == []


def test_partially_written_cache_is_not_used(tmp_path):
    prefix = str(tmp_path / "part")
    count = Counter()
    ds = Dataset.range(6).map(count).cache(prefix)
    it = iter(ds)
    next(it), next(it)
    del it  # abandoned after two elements: no cache file
    assert not os.path.exists(prefix + ".cache.npz") and glob.glob(prefix + "*") == []
    # a writer that died half-way leaves only a temporary file, which is never read
    with open(prefix + ".cache.npz.tmp-1-dead", "wb") as f:
        f.write(b"PK\x03\x04 truncated")
    assert values(Dataset.range(6).map(count).cache(prefix)) == [0, 2, 4, 6, 8, 10]
    assert count.calls == 2 + 6 and os.path.exists(prefix + ".cache.npz")
    assert values(Dataset.range(6).map(boom).cache(prefix)) == [0, 2, 4, 6, 8, 10]


def test_cache_file_that_is_not_a_cache_is_an_error(tmp_path):
    prefix = str(tmp_path / "bad")
    with open(prefix + ".cache.npz", "wb") as f:
        f.write(b"not a zip file")
    with pytest.raises(tf.errors.InvalidArgumentError, match="not a readable cornu dataset cache"):
        list(Dataset.range(3).cache(prefix))
