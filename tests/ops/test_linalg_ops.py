"""Matrix products, einsum, tensordot and norms: forward against NumPy, gradients by finite differences,
and the shape errors a user sees."""
import numpy as np
import pytest

import cornu as tf
from tests.gradcheck import GradCase, rand

A, B = rand(2, 3), rand(3, 4, seed=1)
BA, BB = rand(2, 2, 3, seed=2), rand(2, 3, 2, seed=3)
V, W = rand(3, seed=4), rand(4, seed=5)


def _sq(fn):
    return lambda *xs: tf.square(fn(*xs))


GRAD_CASES = {
    "matmul": [GradCase(tf.matmul, [A, B]),
               GradCase(_sq(tf.matmul), [A, B], second_order=True),
               GradCase(tf.matmul, [BA, BB]),                                   # batched
               GradCase(tf.matmul, [rand(2, 1, 2, 3, seed=6), rand(3, 3, 2, seed=7)]),  # broadcast batch
               GradCase(tf.matmul, [rand(2, 3), BB]),                           # rank 2 @ rank 3
               GradCase(lambda a, b: tf.matmul(a, b, transpose_a=True), [rand(3, 2), B]),
               GradCase(lambda a, b: tf.matmul(a, b, transpose_b=True), [A, rand(4, 3)]),
               GradCase(_sq(lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True)),
                        [rand(2, 3, 2, seed=8), rand(1, 4, 3, seed=9)], second_order=True),
               GradCase(lambda a: a @ a, [rand(3, 3)]),
               GradCase(lambda a, b: tf.tensordot(a, b, [[0, 2], [1, 0]]), [rand(2, 3, 2), rand(2, 2, 3)])],
    "einsum": [GradCase(lambda a, b: tf.einsum("ij,jk->ik", a, b), [A, B]),
               GradCase(lambda a, b: tf.einsum("bij,bjk->bik", a, b), [BA, BB]),
               GradCase(lambda a, b: tf.einsum("i,j->ij", a, b), [V, W]),          # outer product
               GradCase(lambda a: tf.einsum("ij->i", a), [A]),                      # reduction
               GradCase(lambda a: tf.einsum("ijk->", a), [BA]),
               GradCase(lambda a, b: tf.einsum("ij,jk", a, b), [A, B]),             # implicit output
               GradCase(lambda a, b: tf.einsum("ij,k->k", a, b), [A, W]),           # summed within one
               GradCase(lambda a, b, c: tf.einsum("ij,jk,k->i", a, b, c), [A, B, W]),
               GradCase(lambda a: tf.einsum("ii->i", a), [rand(3, 3)], second_order=True),   # diagonal
               GradCase(lambda a: tf.einsum("ii", a), [rand(3, 3)]),                         # trace
               GradCase(lambda a, b: tf.einsum("iji,jk->k", a, b), [rand(2, 3, 2), B]),
               GradCase(_sq(lambda a, b: tf.einsum("bij,bkj->bki", a, b)), [BA, rand(2, 4, 3, seed=10)],
                        second_order=True)],
    "reduce_max": [GradCase(lambda x: tf.norm(x, ord=1, axis=[0, 1]), [A]),
                   GradCase(lambda x: tf.norm(x, ord=np.inf, axis=[-1, 0], keepdims=True), [rand(3, 2, 2)])],
    "reduce_sum": [GradCase(lambda x: tf.norm(x, axis=-1), [A], second_order=True)],
}


def _close(tensor, expected, dtype=None, **kw):
    expected = np.asarray(expected)
    assert tuple(tensor.shape) == expected.shape, (tensor.shape, expected.shape)
    if dtype is not None:
        assert tensor.dtype == dtype, (tensor.dtype, dtype)
    np.testing.assert_allclose(tensor.numpy(), expected, **{"rtol": 1e-12, **kw})


@pytest.mark.parametrize("sa,sb,ta,tb", [
    ((2, 3), (3, 4), False, False), ((3, 2), (3, 4), True, False), ((2, 3), (4, 3), False, True),
    ((3, 2), (4, 3), True, True), ((5, 2, 3), (5, 3, 4), False, False), ((5, 2, 3), (3, 4), False, False),
    ((2, 3), (5, 3, 4), False, False), ((2, 1, 3, 2), (4, 2, 3), True, True), ((1, 3), (3, 1), False, False),
])
def test_matmul_matches_numpy(sa, sb, ta, tb):
    a, b = rand(*sa, seed=11), rand(*sb, seed=12)
    ref_a = np.swapaxes(a, -1, -2) if ta else a
    ref_b = np.swapaxes(b, -1, -2) if tb else b
    _close(tf.matmul(tf.constant(a), tf.constant(b), transpose_a=ta, transpose_b=tb), ref_a @ ref_b,
           tf.float64)
    _close(tf.linalg.matmul(a.astype(np.float32), b.astype(np.float32), adjoint_a=ta, adjoint_b=tb),
           ref_a @ ref_b, tf.float32, rtol=1e-5, atol=1e-6)


