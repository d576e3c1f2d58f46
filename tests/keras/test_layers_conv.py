"""Conv1D / Conv2D / Conv2DTranspose against naive NumPy loops; shapes on symbolic inputs; finite-
difference gradients w.r.t. the input and the kernel; Keras's parameter counts, configs and errors."""
import json

import numpy as np
import pytest

import cornu as tf
from tests.keras.layer_harness import check_layer

layers = tf.keras.layers


# -- independent references (naive loops over output positions and kernel taps) -------------------------
def _same_pad_before(size, k_eff, stride):
    """TF's 'SAME': output ceil(size / stride); the odd pixel of padding goes after."""
    out = -(-size // stride)
    return max((out - 1) * stride + k_eff - size, 0) // 2, out


def ref_conv2d(x, k, strides=(1, 1), padding="valid", dilation=(1, 1), groups=1):
    n, h, w, c = x.shape
    kh, kw, cg, f = k.shape
    (sh, sw), (dh, dw) = strides, dilation
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if padding == "same":
        (pt, oh), (pl, ow) = _same_pad_before(h, eh, sh), _same_pad_before(w, ew, sw)
    else:
        pt = pl = 0
        oh, ow = (h - eh) // sh + 1, (w - ew) // sw + 1
    fg = f // groups
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r, s = i * sh + a * dh - pt, j * sw + b * dw - pl
                    if 0 <= r < h and 0 <= s < w:
                        for g in range(groups):
                            out[:, i, j, g * fg:(g + 1) * fg] += (
                                x[:, r, s, g * cg:(g + 1) * cg] @ k[a, b, :, g * fg:(g + 1) * fg])
    return out


def ref_conv1d(x, k, stride=1, padding="valid", dilation=1, groups=1):
    if padding == "causal":
        x = np.pad(x, ((0, 0), (dilation * (k.shape[0] - 1), 0), (0, 0)))
        padding = "valid"
    return ref_conv2d(x[:, None], k[None], (1, stride), padding, (1, dilation), groups)[:, 0]


def ref_deconv_length(n, k, padding, output_padding, s, d):
    """Keras's documented output size of a transposed convolution."""
    k = (k - 1) * d + 1
    if output_padding is None:
        return n * s + max(k - s, 0) if padding == "valid" else n * s
    return (n - 1) * s + k - 2 * (k // 2 if padding == "same" else 0) + output_padding


def ref_conv2d_transpose(x, k, strides, padding, output_padding=None, dilation=(1, 1)):
    """Each input pixel scatters x @ kernel^T onto the output, shifted by TF's leading padding of the
    output-sized convolution that this one is the transpose of."""
    n, h, w, c = x.shape
    kh, kw, f, _ = k.shape
    op = output_padding or (None, None)
    sizes, before = [], []
    for size, kk, p, s, d in zip((h, w), (kh, kw), op, strides, dilation):
        length = ref_deconv_length(size, kk, padding, p, s, d)
        k_eff = (kk - 1) * d + 1
        if padding == "valid":
            pad = 0
        elif p is None:
            pad = _same_pad_before(length, k_eff, s)[0]
        else:  # TF's SAME rule on that length, allowing for the rows output_padding adds
            pad = max(k_eff - k_eff % 2 - p, 0) // 2
        sizes.append(length)
        before.append(pad)
    out = np.zeros((n, sizes[0], sizes[1], f))
    for i in range(h):
        for j in range(w):
            for a in range(kh):
                for b in range(kw):
                    r = i * strides[0] + a * dilation[0] - before[0]
                    s = j * strides[1] + b * dilation[1] - before[1]
                    if 0 <= r < sizes[0] and 0 <= s < sizes[1]:
                        out[:, r, s, :] += x[:, i, j, :] @ k[a, b].T
    return out


def rand(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).uniform(-1, 1, size=shape)


def run(layer, x):
    """Build the layer on x, give it random float64 weights, and return (output, kernel, bias)."""
    layer(x)
    weights = [rand(*v.shape, seed=i + 1) for i, v in enumerate(layer.weights)]
    layer.set_weights(weights)
    return layer(x).numpy(), weights[0], (weights[1] if len(weights) > 1 else 0.0)


# -- forward values -------------------------------------------------------------------------------------
CONV2D_CASES = [
    dict(kernel_size=3),
    dict(kernel_size=(2, 3), strides=(2, 1)),
    dict(kernel_size=3, padding="same"),
    dict(kernel_size=(3, 2), strides=2, padding="same"),
    dict(kernel_size=4, strides=3, padding="same"),
    dict(kernel_size=2, dilation_rate=2),
    dict(kernel_size=(3, 2), dilation_rate=(1, 2), padding="same"),
    dict(kernel_size=1),
    dict(kernel_size=2, groups=2),
    dict(kernel_size=3, groups=2, padding="same", use_bias=False),
]


@pytest.mark.parametrize("kw", CONV2D_CASES)
def test_conv2d_matches_reference(kw):
    x = rand(2, 7, 6, 4)
    layer = layers.Conv2D(6, dtype="float64", **kw)
    out, k, b = run(layer, x)
    strides = layer.strides
    ref = ref_conv2d(x, k, strides, layer.padding, layer.dilation_rate, layer.groups) + b
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)


CONV1D_CASES = [
    dict(kernel_size=3),
    dict(kernel_size=2, strides=2),
    dict(kernel_size=3, strides=2, padding="same"),
    dict(kernel_size=3, dilation_rate=2, padding="same"),
    dict(kernel_size=3, padding="causal"),
    dict(kernel_size=2, padding="causal", dilation_rate=3),
    dict(kernel_size=3, padding="causal", strides=2),
    dict(kernel_size=2, groups=3),
]


@pytest.mark.parametrize("kw", CONV1D_CASES)
def test_conv1d_matches_reference(kw):
    x = rand(2, 9, 3)
    layer = layers.Conv1D(6, dtype="float64", **kw)
    out, k, b = run(layer, x)
    ref = ref_conv1d(x, k, layer.strides[0], layer.padding, layer.dilation_rate[0], layer.groups) + b
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)


