"""Random draws: shapes, dtypes, ranges and rough moments; TF's seeding (a global seed repeats the whole
sequence, an op-level seed gives an op its own stream); shuffle is a permutation."""
import numpy as np
import pytest

import cornu as tf
from cornu.ops import random_ops

SHAPE_CASES = {
    "random_normal": [lambda: tf.random.normal([2, 3]), lambda: tf.random.normal((4,), dtype=tf.float64, seed=1),
                      lambda: tf.random.normal([])],
    "random_uniform": [lambda: tf.random.uniform([3, 1]), lambda: tf.random.uniform([5], 0, 7, dtype=tf.int64),
                       lambda: tf.random.uniform([], dtype=tf.float16)],
    "random_truncated_normal": [lambda: tf.random.truncated_normal([2, 2], seed=3),
                                lambda: tf.random.truncated_normal([3], dtype=tf.float64)],
    "random_permutation": [lambda: tf.random.shuffle(tf.constant(np.arange(6).reshape(3, 2)))],
}


@pytest.fixture(autouse=True)
def _fresh_seed():
    """Each test starts from, and leaves behind, an unseeded program."""
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


@pytest.mark.parametrize("fn", [tf.random.normal, tf.random.uniform, tf.random.truncated_normal])
@pytest.mark.parametrize("dtype", [None, tf.float16, tf.float32, tf.float64])
@pytest.mark.parametrize("shape", [[], [3], (2, 4), tf.constant([2, 1, 3])])
def test_float_draws_have_shape_and_dtype(fn, dtype, shape):
    out = fn(shape) if dtype is None else fn(shape, dtype=dtype)
    expected = tuple(shape.numpy().tolist()) if isinstance(shape, tf.Tensor) else tuple(shape)
    assert tuple(out.shape) == expected
    assert out.dtype == (dtype or tf.float32)
    assert np.all(np.isfinite(out.numpy()))


def test_normal_moments():
    x = tf.random.normal([20000], mean=3.0, stddev=2.0, dtype=tf.float64, seed=1).numpy()
    assert abs(x.mean() - 3.0) < 0.1 and abs(x.std() - 2.0) < 0.1
    assert x.min() < 3.0 - 2 * 2.0 and x.max() > 3.0 + 2 * 2.0   # not truncated


def test_truncated_normal_within_two_stddev():
    x = tf.random.truncated_normal([20000], mean=-1.0, stddev=0.5, seed=2).numpy()
    assert x.dtype == np.float32
    assert np.all(np.abs(x + 1.0) <= 2 * 0.5 + 1e-6)
    assert abs(x.mean() + 1.0) < 0.02
    assert abs(x.std() - 0.5 * 0.8796) < 0.02    # the std of a normal truncated at 2 sigma
    assert np.abs(x + 1.0).max() > 0.95          # and it reaches close to the cut


def test_uniform_ranges():
    x = tf.random.uniform([20000], seed=3).numpy()
    assert x.min() >= 0.0 and x.max() < 1.0 and abs(x.mean() - 0.5) < 0.02
    y = tf.random.uniform([20000], minval=-2.0, maxval=tf.constant(3.0), dtype=tf.float64).numpy()
    assert y.min() >= -2.0 and y.max() < 3.0 and y.max() > 2.9 and y.min() < -1.9
    ints = tf.random.uniform([5000], minval=-3, maxval=4, dtype=tf.int32)
    assert ints.dtype == tf.int32
    assert sorted(set(ints.numpy().tolist())) == list(range(-3, 4))     # maxval excluded, all others hit
    big = tf.random.uniform([10], maxval=2 ** 40, dtype=tf.int64)
    assert big.dtype == tf.int64 and big.numpy().min() >= 0


