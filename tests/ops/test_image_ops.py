"""Image ops: resize against TF's half-pixel formula written out by hand, flips/rotations/crops against
NumPy, projective transforms against a padded-image bilinear sampler, and gradient checks (collected by
tests/ops/test_registry.py) through the gathers that move the pixels."""
import numpy as np
import pytest

import cornu as tf
from cornu.ops import image_ops as I
from tests.gradcheck import GradCase, rand


# -- independent references -----------------------------------------------------------------------------
def resize_bilinear_ref(x, oh, ow):
    """TF's ResizeBilinear (half_pixel_centers=True), one output pixel at a time."""
    n, h, w, c = x.shape
    out = np.zeros((n, oh, ow, c))

    def weights(i, in_size, out_size):
        pos = (i + 0.5) * in_size / out_size - 0.5
        lo = int(np.floor(pos))
        frac = pos - lo
        return max(lo, 0), min(int(np.ceil(pos)), in_size - 1), frac

    for i in range(oh):
        y0, y1, fy = weights(i, h, oh)
        for j in range(ow):
            x0, x1, fx = weights(j, w, ow)
            top = x[:, y0, x0] * (1 - fx) + x[:, y0, x1] * fx
            bottom = x[:, y1, x0] * (1 - fx) + x[:, y1, x1] * fx
            out[:, i, j] = top * (1 - fy) + bottom * fy
    return out


def resize_nearest_ref(x, oh, ow):
    """TF's ResizeNearestNeighbor (half_pixel_centers=True): floor((i + 0.5) * scale), clamped."""
    h, w = x.shape[1:3]
    rows = [min(int(np.floor((i + 0.5) * h / oh)), h - 1) for i in range(oh)]
    cols = [min(int(np.floor((j + 0.5) * w / ow)), w - 1) for j in range(ow)]
    return x[:, rows][:, :, cols]


NP_PAD_MODE = {"constant": "constant", "nearest": "edge", "reflect": "symmetric", "wrap": "wrap",
               "mirror": "reflect"}


