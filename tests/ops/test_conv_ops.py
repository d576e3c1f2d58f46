"""Convolutions and pooling: forward against loop-based NumPy references, gradients by finite differences,
conv2d_transpose as the true adjoint of conv2d, TF's SAME semantics and error messages."""
import numpy as np
import pytest

import cornu as tf
from cornu.core.registry import Spec
from cornu.ops import conv_ops as C
from tests.gradcheck import GradCase, check_grad, rand


# -- independent references (loops over output positions; tiny inputs only) --------------------------------
def same_pad(size, k, s, d=1):
    """TF's SAME rule, written out independently: out = ceil(size / s), extra pixel at the end."""
    k_eff = (k - 1) * d + 1
    out = (size + s - 1) // s
    total = max((out - 1) * s + k_eff - size, 0)
    return total // 2, total - total // 2


def pads_for(padding, hw, k, s, d):
    if padding == "VALID":
        return [(0, 0), (0, 0)]
    if padding == "SAME":
        return [same_pad(hw[i], k[i], s[i], d[i]) for i in range(2)]
    return [tuple(padding[1]), tuple(padding[2])]


def conv2d_ref(x, w, strides, padding, dilations=(1, 1)):
    kh, kw, _, f = w.shape
    (pt, pb), (pl, pr) = pads_for(padding, x.shape[1:3], (kh, kw), strides, dilations)
    xp = np.pad(x, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    sh, sw = strides
    dh, dw = dilations
    oh = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    out[:, i, j, :] += xp[:, i * sh + a * dh, j * sw + b * dw, :] @ w[a, b]
    return out


def conv2d_transpose_ref(y, w, output_shape, strides, padding, dilations=(1, 1)):
    """Scatter each input pixel times the filter into the output (the textbook 'deconvolution')."""
    kh, kw, cout, _ = w.shape
    n, oh, ow, _ = output_shape
    (pt, pb), (pl, pr) = pads_for(padding, (oh, ow), (kh, kw), strides, dilations)
    out = np.zeros((n, oh + pt + pb, ow + pl + pr, cout))
    for i in range(y.shape[1]):
        for j in range(y.shape[2]):
            for a in range(kh):
                for b in range(kw):
                    out[:, i * strides[0] + a * dilations[0], j * strides[1] + b * dilations[1], :] += \
                        y[:, i, j, :] @ w[a, b].T
    return out[:, pt:pt + oh, pl:pl + ow, :]


def pool2d_ref(x, k, s, padding, kind):
    """Each window clipped to the real pixels (so SAME never sees padding), then max or mean."""
    n, h, w, c = x.shape
    if padding == "SAME":
        oh, ow = -(-h // s[0]), -(-w // s[1])
        pt, pl = same_pad(h, k[0], s[0])[0], same_pad(w, k[1], s[1])[0]
    else:
        oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
        pt = pl = 0
    out = np.zeros((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s[0] - pt, j * s[1] - pl
            win = x[:, max(r0, 0):min(r0 + k[0], h), max(c0, 0):min(c0 + k[1], w), :]
            out[:, i, j, :] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out


def T(a):
    return tf.constant(np.asarray(a))


# -- gradient checks (collected by tests/ops/test_registry.py) ------------------------------------------------
X1, W1 = rand(1, 4, 4, 2), rand(2, 2, 2, 2, seed=1)
X2, W2 = rand(1, 5, 5, 2, seed=2), rand(3, 3, 2, 2, seed=3)
X3, W3 = rand(1, 5, 5, 1, seed=4), rand(2, 2, 1, 2, seed=5)
X4, W4 = rand(2, 7, 2, seed=6), rand(3, 2, 2, seed=7)
XP = rand(1, 5, 5, 2, seed=8)
Y1, WT1 = rand(1, 3, 3, 2, seed=9), rand(3, 3, 2, 2, seed=10)
Y2, WT2 = rand(1, 2, 2, 2, seed=11), rand(2, 2, 1, 2, seed=12)

GRAD_CASES = {
    "extract_patches": [
        GradCase(lambda x, w: C.conv2d(x, w, 1, "VALID"), [X1, W1]),
        GradCase(lambda x, w: C.conv2d(x, w, 2, "SAME"), [X2, W2]),
        GradCase(lambda x, w: C.conv2d(x, w, 1, "VALID", dilations=2), [X3, W3]),
        GradCase(lambda x, w: C.conv2d(x, w, [1, 2, 1, 1], [[0, 0], [1, 0], [0, 2], [0, 0]]), [X1, W1]),
        GradCase(lambda x, w: C.conv1d(x, w, 2, "SAME", dilations=1), [X4, W4]),
        GradCase(lambda x, w: C.conv1d(x, w, 1, "VALID", dilations=2), [X4, W4]),
        GradCase(lambda x: C.avg_pool2d(x, 3, 2, "SAME"), [XP]),
        GradCase(lambda x: C.avg_pool2d(x, [2, 3], [1, 2], "VALID"), [XP]),
        GradCase(lambda x: C.extract_patches(x, [1, 2, 2, 1], [1, 2, 1, 1], [1, 1, 2, 1], "SAME"), [X1]),
        # gradients are made of cornu ops, so they differentiate again (col2im's gradient is patches)
        GradCase(lambda x, w: C.conv2d(x, w, 2, "SAME") ** 2, [X1[:, :3, :3], W1], second_order=True),
    ],
    "max_pool": [
        GradCase(lambda x: C.max_pool2d(x, 3, 2, "SAME"), [XP]),
        GradCase(lambda x: C.max_pool2d(x, 2, 2, "VALID"), [rand(2, 5, 5, 3, seed=15)]),  # no overlap, crop
        GradCase(lambda x: C.max_pool1d(x, 3, 2, "SAME"), [X4]),
        # the gradient's own gradient (in g) makes second order work: (max pool)^2 has a Hessian
        GradCase(lambda x: C.max_pool2d(x, 2, 1, "VALID") ** 2, [rand(1, 4, 4, 2, seed=16)], second_order=True),
    ],
    "max_pool_grad": [
        GradCase(lambda x, g: C._max_pool_grad(x, C._max_pool(x, ksize=(3, 3), strides=(2, 2)), g,
                                               ksize=(3, 3), strides=(2, 2)),
                 [rand(1, 5, 5, 2, seed=17), rand(1, 2, 2, 2, seed=18)], wrt=(1,)),
    ],
    "col2im": [
        GradCase(lambda y, w: C.conv2d_transpose(y, w, [1, 5, 5, 2], 2, "SAME"), [Y1, WT1]),
        GradCase(lambda y, w: C.conv2d_transpose(y, w, [1, 4, 4, 1], 2, "VALID"), [Y2, WT2]),
        GradCase(lambda y, w: C.conv2d_transpose(y, w, [1, 4, 4, 1], 1, "VALID", dilations=2), [Y2, WT2]),
        GradCase(lambda p: C._col2im(p, input_hw=(4, 5), strides=(1, 2), dilations=(1, 1)),
                 [rand(1, 3, 2, 2, 2, 1, seed=13)]),
        GradCase(lambda p: C._col2im(p, input_hw=(5, 5), strides=(2, 2), dilations=(1, 1)),  # no overlap
                 [rand(1, 2, 2, 2, 2, 1, seed=14)]),
    ],
}


@pytest.mark.parametrize("fn,x", [
    (lambda x: C.max_pool2d(x, 2, 2, "VALID"), rand(1, 5, 5, 2, seed=20)),   # reshape path + crop
    (lambda x: C.avg_pool2d(x, 2, 2, "SAME"), rand(1, 5, 4, 1, seed=21)),    # reshape path + padding
    (lambda x: C.avg_pool1d(x, 2, 2, "VALID"), rand(2, 6, 2, seed=22)),
], ids=["max-2x2", "avg-2x2-same", "avg-1d"])
def test_non_overlapping_pool_gradients(fn, x):
    check_grad(GradCase(fn, [x]))


# -- conv2d ------------------------------------------------------------------------------------------------
CONV_CONFIGS = [  # x shape, w shape, strides, padding, dilations
    ((2, 6, 7, 3), (3, 3, 3, 4), (1, 1), "VALID", (1, 1)),
    ((2, 6, 7, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((1, 7, 8, 2), (3, 2, 2, 3), (2, 3), "SAME", (1, 1)),
    ((1, 8, 8, 2), (2, 2, 2, 3), (2, 2), "SAME", (1, 1)),   # even kernel: asymmetric SAME padding
    ((1, 9, 9, 2), (3, 3, 2, 2), (1, 1), "SAME", (2, 3)),
    ((1, 9, 9, 2), (3, 3, 2, 2), (2, 1), "VALID", (2, 2)),
    ((2, 5, 5, 4), (1, 1, 4, 3), (1, 1), "VALID", (1, 1)),  # 1x1 fast path
    ((2, 5, 5, 4), (1, 1, 4, 3), (2, 2), "SAME", (1, 1)),
    ((1, 5, 6, 2), (2, 3, 2, 2), (1, 2), [[0, 0], [2, 1], [0, 3], [0, 0]], (1, 1)),
]


@pytest.mark.parametrize("xs,ws,strides,padding,dil", CONV_CONFIGS)
def test_conv2d_matches_reference(xs, ws, strides, padding, dil):
    x, w = rand(*xs, seed=1), rand(*ws, seed=2)
    out = C.conv2d(T(x), T(w), list(strides), padding, dilations=list(dil))
    np.testing.assert_allclose(out.numpy(), conv2d_ref(x, w, strides, padding, dil), rtol=1e-12, atol=1e-12)
    out32 = C.conv2d(T(x.astype(np.float32)), T(w.astype(np.float32)), list(strides), padding,
                     dilations=list(dil))
    assert out32.dtype == tf.float32
    np.testing.assert_allclose(out32.numpy(), conv2d_ref(x, w, strides, padding, dil), rtol=1e-5, atol=1e-5)


def test_conv2d_same_padding_goes_bottom_right_like_tf():
    # 4x4 image 1..16, 3x3 ones, stride 2, SAME: TF pads 0 rows on top and 1 at the bottom (likewise
    # columns), so the windows start at rows/cols 0 and 2. Sums worked out by hand.
    x = np.arange(1.0, 17.0).reshape(1, 4, 4, 1)
    out = C.conv2d(T(x), T(np.ones((3, 3, 1, 1))), 2, "SAME")
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], [[54, 45], [72, 54]])


def test_conv2d_stride_forms_and_noncontiguous_input():
    x, w = rand(2, 6, 6, 3), rand(3, 3, 3, 2, seed=1)
    ref = conv2d_ref(x, w, (2, 2), "SAME")
    for strides in (2, [2], [2, 2], [1, 2, 2, 1], (2, 2)):
        np.testing.assert_allclose(C.conv2d(T(x), T(w), strides, "SAME").numpy(), ref, rtol=1e-12)
    xt = tf.transpose(T(x.transpose(0, 2, 1, 3)), [0, 2, 1, 3])  # same values, transposed strides
    np.testing.assert_allclose(C.conv2d(xt, T(w), 2, "SAME").numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(C.conv2d(x.tolist(), w.tolist(), 2, "SAME").numpy(), ref, rtol=1e-5)
    np.testing.assert_allclose(C.conv2d(x.tolist(), T(w), 2, "SAME").numpy(), ref, rtol=1e-12)


def test_conv2d_gradients_with_a_tape_in_float32():
    x = tf.constant(rand(2, 6, 6, 3).astype(np.float32))
    w = tf.Variable(rand(3, 3, 3, 4, seed=1).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_sum(C.conv2d(x, w, 1, "SAME") ** 2)
    gx, gw = tape.gradient(y, [x, w])
    assert gx.shape == x.shape and gw.shape == w.shape and gw.dtype == tf.float32
    # d/dw sum(conv^2) = 2 * sum over positions of patch * conv (checked against the float64 loops)
    x64, w64 = x.numpy().astype(np.float64), w.numpy().astype(np.float64)
    y64 = conv2d_ref(x64, w64, (1, 1), "SAME")
    xp = np.pad(x64, [(0, 0), (1, 1), (1, 1), (0, 0)])
    ref = np.zeros_like(w64)
    for a in range(3):
        for b in range(3):
            ref[a, b] = 2 * np.einsum("nijc,nijf->cf", xp[:, a:a + 6, b:b + 6, :], y64)
    np.testing.assert_allclose(gw.numpy(), ref, rtol=1e-4, atol=1e-4)


# -- conv2d_transpose ----------------------------------------------------------------------------------------
TRANSPOSE_CONFIGS = [  # output shape, filter (KH, KW, out, in), strides, padding, dilations
    ((2, 6, 6, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((2, 8, 8, 3), (3, 3, 3, 4), (2, 2), "SAME", (1, 1)),
    ((1, 7, 9, 2), (3, 3, 2, 3), (2, 2), "SAME", (1, 1)),    # odd sizes: SAME maps 7 and 8 to 4
    ((1, 7, 8, 2), (2, 3, 2, 3), (2, 3), "VALID", (1, 1)),   # strides leave uncovered rows/cols
    ((1, 9, 9, 2), (3, 3, 2, 2), (1, 2), "VALID", (2, 1)),
    ((1, 6, 6, 2), (2, 2, 2, 2), (2, 2), "VALID", (1, 1)),   # non-overlapping windows
    ((1, 5, 6, 2), (2, 3, 2, 2), (1, 2), [[0, 0], [2, 1], [0, 3], [0, 0]], (1, 1)),
]


@pytest.mark.parametrize("out_shape,ws,strides,padding,dil", TRANSPOSE_CONFIGS)
def test_conv2d_transpose_is_the_adjoint_of_conv2d(out_shape, ws, strides, padding, dil):
    x, w = rand(*out_shape, seed=3), rand(*ws, seed=4)
    # conv2d sees the transpose's filter as (KH, KW, in=out_channels, out=in_channels)
    y_shape = conv2d_ref(x, w, strides, padding, dil).shape
    y = rand(*y_shape, seed=5)
    conv = C.conv2d(T(x), T(w), list(strides), padding, dilations=list(dil))
    tconv = C.conv2d_transpose(T(y), T(w), list(out_shape), list(strides), padding, dilations=list(dil))
    assert tconv.shape == out_shape
    np.testing.assert_allclose(np.sum(conv.numpy() * y), np.sum(x * tconv.numpy()), rtol=1e-12)
    np.testing.assert_allclose(tconv.numpy(), conv2d_transpose_ref(y, w, out_shape, strides, padding, dil),
                               rtol=1e-12, atol=1e-12)


def test_conv2d_transpose_defaults_and_tensor_output_shape():
    y, w = rand(1, 4, 4, 8), rand(3, 3, 3, 8, seed=1)
    out = C.conv2d_transpose(T(y), T(w), tf.constant([1, 8, 8, 3]), 2)  # padding defaults to 'SAME'
    np.testing.assert_allclose(out.numpy(), conv2d_transpose_ref(y, w, (1, 8, 8, 3), (2, 2), "SAME"),
                               rtol=1e-12)


# -- pooling -------------------------------------------------------------------------------------------------
POOL_CONFIGS = [  # x shape, ksize, strides, padding
    ((2, 6, 6, 3), (2, 2), (2, 2), "VALID"),
    ((2, 7, 5, 3), (2, 2), (2, 2), "VALID"),   # odd sizes: last row/col dropped
    ((2, 7, 5, 3), (2, 2), (2, 2), "SAME"),    # ... or padded
    ((1, 7, 7, 2), (3, 3), (2, 2), "VALID"),   # overlapping windows
    ((1, 7, 8, 2), (3, 3), (2, 2), "SAME"),
    ((1, 6, 6, 2), (3, 2), (1, 3), "SAME"),
    ((1, 5, 5, 1), (1, 1), (2, 2), "SAME"),    # window smaller than the stride
    ((1, 4, 4, 2), (4, 4), (1, 1), "SAME"),    # window bigger than half the image
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("xs,k,s,padding", POOL_CONFIGS)
def test_pool2d_matches_reference(xs, k, s, padding, kind):
    x = rand(*xs, seed=6)
    fn = C.max_pool2d if kind == "max" else C.avg_pool2d
    out = fn(T(x), list(k), list(s), padding)
    np.testing.assert_allclose(out.numpy(), pool2d_ref(x, k, s, padding, kind), rtol=1e-12, atol=1e-15)
    generic = C.max_pool if kind == "max" else C.avg_pool
    np.testing.assert_allclose(generic(T(x), [1, *k, 1], [1, *s, 1], padding).numpy(), out.numpy())


def test_avg_pool_same_averages_only_real_pixels_like_tf():
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    out = C.avg_pool2d(T(x), 2, 2, "SAME").numpy()[0, :, :, 0]
    np.testing.assert_allclose(out, [[3.0, 4.5], [7.5, 9.0]])


def test_max_pool_same_ignores_padding_for_negative_inputs_and_integers():
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    np.testing.assert_array_equal(C.max_pool2d(T(x), 2, 2, "SAME").numpy()[0, :, :, 0],
                                  [[-1, -3], [-7, -9]])
    xi = tf.constant((-np.arange(1, 10)).reshape(1, 3, 3, 1).astype(np.int32))
    out = C.max_pool2d(xi, 2, 2, "SAME")
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], [[-1, -3], [-7, -9]])


def test_max_pool_gradient_goes_to_the_maximum():
    x = tf.constant(np.array([[1.0, 5.0], [3.0, 2.0]]).reshape(1, 2, 2, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = C.max_pool2d(x, 2, 2, "VALID")
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().reshape(2, 2), [[0, 1], [0, 0]])


# -- 1-D variants ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,dil", [(1, "VALID", 1), (2, "SAME", 1), (1, "SAME", 2), (3, "VALID", 2)])
def test_conv1d_matches_reference(stride, padding, dil):
    x, w = rand(2, 9, 3, seed=7), rand(3, 3, 4, seed=8)
    out = C.conv1d(T(x), T(w), stride, padding, dilations=dil)
    ref = conv2d_ref(x[:, None], w[None], (1, stride), padding, (1, dil))[:, 0]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    # ... and by direct loops over output positions
    if padding == "VALID":
        ow = (9 - dil * 2 - 1) // stride + 1
        direct = np.stack([sum(x[:, i * stride + b * dil] @ w[b] for b in range(3)) for i in range(ow)], 1)
        np.testing.assert_allclose(out.numpy(), direct, rtol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("k,s,padding", [(2, 2, "VALID"), (3, 2, "SAME"), (2, 1, "SAME"), (3, 3, "SAME")])
def test_pool1d_matches_reference(k, s, padding, kind):
    x = rand(2, 8, 3, seed=9)
    fn = C.max_pool1d if kind == "max" else C.avg_pool1d
    out = fn(T(x), k, s, padding)
    ref = pool2d_ref(x[:, None], (1, k), (1, s), padding, kind)[:, 0]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    generic = C.max_pool if kind == "max" else C.avg_pool
    np.testing.assert_allclose(generic(T(x), [k], [s], padding).numpy(), ref, rtol=1e-12)


# -- extract_patches (tf.image.extract_patches) and the primitives' shape rules --------------------------------
def test_image_extract_patches_layout_matches_tf():
    x = rand(1, 5, 6, 2)
    out = C.extract_patches(T(x), [1, 3, 2, 1], [1, 2, 2, 1], [1, 1, 2, 1], "VALID").numpy()
    assert out.shape == (1, 2, 2, 12)
    for i in range(2):
        for j in range(2):
            window = x[0, 2 * i:2 * i + 3, 2 * j:2 * j + 3:2, :]  # rows 3 x cols 2 (rate 2), then depth
            np.testing.assert_array_equal(out[0, i, j], window.reshape(-1))


def test_primitive_shape_rules_allow_unknown_dims():
    spec = C._extract_patches.shape(Spec((None, 7, None, 3), tf.float32), ksize=(3, 2), strides=(2, 1),
                                    dilations=(1, 2))
    assert spec == Spec((None, 3, None, 3, 2, 3), tf.float32)
    spec = C._col2im.shape(Spec((None, 3, 4, 3, 2, 5), tf.float32), input_hw=(7, 8), strides=(2, 2),
                           dilations=(1, 1))
    assert spec == Spec((None, 7, 8, 5), tf.float32)


def test_patches_are_a_read_only_view_not_a_copy():
    x = tf.constant(rand(1, 6, 6, 2))
    p = C._extract_patches(x, ksize=(3, 3), strides=(1, 1), dilations=(1, 1))
    assert np.shares_memory(p._value, x._value) and not p._value.flags.writeable


# -- errors ------------------------------------------------------------------------------------------------------
def test_error_messages_name_op_argument_and_shapes():
    err = tf.errors.InvalidArgumentError
    x, w = tf.zeros((1, 5, 5, 3)), tf.zeros((3, 3, 4, 8))
    with pytest.raises(err, match=r"^conv2d: input has 3 channels but filter expects 4 \(input shape "
                                  r"\(1, 5, 5, 3\), filter shape \(3, 3, 4, 8\)\)$"):
        C.conv2d(x, w, 1, "SAME")
    with pytest.raises(err, match=r"conv2d: padding must be 'VALID' or 'SAME'.*'same'.*'SAME'"):
        C.conv2d(x, tf.zeros((3, 3, 3, 8)), 1, "same")
    with pytest.raises(err, match=r"conv2d: strides must be .* 1, 2 or 4 ints, got \[1, 1, 1\]"):
        C.conv2d(x, tf.zeros((3, 3, 3, 8)), [1, 1, 1], "SAME")
    with pytest.raises(err, match=r"conv2d: strides \[2, 1, 1, 1\] must be 1 in the batch"):
        C.conv2d(x, tf.zeros((3, 3, 3, 8)), [2, 1, 1, 1], "SAME")
    with pytest.raises(err, match=r"conv2d: dilations must be positive"):
        C.conv2d(x, tf.zeros((3, 3, 3, 8)), 1, "SAME", dilations=0)
    with pytest.raises(err, match=r"conv2d: the filter window \(7x7, dilations included\) is larger than "
                                  r"the padded input \(5x5\).*filter shape \(4, 4, 3, 8\)"):
        C.conv2d(x, tf.zeros((4, 4, 3, 8)), 1, "VALID", dilations=2)
    with pytest.raises(err, match=r"conv2d: input must have rank 4.*got shape \(5, 5, 3\)"):
        C.conv2d(tf.zeros((5, 5, 3)), tf.zeros((3, 3, 3, 8)), 1, "SAME")
    with pytest.raises(err, match=r"conv2d: input is float32 but filters is float64"):
        C.conv2d(x, tf.constant(np.zeros((3, 3, 3, 8))), 1, "SAME")
    with pytest.raises(err, match=r"conv2d: explicit padding must be"):
        C.conv2d(x, tf.zeros((3, 3, 3, 8)), 1, [[1, 1], [1, 1], [0, 0], [0, 0]])
    with pytest.raises(err, match=r"conv1d: input has 2 channels but filter expects 3 \(input shape "
                                  r"\(1, 9, 2\), filter shape \(3, 3, 4\)\)"):
        C.conv1d(tf.zeros((1, 9, 2)), tf.zeros((3, 3, 4)), 1, "VALID")
    with pytest.raises(err, match=r"conv1d: the filter window \(5, dilations included\) is larger than the "
                                  r"padded input \(4\) \(input shape \(1, 4, 2\)"):
        C.conv1d(tf.zeros((1, 4, 2)), tf.zeros((3, 2, 4)), 1, "VALID", dilations=2)
    with pytest.raises(err, match=r"max_pool2d: the pooling window \(3x3.*\(2x2\).*ksize \[3, 3\]"):
        C.max_pool2d(tf.zeros((1, 2, 2, 1)), 3, 1, "VALID")
    with pytest.raises(err, match=r"max_pool1d: the pooling window \(3, .*\(2\).*input shape \(1, 2, 1\)"):
        C.max_pool1d(tf.zeros((1, 2, 1)), 3, 1, "VALID")
    with pytest.raises(err, match=r"avg_pool2d: expected a floating-point input, got int32"):
        C.avg_pool2d(tf.zeros((1, 4, 4, 1), tf.int32), 2, 2, "VALID")
    with pytest.raises(err, match=r"max_pool: input must have rank 3 .* or 4 .*got shape \(4, 4\)"):
        C.max_pool(tf.zeros((4, 4)), 2, 2, "VALID")
    with pytest.raises(tf.errors.UnimplementedError, match=r"avg_pool: 3-D pooling"):
        C.avg_pool(tf.zeros((1, 4, 4, 4, 1)), 2, 2, "VALID")
    with pytest.raises(err, match=r"max_pool2d: ksize must be .* 1, 2 or 4 ints, got \[2, 2, 2\]"):
        C.max_pool2d(tf.zeros((1, 4, 4, 1)), [2, 2, 2], 2, "VALID")


def test_channels_first_is_refused_clearly():
    for call in (lambda: C.conv2d(tf.zeros((1, 3, 5, 5)), tf.zeros((3, 3, 3, 8)), 1, "SAME", "NCHW"),
                 lambda: C.max_pool2d(tf.zeros((1, 3, 5, 5)), 2, 2, "SAME", data_format="NCHW"),
                 lambda: C.conv1d(tf.zeros((1, 3, 5)), tf.zeros((3, 3, 8)), 1, "SAME", "NCW")):
        with pytest.raises(tf.errors.UnimplementedError, match=r"data_format '(NCHW|NCW)' .* not supported"):
            call()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"data_format must be 'NHWC', got 'HWNC'"):
        C.avg_pool2d(tf.zeros((1, 5, 5, 3)), 2, 2, "SAME", data_format="HWNC")


def test_conv2d_transpose_errors():
    err = tf.errors.InvalidArgumentError
    y = tf.zeros((1, 4, 4, 8))
    with pytest.raises(err, match=r"conv2d_transpose: input has 8 channels but filter expects 5"):
        C.conv2d_transpose(y, tf.zeros((3, 3, 3, 5)), [1, 8, 8, 3], 2)
    with pytest.raises(err, match=r"conv2d_transpose: output_shape must be \[batch=1, height, width, "
                                  r"out_channels=3\], got \[1, 8, 8, 4\]"):
        C.conv2d_transpose(y, tf.zeros((3, 3, 3, 8)), [1, 8, 8, 4], 2)
    with pytest.raises(err, match=r"conv2d_transpose: output_shape \[1, 9, 12, 3\] with strides \[2, 2\] "
                                  r"and padding 'SAME' convolves to 5x6, but the input is 4x4"):
        C.conv2d_transpose(y, tf.zeros((3, 3, 3, 8)), [1, 9, 12, 3], 2)


@pytest.mark.parametrize("strides, dilations, hw", [((1, 1), (1, 1), (9, 10)), ((2, 2), (1, 1), (11, 11)),
                                                    ((1, 1), (2, 2), (10, 9)), ((2, 1), (1, 2), (11, 10)),
                                                    ((3, 3), (1, 1), (9, 9))])  # the last: no overlap
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_col2im_equals_numpy_col2im(monkeypatch, strides, dilations, hw, dtype):
    from cornu.backend import cjit, kernels
    from cornu.ops import conv_ops
    if not cjit.available():
        pytest.skip("no C compiler")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3,) + hw + (4,)).astype(dtype)
    shape = conv_ops._extract_patches.forward(np, x, ksize=(3, 3), strides=strides, dilations=dilations).shape
    p = rng.normal(size=shape).astype(dtype)
    attrs = {"input_hw": hw, "strides": strides, "dilations": dilations}
    compiled = conv_ops._col2im.forward(np, p, **attrs)
    kept = np.full_like(compiled, np.nan)  # a dirty buffer offered by the executor is overwritten
    np.testing.assert_array_equal(conv_ops._col2im.forward(np, p, out=kept, **attrs), compiled)
    monkeypatch.setattr(kernels, "_kernel", lambda *a: None)
    np.testing.assert_array_equal(compiled, conv_ops._col2im.forward(np, p, **attrs))


@pytest.mark.parametrize("ksize, strides, hw", [((2, 2), (2, 2), (8, 9)), ((3, 3), (2, 2), (9, 9)),
                                                ((3, 2), (1, 1), (7, 6))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_max_pool_equals_numpy_max_pool(monkeypatch, ksize, strides, hw, dtype):
    """Kernel and NumPy fallback agree bit for bit, with ties (integers in floats) and a NaN."""
    from cornu.backend import cjit, kernels
    if not cjit.available():
        pytest.skip("no C compiler")
    rng = np.random.default_rng(6)
    x = rng.integers(0, 3, size=(3,) + hw + (5,)).astype(dtype)  # many ties
    x[0, 1, 1, 0] = np.nan
    attrs = {"ksize": ksize, "strides": strides}
    y = C._max_pool.forward(np, x, **attrs)
    g = rng.normal(size=y.shape).astype(dtype)
    dx = C._max_pool_grad.forward(np, x, y, g, **attrs)
    monkeypatch.setattr(kernels, "_kernel", lambda *a: None)
    with np.errstate(invalid="ignore", divide="ignore"):  # the NaN window: no pixel equals its max
        np.testing.assert_array_equal(y, C._max_pool.forward(np, x, **attrs))
        np.testing.assert_array_equal(dx, C._max_pool_grad.forward(np, x, y, g, **attrs))
    assert np.isnan(y[0, 0, 0, 0])


def test_max_pool_gradient_splits_ties_and_sums_overlaps():
    x = tf.constant(np.array([[1.0, 3.0, 3.0], [0.0, 2.0, 1.0], [3.0, 0.0, 0.0]]).reshape(1, 3, 3, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = C.max_pool2d(x, 2, 1, "VALID")  # windows' maxima: 3 3 / 3 2
    dx = tape.gradient(y, x).numpy()[0, :, :, 0]
    # window (0,0): its 3 is at (0,1); window (0,1): 3s at (0,1) and (0,2), half each;
    # window (1,0): its 3 is at (2,0); window (1,1): its 2 at (1,1)
    np.testing.assert_array_equal(dx, [[0, 1.5, 0.5], [0, 1, 0], [1, 0, 0]])


def _matmul_col2im_case():
    from cornu.core.registry import apply
    a = tf.constant(rand(2 * 3 * 4, 5, seed=30))            # output gradients of 2 images, 3x4 positions
    b = tf.constant(rand(2 * 2 * 3, 5, seed=31))            # a 2x2 filter over 3 channels, 5 filters
    return apply(C._matmul_col2im, (a, b), {"patch_shape": (2, 3, 4, 2, 2, 3), "input_hw": (4, 5),
                                            "strides": (1, 1), "dilations": (1, 1)})


SHAPE_CASES = {"matmul_col2im": [_matmul_col2im_case]}


def test_matmul_col2im_equals_col2im_of_the_product(monkeypatch):
    a, b = rand(2 * 3 * 4, 5, seed=30), rand(2 * 2 * 3, 5, seed=31)
    expected = C._col2im.forward(np, (a @ b.T).reshape(2, 3, 4, 2, 2, 3), input_hw=(4, 5), strides=(1, 1),
                                 dilations=(1, 1))
    monkeypatch.setattr(C, "_PATCH_CHUNK_BYTES", 1)  # one image per chunk
    np.testing.assert_allclose(_matmul_col2im_case().numpy(), expected, rtol=1e-12)
