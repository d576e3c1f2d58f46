"""Tensor: properties, printing, conversion defaults, immutability, indexing (forward and gradient),
creation functions and TensorShape."""
import numpy as np
import pytest

import cornu as tf
from cornu.core.errors import InvalidArgumentError


# -- properties ------------------------------------------------------------------------------------
def test_shape_dtype_ndim_device():
    t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
    assert t.shape == (2, 3)
    assert isinstance(t.shape, tf.TensorShape)
    assert t.get_shape() == [2, 3]
    assert t.dtype == tf.float32 and t.dtype.name == "float32"
    assert t.ndim == 2
    assert t.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert tf.constant(1).shape == () and tf.constant(1).ndim == 0


def test_numpy_is_a_copy_and_array_protocol_cannot_mutate():
    t = tf.constant([1., 2., 3.])
    a = t.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    a[0] = 100.
    np.testing.assert_array_equal(t.numpy(), [1., 2., 3.])
    view = np.asarray(t)  # no copy, but read-only
    np.testing.assert_array_equal(view, [1., 2., 3.])
    with pytest.raises(ValueError):
        view[0] = 5.
    copy = np.array(t)  # np.array copies and may be written
    copy[0] = 7.
    np.testing.assert_array_equal(t.numpy(), [1., 2., 3.])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_tensor_does_not_alias_the_array_it_was_made_from():
    source = np.array([1., 2.], np.float32)
    for t in (tf.constant(source), tf.convert_to_tensor(source), tf.constant(source, tf.float64)):
        source[0] = 99.
        assert t.numpy()[0] == 1.
        source[0] = 1.


def test_scalar_numpy_is_a_numpy_scalar():
    value = tf.constant(2.5).numpy()
    assert isinstance(value, np.float32) and value == 2.5
    assert np.asarray(tf.constant(3)).shape == ()


def test_len_iteration_and_python_conversions():
    t = tf.constant([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, tf.Tensor) for r in rows)
    np.testing.assert_array_equal(rows[2].numpy(), [5, 6])
    with pytest.raises(TypeError):
        len(tf.constant(1.))
    with pytest.raises(TypeError):
        iter(tf.constant(1.)).__next__()
    assert bool(tf.constant(True)) is True and bool(tf.constant(0.)) is False
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tf.constant([1, 2]))
    assert int(tf.constant(7)) == 7 and float(tf.constant(2.5)) == 2.5
    assert [10, 20, 30][tf.constant(1)] == 20
    assert list(range(10))[tf.constant(2):tf.constant(4)] == [2, 3]
    with pytest.raises(TypeError):
        [1, 2][tf.constant(1.)]
    with pytest.raises(TypeError):
        [1, 2][tf.constant([1])]


def test_unhashable_but_ref_works():
    t = tf.constant(1.)
    with pytest.raises(TypeError, match="ref"):
        hash(t)
    table = {t.ref(): "a"}
    assert table[t.ref()] == "a" and t.ref().deref() is t
    assert tf.constant(1.).ref() != t.ref()


# -- printing ----------------------------------------------------------------------------------------
def test_repr_like_tf():
    assert repr(tf.constant([[1., 2.], [3., 4.]])) == (
        "<cornu.Tensor: shape=(2, 2), dtype=float32, numpy=\n"
        "array([[1., 2.],\n"
        "       [3., 4.]], dtype=float32)>")
    assert repr(tf.constant(1.0)) == "<cornu.Tensor: shape=(), dtype=float32, numpy=1.0>"
    assert repr(tf.constant(3)) == "<cornu.Tensor: shape=(), dtype=int32, numpy=3>"
    assert repr(tf.constant(True)) == "<cornu.Tensor: shape=(), dtype=bool, numpy=True>"
    assert repr(tf.constant([1, 2, 3])) == (
        "<cornu.Tensor: shape=(3,), dtype=int32, numpy=array([1, 2, 3], dtype=int32)>")
    # a long one-line array stays on the line, as in TF
    assert repr(tf.constant([1., 2., 3., 4., 5., 6.])) == (
        "<cornu.Tensor: shape=(6,), dtype=float32, numpy=array([1., 2., 3., 4., 5., 6.], dtype=float32)>")