def test_conv1d_causal_output_never_sees_the_future():
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=2, dtype="float64")
    x = rand(1, 8, 2)
    before = layer(x).numpy()
    x2 = x.copy()
    x2[:, 5:] += 1.0  # change steps 5.. only
    after = layer(x2).numpy()
    np.testing.assert_array_equal(before[:, :5], after[:, :5])
    assert not np.allclose(before[:, 5:], after[:, 5:])


TRANSPOSE_CASES = [
    dict(kernel_size=3),
    dict(kernel_size=3, strides=2),
    dict(kernel_size=3, strides=2, padding="same"),
    dict(kernel_size=2, strides=2, padding="same"),
    dict(kernel_size=4, strides=2, padding="same"),
    dict(kernel_size=1, strides=3),  # kernel smaller than the stride: zero rows between pixels
    dict(kernel_size=(2, 3), strides=(3, 2), padding="same"),
    dict(kernel_size=3, strides=2, output_padding=1),
    dict(kernel_size=3, strides=2, padding="same", output_padding=1),
    dict(kernel_size=(4, 3), strides=(3, 2), padding="same", output_padding=(2, 0)),
    dict(kernel_size=3, dilation_rate=2, padding="same"),
    dict(kernel_size=2, dilation_rate=(2, 1)),
]


@pytest.mark.parametrize("kw", TRANSPOSE_CASES)
def test_conv2d_transpose_matches_reference(kw):
    x = rand(2, 3, 4, 3)
    layer = layers.Conv2DTranspose(5, dtype="float64", **kw)
    out, k, b = run(layer, x)
    assert k.shape == layer.kernel_size + (5, 3)  # (kh, kw, filters, in_channels), as Keras
    ref = ref_conv2d_transpose(x, k, layer.strides, layer.padding, layer.output_padding,
                               layer.dilation_rate) + b
    assert out.shape == ref.shape
    assert out.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("padding,strides,kernel", [("valid", 2, 3), ("same", 2, 3), ("same", 1, 3),
                                                    ("valid", 3, 2)])
def test_conv2d_transpose_is_the_adjoint_of_conv2d(padding, strides, kernel):
    """<conv2d(z), x> == <conv2d_transpose(x), z> with the same kernel (Keras's definition)."""
    x = rand(1, 3, 3, 4)
    t = layers.Conv2DTranspose(2, kernel, strides=strides, padding=padding, use_bias=False,
                               dtype="float64")
    y = t(x).numpy()
    z = rand(*y.shape, seed=5)
    c = layers.Conv2D(4, kernel, strides=strides, padding=padding, use_bias=False, dtype="float64")
    c(z)
    c.set_weights(t.get_weights())  # the same (kh, kw, 2, 4) array: conv maps 2 -> 4 channels
    cz = c(z).numpy()
    assert cz.shape == x.shape
    np.testing.assert_allclose(np.sum(cz * x), np.sum(y * z), rtol=1e-10)


