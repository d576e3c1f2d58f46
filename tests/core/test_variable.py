"""Variable: construction, assignment, snapshot semantics of reads, use in ops, hashing and printing."""
import copy

import numpy as np
import pytest

import cornu as tf


def test_construction_from_values():
    v = tf.Variable([1., 2.])
    assert isinstance(v, tf.Variable) and isinstance(v, tf.Tensor)
    assert v.dtype == tf.float32 and v.shape == (2,) and v.trainable
    np.testing.assert_array_equal(v.numpy(), [1., 2.])
    assert tf.Variable(3).dtype == tf.int32
    assert tf.Variable(np.ones(2)).dtype == tf.float64
    assert tf.Variable(3, dtype=tf.float64).dtype == tf.float64
    assert tf.Variable(tf.constant([1, 2]), dtype=tf.float32).dtype == tf.float32
    assert tf.Variable(1.0, trainable=False).trainable is False
    with pytest.raises(TypeError):
        tf.Variable(1.5, dtype=tf.int32)
    with pytest.raises(ValueError):
        tf.Variable(None)


def test_construction_from_a_callable():
    v = tf.Variable(lambda: tf.ones((2, 3)))
    assert v.shape == (2, 3)
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    w = tf.Variable(lambda: [1, 2], dtype=tf.float32)
    assert w.dtype == tf.float32


def test_initial_value_is_copied():
    source = np.array([1., 2.], np.float32)
    v = tf.Variable(source)
    source[0] = 9.
    c = tf.constant([1., 2.])
    w = tf.Variable(c)
    w.assign_add([1., 1.])
    assert v.numpy()[0] == 1. and c.numpy()[0] == 1.


def test_names():
    assert tf.Variable(1.0).name == "Variable:0"
    assert tf.Variable(1.0, name="x").name == "x:0"
    assert tf.Variable(1.0, name="x:0").name == "x:0"


def test_shape_argument():
    v = tf.Variable([1., 2.], shape=tf.TensorShape([None]))
    assert v.shape == [None]
    v.assign([1., 2., 3.])  # a None dimension accepts any size
    np.testing.assert_array_equal(v.numpy(), [1., 2., 3.])
    with pytest.raises(ValueError):
        tf.Variable([1., 2.], shape=(3,))


def test_assign_family_returns_the_variable():
    v = tf.Variable([1., 2.])
    assert v.assign([3., 4.]) is v
    np.testing.assert_array_equal(v.numpy(), [3., 4.])
    assert v.assign_add([1., 1.]) is v
    np.testing.assert_array_equal(v.numpy(), [4., 5.])
    assert v.assign_sub(tf.constant([2., 2.])) is v
    np.testing.assert_array_equal(v.numpy(), [2., 3.])
    assert v.assign([0., 0.], read_value=False) is None
    np.testing.assert_array_equal(v.assign_add([1., 1.]).numpy(), [1., 1.])
    v.assign(np.array([5., 6.]))  # float64 array -> float32 variable
    assert v.dtype == tf.float32
    np.testing.assert_array_equal(v.numpy(), [5., 6.])


@pytest.mark.parametrize("method", ["assign", "assign_add", "assign_sub"])
def test_assign_shape_mismatch_names_variable_and_shapes(method):
    v = tf.Variable([[1., 2.]], name="kernel")
    with pytest.raises(ValueError, match=r"shape \(3,\).*'kernel:0'.*shape \(1, 2\)"):
        getattr(v, method)([1., 2., 3.])
    with pytest.raises(ValueError):
        getattr(v, method)(1.0)  # no broadcasting, as in TF
    np.testing.assert_array_equal(v.numpy(), [[1., 2.]])


def test_assign_dtype_mismatch():
    v = tf.Variable([1., 2.])
    with pytest.raises(ValueError, match="int32"):
        v.assign(tf.constant([1, 2]))
    with pytest.raises(TypeError):
        tf.Variable([1, 2]).assign([1.5, 2.])


def test_assign_does_not_alias_the_source():
    source = np.array([1., 2.], np.float32)
    v = tf.Variable([0., 0.])
    v.assign(source)
    source[0] = 99.
    np.testing.assert_array_equal(v.numpy(), [1., 2.])
    t = tf.constant([1., 2.])
    v.assign(t)
    v.assign_add([1., 1.])
    np.testing.assert_array_equal(t.numpy(), [1., 2.])
    w = tf.Variable([0., 0.])
    w.assign(v)
    v.assign_add([1., 1.])
    np.testing.assert_array_equal(w.numpy(), [2., 3.])