def test_str_like_tf():
    assert str(tf.constant([1., 2.], tf.float64)) == "cornu.Tensor([1. 2.], shape=(2,), dtype=float64)"
    assert str(tf.constant([[1, 2], [3, 4]])) == (
        "cornu.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)")
    assert str(tf.constant(1.0)) == "cornu.Tensor(1.0, shape=(), dtype=float32)"


# -- conversion ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, dtype", [
    (1.5, tf.float32), ([1.5, 2], tf.float32), (1, tf.int32), ([[1, 2]], tf.int32),
    (2 ** 40, tf.int64), ([1, 2 ** 31], tf.int64), (-(2 ** 31), tf.int32), (True, tf.bool),
    ([True, False], tf.bool), (1 + 2j, tf.complex128),
    (np.arange(3), tf.int64), (np.arange(3, dtype=np.int16), tf.int16), (np.ones(2), tf.float64),
    (np.float64(1.), tf.float64), (np.ones(2, np.float16), tf.float16), (np.array([True]), tf.bool),
])
def test_dtype_defaults(value, dtype):
    assert tf.constant(value).dtype == dtype
    assert tf.convert_to_tensor(value).dtype == dtype


def test_constant_with_dtype_and_shape():
    t = tf.constant([1, 2], dtype=tf.float64)
    assert t.dtype == tf.float64
    np.testing.assert_array_equal(t.numpy(), [1., 2.])
    assert tf.constant(1, dtype="float32").dtype == tf.float32
    filled = tf.constant(5, shape=(2, 3))
    np.testing.assert_array_equal(filled.numpy(), np.full((2, 3), 5, np.int32))
    reshaped = tf.constant([1, 2, 3, 4, 5, 6], shape=[2, 3])
    np.testing.assert_array_equal(reshaped.numpy(), [[1, 2, 3], [4, 5, 6]])
    with pytest.raises(TypeError, match="expected 4 values"):
        tf.constant([1, 2, 3], shape=(2, 2))
    assert tf.constant(tf.constant([1, 2]), dtype=tf.float32).dtype == tf.float32


def test_convert_to_tensor_passes_tensors_through_and_checks_dtype():
    t = tf.constant([1., 2.])
    assert tf.convert_to_tensor(t) is t
    assert tf.convert_to_tensor(t, dtype=tf.float32) is t
    with pytest.raises(ValueError, match="float32"):
        tf.convert_to_tensor(t, dtype=tf.int32)
    assert tf.convert_to_tensor(3, dtype_hint=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor(3.5, dtype_hint=tf.int32).dtype == tf.float32  # the hint is only a hint


@pytest.mark.parametrize("bad", ["abc", None, object(), {"a": 1}, [[1, 2], [3]]])
def test_convert_to_tensor_rejects(bad):
    with pytest.raises((TypeError, ValueError)):
        tf.convert_to_tensor(bad)


@pytest.mark.parametrize("value, dtype", [
    (1.5, tf.int32), ([0.5], tf.int64), (1, tf.bool), (2 ** 40, tf.int32), (-1, tf.uint8),
    (np.array([1.5]), tf.int32), (np.array([1]), tf.bool),
])
def test_lossy_conversions_raise(value, dtype):
    with pytest.raises(TypeError):
        tf.convert_to_tensor(value, dtype=dtype)


def test_lossless_conversions_with_dtype():
    assert tf.convert_to_tensor(2.0, dtype=tf.int32).numpy() == 2
    assert tf.convert_to_tensor(np.array([1, 2]), dtype=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor([1, 0], dtype=tf.uint8).dtype == tf.uint8


def test_list_of_tensors_packs_and_is_differentiable():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        packed = tf.convert_to_tensor([x, x * 3., 1.0])
        assert packed.shape == (3,)
        loss = tf.reduce_sum(packed * packed)  # x^2 + 9x^2 + 1
    np.testing.assert_allclose(packed.numpy(), [2., 6., 1.])
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), 20 * 2.0)
    nested = tf.constant([[tf.constant(1.), 2.], [3., tf.constant(4.)]])
    np.testing.assert_array_equal(nested.numpy(), [[1., 2.], [3., 4.]])


