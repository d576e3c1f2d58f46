"""Gathering and scattering by index: forward against loop-based NumPy references, gradients by
finite differences (each gather's gradient is a scatter-add and vice versa), and index errors."""
import numpy as np
import pytest

import cornu as tf
from cornu.ops import gather_ops
from tests.gradcheck import GradCase, rand

X = rand(2, 3, 4)
M = rand(3, 4, seed=1)
REPEATED = np.array([2, 0, 2, 1])             # repeated indices
IDX_2D = np.array([[0, 2], [1, 1]])
ND_IDX = np.array([[0, 1], [1, 2], [0, 1]])   # repeated coordinate
TAKE_IDX = np.array([[0, 0, 3], [2, 1, 2], [3, 3, 3]])
TAKE_IDX0 = np.array([[2, 0, 1, 1], [0, 0, 2, 1]])


def _sq(fn):
    return lambda *xs: tf.square(fn(*xs))


GRAD_CASES = {
    "gather": [GradCase(lambda p: tf.gather(p, REPEATED), [M]),
               GradCase(lambda p: tf.gather(p, IDX_2D, axis=2), [X]),
               GradCase(_sq(lambda p: tf.gather(p, IDX_2D, axis=-2)), [X], second_order=True),
               GradCase(lambda p: tf.gather(p, 1, axis=1), [X]),
               GradCase(lambda p: tf.gather(p, np.array([[0, 2, 0], [1, 1, 3]]), axis=2, batch_dims=1), [X]),
               GradCase(_sq(lambda p: tf.gather(p, np.array([[2, 2], [0, 1]]), batch_dims=1)), [X],
                        second_order=True),
               GradCase(lambda p: tf.gather(p, np.array([[[0, 3]], [[2, 2]]]), axis=2, batch_dims=1), [X]),
               GradCase(lambda p: tf.boolean_mask(p, np.array([[True, False, True], [False, False, True]])),
                        [X]),
               GradCase(lambda p: tf.boolean_mask(p, np.array([True, False, True, True]), axis=-1), [X])],
    "gather_grad": [GradCase(lambda g: gather_ops._gather_grad(g, tf.constant(IDX_2D), tf.constant(X),
                                                               axis=1, batch_dims=0),
                             [rand(2, 2, 2, 4)], second_order=True),
                    GradCase(lambda g: gather_ops._gather_grad(g, tf.constant(np.array([[0, 2], [1, 1]])),
                                                               tf.constant(X), axis=2, batch_dims=1),
                             [rand(2, 3, 2)])],
    "gather_nd": [GradCase(lambda p: tf.gather_nd(p, ND_IDX), [X]),
                  GradCase(_sq(lambda p: tf.gather_nd(p, np.array([[1, 2, 3], [1, 2, 3]]))), [X],
                           second_order=True),
                  GradCase(lambda p: tf.gather_nd(p, np.array([[[1], [1]], [[0], [2]]]), batch_dims=1), [X])],
    "scatter_nd_like": [GradCase(lambda u: tf.scatter_nd(np.array([[1], [3], [1]]), u, [5, 2]),
                                 [rand(3, 2)], second_order=True),
                        GradCase(lambda u: tf.scatter_nd(ND_IDX, u, [2, 3]), [rand(3)])],
    "take_along_axis": [GradCase(lambda x: gather_ops.take_along_axis(x, TAKE_IDX, axis=1), [M]),
                        GradCase(_sq(lambda x: gather_ops.take_along_axis(x, TAKE_IDX0, axis=0)), [M],
                                 second_order=True)],
    "put_along_axis_add": [GradCase(lambda g: gather_ops._put_along_axis_add(
        g, tf.constant(TAKE_IDX), tf.constant(M), axis=1), [rand(3, 3)], second_order=True)],
}

SHAPE_CASES = {
    "one_hot": [lambda: tf.one_hot([0, 2, -1], 3),
                lambda: tf.one_hot(tf.constant([[1, 0]]), 4, axis=0, dtype=tf.int32),
                lambda: tf.one_hot(tf.constant([1, 0]), 2, axis=1, on_value=5.0, off_value=-1.0)],
}


# -- references -----------------------------------------------------------------------------------
def _np_gather(params, indices, axis, batch_dims):
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    return np.stack([_np_gather(p, i, axis - 1, batch_dims - 1) for p, i in zip(params, indices)])