def test_matmul_integers_and_operator():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    _close(tf.matmul(a, a.T.copy()), a @ a.T, tf.int32)
    _close(tf.constant(A) @ tf.constant(B), A @ B)


def test_matmul_errors_name_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.matmul(tf.zeros((32, 784)), tf.zeros((100, 10)))
    assert str(info.value) == "matmul: cannot multiply shapes (32, 784) and (100, 10): inner dimensions 784 " \
                              "and 100 differ"
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"matmul: cannot multiply shapes \(3, 2\) and \(3, 4\) \(transposed\): inner "
                             r"dimensions 2 and 4 differ"):
        tf.matmul(tf.zeros((3, 2)), tf.zeros((3, 4)), transpose_b=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"matmul: both inputs must have rank >= 2, got "
                                                            r"shapes \(3,\) and \(3, 4\)"):
        tf.matmul(tf.zeros(3), tf.zeros((3, 4)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"matmul: shapes \(2,\) and \(3,\) are not "
                                                            r"broadcastable"):
        tf.matmul(tf.zeros((2, 2, 3)), tf.zeros((3, 3, 4)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="matmul.*float32.*float64"):
        tf.matmul(tf.zeros((2, 2)), tf.constant(np.zeros((2, 2))))


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
           ("i,j->ij", [(3,), (4,)]), ("ij->i", [(2, 3)]), ("ij->j", [(2, 3)]), ("ij->ji", [(2, 3)]),
           ("ij,jk", [(2, 3), (3, 4)]), ("i,i->", [(3,), (3,)]), ("ijk->kij", [(2, 3, 4)]),
           ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("bi,bi->b", [(3, 4), (3, 4)]), ("ii->i", [(3, 3)]),
           ("ii", [(3, 3)])]


@pytest.mark.parametrize("equation,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_matches_numpy(equation, shapes):
    xs = [rand(*s, seed=k) for k, s in enumerate(shapes)]
    _close(tf.einsum(equation, *[tf.constant(x) for x in xs]), np.einsum(equation, *xs))
    _close(tf.einsum(equation.replace(",", ", "), *xs), np.einsum(equation, *xs))


def test_einsum_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="einsum: equation 'ij,jk->ik' names 2 operands "
                                                            "but 1 were given"):
        tf.einsum("ij,jk->ik", tf.constant(A))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"einsum: subscripts 'ijk' have 3 letters but the "
                                                            r"operand has shape \(2, 3\)"):
        tf.einsum("ijk->i", tf.constant(A))
    with pytest.raises(tf.errors.InvalidArgumentError, match="einsum: operands must share a dtype"):
        tf.einsum("ij,jk->ik", tf.constant(A), tf.zeros((3, 4)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"einsum.*\(2, 3\).*\(2, 4\)"):
        tf.einsum("ij,jk->ik", tf.constant(A), tf.constant(rand(2, 4)))


@pytest.mark.parametrize("axes,np_axes", [(1, 1), (0, 0), ([[1], [0]], ([1], [0])), ([1, 0], ([1], [0])),
                                          ([[0, 1], [1, 0]], ([0, 1], [1, 0])), ([[-1], [0]], ([1], [0]))])
def test_tensordot_matches_numpy(axes, np_axes):
    a = rand(3, 3, seed=13)
    b = rand(3, 3, 2, seed=14)
    _close(tf.tensordot(tf.constant(a), tf.constant(b), axes), np.tensordot(a, b, np_axes))


def test_tensordot_shapes_and_errors():
    a, b = rand(2, 3, 4), rand(4, 3, 5, seed=1)
    _close(tf.tensordot(a, b, [[1, 2], [1, 0]]), np.tensordot(a, b, ([1, 2], [1, 0])))
    _close(tf.tensordot(tf.constant(V), tf.constant(V), 0), np.tensordot(V, V, 0))
    _close(tf.tensordot(tf.constant(V), tf.constant(V), 1), np.dot(V, V))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tensordot: axis 2 of shape \(2, 3, 4\) and axis "
                                                            r"1 of shape \(4, 3, 5\) differ in size"):
        tf.tensordot(a, b, [[2], [1]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tensordot: axes \[1, 2\] of a and \[1\] of b "
                                                            r"must have the same length"):
        tf.tensordot(a, b, [[1, 2], [1]])


NORMS = [("euclidean", None), (2, None), (1, None), (np.inf, None), ("euclidean", 0), (1, -1), (np.inf, 1),
         (3, 1), (1.5, None), ("fro", [0, 1]), ("euclidean", (-1, -2)), (1, [0, 1]), (1, (1, 0)),
         (np.inf, [0, 1]), (np.inf, [1, 0])]


@pytest.mark.parametrize("ord,axis", NORMS, ids=[f"{o}-{a}" for o, a in NORMS])
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_matches_numpy(ord, axis, keepdims):
    x = rand(3, 4, seed=15)
    np_ord = {"euclidean": 2 if axis is None or isinstance(axis, int) else "fro"}.get(ord, ord)
    if axis is None:
        expected = np.linalg.norm(x.reshape(-1), np_ord)
        expected = np.reshape(expected, (1, 1)) if keepdims else expected
    else:
        expected = np.linalg.norm(x, np_ord, axis=tuple(axis) if isinstance(axis, list) else axis,
                                  keepdims=keepdims)
    _close(tf.norm(tf.constant(x), ord=ord, axis=axis, keepdims=keepdims), expected)


def test_norm_batched_matrix_and_errors():
    x = rand(2, 3, 4, seed=16)
    _close(tf.norm(tf.constant(x), ord=1, axis=[-2, -1]), np.linalg.norm(x, 1, axis=(-2, -1)))
    _close(tf.norm(tf.constant(x), ord=np.inf, axis=[0, 2]), np.linalg.norm(x, np.inf, axis=(0, 2)))
    _close(tf.norm(tf.constant(x), ord="fro", axis=[1, 2], keepdims=True),
           np.linalg.norm(x, "fro", axis=(1, 2), keepdims=True))
    with pytest.raises(ValueError, match="norm: unsupported matrix norm ord 3"):
        tf.norm(tf.constant(x), ord=3, axis=[0, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="norm: a matrix norm needs two different axes"):
        tf.norm(tf.constant(x), axis=[1, -2])
    with pytest.raises(ValueError, match="norm: unsupported ord -1"):
        tf.norm(tf.constant(x), ord=-1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="norm: axis 3 is out of range"):
        tf.norm(tf.constant(x), axis=[0, 3])


def test_l2_normalize():
    x = rand(3, 4, seed=17)
    _close(tf.math.l2_normalize(tf.constant(x), axis=1), x / np.linalg.norm(x, axis=1, keepdims=True))
    _close(tf.math.l2_normalize(tf.zeros(3)), np.zeros(3, np.float32))


def _sym(*shape, dtype="float32"):
    from cornu.core.symbolic import SymbolicTensor
    return SymbolicTensor(shape, dtype)


SYMBOLIC = [
    (lambda x: tf.matmul(x, _sym(4, 5)), (None, 3, 5)), (lambda x: tf.matmul(x, _sym(None, 4, 5)), (None, 3, 5)),
    (lambda x: tf.matmul(x, _sym(2, 3), transpose_a=True, transpose_b=True), (None, 4, 2)),
    (lambda x: tf.einsum("bij,jk->bik", x, _sym(4, 5)), (None, 3, 5)),
    (lambda x: tf.tensordot(x, _sym(4, 5), 1), (None, 3, 5)), (lambda x: tf.norm(x, axis=-1), (None, 3)),
    (lambda x: tf.norm(x, ord=1, axis=[1, 2]), (None,)), (lambda x: tf.norm(x, ord=np.inf, axis=[-1, 1],
                                                                             keepdims=True), (None, 1, 1)),
]


@pytest.mark.parametrize("fn,expected", SYMBOLIC, ids=[str(i) for i in range(len(SYMBOLIC))])
def test_symbolic_shapes(fn, expected):
    assert tuple(fn(_sym(None, 3, 4)).shape) == expected


def test_matrix_transpose_swaps_the_last_two_axes():
    from cornu.ops.linalg_ops import matrix_transpose
    x = rand(2, 3, 4)
    _close(matrix_transpose(tf.constant(x)), np.swapaxes(x, -1, -2))
    _close(matrix_transpose(tf.constant(A)), A.T)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"matrix_transpose: .*rank >= 2.*\(3,\)"):
        matrix_transpose(tf.constant(V))
