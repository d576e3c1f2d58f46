"""Shape manipulation, joining/splitting, padding and indexing: forward against NumPy references,
gradients by finite differences (float64), and the error messages a user sees."""
import numpy as np
import pytest

import cornu as tf
from cornu.ops import array_ops
from tests.gradcheck import GradCase, rand

X = rand(2, 3, 4)
M = rand(2, 3, seed=1)
LIKE_234 = np.zeros((2, 3, 4))
MASK = np.array([[True, False, True], [False, False, True]])


def _sq(fn):
    """fn(x) squared, so that the op's gradient rule sees an upstream gradient that depends on x
    (the second-order check then differentiates the rule itself)."""
    return lambda *xs: tf.square(fn(*xs))


GRAD_CASES = {
    "stack": [GradCase(lambda a, b, c: tf.stack([a, b, c], axis=1), [rand(2, 3), rand(2, 3, seed=1), rand(2, 3, seed=2)])],
    "reshape": [GradCase(lambda x: tf.reshape(x, (4, -1)), [X]),
                GradCase(_sq(lambda x: tf.reshape(x, [6])), [M], second_order=True)],
    "transpose": [GradCase(lambda x: tf.transpose(x, [2, 0, 1]), [X]),
                  GradCase(_sq(tf.transpose), [M], second_order=True)],
    "expand_dims": [GradCase(lambda x: tf.expand_dims(x, -1), [M]),
                    GradCase(_sq(lambda x: tf.expand_dims(x, 1)), [M], second_order=True)],
    "squeeze": [GradCase(tf.squeeze, [rand(2, 1, 3, 1)]),
                GradCase(_sq(lambda x: tf.squeeze(x, [-1])), [rand(2, 3, 1)], second_order=True)],
    "broadcast_to": [GradCase(lambda x: tf.broadcast_to(x, (2, 3, 4)), [rand(3, 1)]),
                     GradCase(_sq(lambda x: tf.broadcast_to(x, (2, 3))), [rand(3)], second_order=True)],
    "broadcast_like": [GradCase(lambda x: array_ops.broadcast_like(x, tf.constant(LIKE_234)),
                                [rand(1, 3, 1)], second_order=True)],
    "sum_to_like": [GradCase(lambda x: array_ops.sum_to_like(x, tf.constant(np.zeros((3, 1)))), [X],
                             second_order=True),
                    GradCase(lambda x: array_ops.sum_to_like(x, tf.constant(np.zeros((1, 4)))), [X])],
    "concat": [GradCase(lambda a, b: tf.concat([a, b], axis=1), [M, rand(2, 2, seed=3)]),
               GradCase(_sq(lambda a, b: tf.concat([a, b, a], axis=-2)), [M, rand(1, 3, seed=4)],
                        second_order=True)],
    "split": [GradCase(lambda x: tf.concat([2.0 * p if i == 0 else p * p
                                            for i, p in enumerate(tf.split(x, [1, -1, 2], axis=2))],
                                           axis=2), [X]),
              GradCase(lambda x: tf.split(x, 2, axis=0)[1], [X]),  # unused outputs get zeros
              GradCase(lambda x: tf.stack(tf.unstack(x, axis=1)[::-1]), [M])],
    "tile": [GradCase(lambda x: tf.tile(x, [2, 3]), [M]),
             GradCase(_sq(lambda x: tf.tile(x, [1, 2, 2])), [rand(2, 1, 2)], second_order=True)],
    "pad": [GradCase(lambda x: tf.pad(x, [[1, 0], [2, 1]], constant_values=1.5), [M]),
            GradCase(lambda x: tf.pad(x, [[1, 1], [2, 2]], "REFLECT"), [M]),
            GradCase(_sq(lambda x: tf.pad(x, [[2, 1], [3, 3]], "SYMMETRIC")), [M], second_order=True)],
    "scatter_flat": [GradCase(lambda g: array_ops._scatter_flat(
        g, tf.constant(np.array([[0, 2, 2], [1, 0, 5]])), tf.constant(np.zeros((2, 3)))), [M],
        second_order=True)],
    "take_flat": [GradCase(_sq(lambda x: array_ops._take_flat(x, tf.constant(np.array([[0, 5, 5], [1, 0, 2]])))),
                           [M], second_order=True)],
    "getitem": [GradCase(lambda x: x[::-1, 1:, ::-2], [X]),
                GradCase(lambda x: x[..., None, 1], [X]),
                GradCase(lambda x: x[-1, :, 2], [X]),
                GradCase(lambda x: x[[0, 0, 1]], [M]),
                GradCase(lambda x: x[:, np.array([2, 0, 2, 2])], [M]),
                GradCase(lambda x: x[tf.constant([1, 1]), ..., None], [X]),
                GradCase(lambda x: x[MASK], [M]),
                GradCase(lambda x: x[np.array([True, False])], [M]),
                GradCase(_sq(lambda x: x[[1, 1, 0], ::-1]), [M], second_order=True)],
    "getitem_grad": [GradCase(lambda g: array_ops._getitem_grad(
        g, tf.constant(LIKE_234), key=(slice(None, None, -1), 1)), [rand(2, 4)], second_order=True),
        GradCase(lambda g: array_ops._getitem_grad(g, tf.constant(np.zeros((2, 3))),
                                                   key=(np.array([0, 0, 1]),)), [rand(3, 3)])],
}

