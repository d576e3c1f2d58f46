"""cornu.data.Dataset sources and introspection, against hand-computed element sequences."""
import collections
import os

import numpy as np
import pytest

import cornu as tf
import cornu.data  # noqa: F401  (tf.data)

Dataset = tf.data.Dataset


def values(ds):
    """Elements as plain Python values (lists / tuples / dicts of numbers)."""
    def plain(x):
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, tuple):
            return tuple(plain(v) for v in x)
        return x.tolist() if isinstance(x, np.ndarray) else (x.item() if isinstance(x, np.generic) else x)
    return [plain(e) for e in ds.as_numpy_iterator()]


# -- from_tensor_slices / from_tensors -----------------------------------------------------------------
def test_from_tensor_slices_lists_arrays_and_tensors():
    assert values(Dataset.from_tensor_slices([1, 2, 3])) == [1, 2, 3]
    assert values(Dataset.from_tensor_slices(np.array([[1, 2], [3, 4]]))) == [[1, 2], [3, 4]]
    assert values(Dataset.from_tensor_slices(tf.constant([1.5, 2.5]))) == [1.5, 2.5]
    # a list is one tensor (TF's rule), so a list of rows gives rows, not a tuple of columns
    assert values(Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]])) == [[1, 2], [3, 4], [5, 6]]


def test_from_tensor_slices_nested_tuples_and_dicts():
    ds = Dataset.from_tensor_slices(((np.arange(3), np.arange(3) * 10), {"a": [1.0, 2.0, 3.0],
                                                                         "b": np.ones((3, 2))}))
    assert values(ds) == [((0, 0), {"a": 1.0, "b": [1.0, 1.0]}),
                          ((1, 10), {"a": 2.0, "b": [1.0, 1.0]}),
                          ((2, 20), {"a": 3.0, "b": [1.0, 1.0]})]
    first = next(iter(ds))
    assert isinstance(first, tuple) and isinstance(first[0], tuple) and isinstance(first[1], dict)
    assert all(isinstance(t, tf.Tensor) for t in (first[0][0], first[0][1], first[1]["a"], first[1]["b"]))
    assert first[1]["a"].dtype == tf.float32 and first[1]["b"].dtype == tf.float64
    assert first[0][0].dtype == tf.int64 or first[0][0].dtype == tf.int32


def test_from_tensor_slices_keeps_namedtuples():
    Point = collections.namedtuple("Point", "x y")
    ds = Dataset.from_tensor_slices(Point([1, 2], [3, 4]))
    element = next(iter(ds))
    assert isinstance(element, Point) and int(element.x) == 1 and int(element.y) == 3
    assert values(ds.map(lambda p: p.x + p.y)) == [4, 6]  # a namedtuple is one argument


def test_from_tensor_slices_mismatched_first_dimensions():
    with pytest.raises(ValueError, match=r"same size in their first dimension.*\[3, 4\]"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros((4, 2))))
    with pytest.raises(ValueError, match="scalar"):
        Dataset.from_tensor_slices((np.zeros(3), 5))


def test_from_tensors_is_one_element():
    ds = Dataset.from_tensors(([1, 2, 3], {"k": 4.0}))
    assert values(ds) == [([1, 2, 3], {"k": 4.0})]
    assert int(ds.cardinality()) == 1 and len(ds) == 1
    assert ds.element_spec == (tf.TensorSpec((3,), tf.int32), {"k": tf.TensorSpec((), tf.float32)})


# -- range / zip / list_files ------------------------------------------------------------------------
@pytest.mark.parametrize("args, expected", [((5,), [0, 1, 2, 3, 4]), ((2, 5), [2, 3, 4]),
                                            ((1, 10, 3), [1, 4, 7]), ((5, 1, -2), [5, 3]),
                                            ((5, 1), []), ((0,), [])])
def test_range_follows_python(args, expected):
    ds = Dataset.range(*args)
    assert values(ds) == expected
    assert len(ds) == len(expected) and int(ds.cardinality()) == len(expected)
    assert ds.element_spec == tf.TensorSpec((), tf.int64)


def test_range_output_type_and_errors():
    ds = Dataset.range(3, output_type=tf.int32)
    assert next(iter(ds)).dtype == tf.int32 and ds.element_spec.dtype == tf.int32
    assert values(Dataset.range(2500))[-3:] == [2497, 2498, 2499]  # crosses the chunk boundary
    with pytest.raises(ValueError, match="step must not be 0"):
        Dataset.range(0, 5, 0)
    with pytest.raises(ValueError, match="1 to 3 arguments"):
        Dataset.range()


