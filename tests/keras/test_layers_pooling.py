"""Pooling layers (windowed and global) and the image reshaping layers ZeroPadding2D / UpSampling2D:
values against naive NumPy loops, shapes on symbolic inputs, finite-difference gradients, configs,
errors."""
import json

import numpy as np
import pytest

import cornu as tf
from tests.keras.layer_harness import check_layer

layers = tf.keras.layers


def rand(*shape, seed=0):
    """Distinct values (no ties, so max pooling's gradient is well defined)."""
    rng = np.random.default_rng(seed + sum(shape))
    return rng.permutation(np.prod(shape)).reshape(shape) / np.prod(shape) - 0.5 + \
        rng.uniform(0, 1e-3, size=shape)


# -- independent references -----------------------------------------------------------------------------
def ref_pool2d(x, pool, strides, padding, mode):
    """Each window's max or mean over the real pixels it covers ('same' pads as TF: ceil(size /
    stride) outputs, the odd pixel of padding after)."""
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        top = max((oh - 1) * sh + ph - h, 0) // 2
        left = max((ow - 1) * sw + pw - w, 0) // 2
    else:
        oh, ow, top, left = (h - ph) // sh + 1, (w - pw) // sw + 1, 0, 0
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - top, j * sw - left
            window = x[:, max(r0, 0):min(r0 + ph, h), max(c0, 0):min(c0 + pw, w), :]
            out[:, i, j] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out


def ref_pool1d(x, pool, stride, padding, mode):
    return ref_pool2d(x[:, None], (1, pool), (1, stride), padding, mode)[:, 0]


# -- windowed pooling ----------------------------------------------------------------------------------
POOL2D_CASES = [
    dict(),
    dict(pool_size=3),
    dict(pool_size=(2, 3), strides=(1, 2)),
    dict(pool_size=2, padding="same"),
    dict(pool_size=3, strides=2, padding="same"),
    dict(pool_size=(3, 2), strides=1, padding="same"),
    dict(pool_size=2, strides=3),
]


@pytest.mark.parametrize("cls,mode", [(layers.MaxPooling2D, "max"), (layers.AveragePooling2D, "avg")])
@pytest.mark.parametrize("kw", POOL2D_CASES)
def test_pool2d_matches_reference(cls, mode, kw):
    x = rand(2, 7, 6, 3)
    layer = cls(dtype="float64", **kw)
    out = layer(x).numpy()
    ref = ref_pool2d(x, layer.pool_size, layer.strides, layer.padding, mode)
    assert out.shape == ref.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls,mode", [(layers.MaxPooling1D, "max"), (layers.AveragePooling1D, "avg")])
@pytest.mark.parametrize("kw", [dict(), dict(pool_size=3), dict(pool_size=3, strides=1),
                                dict(pool_size=2, padding="same"), dict(pool_size=4, strides=3,
                                                                         padding="same")])
def test_pool1d_matches_reference(cls, mode, kw):
    x = rand(2, 9, 3)
    layer = cls(dtype="float64", **kw)
    out = layer(x).numpy()
    ref = ref_pool1d(x, layer.pool_size[0], layer.strides[0], layer.padding, mode)
    assert out.shape == ref.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


def test_same_max_pooling_of_negative_values_ignores_the_padding():
    out = layers.MaxPooling2D(3, strides=1, padding="same")(-np.ones((1, 3, 3, 1), dtype="float32"))
    np.testing.assert_array_equal(out.numpy(), -np.ones((1, 3, 3, 1)))


def test_max_pooling_of_integers():
    x = np.arange(16, dtype="int32").reshape(1, 4, 4, 1)
    out = layers.MaxPooling2D()(x)
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], [[5, 7], [13, 15]])


def test_defaults_as_keras():
    layer = layers.MaxPooling2D()
    assert (layer.pool_size, layer.strides, layer.padding, layer.data_format) == \
        ((2, 2), (2, 2), "valid", "channels_last")
    layer = layers.AveragePooling1D()
    assert (layer.pool_size, layer.strides, layer.padding) == ((2,), (2,), "valid")
    assert layers.MaxPooling2D(3).strides == (3, 3)  # strides None -> pool_size
    assert layers.AveragePooling2D((3, 2), strides=1).strides == (1, 1)
    assert layers.MaxPooling2D(padding="SAME").padding == "same"
    g = layers.GlobalAveragePooling2D()
    assert (g.data_format, g.keepdims) == ("channels_last", False)


def test_aliases():
    assert layers.MaxPool1D is layers.MaxPooling1D and layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool1D is layers.AveragePooling1D and layers.AvgPool2D is layers.AveragePooling2D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D
    assert layers.GlobalMaxPool2D is layers.GlobalMaxPooling2D
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D