def transform_ref(x, t, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Sample a padded copy of each image (np.pad does the fill mode) at TF's projective coordinates."""
    n, h, w, c = x.shape
    t = np.broadcast_to(np.asarray(t, np.float64).reshape(-1, 8), (n, 8))
    p = 3 * max(h, w)
    out = np.zeros(x.shape)
    for b in range(n):
        kw = {"constant_values": fill_value} if fill_mode == "constant" else {}
        padded = np.pad(x[b], [(p, p), (p, p), (0, 0)], mode=NP_PAD_MODE[fill_mode], **kw)
        a0, a1, a2, b0, b1, b2, c0, c1 = t[b]
        for i in range(h):
            for j in range(w):
                k = c0 * j + c1 * i + 1
                xi, yi = (a0 * j + a1 * i + a2) / k + p, (b0 * j + b1 * i + b2) / k + p
                if interpolation == "nearest":
                    out[b, i, j] = padded[int(np.floor(yi + 0.5)), int(np.floor(xi + 0.5))]
                    continue
                y0, x0 = int(np.floor(yi)), int(np.floor(xi))
                fy, fx = yi - y0, xi - x0
                out[b, i, j] = ((1 - fy) * ((1 - fx) * padded[y0, x0] + fx * padded[y0, x0 + 1])
                                + fy * ((1 - fx) * padded[y0 + 1, x0] + fx * padded[y0 + 1, x0 + 1]))
    return out


def rotation(angle, h, w):
    """Keras's rotation transform (about the image centre, counter-clockwise)."""
    c, s = np.cos(angle), np.sin(angle)
    x_off = ((w - 1) - (c * (w - 1) - s * (h - 1))) / 2
    y_off = ((h - 1) - (s * (w - 1) + c * (h - 1))) / 2
    return [c, -s, x_off, s, c, y_off, 0, 0]


def images(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 10, size=shape)


# -- gradient and shape cases (collected by tests/ops/test_registry.py) ----------------------------------
T_ROT = rotation(0.4, 4, 3)
T_PROJ = [0.9, 0.2, 0.3, -0.1, 1.1, -0.4, 0.02, -0.03]

GRAD_CASES = {
    "gather": [
        GradCase(lambda x: I.resize(x, (5, 4)), [rand(1, 3, 2, 2, seed=1)], second_order=True),
        GradCase(lambda x: I.resize(x, (2, 3)), [rand(2, 5, 4, 1, seed=2)]),
        GradCase(lambda x: I.resize(x, (5, 3), method="nearest"), [rand(1, 3, 4, 2, seed=3)]),
        GradCase(lambda x: I.smart_resize(x, (3, 3)), [rand(1, 4, 6, 1, seed=4)]),
        GradCase(lambda x: I.affine_transform(x, T_ROT, fill_mode="reflect"), [rand(2, 4, 3, 2, seed=5)],
                 second_order=True),
        GradCase(lambda x: I.affine_transform(x, T_PROJ, fill_mode="constant", fill_value=0.5),
                 [rand(1, 4, 4, 1, seed=6)]),
        GradCase(lambda x: I.affine_transform(x, T_ROT, interpolation="nearest", fill_mode="wrap"),
                 [rand(1, 4, 3, 1, seed=7)]),
        GradCase(lambda x: I.crop_along(I.crop_along(x, 0, 2, tf.constant(0.5)), 1, 3, tf.constant(0.9)),
                 [rand(4, 5, 1, seed=8)]),
    ],
}

SHAPE_CASES = {
    "image_sample_points": [
        lambda: I.affine_transform(tf.constant(images(2, 4, 5, 1)), [T_ROT, T_PROJ], output_shape=(3, 6)),
        lambda: I.affine_transform(tf.constant(images(4, 5, 2)), T_PROJ, interpolation="nearest"),
    ],
    "augment_uniform": [
        lambda: I.augment_uniform(tf.ones((3, 2)), (2,), 0.0, 1.0, I.SeedStream(1)),
        lambda: I.augment_uniform(tf.ones((3, 2)), (), -1.0, 1.0, I.SeedStream(None), per_example=False),
    ],
}


# -- resize ----------------------------------------------------------------------------------------------
def test_resize_bilinear_by_hand():
    # 2x2 -> 4x4: sample positions -0.25, 0.25, 0.75, 1.25 clamp to 0, .25, .75, 1 along each axis
    x = tf.constant([[[0.0], [1.0]], [[2.0], [3.0]]])
    r = np.array([0, 0.25, 0.75, 1])
    np.testing.assert_allclose(tf.image.resize(x, (4, 4))[:, :, 0].numpy(), 2 * r[:, None] + r[None, :])
    # 2x2 -> 3x3: positions -1/6, 1/2, 7/6 -> 0, 0.5, 1 (TF gives [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]])
    y = tf.image.resize(tf.constant([[[1.0], [2.0]], [[3.0], [4.0]]]), (3, 3))
    np.testing.assert_allclose(y[:, :, 0].numpy(), [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]])
    # 4 -> 2 halves: positions 0.5 and 2.5, the mean of each pair
    z = tf.image.resize(tf.constant(np.arange(4.0).reshape(1, 4, 1)), (1, 2))
    np.testing.assert_allclose(z.numpy().ravel(), [0.5, 2.5])


@pytest.mark.parametrize("size", [(5, 7), (2, 3), (3, 3), (1, 1), (7, 2)])
def test_resize_bilinear_matches_reference(size):
    x = images(2, 3, 4, 2)
    out = tf.image.resize(tf.constant(x), size)
    assert out.dtype == tf.float64 and out.shape == (2,) + size + (2,)
    np.testing.assert_allclose(out.numpy(), resize_bilinear_ref(x, *size), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [(5, 7), (2, 3), (6, 8), (1, 1)])