SHAPE_CASES = {
    "shape": [lambda: tf.shape(tf.zeros((2, 3)))],
    "size": [lambda: tf.size(tf.zeros((2, 3)))],
    "zeros_like": [lambda: tf.zeros_like(tf.constant(X)), lambda: tf.zeros_like(tf.constant([1, 2]))],
    "ones_like": [lambda: tf.ones_like(tf.constant(M)), lambda: tf.ones_like(tf.constant([True]))],
    "nonzero_coordinates": [lambda: tf.where(tf.constant(MASK)), lambda: tf.where(tf.constant(X > 0))],
}


def _eq(tensor, expected, dtype=None):
    expected = np.asarray(expected)
    out = tensor.numpy()
    assert out.shape == expected.shape, (out.shape, expected.shape)
    if dtype is not None:
        assert tensor.dtype == dtype
    np.testing.assert_array_equal(out, expected)


# -- creation -------------------------------------------------------------------------------------
def test_creation_matches_numpy():
    _eq(tf.zeros([2, 3]), np.zeros((2, 3)), tf.float32)
    _eq(tf.ones((2,), tf.int64), np.ones(2), tf.int64)
    _eq(tf.fill([2, 2], 7), np.full((2, 2), 7), tf.int32)
    _eq(tf.fill([3], 0.5), np.full(3, 0.5), tf.float32)
    _eq(tf.eye(3), np.eye(3), tf.float32)
    _eq(tf.eye(2, 3, dtype=tf.float64), np.eye(2, 3), tf.float64)
    _eq(tf.eye(2, batch_shape=[3]), np.broadcast_to(np.eye(2), (3, 2, 2)))
    _eq(tf.range(5), np.arange(5), tf.int32)
    _eq(tf.range(2, 9, 3), [2, 5, 8], tf.int32)
    _eq(tf.range(5, 0, -2), [5, 3, 1], tf.int32)
    _eq(tf.range(0.0, 1.0, 0.25), [0, 0.25, 0.5, 0.75], tf.float32)
    _eq(tf.range(3, dtype=tf.float64), [0.0, 1.0, 2.0], tf.float64)
    np.testing.assert_allclose(tf.linspace(0.0, 1.0, 5).numpy(), np.linspace(0, 1, 5))
    assert tf.linspace(0.0, 1.0, 5).dtype == tf.float32
    _eq(tf.zeros_like(tf.constant([[1, 2]])), [[0, 0]], tf.int32)
    _eq(tf.ones_like(tf.constant([1.5]), dtype=tf.int32), [1], tf.int32)
    assert tf.shape(tf.constant(X)).numpy().tolist() == [2, 3, 4]
    assert int(tf.size(tf.constant(X))) == 24 and int(tf.rank(tf.constant(X))) == 3
    with pytest.raises(tf.errors.InvalidArgumentError, match="range: delta"):
        tf.range(0, 5, 0)