def test_zip_tuples_nested_structures_and_shortest():
    a, b, c = Dataset.range(1, 4), Dataset.range(4, 7), Dataset.range(7, 9)
    assert values(Dataset.zip(a, b)) == [(1, 4), (2, 5), (3, 6)]
    assert values(Dataset.zip((a, b))) == [(1, 4), (2, 5), (3, 6)]
    assert values(Dataset.zip((a, b), c)) == [((1, 4), 7), ((2, 5), 8)]
    assert values(Dataset.zip({"x": a, "y": c})) == [{"x": 1, "y": 7}, {"x": 2, "y": 8}]
    assert int(Dataset.zip(a, c).cardinality()) == 2
    assert int(Dataset.zip(a, Dataset.range(3).repeat()).cardinality()) == 3
    assert Dataset.zip(a, c).element_spec == (tf.TensorSpec((), tf.int64),) * 2
    with pytest.raises(TypeError, match="Datasets"):
        Dataset.zip(a, [1, 2])


def test_list_files_sorted_shuffled_and_missing(tmp_path):
    names = ["b.txt", "a.txt", "c.txt", "d.csv"]
    for n in names:
        (tmp_path / n).write_text(n)
    pattern = str(tmp_path / "*.txt")
    ordered = list(Dataset.list_files(pattern, shuffle=False))
    assert ordered == [str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")]
    assert values(Dataset.list_files(pattern, shuffle=False)) == [os.fsencode(p) for p in ordered]
    assert sorted(Dataset.list_files(pattern)) == ordered
    seeded = [list(Dataset.list_files(pattern, seed=4)) for _ in range(2)]
    assert seeded[0] == seeded[1] and sorted(seeded[0]) == ordered
    both = list(Dataset.list_files([pattern, str(tmp_path / "*.csv")], shuffle=False))
    assert both == ordered + [str(tmp_path / "d.csv")]
    with pytest.raises(tf.errors.InvalidArgumentError, match="no files matched"):
        Dataset.list_files(str(tmp_path / "*.png"))


def test_list_files_elements_are_paths_a_map_can_open(tmp_path):
    for n in ("x1", "x2"):
        (tmp_path / n).write_text(n.upper())
    ds = Dataset.list_files(str(tmp_path / "x*"), shuffle=False)
    assert ds.element_spec == tf.data.StringSpec(())
    lengths = ds.map(lambda path: len(open(path).read()))
    assert values(lengths) == [2, 2]


# -- from_generator ----------------------------------------------------------------------------------
def test_from_generator_with_output_signature():
    def gen():
        yield 1, [1.0]
        yield 2, np.array([2.0, 3.0])
    ds = Dataset.from_generator(gen, output_signature=(tf.TensorSpec((), tf.int32),
                                                       tf.TensorSpec((None,), tf.float32)))
    assert values(ds) == [(1, [1.0]), (2, [2.0, 3.0])]
    assert next(iter(ds))[1].dtype == tf.float32  # converted to the signature's dtype
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    assert values(ds) == values(ds)  # the generator is called afresh for each iteration


def test_from_generator_output_types_shapes_and_args():
    def gen(n, scale):
        for i in range(int(n)):
            yield {"x": [i * float(scale)] * 2, "y": i}
    ds = Dataset.from_generator(gen, output_types={"x": tf.float32, "y": tf.int64},
                                output_shapes={"x": (2,), "y": ()}, args=(3, tf.constant(0.5)))
    assert values(ds) == [{"x": [0.0, 0.0], "y": 0}, {"x": [0.5, 0.5], "y": 1}, {"x": [1.0, 1.0], "y": 2}]
    assert ds.element_spec == {"x": tf.TensorSpec((2,), tf.float32), "y": tf.TensorSpec((), tf.int64)}
    unknown = Dataset.from_generator(lambda: iter([[1, 2]]), output_types=tf.int32)
    assert unknown.element_spec == tf.TensorSpec(None, tf.int32) and values(unknown) == [[1, 2]]


def test_from_generator_checks_what_the_generator_yields():
    spec = (tf.TensorSpec((), tf.int32), tf.TensorSpec((2,), tf.float32))

    def yielding(*items):
        return Dataset.from_generator(lambda: iter(items), output_signature=spec)
    with pytest.raises(TypeError, match="did not match the expected structure"):
        list(yielding(1))
    with pytest.raises(TypeError, match="did not match the expected structure"):
        list(yielding((1, [1.0, 2.0], 3)))
    with pytest.raises(TypeError, match="could not be converted to the expected type. The expected type was "
                                        "int32, but the yielded element was 1.5"):
        list(yielding((1.5, [1.0, 2.0])))
    with pytest.raises(ValueError, match=r"yielded an element of shape \(3,\) where an element of shape "
                                         r"\(2,\) was expected"):
        list(yielding((1, [1.0, 2.0, 3.0])))
    good_then_bad = yielding((1, [1.0, 2.0]), (2, [1.0]))
    it = iter(good_then_bad)
    assert int(next(it)[0]) == 1
    with pytest.raises(ValueError, match="shape"):
        next(it)


def test_from_generator_argument_errors():
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator([1, 2], output_types=tf.int32)
    with pytest.raises(TypeError, match="output_signature"):
        Dataset.from_generator(lambda: iter([]))
    with pytest.raises(TypeError, match="cannot be given together"):
        Dataset.from_generator(lambda: iter([]), output_types=tf.int32,
                               output_signature=tf.TensorSpec((), tf.int32))
    with pytest.raises(TypeError, match="TensorSpec"):
        Dataset.from_generator(lambda: iter([]), output_signature=(tf.int32,))


# -- introspection -----------------------------------------------------------------------------------
def test_iteration_yields_cornu_tensors_and_numpy_iterator_numpy():
    ds = Dataset.from_tensor_slices({"a": np.arange(4).reshape(2, 2), "b": [0.5, 1.5]})
    for element in ds:
        assert set(element) == {"a", "b"} and all(isinstance(v, tf.Tensor) for v in element.values())
    for element in ds.as_numpy_iterator():
        assert isinstance(element["a"], np.ndarray) and isinstance(element["b"], np.floating)


def test_element_spec_of_transformations():
    ds = Dataset.from_tensor_slices((np.zeros((10, 28, 28), np.uint8), np.zeros(10, np.int64)))
    assert ds.element_spec == (tf.TensorSpec((28, 28), tf.uint8), tf.TensorSpec((), tf.int64))
    mapped = ds.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y))
    assert mapped.element_spec == (tf.TensorSpec((28, 28), tf.float32), tf.TensorSpec((), tf.int64))
    assert mapped.batch(4).element_spec == (tf.TensorSpec((None, 28, 28), tf.float32),
                                            tf.TensorSpec((None,), tf.int64))
    assert mapped.batch(4, drop_remainder=True).element_spec[0] == tf.TensorSpec((4, 28, 28), tf.float32)
    assert mapped.batch(4).unbatch().element_spec[0] == tf.TensorSpec((28, 28), tf.float32)
    assert ds.shuffle(3).repeat().take(5).prefetch(1).element_spec == ds.element_spec
    # a function that needs real values (NumPy here) is run on one element: rank and dtype, dims unknown
    numpy_fn = ds.map(lambda x, y: np.asarray(x).sum(axis=0))
    assert numpy_fn.element_spec == tf.TensorSpec((None,), tf.uint64)
    assert repr(mapped).startswith("<MapDataset element_spec=(TensorSpec(shape=(28, 28)")


