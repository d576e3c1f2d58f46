"""Merge layers: values against NumPy, Keras's broadcasting rules, gradients, masks, errors."""
import numpy as np
import pytest

import cornu as tf
from tests.keras.layer_harness import check_gradients, check_layer

L = tf.keras.layers


def rand(*shape, seed=0, dtype="float32"):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)


ELEMENTWISE = [
    (L.Add, L.add, lambda xs: sum(xs)),
    (L.Multiply, L.multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (L.Average, L.average, lambda xs: sum(xs) / 3),
    (L.Maximum, L.maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (L.Minimum, L.minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
]


@pytest.mark.parametrize("cls,fn,reference", ELEMENTWISE, ids=[c.__name__ for c, _, _ in ELEMENTWISE])
def test_elementwise_merges(cls, fn, reference):
    xs = [rand(2, 3, 4, seed=i) for i in range(3)]
    out = check_layer(cls, xs, (2, 3, 4), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_allclose(out, reference(xs), rtol=1e-6)
    np.testing.assert_allclose(fn([tf.constant(x) for x in xs]).numpy(), reference(xs), rtol=1e-6)
    inputs = [tf.keras.Input((3, 4)) for _ in range(3)]
    model = tf.keras.Model(inputs, fn(inputs))
    np.testing.assert_allclose(model(xs).numpy(), reference(xs), rtol=1e-6)
    # distinct values, so max/min have no ties
    data = [rand(2, 3, seed=10 + i, dtype="float64") + 3 * i for i in range(3)]
    layer = cls(dtype="float64")
    layer(data)
    check_gradients(layer, data)


def test_subtract():
    a, b = rand(2, 5), rand(2, 5, seed=1)
    out = check_layer(L.Subtract, [a, b], (2, 5), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_allclose(out, a - b, rtol=1e-6)
    np.testing.assert_allclose(L.subtract([a, b]).numpy(), a - b, rtol=1e-6)
    check_gradients(L.Subtract(dtype="float64"), [rand(2, 3, dtype="float64"), rand(2, 3, seed=1, dtype="float64")])
    with pytest.raises(ValueError, match=r"subtract.*exactly 2 inputs.*\(2, 5\), \(2, 5\), \(2, 5\)"):
        L.Subtract()([a, a, a])


def test_single_input_and_broadcasting():
    a = rand(2, 4)
    np.testing.assert_array_equal(L.Add()([a]).numpy(), a)  # Keras 3 accepts one input
    # size-1 axes broadcast; a lower-rank input gets new axes after the batch axis
    b, c = rand(2, 3, 4, seed=1), rand(2, 1, 4, seed=2)
    np.testing.assert_allclose(L.Add()([b, c]).numpy(), b + c, rtol=1e-6)
    np.testing.assert_allclose(L.Multiply()([b, a]).numpy(), b * a[:, None, :], rtol=1e-6)
    assert L.Add().compute_output_shape([(None, 4), (None, 3, 4)]) == (None, 3, 4)
    assert L.Add().compute_output_shape([(None, 1, 4), (5, 3, 1)]) == (5, 3, 4)
    inputs = [tf.keras.Input((4,)), tf.keras.Input((3, 4))]
    out = L.Maximum()(inputs)
    assert tuple(out.shape) == (None, 3, 4)
    np.testing.assert_allclose(tf.keras.Model(inputs, out)([a, b]).numpy(), np.maximum(a[:, None, :], b),
                               rtol=1e-6)


def test_merge_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Layer 'add_bad' \(Add\).*incompatible shapes.*\(2, 3\), \(2, 4\)"):
        L.Add(name="add_bad")([rand(2, 3), rand(2, 4)])
    with pytest.raises(ValueError, match=r"different batch sizes.*\(2, 3\), \(3, 3\)"):
        L.Multiply()([rand(2, 3), rand(3, 3)])
    with pytest.raises(ValueError, match="list of inputs"):
        L.Add()(rand(2, 3))
    with pytest.raises(ValueError, match=r"incompatible shapes.*\(None, 3\), \(None, 4\)"):
        L.Average()([tf.keras.Input((3,)), tf.keras.Input((4,))])
    layer = L.Add()
    layer([rand(2, 3), rand(2, 3)])
    with pytest.raises(ValueError, match=r"incompatible shapes.*\(2, 3\), \(2, 5\)"):
        layer([rand(2, 3), rand(2, 5)])  # checked again on every call, not only when built


def test_merge_masks():
    ids_a = np.array([[1, 2, 0]])
    ids_b = np.array([[1, 0, 0]])
    emb = L.Embedding(4, 2, mask_zero=True)
    a, b = emb(tf.constant(ids_a)), emb(tf.constant(ids_b))
    np.testing.assert_array_equal(L.Add()([a, b])._keras_mask.numpy(), (ids_a != 0) & (ids_b != 0))
    plain = tf.constant(rand(1, 3, 2))
    np.testing.assert_array_equal(L.Add()([a, plain])._keras_mask.numpy(), ids_a != 0)
    assert getattr(L.Add()([plain, plain]), "_keras_mask", None) is None
    mask = L.Concatenate(axis=1)([a, b])._keras_mask.numpy()
    np.testing.assert_array_equal(mask, np.concatenate([ids_a, ids_b], axis=1) != 0)


def test_concatenate():
    a, b = rand(2, 3, 4), rand(2, 3, 5, seed=1)
    out = check_layer(L.Concatenate, [a, b], (2, 3, 9), expected_num_weights=0, expected_num_trainable=0)
    np.testing.assert_array_equal(out, np.concatenate([a, b], axis=-1))
    c = rand(2, 1, 4, seed=2)
    out = check_layer(lambda: L.Concatenate(axis=1), [a, c], (2, 4, 4), expected_num_weights=0,
                      expected_num_trainable=0)
    np.testing.assert_array_equal(out, np.concatenate([a, c], axis=1))
    np.testing.assert_array_equal(L.concatenate([a, b, a]).numpy(), np.concatenate([a, b, a], axis=-1))
    np.testing.assert_array_equal(L.concatenate([a, c], axis=1).numpy(), np.concatenate([a, c], axis=1))
    assert L.Concatenate(axis=1).get_config()["axis"] == 1
    assert L.Concatenate().compute_output_shape([(None, 3, 4), (None, 3, None)]) == (None, 3, None)
    inputs = [tf.keras.Input((None, 4)), tf.keras.Input((3, 4))]
    assert tuple(L.Concatenate(axis=-1)(inputs).shape) == (None, 3, 8)
    check_gradients(L.Concatenate(axis=1, dtype="float64"),
                    [rand(2, 2, 3, dtype="float64"), rand(2, 1, 3, seed=1, dtype="float64")])


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"Layer 'cat' \(Concatenate\).*matching shapes except for the "
                                         r"concatenation axis.*\(2, 3, 4\), \(2, 5, 6\)"):
        L.Concatenate(name="cat")([rand(2, 3, 4), rand(2, 5, 6)])
    with pytest.raises(ValueError, match="matching shapes"):
        L.Concatenate()([rand(2, 3, 4), rand(2, 3)])
    with pytest.raises(ValueError, match="matching shapes"):
        L.concatenate([tf.keras.Input((3, 4)), tf.keras.Input((5, 4))], axis=-1)
    with pytest.raises(ValueError, match="out of range"):
        L.Concatenate(axis=3)([rand(2, 3), rand(2, 3)])
    with pytest.raises(ValueError, match="list of at least 1 input"):
        L.Concatenate()(rand(2, 3))


def _batch_dot(x, y, a1, a2):
    """Keras's batch_dot, written out: contract x's axis a1 with y's axis a2, example by example."""
    out = np.stack([np.tensordot(x[i], y[i], axes=([a1 - 1], [a2 - 1])) for i in range(x.shape[0])])
    return out[:, None] if out.ndim == 1 else out


@pytest.mark.parametrize("shapes,axes,out_shape", [
    (((2, 5), (2, 5)), 1, (2, 1)),
    (((2, 5), (2, 5)), -1, (2, 1)),
    (((2, 3, 4), (2, 5, 4)), 2, (2, 3, 5)),
    (((2, 3, 4), (2, 3, 5)), (1, 1), (2, 4, 5)),
    (((2, 3, 4), (2, 4)), (2, 1), (2, 3)),
    (((2, 4), (2, 4, 3)), [1, 1], (2, 3)),
])
def test_dot(shapes, axes, out_shape):
    x, y = rand(*shapes[0]), rand(*shapes[1], seed=1)
    out = check_layer(lambda: L.Dot(axes=axes), [x, y], out_shape, expected_num_weights=0, expected_num_trainable=0)
    a1, a2 = (axes, axes) if isinstance(axes, int) else axes
    np.testing.assert_allclose(out, _batch_dot(x, y, a1 % x.ndim, a2 % y.ndim), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(L.dot([x, y], axes=axes).numpy(), out, rtol=1e-6)
    layer = L.Dot(axes=axes, dtype="float64")
    data = [rand(*shapes[0], dtype="float64"), rand(*shapes[1], seed=1, dtype="float64")]
    layer(data)
    check_gradients(layer, data)


def test_dot_normalize_is_cosine_similarity():
    x, y = rand(3, 4), rand(3, 4, seed=1)
    out = check_layer(lambda: L.Dot(axes=1, normalize=True), [x, y], (3, 1), expected_num_weights=0,
                      expected_num_trainable=0)
    cosine = (x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)
    np.testing.assert_allclose(out[:, 0], cosine, rtol=1e-5)
    assert L.Dot(axes=1, normalize=True).get_config()["normalize"] is True
    assert L.Dot(axes=(1, 2)).get_config()["axes"] == [1, 2]
    check_gradients(L.Dot(axes=-1, normalize=True, dtype="float64"),
                    [rand(2, 3, dtype="float64"), rand(2, 3, seed=1, dtype="float64")])


def test_dot_errors():
    with pytest.raises(ValueError, match=r"Layer 'dot_bad' \(Dot\).*axis values 3 \(at axis 1\) != 4.*"
                                         r"\(2, 3\), \(2, 4\)"):
        L.Dot(axes=1, name="dot_bad")([rand(2, 3), rand(2, 4)])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        L.Dot(axes=1)([rand(2, 3), rand(2, 3), rand(2, 3)])
    with pytest.raises(ValueError, match="axis 0"):
        L.Dot(axes=0)([rand(2, 3), rand(2, 3)])
    with pytest.raises(ValueError, match="2 integer"):
        L.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="axis values"):
        L.dot([tf.keras.Input((3,)), tf.keras.Input((4,))], axes=1)