# -- reshaping ------------------------------------------------------------------------------------
def test_reshape_transpose_expand_squeeze():
    x = tf.constant(X)
    _eq(tf.reshape(x, [4, -1]), X.reshape(4, -1))
    _eq(tf.reshape(x, tf.constant([6, 4])), X.reshape(6, 4))
    _eq(tf.reshape(tf.constant(5.0), [1, 1]), np.full((1, 1), 5.0, np.float32))
    _eq(tf.transpose(x), X.transpose())
    _eq(tf.transpose(x, [1, 2, 0]), X.transpose(1, 2, 0))
    _eq(tf.transpose(x, [-1, 0, 1]), X.transpose(2, 0, 1))
    _eq(tf.expand_dims(x, 0), X[None])
    _eq(tf.expand_dims(x, -1), X[..., None])
    _eq(tf.expand_dims(x, 3), X[..., None])
    _eq(tf.expand_dims(x, -2), np.expand_dims(X, -2))
    y = np.zeros((1, 2, 1, 3, 1))
    _eq(tf.squeeze(tf.constant(y)), y.squeeze())
    _eq(tf.squeeze(tf.constant(y), [0, -1]), y.squeeze((0, 4)))
    _eq(tf.squeeze(tf.constant(y), 2), y.squeeze(2))


def test_broadcast_to_and_tile():
    _eq(tf.broadcast_to(tf.constant([1, 2]), [3, 2]), np.broadcast_to([1, 2], (3, 2)))
    _eq(tf.broadcast_to(tf.constant(M[:, :1]), [4, 2, 3]), np.broadcast_to(M[:, :1], (4, 2, 3)))
    _eq(tf.tile(tf.constant(M), [2, 3]), np.tile(M, (2, 3)))
    _eq(tf.tile(tf.constant(X), [1, 2, 1]), np.tile(X, (1, 2, 1)))


# -- joining and splitting ------------------------------------------------------------------------
def test_concat_stack_unstack():
    a, b = rand(2, 3), rand(2, 5, seed=2)
    _eq(tf.concat([a, b], axis=1), np.concatenate([a, b], 1))
    _eq(tf.concat([a, b], axis=-1), np.concatenate([a, b], 1))
    _eq(tf.concat([a, a, a], 0), np.concatenate([a, a, a], 0))
    _eq(tf.concat([a], 0), a)
    _eq(tf.stack([a, a * 2]), np.stack([a, a * 2]))
    _eq(tf.stack([a, a * 2], axis=1), np.stack([a, a * 2], 1))
    _eq(tf.stack([a, a * 2], axis=-1), np.stack([a, a * 2], -1))
    _eq(tf.stack([1, 2, 3]), [1, 2, 3], tf.int32)
    parts = tf.unstack(tf.constant(X), axis=1)
    assert len(parts) == 3
    for i, p in enumerate(parts):
        _eq(p, X[:, i])
    parts = tf.unstack(tf.constant(X), axis=-1)
    assert len(parts) == 4
    _eq(parts[3], X[..., 3])
    [only] = tf.unstack(tf.constant(np.ones((1, 2))))
    _eq(only, np.ones(2))
    assert tf.unstack(tf.zeros((2, 0)), axis=1) == []


def test_split_int_and_sizes():
    x = tf.constant(X)
    parts = tf.split(x, 2, axis=2)
    for p, r in zip(parts, np.split(X, 2, axis=2)):
        _eq(p, r)
    parts = tf.split(x, [1, -1, 1], axis=2)
    assert [tuple(p.shape) for p in parts] == [(2, 3, 1), (2, 3, 2), (2, 3, 1)]
    for p, r in zip(parts, np.split(X, [1, 3], axis=2)):
        _eq(p, r)
    parts = tf.split(x, [-1, 2], axis=-2)
    for p, r in zip(parts, np.split(X, [1], axis=1)):
        _eq(p, r)
    parts = tf.split(x, [0, 3], axis=1)
    assert tuple(parts[0].shape) == (2, 0, 4)
    _eq(parts[1], X)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"split: dimension 2 of size 4 cannot be "
                                                            r"split into 3"):
        tf.split(x, 3, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"split: sizes \[1, 1\] do not add up"):
        tf.split(x, [1, 1], axis=1)


# -- padding ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC", "reflect"])
def test_pad_matches_numpy(mode):
    x = np.arange(12.0).reshape(3, 4)
    paddings = [[2, 1], [3, 2]]
    np_mode = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}[mode.upper()]
    _eq(tf.pad(tf.constant(x), paddings, mode), np.pad(x, paddings, mode=np_mode))
    _eq(tf.pad(tf.constant(x), tf.constant(paddings), mode), np.pad(x, paddings, mode=np_mode))