def test_resize_nearest_matches_reference_and_keeps_dtype(size):
    x = np.random.default_rng(1).integers(0, 255, size=(2, 3, 4, 3)).astype(np.uint8)
    out = tf.image.resize(x, size, method="nearest")
    assert out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy(), resize_nearest_ref(x, *size))
    assert tf.image.resize(x, size, method=tf.image.ResizeMethod.NEAREST_NEIGHBOR).dtype == tf.uint8


def test_resize_single_image_integer_input_and_aspect_ratio():
    x = np.random.default_rng(2).integers(0, 255, size=(4, 6, 1)).astype(np.uint8)
    out = tf.image.resize(x, (2, 3))
    assert out.dtype == tf.float32 and out.shape == (2, 3, 1)
    np.testing.assert_allclose(out.numpy(), resize_bilinear_ref(x[None].astype(float), 2, 3)[0], rtol=1e-6)
    assert tf.image.resize(x, (8, 8), preserve_aspect_ratio=True).shape == (5, 8, 1)  # 4x6 * 4/3
    assert tf.image.resize(x, (2, 2), preserve_aspect_ratio=True).shape == (1, 2, 1)


def test_resize_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="3-D .* or 4-D"):
        tf.image.resize(tf.ones((4, 4)), (2, 2))
    with pytest.raises(tf.errors.InvalidArgumentError, match="size must be 2 positive"):
        tf.image.resize(tf.ones((4, 4, 1)), (0, 2))
    with pytest.raises(tf.errors.UnimplementedError, match="bicubic"):
        tf.image.resize(tf.ones((4, 4, 1)), (2, 2), method="bicubic")


def test_smart_resize_crops_the_centre_to_the_aspect_ratio():
    x = images(1, 4, 8, 1)
    np.testing.assert_allclose(I.smart_resize(tf.constant(x), (2, 2)).numpy(),
                               resize_bilinear_ref(x[:, :, 2:6], 2, 2))


# -- flips, rotations, crops -----------------------------------------------------------------------------
def test_flips_transpose_rot90_match_numpy():
    x = images(2, 3, 4, 2)
    np.testing.assert_array_equal(tf.image.flip_left_right(x).numpy(), x[:, :, ::-1])
    np.testing.assert_array_equal(tf.image.flip_up_down(x).numpy(), x[:, ::-1])
    np.testing.assert_array_equal(tf.image.flip_left_right(x[0]).numpy(), x[0, :, ::-1])
    np.testing.assert_array_equal(tf.image.transpose(x).numpy(), x.transpose(0, 2, 1, 3))
    for k in range(-1, 5):
        np.testing.assert_array_equal(tf.image.rot90(x[0], k).numpy(), np.rot90(x[0], k))
        np.testing.assert_array_equal(tf.image.rot90(x, k).numpy(), np.rot90(x, k, axes=(1, 2)))