# -- global pooling -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,reduce,axes", [
    (layers.GlobalMaxPooling1D, np.max, (1,)), (layers.GlobalAveragePooling1D, np.mean, (1,)),
    (layers.GlobalMaxPooling2D, np.max, (1, 2)), (layers.GlobalAveragePooling2D, np.mean, (1, 2)),
])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(cls, reduce, axes, keepdims):
    x = rand(2, 5, 3) if len(axes) == 1 else rand(2, 4, 5, 3)
    layer = cls(keepdims=keepdims, dtype="float64")
    out = layer(x).numpy()
    ref = reduce(x, axis=axes, keepdims=keepdims)
    assert out.shape == ref.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, ref, rtol=1e-12)


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling1d_averages_only_unmasked_steps(keepdims):
    x = rand(2, 4, 3)
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    out = layers.GlobalAveragePooling1D(keepdims=keepdims, dtype="float64")(x, mask=mask).numpy()
    ref = np.stack([x[0, :2].mean(axis=0), x[1].mean(axis=0)])
    np.testing.assert_allclose(out.reshape(2, 3), ref, rtol=1e-12)
    assert out.shape == ((2, 1, 3) if keepdims else (2, 3))


def test_global_average_pooling1d_uses_the_mask_from_embedding():
    inputs = tf.constant([[3, 5, 0, 0]])
    emb = layers.Embedding(10, 2, mask_zero=True) if hasattr(layers, "Embedding") else None
    if emb is None:
        pytest.skip("Embedding not available yet")
    vectors = emb(inputs)
    out = layers.GlobalAveragePooling1D()(vectors)
    np.testing.assert_allclose(out.numpy(), vectors.numpy()[:, :2].mean(axis=1), rtol=1e-6)
    assert getattr(out, "_keras_mask", None) is None


# -- image reshaping: ZeroPadding2D, UpSampling2D ------------------------------------------------------------
@pytest.mark.parametrize("padding,pads", [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))),
                                          (((1, 2), (3, 0)), ((1, 2), (3, 0)))])
def test_zero_padding2d(padding, pads):
    x = rand(2, 3, 4, 2)
    layer = layers.ZeroPadding2D(padding)
    out = layer(x).numpy()
    assert layer.padding == pads
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0),) + pads + ((0, 0),)).astype("float32"))
    assert out.shape == layer.compute_output_shape(x.shape)