def test_pad_constant_value_and_limits():
    x = np.arange(6).reshape(2, 3)
    _eq(tf.pad(tf.constant(x), [[0, 1], [1, 0]], constant_values=9),
        np.pad(x, [[0, 1], [1, 0]], constant_values=9))
    # TF's limits: REFLECT needs padding <= dim - 1, SYMMETRIC allows padding <= dim
    _eq(tf.pad(tf.constant(x), [[1, 1], [3, 3]], "SYMMETRIC"), np.pad(x, [[1, 1], [3, 3]], "symmetric"))
    _eq(tf.pad(tf.constant(x), [[1, 1], [2, 2]], "REFLECT"), np.pad(x, [[1, 1], [2, 2]], "reflect"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="pad: REFLECT padding.*too large.*2, 3"):
        tf.pad(tf.constant(x), [[0, 0], [3, 0]], "REFLECT")
    with pytest.raises(tf.errors.InvalidArgumentError, match="pad: SYMMETRIC padding.*too large"):
        tf.pad(tf.constant(x), [[3, 0], [0, 0]], "SYMMETRIC")
    with pytest.raises(tf.errors.InvalidArgumentError, match="pad: paddings must be 2 non-negative"):
        tf.pad(tf.constant(x), [[1, 1]])
    with pytest.raises(ValueError, match="pad: mode"):
        tf.pad(tf.constant(x), [[1, 1], [1, 1]], "WRAP")


# -- indexing -----------------------------------------------------------------------------------------
KEYS = [
    (slice(None, None, -1), slice(1, None), slice(None, None, -2)),
    (Ellipsis, None, 1),
    (-1,),
    (1, Ellipsis),
    (slice(None), [2, 0, 2]),
    ([0, 0, 1],),
    (np.array([1, 1]), Ellipsis, None),
    (slice(None), None, slice(None, 2), -1),
    (X > 0,),
    (np.array([True, False]),),
    (slice(None), np.array([True, False, True])),
    (slice(5, None),),
    (slice(-100, 100, 3),),
]


@pytest.mark.parametrize("key", KEYS, ids=[str(i) for i in range(len(KEYS))])
def test_getitem_matches_numpy(key):
    np_key = tuple(np.asarray(k) if isinstance(k, list) else k for k in key)
    out = tf.constant(X)[key if len(key) > 1 else key[0]]
    _eq(out, X[np_key])


def test_getitem_with_tensor_indices():
    x = tf.constant(X)
    _eq(x[tf.constant(1)], X[1])
    _eq(x[tf.constant([1, 0, 1])], X[[1, 0, 1]])
    _eq(x[tf.constant(X > 0)], X[X > 0])
    _eq(x[:, tf.constant(2):], X[:, 2:])


def test_getitem_gradient_sums_repeated_indices():
    x = tf.constant(M)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[[1, 1, 0, 1]] * 1.0)
    _eq(tape.gradient(y, x), np.array([[1.0] * 3, [3.0] * 3]))


def test_getitem_errors():
    x = tf.constant(X)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"getitem: index 5 is out of bounds for "
                                                            r"axis 0 with size 2 \(shape \(2, 3, 4\)\)"):
        x[5]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"getitem: index -4 is out of bounds for "
                                                            r"axis 1 with size 3"):
        x[:, -4]
    with pytest.raises(tf.errors.InvalidArgumentError, match="getitem: too many indices"):
        x[0, 0, 0, 0]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"getitem.*index 7.*\(2, 3, 4\)"):
        x[[0, 7]]


def test_reverse_slice_strided_slice():
    x = tf.constant(X)
    _eq(tf.reverse(x, [-1]), X[..., ::-1])
    _eq(tf.reverse(x, [0, 2]), X[::-1, :, ::-1])
    _eq(tf.slice(x, [1, 0, 1], [1, -1, 2]), X[1:2, 0:, 1:3])
    _eq(tf.slice(x, [0, 1, 0], [2, 2, 4]), X[:, 1:3, :])
    _eq(tf.strided_slice(x, [0, 0, 3], [2, 3, 0], [1, 2, -2]), X[0:2, 0:3:2, 3:0:-2])
    _eq(tf.strided_slice(x, [1, 0], [2, 3]), X[1:2, 0:3])