def test_cardinality_constants_and_len():
    assert tf.data.INFINITE_CARDINALITY == -1 and tf.data.UNKNOWN_CARDINALITY == -2
    assert tf.data.experimental.AUTOTUNE == tf.data.AUTOTUNE == -1
    infinite = Dataset.range(3).repeat()
    unknown = Dataset.range(3).filter(lambda x: x > 0)
    assert int(infinite.cardinality()) == tf.data.INFINITE_CARDINALITY
    assert int(tf.data.experimental.cardinality(unknown)) == tf.data.UNKNOWN_CARDINALITY
    assert infinite.cardinality().dtype == tf.int64
    with pytest.raises(TypeError, match="infinite"):
        len(infinite)
    with pytest.raises(TypeError, match="unknown"):
        len(unknown)
    assert bool(infinite)  # a dataset is truthy even when len() would raise
    assert len(Dataset.range(10).batch(3)) == 4


def test_reduce_and_get_single_element():
    assert int(Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x)) == 10
    count, total = Dataset.range(1, 4).reduce((0, tf.constant(0, tf.int64)),
                                              lambda s, x: (s[0] + 1, s[1] + x))
    assert (int(count), int(total)) == (3, 6)
    assert int(Dataset.range(7, 8).get_single_element()) == 7
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than one"):
        Dataset.range(2).get_single_element()


def test_iterator_get_next_and_element_spec():
    it = iter(Dataset.range(2))
    assert it.element_spec == tf.TensorSpec((), tf.int64)
    assert [int(it.get_next()), int(it.get_next())] == [0, 1]
    with pytest.raises(tf.errors.OutOfRangeError):
        it.get_next()


def test_options_and_apply():
    options = tf.data.Options()
    options.deterministic = False
    ds = Dataset.range(4).with_options(options).map(lambda x: x + 1)
    assert ds.options().deterministic is False and values(ds) == [1, 2, 3, 4]
    assert Dataset.range(2).options().deterministic is None
    assert values(Dataset.range(3).apply(lambda d: d.map(lambda x: x * 2))) == [0, 2, 4]
    with pytest.raises(TypeError, match="must return a Dataset"):
        Dataset.range(3).apply(lambda d: 3)


def test_docstring_examples_run():
    import doctest
    from cornu.data import dataset, options
    for module in (dataset, options):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_array_likes_keep_their_dtype():
    class ArrayLike:  # e.g. a pandas Series
        def __array__(self, dtype=None, copy=None):
            return np.array([1, 2, 3], dtype=np.int64)
    ds = Dataset.from_tensor_slices({"col": ArrayLike()})
    assert ds.element_spec == {"col": tf.TensorSpec((), tf.int64)}
    assert Dataset.zip(datasets=(Dataset.range(2), Dataset.range(2))).element_spec == (
        tf.TensorSpec((), tf.int64),) * 2