def test_up_sampling2d_nearest_repeats_rows_and_columns():
    x = rand(2, 2, 3, 2)
    layer = layers.UpSampling2D(size=(2, 3))
    out = layer(x).numpy()
    ref = np.zeros((2, 4, 9, 2))
    for i in range(4):
        for j in range(9):
            ref[:, i, j] = x[:, i // 2, j // 3]
    np.testing.assert_allclose(out, ref.astype("float32"))
    assert out.shape == layer.compute_output_shape(x.shape)


def test_up_sampling2d_bilinear_matches_tf_image_resize():
    # tf.image.resize([[0, 1], [2, 3]], (4, 4), 'bilinear') (half-pixel centres, edges clamped)
    x = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(1, 2, 2, 1)
    out = layers.UpSampling2D(interpolation="bilinear")(x).numpy()[0, :, :, 0]
    expected = [[0.0, 0.25, 0.75, 1.0], [0.5, 0.75, 1.25, 1.5], [1.5, 1.75, 2.25, 2.5],
                [2.0, 2.25, 2.75, 3.0]]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    # size 3 along the width: positions (j + 0.5) / 3 - 0.5 = -1/3, 0, 1/3, 2/3, 1, 4/3 of [a, b]
    out = layers.UpSampling2D((1, 3), interpolation="bilinear")(np.array([[[[1.0], [4.0]]]])).numpy()
    np.testing.assert_allclose(out.reshape(-1), [1, 1, 2, 3, 4, 4], rtol=1e-6)


# -- symbolic inputs: the shape rule path equals the real output ---------------------------------------
@pytest.mark.parametrize("make,shape", [
    (lambda: layers.MaxPooling2D(), (7, 6, 3)),
    (lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (7, 6, 3)),
    (lambda: layers.AveragePooling2D((2, 3), strides=1), (7, 6, 3)),
    (lambda: layers.AveragePooling2D(2, padding="same"), (7, 5, 3)),
    (lambda: layers.MaxPooling1D(3), (10, 3)),
    (lambda: layers.AveragePooling1D(2, padding="same"), (9, 3)),
    (lambda: layers.GlobalMaxPooling1D(), (9, 3)),
    (lambda: layers.GlobalAveragePooling2D(keepdims=True), (4, 5, 3)),
    (lambda: layers.ZeroPadding2D(((1, 2), (0, 3))), (4, 5, 3)),
    (lambda: layers.UpSampling2D((2, 3)), (4, 5, 3)),
    (lambda: layers.UpSampling2D(interpolation="bilinear"), (4, 5, 3)),
])
def test_symbolic_output_shape_equals_real_output_shape(make, shape):
    layer = make()
    symbolic = layer(tf.keras.Input(shape))
    real = layer(np.ones((2,) + shape, dtype="float32"))
    assert tuple(symbolic.shape) == (None,) + tuple(real.shape)[1:]
    assert tuple(layer.compute_output_shape((None,) + shape)) == tuple(symbolic.shape)


def test_global_pooling_accepts_unknown_spatial_sizes():
    out = layers.GlobalAveragePooling2D()(tf.keras.Input((None, None, 3)))
    assert tuple(out.shape) == (None, 3)


def test_cnn_classifier_builds_and_runs():
    stack = [layers.ZeroPadding2D(1), layers.MaxPooling2D(), layers.AveragePooling2D(padding="same"),
             layers.UpSampling2D(), layers.GlobalMaxPooling2D()]
    inputs = tf.keras.Input((6, 6, 2))
    outputs = inputs
    for layer in stack:
        outputs = layer(outputs)
    model = tf.keras.Model(inputs, outputs)
    data = rand(3, 6, 6, 2).astype("float32")
    expected = data
    for layer in stack:
        expected = layer(expected)
    np.testing.assert_allclose(model(data).numpy(), expected.numpy(), rtol=1e-6)
    assert tuple(outputs.shape) == (None, 2)


# -- the standard layer test (eager, symbolic + functional replay, config, one training step) ---------------
@pytest.mark.parametrize("make,shape,out_shape", [
    (lambda: layers.MaxPooling2D(), (2, 5, 4, 3), (2, 2, 2, 3)),
    (lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (2, 5, 4, 3), (2, 3, 2, 3)),
    (lambda: layers.AveragePooling2D((2, 3), strides=1, padding="same"), (2, 5, 4, 3), (2, 5, 4, 3)),
    (lambda: layers.MaxPooling1D(3, strides=1), (2, 6, 3), (2, 4, 3)),
    (lambda: layers.AveragePooling1D(padding="same"), (2, 5, 3), (2, 3, 3)),
    (lambda: layers.GlobalMaxPooling1D(keepdims=True), (2, 5, 3), (2, 1, 3)),
    (lambda: layers.GlobalAveragePooling1D(), (2, 5, 3), (2, 3)),
    (lambda: layers.GlobalMaxPooling2D(), (2, 4, 5, 3), (2, 3)),
    (lambda: layers.GlobalAveragePooling2D(keepdims=True), (2, 4, 5, 3), (2, 1, 1, 3)),
    (lambda: layers.ZeroPadding2D(((1, 0), (2, 3))), (2, 4, 5, 3), (2, 5, 10, 3)),
    (lambda: layers.UpSampling2D((2, 1)), (2, 4, 5, 3), (2, 8, 5, 3)),
    (lambda: layers.UpSampling2D(interpolation="bilinear"), (2, 3, 2, 3), (2, 6, 4, 3)),
])
def test_check_layer(make, shape, out_shape):
    check_layer(make, rand(*shape).astype("float32"), expected_output_shape=out_shape,
                expected_num_weights=0, expected_num_trainable=0)


# -- gradients by finite differences (float64) --------------------------------------------------------
@pytest.mark.parametrize("make,shape", [
    (lambda: layers.MaxPooling2D(), (1, 4, 4, 2)),
    (lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (1, 4, 5, 1)),
    (lambda: layers.AveragePooling2D(), (1, 4, 4, 2)),
    (lambda: layers.AveragePooling2D(3, strides=2, padding="same"), (1, 4, 5, 1)),
    (lambda: layers.AveragePooling2D((2, 3), strides=1), (1, 3, 4, 1)),
    (lambda: layers.MaxPooling1D(3, strides=2, padding="same"), (2, 5, 2)),
    (lambda: layers.AveragePooling1D(2, strides=1), (2, 4, 2)),
    (lambda: layers.GlobalMaxPooling2D(), (2, 3, 3, 2)),
    (lambda: layers.GlobalAveragePooling1D(keepdims=True), (2, 4, 2)),
    (lambda: layers.ZeroPadding2D(((1, 0), (0, 1))), (1, 2, 2, 1)),
    (lambda: layers.UpSampling2D(), (1, 2, 2, 2)),
    (lambda: layers.UpSampling2D((3, 2), interpolation="bilinear"), (1, 2, 2, 1)),
])
def test_gradients_match_finite_differences(make, shape):
    layer = make()
    layer = type(layer).from_config(dict(layer.get_config(), dtype="float64"))
    x = tf.constant(rand(*shape))
    theory, numeric = tf.test.compute_gradient(lambda v: layer(v), [x])
    np.testing.assert_allclose(theory[0], numeric[0], rtol=1e-6, atol=1e-8)


def test_masked_global_average_gradient():
    layer = layers.GlobalAveragePooling1D(dtype="float64")
    mask = tf.constant([[True, False, True]])
    x = tf.constant(rand(1, 3, 2))
    theory, numeric = tf.test.compute_gradient(lambda v: layer(v, mask=mask), [x])
    np.testing.assert_allclose(theory[0], numeric[0], rtol=1e-6, atol=1e-8)
    assert np.all(theory[0].reshape(2, 3, 2)[:, 1] == 0)  # the masked step gets no gradient


# -- config ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make,keys", [
    (lambda: layers.MaxPooling2D(3, strides=(1, 2), padding="same"),
     {"pool_size", "strides", "padding", "data_format"}),
    (lambda: layers.AveragePooling1D(4), {"pool_size", "strides", "padding", "data_format"}),
    (lambda: layers.GlobalAveragePooling2D(keepdims=True), {"data_format", "keepdims"}),
    (lambda: layers.GlobalMaxPooling1D(), {"data_format", "keepdims"}),
    (lambda: layers.ZeroPadding2D(((1, 2), (3, 4))), {"padding", "data_format"}),
    (lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"), {"size", "data_format",
                                                                      "interpolation"}),
])
def test_config_round_trip(make, keys):
    layer = make()
    config = layer.get_config()
    assert set(config) == keys | {"name", "trainable", "dtype"}
    assert type(layer).from_config(config).get_config() == config
    restored = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(restored) is type(layer)
    assert json.dumps(restored.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)