def test_cast():
    t = tf.cast(tf.constant([1.7, -1.7, 0.2]), tf.int32)
    assert t.dtype == tf.int32
    np.testing.assert_array_equal(t.numpy(), [1, -1, 0])  # truncation toward zero, as in TF
    b = tf.cast(tf.constant([0, 2]), tf.bool)
    np.testing.assert_array_equal(b.numpy(), [False, True])
    x = tf.constant([1., 2.])
    assert tf.cast(x, tf.float32) is x
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.cast(x, tf.float64) * 3.)
    g = tape.gradient(y, x)
    assert g.dtype == tf.float32
    np.testing.assert_allclose(g.numpy(), [3., 3.])


# -- indexing ----------------------------------------------------------------------------------------------
A = np.arange(60., dtype=np.float64).reshape(3, 4, 5)
MASK = A[:, :, 0] > 20

INDEX_CASES = [
    1, -1, (1, 2), (1, 2, 3), (-1, -2, -3), slice(None, None, -1), (slice(None), slice(None, None, -2)),
    (slice(5, 1, -1),), (slice(-1, None, -2), slice(3, 0, -1)), (Ellipsis, 1), (Ellipsis, None),
    (None, 1), (1, None, Ellipsis, None), (Ellipsis,), (), MASK, (A > 30,), (slice(None), A[0, :, 0] > 5),
    np.array([2, 0, 2]), ([0, 2], [1, 3]), (slice(None), [3, 3, 0]), (0, [1, 2], slice(None)),
    (Ellipsis, [4, 0]), ([[0, 1], [2, 2]],), (slice(0, 100),), (slice(-100, 2),),
]