def test_crops_and_pads():
    x = images(2, 5, 7, 1)
    # TF: border int((size - size * fraction) / 2) = 1 row and 1 column (of 5x7 at 0.5)
    np.testing.assert_array_equal(tf.image.central_crop(x, 0.5).numpy(), x[:, 1:4, 1:6])
    np.testing.assert_array_equal(tf.image.central_crop(x[0], 1.0).numpy(), x[0])
    np.testing.assert_array_equal(tf.image.crop_to_bounding_box(x, 1, 2, 3, 4).numpy(), x[:, 1:4, 2:6])
    np.testing.assert_array_equal(tf.image.pad_to_bounding_box(x, 1, 2, 7, 10).numpy(),
                                  np.pad(x, [(0, 0), (1, 1), (2, 1), (0, 0)]))
    np.testing.assert_array_equal(tf.image.resize_with_crop_or_pad(x, 3, 9).numpy(),
                                  np.pad(x[:, 1:4], [(0, 0), (0, 0), (1, 1), (0, 0)]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not fit"):
        tf.image.crop_to_bounding_box(x, 3, 0, 3, 7)
    with pytest.raises(tf.errors.InvalidArgumentError, match="central_fraction"):
        tf.image.central_crop(x, 0.0)


def test_random_crop_is_a_window_and_seeded():
    x = np.arange(6 * 7 * 2, dtype=np.float32).reshape(6, 7, 2)
    windows = {(i, j): x[i:i + 3, j:j + 4] for i in range(4) for j in range(4)}
    seen = set()
    tf.random.set_seed(0)
    for _ in range(20):
        out = tf.image.random_crop(x, (3, 4, 2)).numpy()
        match = [key for key, w in windows.items() if np.array_equal(w, out)]
        assert len(match) == 1
        seen.add(match[0])
    assert len(seen) > 4
    tf.random.set_seed(3)
    a = [tf.image.random_crop(x, (3, 4, 2)).numpy() for _ in range(3)]
    tf.random.set_seed(3)
    b = [tf.image.random_crop(x, (3, 4, 2)).numpy() for _ in range(3)]
    np.testing.assert_array_equal(a, b)


def test_random_flips_choose_per_image():
    x = images(40, 2, 3, 1)
    out = tf.image.random_flip_left_right(x, seed=4).numpy()
    flipped = [np.array_equal(o, im[:, ::-1]) for o, im in zip(out, x)]
    kept = [np.array_equal(o, im) for o, im in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and 5 < sum(flipped) < 35
    out = tf.image.random_flip_up_down(x[0], seed=1).numpy()
    assert np.array_equal(out, x[0]) or np.array_equal(out, x[0, ::-1])


# -- values ----------------------------------------------------------------------------------------------
def test_adjust_contrast_brightness_standardization_grayscale():
    x = images(2, 3, 4, 3)
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(tf.image.adjust_contrast(x, 1.7).numpy(), (x - mean) * 1.7 + mean)
    np.testing.assert_allclose(tf.image.adjust_brightness(x, 0.25).numpy(), x + 0.25)
    flat = x.reshape(2, -1)
    std = np.maximum(flat.std(axis=1), 1 / np.sqrt(flat.shape[1]))
    expected = (flat - flat.mean(axis=1, keepdims=True)) / std[:, None]
    np.testing.assert_allclose(tf.image.per_image_standardization(x).numpy().reshape(2, -1), expected)
    np.testing.assert_allclose(tf.image.rgb_to_grayscale(x).numpy(),
                               (x @ np.array([0.2989, 0.5870, 0.1140]))[..., None])
    np.testing.assert_array_equal(tf.image.grayscale_to_rgb(x[..., :1]).numpy(), np.repeat(x[..., :1], 3, -1))


def test_integer_images_convert_through_floats():
    x = np.array([[[0], [100], [255]]], np.uint8)
    np.testing.assert_allclose(tf.image.convert_image_dtype(x, tf.float32).numpy(), x / 255, rtol=1e-6)
    back = tf.image.convert_image_dtype(tf.constant([[[0.0], [0.5], [1.0]]]), tf.uint8)
    np.testing.assert_array_equal(back.numpy().ravel(), [0, 127, 255])
    # in [0, 1] units: mean 0.46405; 100/255 -> 0.32026, back as TF does: int(0.32026 * 255.5) = 81
    out = tf.image.adjust_contrast(x, 2.0)
    assert out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy().ravel(), [0, 81, 255])


# -- projective transforms -------------------------------------------------------------------------------
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "wrap", "mirror"])
@pytest.mark.parametrize("dy,dx", [(1, 2), (-2, 1), (0, -3), (5, 0)])
def test_whole_pixel_translation_is_a_shift_with_the_fill_mode(fill_mode, dy, dx):
    x = images(1, 4, 5, 2)
    out = tf.image.affine_transform(x, [1, 0, -dx, 0, 1, -dy, 0, 0], fill_mode=fill_mode, fill_value=-1.0)
    p = 8
    kw = {"constant_values": -1.0} if fill_mode == "constant" else {}
    padded = np.pad(x[0], [(p, p), (p, p), (0, 0)], mode=NP_PAD_MODE[fill_mode], **kw)
    np.testing.assert_allclose(out.numpy()[0], padded[p - dy:p - dy + 4, p - dx:p - dx + 5], atol=1e-12)