def test_pooling_layers_have_no_weights():
    layer = layers.MaxPooling2D()
    layer(np.ones((1, 4, 4, 1), dtype="float32"))
    assert layer.weights == [] and layer.count_params() == 0


# -- errors ---------------------------------------------------------------------------------------------
def test_wrong_input_rank_names_the_layer_and_shape():
    with pytest.raises(ValueError, match=r"my_pool.*expected ndim=4, found ndim=3.*\(4, 4, 1\)"):
        layers.MaxPooling2D(name="my_pool")(np.ones((4, 4, 1), dtype="float32"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.GlobalAveragePooling1D()(np.ones((1, 4, 4, 1), dtype="float32"))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.UpSampling2D()(np.ones((1, 4, 1), dtype="float32"))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.ZeroPadding2D()(np.ones((1, 4, 1), dtype="float32"))


def test_window_larger_than_input():
    with pytest.raises(ValueError, match=r"small_pool.*too small.*\(1, 2, 5, 1\)"):
        layers.MaxPooling2D(3, name="small_pool")(np.ones((1, 2, 5, 1), dtype="float32"))


@pytest.mark.parametrize("make,pattern", [
    (lambda: layers.MaxPooling2D(data_format="channels_first"), "channels_first.*not supported"),
    (lambda: layers.GlobalAveragePooling2D(data_format="channels_first"), "channels_first"),
    (lambda: layers.UpSampling2D(data_format="channels_first"), "channels_first"),
    (lambda: layers.ZeroPadding2D(data_format="channels_first"), "channels_first"),
    (lambda: layers.MaxPooling2D(0), "pool_size.*positive"),
    (lambda: layers.MaxPooling2D((2, 2, 2)), "pool_size.*tuple of 2"),
    (lambda: layers.AveragePooling1D(2, padding="causal"), "padding"),
    (lambda: layers.UpSampling2D(interpolation="bicubic"), "interpolation.*'nearest' or 'bilinear'"),
    (lambda: layers.UpSampling2D(size=0), "size.*positive"),
    (lambda: layers.ZeroPadding2D((1, 2, 3)), "padding must be an int, a tuple of 2 ints"),
    (lambda: layers.ZeroPadding2D(-1), "non-negative"),
])
def test_bad_arguments(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_average_pooling_of_integers_is_refused_by_the_op():
    with pytest.raises(Exception, match="floating"):
        layers.AveragePooling2D()(np.ones((1, 4, 4, 1), dtype="int32"))