def test_reads_are_snapshots():
    v = tf.Variable([1., 2.])
    snapshots = [v.read_value(), v.value(), tf.constant(v), tf.convert_to_tensor(v), tf.identity(v), v * 1.]
    numpy_copy = v.numpy()
    v.assign([10., 20.])
    v.assign_add([1., 1.])
    for s in snapshots:
        assert type(s) is tf.Tensor
        np.testing.assert_array_equal(s.numpy(), [1., 2.])
    np.testing.assert_array_equal(numpy_copy, [1., 2.])
    numpy_copy[0] = 5.
    np.testing.assert_array_equal(v.numpy(), [11., 21.])


def test_use_in_every_kind_of_op():
    v = tf.Variable([[1., 2.], [3., 4.]])
    a = v.numpy()
    cases = [
        (v + 1, a + 1), (1 - v, 1 - a), (v * v, a * a), (2 / v, 2 / a), (v ** 2, a ** 2), (-v, -a),
        (abs(-v), a), (v @ v, a @ a), (tf.matmul(v, v, transpose_b=True), a @ a.T),
        (v[0], a[0]), (v[:, 1], a[:, 1]), (v[v > 2.], a[a > 2.]), (tf.reduce_sum(v), a.sum()),
        (tf.reduce_mean(v, axis=0), a.mean(0)), (tf.exp(v), np.exp(a)), (tf.reshape(v, [-1]), a.ravel()),
        (tf.transpose(v), a.T), (tf.concat([v, v], 0), np.concatenate([a, a])),
        (tf.stack([v, v]), np.stack([a, a])), (tf.gather(v, [1, 0]), a[[1, 0]]),
        (tf.where(v > 2., v, 0.), np.where(a > 2., a, 0.)), (tf.maximum(v, 2.5), np.maximum(a, 2.5)),
        (tf.cast(v, tf.int32), a.astype(np.int32)), (v > 2., a > 2.), (tf.square(v), a * a),
        (np.asarray(v), a), (list(v)[1], a[1]),
    ]
    for got, expected in cases:
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)
    assert float(tf.Variable(2.5)) == 2.5 and int(tf.Variable(3)) == 3 and len(v) == 2


def test_gradients_reach_variables_through_every_kind_of_use():
    v = tf.Variable([[1., 2.], [3., 4.]])
    with tf.GradientTape() as tape:
        y = (tf.reduce_sum(v * v) + tf.reduce_sum(v @ v) + tf.reduce_sum(v[0])
             + tf.reduce_sum(tf.convert_to_tensor(v)) + tf.reduce_sum(tf.identity(v)))
    a = v.numpy()
    ones = np.ones((2, 2))
    expected = 2 * a + ones @ a.T + a.T @ ones + np.array([[1., 1.], [0., 0.]]) + 2 * ones
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), expected, rtol=1e-6)


def test_constant_of_a_variable_is_not_differentiable():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.constant(v) * v
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), 2.0)


def test_unhashable_and_ref():
    v = tf.Variable(1.0)
    with pytest.raises(TypeError, match="ref"):
        hash(v)
    with pytest.raises(TypeError):
        {v}  # noqa: B018
    w = tf.Variable(1.0)
    table = {v.ref(): "v", w.ref(): "w"}
    assert table[v.ref()] == "v" and table[w.ref()] == "w"
    assert v.ref().deref() is v and v.ref() == v.ref() and v.ref() != w.ref()


def test_repr_and_str():
    v = tf.Variable([1., 2.], name="x")
    assert repr(v) == "<cornu.Variable 'x:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert str(v) == repr(v)
    assert repr(tf.Variable(1.0)) == "<cornu.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>"
    assert repr(tf.Variable([[1, 2], [3, 4]], name="m")) == (
        "<cornu.Variable 'm:0' shape=(2, 2) dtype=int32, numpy=\n"
        "array([[1, 2],\n"
        "       [3, 4]], dtype=int32)>")


def test_deepcopy_is_independent():
    v = tf.Variable([1., 2.], name="w", trainable=False)
    c = copy.deepcopy(v)
    v.assign([5., 5.])
    assert isinstance(c, tf.Variable) and c.name == "w:0" and not c.trainable
    np.testing.assert_array_equal(c.numpy(), [1., 2.])