def _np_gather_nd(params, indices, batch_dims=0):
    if batch_dims:
        return np.stack([_np_gather_nd(p, i, batch_dims - 1) for p, i in zip(params, indices)])
    lead = indices.shape[:-1]
    flat = indices.reshape(-1, indices.shape[-1])
    out = np.stack([params[tuple(c)] for c in flat])
    return out.reshape(lead + out.shape[1:])


def _eq(tensor, expected, dtype=None):
    expected = np.asarray(expected)
    assert tuple(tensor.shape) == expected.shape, (tensor.shape, expected.shape)
    if dtype is not None:
        assert tensor.dtype == dtype
    np.testing.assert_array_equal(tensor.numpy(), expected)


@pytest.mark.parametrize("indices,axis,batch_dims", [
    (np.array([2, 0, 2]), 1, 0), (np.array([1, 1, 0]), 0, 0), (np.array(1), 1, 0), (IDX_2D, 2, 0), (IDX_2D, -1, 0),
    (np.array([[0, 2, 2], [1, 0, 1]]), 2, 1), (np.array([[0, 2], [1, 1]]), 1, 1),
    (np.array([[[0], [1], [2]], [[3], [3], [0]]]), 2, 2), (np.array([[1, 1], [0, 2]]), None, 1),
    (np.array([[[0, 1]], [[2, 2]]]), 1, 1),
])
def test_gather_matches_reference(indices, axis, batch_dims):
    ax = batch_dims if axis is None else axis % 3
    expected = _np_gather(X, indices, ax, batch_dims)
    _eq(tf.gather(tf.constant(X), tf.constant(indices), axis=axis, batch_dims=batch_dims), expected)


def test_gather_int64_indices_and_int_params():
    _eq(tf.gather(tf.constant([10, 20, 30]), tf.constant(np.array([2, 2, 0], np.int64))), [30, 30, 10],
        tf.int32)


@pytest.mark.parametrize("indices,batch_dims", [
    (np.array([[0, 1], [1, 2]]), 0), (np.array([[1, 2, 3], [0, 0, 0]]), 0), (np.array([[1]]), 0),
    (np.array([[[1], [1]], [[0], [2]]]), 1), (np.array([[[0, 3]], [[2, 1]]]), 1), (ND_IDX[None], 0),
])
def test_gather_nd_matches_reference(indices, batch_dims):
    _eq(tf.gather_nd(tf.constant(X), tf.constant(indices), batch_dims=batch_dims),
        _np_gather_nd(X, indices, batch_dims))


def test_scatter_nd_sums_duplicates():
    out = tf.scatter_nd(tf.constant([[1], [3], [1]]), tf.constant([1.0, 2.0, 3.0]), [5])
    _eq(out, np.array([0, 4, 0, 2, 0], np.float32), tf.float32)
    updates = rand(2, 4)
    expected = np.zeros((3, 4))
    expected[2] += updates[0]
    expected[0] += updates[1]
    _eq(tf.scatter_nd([[2], [0]], tf.constant(updates), tf.constant([3, 4])), expected)
    expected = np.zeros((2, 3), np.int32)
    for (i, j), u in zip(ND_IDX, [1, 2, 3]):
        expected[i, j] += u
    _eq(tf.scatter_nd(ND_IDX, tf.constant([1, 2, 3]), [2, 3]), expected, tf.int32)


def test_take_along_axis_matches_numpy():
    _eq(gather_ops.take_along_axis(tf.constant(M), TAKE_IDX, axis=1), np.take_along_axis(M, TAKE_IDX, 1))
    _eq(gather_ops.take_along_axis(tf.constant(M), TAKE_IDX0, axis=-2),
        np.take_along_axis(M, TAKE_IDX0, 0))