def test_uniform_never_returns_maxval_after_rounding(monkeypatch):
    class Top:  # the largest float64 draw below 1, which rounds up to 1.0 in float32 / float16
        def random(self, shape):
            return np.full(shape, 1 - 2.0 ** -53)
    monkeypatch.setattr(random_ops, "generator", lambda seed=None: Top())
    for dtype in (tf.float16, tf.float32, tf.float64):
        x = tf.random.uniform([4], dtype=dtype).numpy()
        assert np.all(x < 1.0), dtype
        x = tf.random.uniform([2], minval=1.0, maxval=5.0, dtype=dtype).numpy()
        assert np.all(x < 5.0) and np.all(x >= 4.99), dtype


def test_set_seed_repeats_the_whole_sequence():
    def program():
        return [tf.random.normal([3]).numpy(), tf.random.uniform([2, 2]).numpy(),
                tf.random.truncated_normal([4], seed=7).numpy(), tf.random.normal([3]).numpy(),
                tf.random.shuffle(tf.range(10)).numpy(), tf.random.uniform([3], 0, 100, dtype=tf.int32).numpy()]
    tf.random.set_seed(1234)
    first = program()
    tf.random.set_seed(1234)
    second = program()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[3])   # later draws differ from earlier ones
    tf.random.set_seed(4321)
    third = program()
    assert not np.array_equal(first[0], third[0])
    assert tf.random.get_global_seed() == 4321


def test_op_level_seed():
    tf.random.set_seed(5)
    a1 = tf.random.normal([4], seed=11).numpy()
    a2 = tf.random.normal([4], seed=11).numpy()
    assert not np.array_equal(a1, a2)               # each call draws afresh, as in TF
    tf.random.set_seed(5)
    tf.random.normal([100])                          # unrelated draws do not shift a seeded op
    np.testing.assert_array_equal(tf.random.normal([4], seed=11).numpy(), a1)
    np.testing.assert_array_equal(tf.random.normal([4], seed=11).numpy(), a2)
    assert not np.array_equal(tf.random.normal([4], seed=12).numpy(), a1)
    # an op-level seed alone (no global seed) is reproducible too
    tf.random.set_seed(None)
    b = tf.random.uniform([3], seed=3).numpy()
    tf.random.set_seed(None)
    np.testing.assert_array_equal(tf.random.uniform([3], seed=3).numpy(), b)


def test_unseeded_draws_differ():
    assert not np.array_equal(tf.random.normal([8]).numpy(), tf.random.normal([8]).numpy())


def test_shuffle_is_a_permutation_of_rows():
    x = np.arange(40).reshape(20, 2)
    out = tf.random.shuffle(tf.constant(x), seed=1).numpy()
    assert out.shape == (20, 2)
    assert sorted(map(tuple, out.tolist())) == sorted(map(tuple, x.tolist()))   # rows kept whole
    assert not np.array_equal(out, x)
    v = tf.random.shuffle(tf.range(100)).numpy()
    assert sorted(v.tolist()) == list(range(100)) and not np.array_equal(v, np.arange(100))
    perm = random_ops._random_permutation(n=7, seed=None)
    assert perm.dtype == tf.int64 and sorted(perm.numpy().tolist()) == list(range(7))


def test_shuffle_gradient_follows_the_permutation():
    x = tf.constant(np.arange(5.0))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.random.shuffle(x, seed=2)
        loss = tf.reduce_sum(y * tf.constant(np.arange(5.0) + 1))
    g = tape.gradient(loss, x).numpy()
    # y[i] = x[p[i]], so dloss/dx[p[i]] = i + 1; and x == arange, so p == y
    np.testing.assert_array_equal(g[y.numpy().astype(int)], np.arange(5.0) + 1)


def test_random_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="random.normal: dtype must be floating point, "
                                                            "got int32"):
        tf.random.normal([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="random.truncated_normal: dtype must be floating"):
        tf.random.truncated_normal([2], dtype=tf.int64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="random.uniform: maxval must be given for integer"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="random.uniform: need minval < maxval, got 2.0 "
                                                            "and 1.0"):
        tf.random.uniform([2], 2.0, 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="random.shuffle: value must have rank >= 1"):
        tf.random.shuffle(tf.constant(1.0))