def test_rotation_by_quarter_turns_is_rot90():
    x = images(2, 5, 5, 3)
    for k in (1, 2, 3, -1):
        for interpolation in ("bilinear", "nearest"):
            out = tf.image.affine_transform(x, rotation(k * np.pi / 2, 5, 5), interpolation=interpolation)
            np.testing.assert_allclose(out.numpy(), np.rot90(x, k, axes=(1, 2)), atol=1e-9)


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "wrap", "mirror"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_general_transforms_match_the_padded_reference(fill_mode, interpolation):
    x = images(2, 4, 5, 2, seed=3)
    t = np.array([rotation(0.7, 4, 5), T_PROJ])
    out = tf.image.affine_transform(x, t, interpolation=interpolation, fill_mode=fill_mode, fill_value=2.5)
    np.testing.assert_allclose(out.numpy(), transform_ref(x, t, interpolation, fill_mode, 2.5), atol=1e-9)


def test_transform_output_shape_dtype_and_errors():
    x = np.random.default_rng(0).integers(0, 255, size=(3, 4, 1)).astype(np.uint8)
    out = tf.image.affine_transform(x, [1, 0, 0.5, 0, 1, 0, 0, 0], output_shape=(2, 3))
    assert out.dtype == tf.uint8 and out.shape == (2, 3, 1)
    expected = transform_ref(x[None].astype(float), [1, 0, 0.5, 0, 1, 0, 0, 0])[0, :2, :3]
    np.testing.assert_array_equal(out.numpy(), np.round(expected))
    with pytest.raises(tf.errors.InvalidArgumentError, match="fill_mode"):
        tf.image.affine_transform(x, [1, 0, 0, 0, 1, 0, 0, 0], fill_mode="edge")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"transform must have shape"):
        tf.image.affine_transform(tf.ones((2, 3, 3, 1)), tf.ones((3, 8)))


def test_transform_on_symbolic_inputs_infers_the_shape():
    inp = tf.keras.Input((6, 5, 3))
    out = I.affine_transform(inp, [1, 0, 1, 0, 1, 0, 0, 0], output_shape=(4, 4))
    assert tuple(out.shape) == (None, 4, 4, 3)


def test_transform_gradient_is_the_adjoint():
    """<T x, y> == <x, T^T y>: the gradient w.r.t. the images is the transposed sampling."""
    x, y = images(1, 4, 5, 2, seed=5), images(1, 4, 5, 2, seed=6)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out = I.affine_transform(xt, T_PROJ, fill_mode="reflect")
        dot = tf.reduce_sum(out * y)
    grad = tape.gradient(dot, xt).numpy()
    np.testing.assert_allclose(np.sum(grad * x), float(dot), rtol=1e-12)


# -- the augmentation draws ------------------------------------------------------------------------------
def test_seed_streams_repeat_per_seed_and_follow_the_global_seed():
    like = tf.ones((4, 1))
    a, b = I.SeedStream(7), I.SeedStream(7)
    draws_a = [I.augment_uniform(like, (), -2.0, 3.0, a).numpy() for _ in range(3)]
    tf.random.uniform((5,))  # other draws in between change nothing for a seeded stream
    draws_b = [I.augment_uniform(like, (), -2.0, 3.0, b).numpy() for _ in range(3)]
    np.testing.assert_array_equal(draws_a, draws_b)
    assert all(-2 <= v.min() and v.max() < 3 for v in draws_a) and draws_a[0].shape == (4,)
    assert not np.array_equal(draws_a[0], draws_a[1])
    assert I.augment_uniform(like, (2,), 0.5, 0.5, a).numpy().tolist() == [[0.5, 0.5]] * 4
    runs = []
    for _ in range(2):
        tf.random.set_seed(11)
        s = I.SeedStream(None)
        runs.append([I.augment_uniform(like, (), 0.0, 1.0, s).numpy() for _ in range(2)])
    np.testing.assert_array_equal(runs[0], runs[1])