# -- errors ---------------------------------------------------------------------------------------------
def test_shape_errors_name_op_and_shapes():
    x = tf.constant(X)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"reshape: cannot reshape a tensor with 24 elements \(shape \(2, 3, 4\)\) "
                             r"to shape \[5, 5\]"):
        tf.reshape(x, [5, 5])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"reshape: .*24 elements.*\[5, -1\]"):
        tf.reshape(x, [5, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"reshape: .*\[-1, -1\]"):
        tf.reshape(x, [-1, -1])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"concat: values\[1\] has shape \(2, 2, 2\), which does not match "
                             r"values\[0\]'s shape \(2, 3, 4\) outside axis 0"):
        tf.concat([x, tf.constant(np.zeros((2, 2, 2)))], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"concat: values\[1\] has shape \(2, 3\)"):
        tf.concat([x, tf.constant(M)], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="concat: values.1. has dtype float32"):
        tf.concat([x, tf.zeros((2, 3, 4))], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="concat: axis 3 is out of range.*rank 3"):
        tf.concat([x, x], 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="stack: all values must have the same shape"):
        tf.stack([tf.zeros(2), tf.zeros(3)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="stack: axis 3 is out of range"):
        tf.stack([tf.zeros(2), tf.zeros(2)], axis=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="unstack: num=2 but dimension 0 has size 3"):
        tf.unstack(tf.zeros((3, 2)), num=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"transpose: perm \[0, 0, 1\]"):
        tf.transpose(x, [0, 0, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="expand_dims: axis 4 is out of range.*rank 3"):
        tf.expand_dims(x, 4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"squeeze: cannot squeeze axis 1 of size 3"):
        tf.squeeze(x, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"squeeze: axis -4 is out of range"):
        tf.squeeze(x, -4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"broadcast_to: .*\(1, 2\) and \(3, 3\)"):
        tf.broadcast_to(tf.constant([1, 2]), [3, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"broadcast_to: cannot broadcast shape \(3,\)"):
        tf.broadcast_to(tf.constant([1, 2, 3]), [1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tile: multiples has 2 entries.*rank 3"):
        tf.tile(x, [1, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="reverse: axis 3 is out of range"):
        tf.reverse(x, [3])


# -- symbolic shapes (None: unknown until run time, e.g. the batch) ------------------------------------
def _sym(*shape, dtype="float32"):
    from cornu.core.symbolic import SymbolicTensor
    return SymbolicTensor(shape, dtype)


SYMBOLIC = [
    (lambda x: tf.reshape(x, [-1, 12]), (None, 12)), (lambda x: tf.transpose(x, [0, 2, 1]), (None, 4, 3)),
    (lambda x: tf.expand_dims(x, 1), (None, 1, 3, 4)), (lambda x: tf.concat([x, x], axis=1), (None, 6, 4)),
    (lambda x: tf.concat([x, x], axis=0), (None, 3, 4)), (lambda x: tf.stack([x, x], axis=-1), (None, 3, 4, 2)),
    (lambda x: tf.split(x, [1, -1], axis=1)[1], (None, 2, 4)), (lambda x: tf.unstack(x, axis=2)[0], (None, 3)),
    (lambda x: tf.tile(x, [2, 1, 2]), (None, 3, 8)), (lambda x: tf.pad(x, [[1, 1], [0, 0], [2, 0]]), (None, 3, 6)),
    (lambda x: x[:, 0], (None, 4)), (lambda x: x[0], (3, 4)), (lambda x: x[..., 1:3], (None, 3, 2)),
    (lambda x: x[:, None, ::-1], (None, 1, 3, 4)), (lambda x: x[:50], (None, 3, 4)),
    (lambda x: x[:, [0, 0, 2]], (None, 3, 4)), (lambda x: tf.reverse(x, [0, 1]), (None, 3, 4)),
    (lambda x: tf.slice(x, [0, 1, 0], [-1, 2, -1]), (None, 2, 4)),
    (lambda x: tf.strided_slice(x, [0, 2], [2, 0], [1, -1]), (None, 2, 4)),
    (lambda x: tf.zeros_like(x), (None, 3, 4)), (lambda x: tf.squeeze(x[:, :1], 1), (None, 4)),
]


@pytest.mark.parametrize("fn,expected", SYMBOLIC, ids=[str(i) for i in range(len(SYMBOLIC))])
def test_symbolic_shapes(fn, expected):
    out = fn(_sym(None, 3, 4))
    assert tuple(out.shape) == expected
    assert out.dtype == tf.float32


def test_symbolic_split_of_an_unknown_dim_is_a_clear_error():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"split: dimension 0 of shape \(None, 3, 4\) "
                                                            r"is unknown"):
        tf.split(_sym(None, 3, 4), 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"getitem: cannot index a tensor of shape "
                                                            r"\(None, 4\)"):
        _sym(None, 4)[np.array([True, False])]