def test_one_hot():
    expected = np.eye(3, dtype=np.float32)[[0, 2]]
    expected = np.concatenate([expected, np.zeros((2, 3), np.float32)])
    _eq(tf.one_hot([0, 2, -1, 5], 3), expected, tf.float32)
    _eq(tf.one_hot(tf.constant([[1, 0]]), 4, axis=0, dtype=tf.int32),
        np.moveaxis(np.eye(4, dtype=np.int32)[[[1, 0]]], -1, 0), tf.int32)
    _eq(tf.one_hot([1, 0], 2, on_value=5.0, off_value=-1.0), [[-1, 5], [5, -1]], tf.float32)
    _eq(tf.one_hot([1], 2, on_value=tf.constant(np.float64(2.0)), off_value=tf.constant(np.float64(0.0))),
        [[0, 2]], tf.float64)
    _eq(tf.one_hot(tf.constant(np.array([2, 0], np.int64)), 3, axis=-1), np.eye(3)[[2, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="one_hot: indices must be integers"):
        tf.one_hot([0.5], 2)


def test_boolean_mask():
    mask = np.array([True, False, True])
    _eq(tf.boolean_mask(tf.constant(M), mask), M[mask])
    mask2 = np.array([[True, False, True], [False, False, True]])
    _eq(tf.boolean_mask(tf.constant(X), mask2), X[mask2])
    mask_axis = np.array([True, False, True, False])
    _eq(tf.boolean_mask(tf.constant(X), mask_axis, axis=2), X[:, :, mask_axis])
    _eq(tf.boolean_mask(tf.constant(X), mask_axis, axis=-1), X[:, :, mask_axis])
    mask3 = np.array([[True, True, False, False], [False, True, False, True], [False] * 4])
    _eq(tf.boolean_mask(tf.constant(X), mask3, axis=1), X[:, mask3])
    _eq(tf.boolean_mask(tf.constant(M), np.zeros(3, bool)), M[:0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"boolean_mask: mask shape \(2,\) does not "
                                                            r"match tensor shape \(3, 4\) at axis 0"):
        tf.boolean_mask(tf.constant(M), np.array([True, False]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="boolean_mask: mask must be bool"):
        tf.boolean_mask(tf.constant(M), np.array([1, 0, 1]))


def test_index_errors_name_op_and_sizes():
    p = tf.constant(X)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"gather: index 3 is not in \[0, 2\)"):
        tf.gather(p, [0, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: index -4 is not in \[0, 3\)"):
        tf.gather(p, [-4], axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="gather: indices must be integers"):
        tf.gather(p, tf.constant([0.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="gather: axis 3 is out of range.*rank 3"):
        tf.gather(p, [0], axis=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="gather: batch_dims=2 must be <= axis"):
        tf.gather(p, np.zeros((2, 3), int), axis=1, batch_dims=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: params shape \(2, 3, 4\) and "
                                                            r"indices shape \(3, 1\) differ"):
        tf.gather(p, np.zeros((3, 1), int), axis=1, batch_dims=1)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"gather_nd: index 3 is not in \[0, 3\)"):
        tf.gather_nd(p, [[0, 3]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather_nd: indices of shape \(1, 4\) do "
                                                            r"not fit params of shape \(2, 3, 4\)"):
        tf.gather_nd(p, [[0, 0, 0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"take_along_axis: index 4 is not in \[0, 4\)"):
        gather_ops.take_along_axis(tf.constant(M), np.array([[4]] * 3), axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"take_along_axis: indices shape \(1, 2\) "
                                                            r"must match x shape \(3, 4\) except along axis 1"):
        gather_ops.take_along_axis(tf.constant(M), np.array([[1, 2]]), axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"scatter_nd.*\(2, 1\)"):
        tf.scatter_nd([[0], [7]], tf.constant([1.0, 2.0]), [3])


def _sym(*shape, dtype="float32"):
    from cornu.core.symbolic import SymbolicTensor
    return SymbolicTensor(shape, dtype)


def test_symbolic_shapes():
    assert tuple(tf.gather(_sym(10, 4), _sym(None, 5, dtype="int32")).shape) == (None, 5, 4)
    assert tuple(tf.gather(_sym(None, 3, 4), [0, 2], axis=1).shape) == (None, 2, 4)
    assert tuple(tf.gather_nd(_sym(None, 3, 4), [[0, 1]]).shape) == (1, 4)
    assert tuple(tf.gather_nd(_sym(None, 3, 4), _sym(None, 2, dtype="int64")).shape) == (None, 4)
    out = tf.one_hot(_sym(None, dtype="int32"), 10)
    assert tuple(out.shape) == (None, 10) and out.dtype == tf.float32
    assert tuple(tf.boolean_mask(_sym(None, 3, 4), _sym(None, 3, dtype="bool")).shape) == (None, 4)


def test_gather_refuses_negative_indices_like_tf():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: index -1 is not in \[0, 4\)"):
        tf.gather(tf.constant(M), [-1, 0], axis=1)