def test_activation_and_bias_are_applied():
    x = rand(1, 4, 4, 2)
    layer = layers.Conv2D(3, 2, activation="relu", bias_initializer="ones", dtype="float64")
    out = layer(x).numpy()
    k = layer.get_weights()[0]
    np.testing.assert_allclose(out, np.maximum(ref_conv2d(x, k) + 1.0, 0.0), rtol=1e-10, atol=1e-12)


# -- symbolic inputs: the shape rule path equals the real output ---------------------------------------
SHAPE_CASES = [
    (lambda: layers.Conv2D(4, 3), (9, 8, 3)),
    (lambda: layers.Conv2D(4, (3, 2), strides=2, padding="same"), (9, 8, 3)),
    (lambda: layers.Conv2D(4, 3, dilation_rate=2), (9, 8, 3)),
    (lambda: layers.Conv2D(6, 3, groups=3, padding="same"), (9, 8, 3)),
    (lambda: layers.Conv1D(4, 3, strides=2), (9, 3)),
    (lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2), (9, 3)),
    (lambda: layers.Conv1D(4, 4, strides=3, padding="same"), (10, 3)),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2), (5, 4, 3)),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, padding="same"), (5, 4, 3)),
    (lambda: layers.Conv2DTranspose(4, 4, strides=3, padding="same", output_padding=1), (5, 4, 3)),
]


@pytest.mark.parametrize("make,shape", SHAPE_CASES)
def test_symbolic_output_shape_equals_real_output_shape(make, shape):
    layer = make()
    symbolic = layer(tf.keras.Input(shape))
    real = layer(np.ones((2,) + shape, dtype="float32"))
    assert tuple(symbolic.shape) == (None,) + tuple(real.shape)[1:]
    assert tuple(layer.compute_output_shape((None,) + shape)) == tuple(symbolic.shape)
    assert tuple(layer.compute_output_shape((2,) + shape)) == tuple(real.shape)


def test_functional_model_with_conv_layers_runs():
    stack = [layers.Conv2D(4, 3, padding="same", activation="relu"),
             layers.Conv2DTranspose(2, 3, strides=2, padding="same"), layers.Conv2D(3, 3, strides=2)]
    inputs = tf.keras.Input((8, 8, 1))
    outputs = inputs
    for layer in stack:
        outputs = layer(outputs)
    model = tf.keras.Model(inputs, outputs)
    data = rand(2, 8, 8, 1).astype("float32")
    expected = data
    for layer in stack:
        expected = layer(expected)
    got = model(data)
    assert tuple(outputs.shape) == (None, 7, 7, 3)
    assert tuple(got.shape) == (2, 7, 7, 3)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