def _as_tensor_key(key):
    """The same key with its arrays (and one scalar) given as cornu tensors."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, (np.ndarray, list)):
            k = tf.constant(np.asarray(k))
        elif isinstance(k, int):
            k = tf.constant(k)
        out.append(k)
    return tuple(out)


@pytest.mark.parametrize("key", INDEX_CASES, ids=[str(i) for i in range(len(INDEX_CASES))])
def test_indexing_matches_numpy(key):
    t = tf.constant(A)
    expected = A[tuple(np.asarray(k) if isinstance(k, list) else k for k in key)
                 if isinstance(key, tuple) else key]
    got = t[key]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)
    np.testing.assert_array_equal(t[_as_tensor_key(key)].numpy(), expected)


def test_tensor_slice_bounds():
    t = tf.constant(A)
    np.testing.assert_array_equal(t[tf.constant(1):tf.constant(3), ::tf.constant(2)].numpy(), A[1:3, ::2])


@pytest.mark.parametrize("key", INDEX_CASES, ids=[str(i) for i in range(len(INDEX_CASES))])
def test_indexing_gradient_matches_numpy_adjoint(key):
    np_key = tuple(np.asarray(k) if isinstance(k, list) else k for k in key) if isinstance(key, tuple) else key
    weights = np.random.default_rng(0).normal(size=A[np_key].shape)
    x = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[key] * tf.constant(weights))
    expected = np.zeros_like(A)
    np.add.at(expected, np_key, weights)  # the adjoint of indexing: scatter-add
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), expected)


def test_repeated_integer_indices_accumulate():
    x = tf.Variable(np.arange(5.))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x[[1, 1, 3, 1]] * tf.constant([1., 2., 3., 4.], tf.float64))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0., 7., 0., 3., 0.])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x[tf.constant([[4, 4], [0, 4]])])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1., 0., 0., 0., 3.])


def test_gradient_of_a_boolean_mask_selection():
    x = tf.Variable(np.arange(5.))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x[x > 2.] ** 2)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0., 0., 0., 6., 8.])


def test_second_order_through_indexing():
    x = tf.Variable([1., 2., 3.])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(x[::-1][:2] ** 3)  # x2^3 + x1^3
        g = inner.gradient(y, x)
    np.testing.assert_allclose(g.numpy(), [0., 12., 27.])
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), [0., 12., 18.])


@pytest.mark.parametrize("key", [3, (0, 4), (0, 0, -6), (0, 0, 0, 0), 1.5, "a"])
def test_bad_indices_raise(key):
    with pytest.raises((IndexError, TypeError, ValueError)):
        tf.constant(A)[key]


def test_out_of_bounds_error_names_axis_and_shape():
    with pytest.raises(InvalidArgumentError, match=r"index 5 .*axis 0 with size 3.*\(3, 4, 5\)"):
        tf.constant(A)[5]


# -- creation functions ----------------------------------------------------------------------------------
def test_zeros_ones_fill():
    z = tf.zeros((2, 3))
    assert z.dtype == tf.float32 and z.shape == (2, 3) and not z.numpy().any()
    o = tf.ones([2], tf.int32)
    assert o.dtype == tf.int32
    np.testing.assert_array_equal(o.numpy(), [1, 1])
    assert tf.zeros([]).shape == ()
    assert tf.ones(tf.constant([2, 1])).shape == (2, 1)
    f = tf.fill([2, 2], 7)
    assert f.dtype == tf.int32
    np.testing.assert_array_equal(f.numpy(), np.full((2, 2), 7))
    assert tf.fill((3,), 0.5).dtype == tf.float32
    with pytest.raises(ValueError):
        tf.fill([2], [1, 2])


def test_zeros_like_ones_like():
    t = tf.constant([[1, 2]], tf.int64)
    z, o = tf.zeros_like(t), tf.ones_like(t)
    assert z.dtype == o.dtype == tf.int64 and z.shape == o.shape == (1, 2)
    np.testing.assert_array_equal(o.numpy(), [[1, 1]])
    assert tf.zeros_like(t, dtype=tf.float32).dtype == tf.float32
    assert tf.ones_like([1., 2.]).dtype == tf.float32


@pytest.mark.parametrize("args, expected, dtype", [
    ((5,), np.arange(5), tf.int32), ((2, 8, 3), np.arange(2, 8, 3), tf.int32),
    ((10, 0, -3), np.arange(10, 0, -3), tf.int32), ((1, 2, 0.25), np.arange(1, 2, 0.25), tf.float32),
    ((0.,), np.arange(0.), tf.float32), ((3, 1), np.arange(3, 1), tf.int32),
])
def test_range(args, expected, dtype):
    r = tf.range(*args)
    assert r.dtype == dtype
    np.testing.assert_allclose(r.numpy(), expected)


def test_range_dtype_and_errors():
    assert tf.range(3, dtype=tf.float64).dtype == tf.float64
    assert tf.range(tf.constant(4)).shape == (4,)
    with pytest.raises(ValueError):
        tf.range(0, 5, 0)


def test_eye_and_linspace():
    np.testing.assert_array_equal(tf.eye(2, 3).numpy(), np.eye(2, 3))
    assert tf.eye(3).dtype == tf.float32
    batched = tf.eye(2, batch_shape=[4])
    assert batched.shape == (4, 2, 2)
    np.testing.assert_array_equal(batched.numpy()[3], np.eye(2))
    lin = tf.linspace(0., 1., 5)
    assert lin.dtype == tf.float32
    np.testing.assert_allclose(lin.numpy(), [0., .25, .5, .75, 1.])
    assert tf.linspace(tf.constant(0., tf.float64), 2., 3).dtype == tf.float64


# -- TensorShape -------------------------------------------------------------------------------------------
def test_tensor_shape():
    s = tf.TensorShape([2, 3])
    assert s == (2, 3) and s == [2, 3] and s == tf.TensorShape((2, 3))
    assert s != (3, 2) and s != [2] and not (s == None)  # noqa: E711
    assert s.as_list() == [2, 3] and s.rank == 2 and s.ndims == 2
    assert s.num_elements() == 6 and s.is_fully_defined()
    assert repr(s) == "TensorShape([2, 3])" and str(s) == "(2, 3)"
    assert str(tf.TensorShape([5])) == "(5,)" and str(tf.TensorShape([])) == "()"
    assert {s: 1}[(2, 3)] == 1  # hashable like the tuple it equals
    assert s[0] == 2 and isinstance(s[1:], tf.TensorShape) and s[1:] == [3]
    assert s + [4] == (2, 3, 4) and isinstance(s + [4], tf.TensorShape)


def test_tensor_shape_with_unknown_dims():
    s = tf.TensorShape([None, 3])
    assert s[0] is None and s.rank == 2 and s.as_list() == [None, 3]
    assert repr(s) == "TensorShape([None, 3])" and str(s) == "(None, 3)"
    assert not s.is_fully_defined() and s.num_elements() is None
    assert s.is_compatible_with((7, 3)) and not s.is_compatible_with((7, 4))
    assert not s.is_compatible_with((7, 3, 1))
    assert s.merge_with([5, None]) == (5, 3)
    with pytest.raises(ValueError):
        s.merge_with([5, 4])
    assert tf.TensorShape(4) == (4,)