# -- the standard layer test (eager, symbolic + functional replay, config, one training step) ---------------
@pytest.mark.parametrize("make,shape,out_shape,n_weights", [
    (lambda: layers.Conv2D(4, 3, padding="same", activation="relu"), (2, 5, 5, 3), (2, 5, 5, 4), 2),
    (lambda: layers.Conv2D(4, (3, 2), strides=2, use_bias=False, kernel_regularizer="l2"), (2, 7, 6, 3),
     (2, 3, 3, 4), 1),
    (lambda: layers.Conv2D(4, 3, groups=2, dilation_rate=2), (2, 6, 6, 2), (2, 2, 2, 4), 2),
    (lambda: layers.Conv1D(3, 3, padding="causal", activity_regularizer="l1"), (2, 6, 2), (2, 6, 3), 2),
    (lambda: layers.Conv1D(3, 2, strides=2, padding="same"), (2, 7, 2), (2, 4, 3), 2),
    (lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same"), (2, 3, 4, 2), (2, 6, 8, 3), 2),
    (lambda: layers.Conv2DTranspose(3, 2, strides=3, output_padding=1, use_bias=False), (2, 2, 2, 2),
     (2, 6, 6, 3), 1),
])
def test_check_layer(make, shape, out_shape, n_weights):
    check_layer(make, rand(*shape).astype("float32"), expected_output_shape=out_shape,
                expected_num_weights=n_weights, expected_num_trainable=n_weights)


# -- gradients by finite differences (float64) ------------------------------------------------------------
def _check_gradients(layer, x):
    x = tf.constant(x)
    layer(x)
    theory, numeric = tf.test.compute_gradient(lambda v: layer(v), [x])
    np.testing.assert_allclose(theory[0], numeric[0], rtol=1e-6, atol=1e-8, err_msg="w.r.t. the input")
    kernel = layer.kernel

    def with_kernel(k):
        layer.kernel = k  # call reads self.kernel, so a plain tensor stands in for the Variable
        try:
            return layer(x)
        finally:
            layer.kernel = kernel

    theory, numeric = tf.test.compute_gradient(with_kernel, [tf.constant(kernel.numpy())])
    np.testing.assert_allclose(theory[0], numeric[0], rtol=1e-6, atol=1e-8, err_msg="w.r.t. the kernel")


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.Conv2D(2, 2, strides=(1, 2), padding="same", activation="tanh"), (1, 3, 4, 2)),
    (lambda: layers.Conv2D(2, 2, dilation_rate=2), (1, 4, 4, 2)),
    (lambda: layers.Conv2D(2, 2, groups=2), (1, 3, 3, 2)),
    (lambda: layers.Conv1D(2, 3, strides=2, padding="same"), (2, 5, 2)),
    (lambda: layers.Conv1D(2, 2, padding="causal", dilation_rate=2), (1, 5, 2)),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same"), (1, 2, 2, 2)),
    (lambda: layers.Conv2DTranspose(1, 2, strides=2, output_padding=1), (1, 2, 2, 2)),
])
def test_gradients_match_finite_differences(make, shape):
    layer = make()
    layer = type(layer).from_config(dict(layer.get_config(), dtype="float64"))
    _check_gradients(layer, rand(*shape))


def test_bias_gradient_is_the_sum_of_output_gradients():
    layer = layers.Conv2D(3, 2, dtype="float64")
    x = tf.constant(rand(2, 4, 4, 2))
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_sum(y * y)
    grads = tape.gradient(loss, layer.trainable_weights)
    np.testing.assert_allclose(grads[1].numpy(), (2 * y.numpy()).sum(axis=(0, 1, 2)), rtol=1e-10)
    assert [tuple(g.shape) for g in grads] == [(2, 2, 2, 3), (3,)]


# -- weights, parameter counts, config ------------------------------------------------------------------------
@pytest.mark.parametrize("make,shape,count,kernel_shape", [
    (lambda: layers.Conv2D(32, 3), (28, 28, 1), 320, (3, 3, 1, 32)),
    (lambda: layers.Conv2D(64, (3, 3)), (26, 26, 32), 18496, (3, 3, 32, 64)),
    (lambda: layers.Conv2D(8, 3, use_bias=False), (5, 5, 4), 288, (3, 3, 4, 8)),
    (lambda: layers.Conv2D(8, 3, groups=4), (5, 5, 4), 80, (3, 3, 1, 8)),
    (lambda: layers.Conv1D(16, 5), (20, 8), 656, (5, 8, 16)),
    (lambda: layers.Conv2DTranspose(16, 3), (4, 4, 8), 1168, (3, 3, 16, 8)),
])
def test_parameter_counts_and_weight_shapes_as_keras(make, shape, count, kernel_shape):
    layer = make()
    layer(np.zeros((1,) + shape, dtype="float32"))
    assert layer.count_params() == count
    assert tuple(layer.weights[0].shape) == kernel_shape
    names = [v.name.split("/")[-1].split(":")[0] for v in layer.weights]
    assert names == (["kernel", "bias"] if layer.use_bias else ["kernel"])
    assert layer.kernel is layer.weights[0]


def test_float64_layers_make_float64_weights_and_outputs():
    layer = layers.Conv2D(2, 3, dtype="float64")
    out = layer(rand(1, 4, 4, 1))
    assert layer.kernel.dtype == tf.float64 and out.dtype == tf.float64


def test_float_inputs_are_cast_to_the_layer_dtype():
    out = layers.Conv1D(2, 2)(tf.constant(rand(1, 4, 3)))  # float64 data, float32 layer
    assert out.dtype == tf.float32


CONFIG_KEYS = {"name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding",
               "data_format", "dilation_rate", "groups", "activation", "use_bias", "kernel_initializer",
               "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
               "kernel_constraint", "bias_constraint"}


@pytest.mark.parametrize("make", [
    lambda: layers.Conv2D(8, (3, 5), strides=(2, 1), padding="SAME", activation="relu",
                          kernel_regularizer="l2", kernel_constraint="max_norm", use_bias=False),
    lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2, groups=2, bias_initializer="ones"),
    lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1,
                                   activation="sigmoid"),
])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    expected = set(CONFIG_KEYS)
    if isinstance(layer, layers.Conv2DTranspose):
        expected = (expected - {"groups"}) | {"output_padding"}
    assert set(config) == expected
    assert config["data_format"] == "channels_last"
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    # through JSON (tuples come back as lists) and keras.layers.deserialize
    restored = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(restored) is type(layer)
    assert json.dumps(restored.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)
    x = np.ones((1, 6, 6, 2) if layer.rank == 2 else (1, 6, 2), dtype="float32")
    assert restored(x).shape == layer(x).shape


def test_defaults_as_keras():
    c = layers.Conv2D(4, 3)
    assert (c.strides, c.padding, c.dilation_rate, c.groups, c.use_bias, c.data_format) == \
        ((1, 1), "valid", (1, 1), 1, True, "channels_last")
    assert c.kernel_size == (3, 3) and c.get_config()["activation"] == "linear"  # None, as Keras 3
    t = layers.Conv2DTranspose(4, 3)
    assert (t.strides, t.padding, t.output_padding, t.dilation_rate) == ((1, 1), "valid", None, (1, 1))
    assert layers.Conv1D(4, 3).kernel_size == (3,)


def test_aliases():
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose


# -- errors -------------------------------------------------------------------------------------------------
def test_wrong_input_rank_names_the_layer_and_shape():
    layer = layers.Conv2D(2, 3, name="my_conv")
    with pytest.raises(ValueError, match=r"my_conv.*expected ndim=4, found ndim=3.*\(5, 5, 3\)"):
        layer(np.ones((5, 5, 3), dtype="float32"))
    with pytest.raises(ValueError, match="ndim=3"):
        layers.Conv1D(2, 3)(np.ones((1, 5, 5, 3), dtype="float32"))


def test_wrong_channel_count_after_build():
    layer = layers.Conv2D(2, 3, name="chan_conv")
    layer(np.ones((1, 5, 5, 3), dtype="float32"))
    with pytest.raises(ValueError, match=r"chan_conv.*axis -1.*3.*\(1, 5, 5, 4\)"):
        layer(np.ones((1, 5, 5, 4), dtype="float32"))


def test_input_smaller_than_kernel():
    with pytest.raises(ValueError, match=r"big_kernel.*too small.*\(1, 2, 2, 1\)"):
        layers.Conv2D(2, 3, name="big_kernel")(np.ones((1, 2, 2, 1), dtype="float32"))
    with pytest.raises(ValueError, match="too small"):
        layers.Conv1D(2, 3, dilation_rate=2)(np.ones((1, 4, 1), dtype="float32"))


def test_channels_first_is_refused_clearly():
    for make in (layers.Conv2D, layers.Conv1D, layers.Conv2DTranspose):
        with pytest.raises(ValueError, match="channels_first.*not supported.*channels_last"):
            make(2, 3, data_format="channels_first")
    with pytest.raises(ValueError, match="data_format"):
        layers.Conv2D(2, 3, data_format="NCHW")


@pytest.mark.parametrize("kwargs,pattern", [
    (dict(filters=0, kernel_size=3), "filters must be a positive integer"),
    (dict(filters=4, kernel_size=(3, 3, 3)), "kernel_size.*tuple of 2"),
    (dict(filters=4, kernel_size=0), "kernel_size.*positive"),
    (dict(filters=4, kernel_size=3, strides=0), "strides.*positive"),
    (dict(filters=4, kernel_size=3, padding="full"), "padding.*'valid', 'same'"),
    (dict(filters=4, kernel_size=3, padding="causal"), "padding"),
    (dict(filters=4, kernel_size=3, groups=3), "divisible by the number of groups"),
    (dict(filters=4, kernel_size=3, strides=2, dilation_rate=2), "strides > 1.*dilation_rate > 1"),
])
def test_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        layers.Conv2D(**kwargs)


def test_groups_must_divide_the_input_channels():
    with pytest.raises(ValueError, match=r"divisible by groups=2.*3 channels"):
        layers.Conv2D(4, 1, groups=2)(np.ones((1, 3, 3, 3), dtype="float32"))


def test_transpose_output_padding_must_be_below_strides():
    with pytest.raises(ValueError, match="output_padding must be smaller than strides"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
