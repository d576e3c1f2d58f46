"""Preprocessing and augmentation layers: values against NumPy references, inference unchanged, training
changes data, seeds reproducible, Normalization.adapt statistics, config round trips (check_layer),
use in Sequential models, traced functions and Dataset.map."""
import json

import numpy as np
import pytest

import cornu as tf
from tests.keras.layer_harness import check_layer
from tests.ops.test_image_ops import NP_PAD_MODE, resize_bilinear_ref, resize_nearest_ref

L = tf.keras.layers


def imgs(*shape, seed=0, low=0.0, high=10.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)


class FixedDraws:
    """Stands in for a layer's SeedStream: every draw is `u` (a fraction of the [lower, upper) range)."""

    def __init__(self, u):
        self.u = u

    def generator(self):
        return self

    def random(self, shape):
        return np.full(shape, self.u)


# -- Rescaling -------------------------------------------------------------------------------------------
def test_rescaling_values_dtype_and_config():
    x = np.array([[0, 127, 255]], np.uint8)
    out = L.Rescaling(1 / 127.5, offset=-1.0)(x)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), x / 127.5 - 1, atol=1e-6)
    per_channel = L.Rescaling(np.array([1.0, 2.0, 3.0]), offset=[0.0, 1.0, 2.0])
    np.testing.assert_allclose(per_channel(np.ones((2, 3), np.float32)).numpy(), [[1, 3, 5]] * 2)
    check_layer(lambda: L.Rescaling([0.5, 2.0], offset=1.0), imgs(2, 3, 2), (2, 3, 2),
                expected_num_weights=0, expected_num_trainable=0)
    with pytest.raises(ValueError, match="scale"):
        L.Rescaling("big")


# -- Normalization ---------------------------------------------------------------------------------------
def test_normalization_adapt_matches_numpy_and_standardizes():
    data = imgs(50, 4, 3, seed=1) * np.array([1.0, 10.0, 100.0], np.float32) + 5
    layer = L.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data.reshape(-1, 3).mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), data.reshape(-1, 3).var(0), rtol=1e-5)
    out = layer(data).numpy().reshape(-1, 3)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(0), 1, rtol=1e-4)
    assert [w.name.split("/")[-1].split(":")[0] for w in layer.non_trainable_weights] == ["mean", "variance"]
    assert layer.trainable_weights == []


def test_normalization_adapt_from_batches_of_any_size():
    data = imgs(37, 5, seed=2) * 3 - 4
    chunks = [data[:10], data[10:11], data[11:30], data[30:]]
    expected_mean, expected_var = data.mean(0), data.var(0)
    for source in (chunks, iter(chunks), (c for c in chunks), [tf.constant(c) for c in chunks]):
        layer = L.Normalization()
        layer.adapt(source)
        np.testing.assert_allclose(layer.adapt_mean.numpy(), expected_mean, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(layer.adapt_variance.numpy(), expected_var, rtol=1e-5)
    layer = L.Normalization()
    layer.adapt(data, batch_size=8)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), expected_var, rtol=1e-5)
    layer.adapt(data[:4].tolist())  # a nested list is one batch
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data[:4].mean(0), rtol=1e-5, atol=1e-6)
    layer = L.Normalization()
    layer.adapt(chunks, steps=1)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data[:10].mean(0), rtol=1e-5, atol=1e-6)


def test_normalization_adapt_from_a_dataset():
    import cornu.data as data_module
    if not hasattr(data_module, "Dataset"):
        pytest.skip("cornu.data.Dataset does not exist yet")
    data = imgs(30, 4, 4, 2, seed=3)
    for ds in (data_module.Dataset.from_tensor_slices(data).batch(7),   # batches
               data_module.Dataset.from_tensor_slices(data)):           # single images
        layer = L.Normalization()
        layer.adapt(ds)
        np.testing.assert_allclose(layer.adapt_mean.numpy(), data.reshape(-1, 2).mean(0), rtol=1e-5)
        np.testing.assert_allclose(layer.adapt_variance.numpy(), data.reshape(-1, 2).var(0), rtol=1e-5)
        assert layer(data).shape == data.shape


def test_normalization_axes_given_statistics_and_invert():
    data = imgs(6, 3, 4, seed=4)
    layer = L.Normalization(axis=(1, 2))
    layer.adapt(data)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data.mean(0), rtol=1e-5)
    layer = L.Normalization(axis=None)
    layer.adapt(data)
    assert layer.adapt_mean.shape == () and np.isclose(layer.adapt_mean.numpy(), data.mean(), rtol=1e-5)
    given = L.Normalization(mean=[1.0, 2.0, 3.0, 4.0], variance=np.array([1.0, 4.0, 9.0, 0.0]))
    np.testing.assert_allclose(given(data).numpy(), (data - [1, 2, 3, 4]) / np.maximum([1, 2, 3, 0], 1e-7),
                               rtol=1e-5)
    inverse = L.Normalization(mean=2.0, variance=4.0, invert=True)
    np.testing.assert_allclose(inverse(data).numpy(), data * 2 + 2, rtol=1e-6)
    with pytest.raises(ValueError, match="variance"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="cannot change"):
        given.adapt(data)
    with pytest.raises(ValueError, match="out of range"):
        L.Normalization(axis=3)(data)


def test_normalization_check_layer_and_config():
    data = imgs(4, 3, seed=5)

    def adapted():
        layer = L.Normalization()
        layer.adapt(imgs(20, 3, seed=6))
        return layer
    out = check_layer(adapted, data, (4, 3), expected_num_weights=2, expected_num_trainable=0)
    ref = imgs(20, 3, seed=6)
    np.testing.assert_allclose(out, (data - ref.mean(0)) / ref.std(0), rtol=1e-4)
    check_layer(lambda: L.Normalization(axis=None, mean=np.float32(1.0), variance=2.0, invert=True), data,
                (4, 3), expected_num_weights=0, expected_num_trainable=0)
    config = L.Normalization(axis=(1, 2), mean=np.zeros((2, 3)), variance=np.ones((2, 3))).get_config()
    assert json.loads(json.dumps(config))["mean"] == [[0.0] * 3] * 2 and config["axis"] == [1, 2]


# -- Resizing and CenterCrop ----------------------------------------------------------------------------
def test_resizing_values_and_options():
    x = imgs(2, 4, 6, 3)
    np.testing.assert_allclose(L.Resizing(3, 5)(x).numpy(), resize_bilinear_ref(x, 3, 5), rtol=1e-5)
    np.testing.assert_allclose(L.Resizing(5, 4, interpolation="nearest")(x[0]).numpy(),
                               resize_nearest_ref(x, 5, 4)[0])
    # crop_to_aspect_ratio: the centred 4x4 window, then resized
    np.testing.assert_allclose(L.Resizing(2, 2, crop_to_aspect_ratio=True)(x).numpy(),
                               resize_bilinear_ref(x[:, :, 1:5], 2, 2), rtol=1e-5)
    # pad_to_aspect_ratio: 4x6 padded to 6x6 with fill_value, then resized
    padded = np.pad(x, [(0, 0), (1, 1), (0, 0), (0, 0)], constant_values=7.0)
    np.testing.assert_allclose(L.Resizing(3, 3, pad_to_aspect_ratio=True, fill_value=7.0)(x).numpy(),
                               resize_bilinear_ref(padded, 3, 3), rtol=1e-5)
    assert L.Resizing(3, 3)(np.zeros((4, 4, 1), np.uint8)).dtype == tf.float32
    with pytest.raises(ValueError, match="interpolation"):
        L.Resizing(2, 2, interpolation="bicubic")
    with pytest.raises(ValueError, match="only one"):
        L.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)


def test_center_crop_crops_or_resizes():
    x = imgs(2, 5, 7, 2)
    np.testing.assert_array_equal(L.CenterCrop(3, 4)(x).numpy(), x[:, 1:4, 1:5])
    np.testing.assert_array_equal(L.CenterCrop(5, 7)(x[0]).numpy(), x[0])
    # smaller than the target: the centred window with the target's aspect ratio (5x5), resized
    np.testing.assert_allclose(L.CenterCrop(6, 6)(x).numpy(), resize_bilinear_ref(x[:, :, 1:6], 6, 6), rtol=1e-5)


@pytest.mark.parametrize("factory,shape", [
    (lambda: L.Resizing(3, 5), (2, 3, 5, 2)),
    (lambda: L.Resizing(6, 2, interpolation="nearest", crop_to_aspect_ratio=True), (2, 6, 2, 2)),
    (lambda: L.CenterCrop(2, 3), (2, 2, 3, 2)),
    (lambda: L.RandomCrop(2, 3, seed=1), (2, 2, 3, 2)),
])
def test_resizing_layers_check_layer(factory, shape):
    check_layer(factory, imgs(2, 4, 5, 2), shape, expected_num_weights=0, expected_num_trainable=0)


def test_unknown_image_sizes_in_a_functional_model():
    inputs = tf.keras.Input((None, None, 3))
    outputs = L.Resizing(4, 4)(inputs)
    assert tuple(outputs.shape) == (None, 4, 4, 3)
    model = tf.keras.Model(inputs, L.CenterCrop(2, 2)(outputs))
    assert model(imgs(2, 7, 5, 3)).shape == (2, 2, 2, 3)


# -- random layers: shared behaviour ---------------------------------------------------------------------
RANDOM_LAYERS = [
    ("RandomFlip", lambda seed=None: L.RandomFlip(seed=seed)),
    ("RandomRotation", lambda seed=None: L.RandomRotation(0.2, seed=seed)),
    ("RandomTranslation", lambda seed=None: L.RandomTranslation(0.3, 0.3, seed=seed)),
    ("RandomZoom", lambda seed=None: L.RandomZoom(0.3, seed=seed)),
    ("RandomContrast", lambda seed=None: L.RandomContrast(0.5, seed=seed)),
    ("RandomCrop", lambda seed=None: L.RandomCrop(4, 4, seed=seed)),
]
IDS = [name for name, _ in RANDOM_LAYERS]


@pytest.mark.parametrize("name,factory", RANDOM_LAYERS, ids=IDS)
def test_random_layers_inference_unchanged_training_changes(name, factory):
    x = imgs(8, 6, 6, 3, high=200)
    layer = factory(seed=3)
    first = layer(x).numpy()
    np.testing.assert_array_equal(first, layer(x, training=False).numpy())
    if name == "RandomCrop":
        np.testing.assert_allclose(first, resize_bilinear_ref(x, 4, 4), rtol=1e-5)  # Keras 3: resized
    else:
        np.testing.assert_array_equal(first, x)
    trained = [layer(x, training=True).numpy() for _ in range(4)]
    assert all(t.shape == first.shape for t in trained)
    assert not np.allclose(trained[0], first) and not all(np.allclose(trained[0], t) for t in trained[1:])
    single = layer(x[0], training=True)
    assert single.shape == first.shape[1:] and single.dtype == tf.float32


@pytest.mark.parametrize("name,factory", RANDOM_LAYERS, ids=IDS)
def test_random_layers_seeds_are_reproducible(name, factory):
    x = imgs(6, 6, 6, 2, high=200)
    a, b, c = factory(seed=5), factory(seed=5), factory(seed=6)
    run_a = [a(x, training=True).numpy() for _ in range(3)]
    tf.random.uniform((3,))  # draws elsewhere do not disturb a seeded layer
    run_b = [b(x, training=True).numpy() for _ in range(3)]
    np.testing.assert_array_equal(run_a, run_b)
    assert not np.array_equal(run_a, [c(x, training=True).numpy() for _ in range(3)])
    runs = []
    for _ in range(2):  # unseeded layers follow cornu.random.set_seed
        tf.random.set_seed(21)
        layer = factory()
        runs.append([layer(x, training=True).numpy() for _ in range(2)])
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("name,factory", RANDOM_LAYERS[:-1], ids=IDS[:-1])
def test_random_layers_check_layer(name, factory):
    out = check_layer(lambda: factory(seed=1), imgs(2, 5, 5, 3), (2, 5, 5, 3), expected_num_weights=0,
                      expected_num_trainable=0)
    np.testing.assert_array_equal(out, imgs(2, 5, 5, 3))


def test_random_layers_refuse_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="mode"):
        L.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="fill_mode"):
        L.RandomRotation(0.1, fill_mode="edge")
    with pytest.raises(ValueError, match="interpolation"):
        L.RandomZoom(0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="height_factor"):
        L.RandomTranslation(1.5, 0.1)
    with pytest.raises(ValueError, match="factor"):
        L.RandomRotation("a lot")
    with pytest.raises(ValueError, match="factor"):
        L.RandomContrast(1.5)
    with pytest.raises(ValueError, match="seed"):
        L.RandomFlip(seed=1.5)
    with pytest.raises(ValueError, match="ndim"):
        L.RandomFlip()(np.ones((4, 4), np.float32), training=True)


def test_random_layer_configs_round_trip():
    layers = [L.RandomFlip("vertical", seed=2), L.RandomRotation((-0.1, 0.3), fill_mode="constant", fill_value=1.0,
                                                                 interpolation="nearest"),
              L.RandomTranslation((-0.2, 0.1), 0.3, fill_mode="wrap"), L.RandomZoom(0.2, (-0.1, 0.4)),
              L.RandomContrast((0.2, 0.5), value_range=(0, 1)), L.RandomCrop(3, 2, seed=9)]
    for layer in layers:
        config = json.loads(json.dumps(layer.get_config()))
        clone = L.deserialize({"class_name": type(layer).__name__, "config": config})
        assert json.loads(json.dumps(clone.get_config())) == config


# -- random layers: values -------------------------------------------------------------------------------
@pytest.mark.parametrize("mode,axes", [("horizontal", [(2,)]), ("vertical", [(1,)]),
                                       ("horizontal_and_vertical", [(1,), (2,), (1, 2), ()])])
def test_random_flip_gives_flipped_or_unchanged_images(mode, axes):
    x = imgs(60, 3, 4, 2)
    out = L.RandomFlip(mode, seed=0)(x, training=True).numpy()
    counts = {a: 0 for a in axes + [()]}
    for o, im in zip(out, x):
        match = [a for a in counts if np.array_equal(o, np.flip(im, [ax - 1 for ax in a]) if a else im)]
        assert match, "an output is neither the image nor one of its flips"
        counts[match[0]] += 1
    assert all(n > 3 for n in counts.values()), counts


@pytest.mark.parametrize("factor,k", [(0.25, 1), (-0.25, -1), (0.5, 2)])
def test_random_rotation_by_quarter_turns_is_rot90(factor, k):
    x = imgs(3, 5, 5, 2)
    for interpolation in ("bilinear", "nearest"):
        out = L.RandomRotation((factor, factor), interpolation=interpolation)(x, training=True).numpy()
        np.testing.assert_allclose(out, np.rot90(x, k, axes=(1, 2)), atol=1e-4)


def test_random_rotation_constant_fill_corners():
    out = L.RandomRotation((0.125, 0.125), fill_mode="constant", fill_value=-1.0)(np.ones((9, 9, 1), np.float32),
                                                                                   training=True).numpy()
    assert out[0, 0, 0] == -1 and out[-1, -1, 0] == -1 and out[4, 4, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("hf,wf", [(0.25, 0.4), (-0.5, 0.0), (0.0, -0.6)])
def test_random_translation_by_whole_pixels_is_a_shift(fill_mode, hf, wf):
    x = imgs(2, 4, 5, 2)
    layer = L.RandomTranslation((hf, hf), (wf, wf), fill_mode=fill_mode, fill_value=-3.0)
    out = layer(x, training=True).numpy()
    dy, dx = int(round(hf * 4)), int(round(wf * 5))
    p = 8
    kw = {"constant_values": -3.0} if fill_mode == "constant" else {}
    padded = np.pad(x, [(0, 0), (p, p), (p, p), (0, 0)], mode=NP_PAD_MODE[fill_mode], **kw)
    np.testing.assert_allclose(out, padded[:, p - dy:p - dy + 4, p - dx:p - dx + 5], atol=1e-5)


def test_random_zoom_formula():
    row = np.array([0.0, 1.0, 4.0, 9.0, 16.0], np.float32)
    x = np.tile(row[None, :, None], (3, 1, 1))      # (3, 5, 1): constant down the columns
    # zoom in by 2 (z = 0.5): output column j reads input column 0.5 j + 1
    out = L.RandomZoom((0.0, 0.0), (-0.5, -0.5))(x, training=True).numpy()
    np.testing.assert_allclose(out[1, :, 0], np.interp(0.5 * np.arange(5) + 1, np.arange(5), row), rtol=1e-6)
    # zoom out by 2 (z = 2): columns -2, 0, 2, 4, 6, the outside ones filled
    out = L.RandomZoom((1.0, 1.0), fill_mode="constant", fill_value=-1.0)(x, training=True).numpy()
    np.testing.assert_allclose(out[1, :, 0], [-1, 0, 4, 16, -1])
    np.testing.assert_allclose(out[0, :, 0], -1)   # rows -2 and 6 (height zoomed too)
    assert np.array_equal(L.RandomZoom((0.0, 0.0))(x, training=True).numpy(), x)


def test_random_contrast_formula_and_clipping():
    x = imgs(4, 3, 3, 2, low=40, high=220)
    layer = L.RandomContrast((0.4, 0.8))
    layer._stream = FixedDraws(0.75)   # c = (1 - 0.4) + 0.75 * (0.4 + 0.8) = 1.5
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(layer(x, training=True).numpy(), np.clip((x - mean) * 1.5 + mean, 0, 255),
                               rtol=1e-5)
    assert layer(x, training=True).numpy().max() == 255.0     # some pixels did clip
    varying = L.RandomContrast(0.5, seed=2)(x, training=True).numpy()
    ratios = (varying - mean) / (x - mean)                    # one factor per image, in [0.5, 1.5]
    for r in ratios:
        assert np.allclose(r, r.flat[0], rtol=1e-3) and 0.5 <= r.flat[0] <= 1.5


def test_random_crop_windows():
    x = np.arange(3 * 6 * 7 * 1, dtype=np.float32).reshape(3, 6, 7, 1)
    layer = L.RandomCrop(3, 4, seed=0)
    offsets = set()
    for _ in range(12):
        out = layer(x, training=True).numpy()
        found = [(i, j) for i in range(4) for j in range(4) if np.array_equal(out, x[:, i:i + 3, j:j + 4])]
        assert len(found) == 1  # one window, the same for every image of the batch
        offsets.add(found[0])
    assert len(offsets) > 3
    layer._stream = FixedDraws(0.99)
    np.testing.assert_array_equal(layer(x, training=True).numpy(), x[:, 3:, 3:])
    small = L.RandomCrop(8, 8)(x, training=True).numpy()   # too small: resized like inference
    np.testing.assert_allclose(small, resize_bilinear_ref(x[:, :, :6], 8, 8), rtol=1e-5)


# -- in models, traced functions and datasets ------------------------------------------------------------
def test_augmentation_in_a_sequential_model_trains_and_predicts_deterministically():
    tf.random.set_seed(0)
    x = imgs(16, 8, 8, 3, high=255)
    y = (x.mean(axis=(1, 2, 3)) > 127).astype(np.int32)
    model = tf.keras.Sequential([
        tf.keras.Input((8, 8, 3)),
        L.Rescaling(1 / 255.0),
        L.RandomFlip("horizontal"),
        L.RandomRotation(0.1),
        L.RandomZoom(0.1),
        L.RandomTranslation(0.1, 0.1),
        L.RandomContrast(0.2, value_range=(0, 1)),
        L.RandomCrop(6, 6),
        L.Resizing(4, 4),
        L.Flatten(),
        L.Dense(2),
    ])
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not np.allclose(model(x, training=True).numpy(), model(x, training=True).numpy())


def test_normalization_in_a_model():
    x = imgs(32, 3, seed=8) * [1, 100, 1000]
    y = x @ np.array([1.0, 0.01, 0.001], np.float32)
    norm = L.Normalization()
    norm.adapt(x)
    model = tf.keras.Sequential([tf.keras.Input((3,)), norm, L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    np.testing.assert_allclose(norm.adapt_mean.numpy(), x.mean(0), rtol=1e-5)   # adapt weights stay fixed


def test_augmentation_in_a_traced_function_draws_on_every_call():
    layer = L.RandomFlip("horizontal", seed=1)
    f = tf.function(lambda t: layer(t, training=True))
    x = tf.constant(imgs(32, 2, 3, 1))
    outs = [f(x).numpy() for _ in range(3)]
    assert not np.array_equal(outs[0], outs[1]) or not np.array_equal(outs[1], outs[2])
    for out in outs:
        assert all(np.array_equal(o, im) or np.array_equal(o, im[:, ::-1]) for o, im in zip(out, x.numpy()))


def test_augmentation_in_dataset_map_on_single_images():
    import cornu.data as data_module
    if not hasattr(data_module, "Dataset"):
        pytest.skip("cornu.data.Dataset does not exist yet")
    x = imgs(12, 5, 5, 3)
    flip = L.RandomFlip("horizontal", seed=4)
    resize = L.Resizing(3, 3)
    ds = data_module.Dataset.from_tensor_slices(x).map(lambda im: resize(flip(im, training=True))).batch(4)
    batches = [b.numpy() for b in ds]
    assert [b.shape for b in batches] == [(4, 3, 3, 3)] * 3
    out = np.concatenate(batches)
    plain, mirrored = resize_bilinear_ref(x, 3, 3), resize_bilinear_ref(x[:, :, ::-1], 3, 3)
    choice = [np.allclose(o, p, rtol=1e-5) for o, p in zip(out, plain)]
    assert all(c or np.allclose(o, m, rtol=1e-5) for c, o, m in zip(choice, out, mirrored))
    assert 0 < sum(choice) < 12


def test_docstring_examples_run():
    import doctest
    import importlib
    for name in ("cornu.image", "cornu.ops.image_ops", "cornu.keras.layers.preprocessing.rescaling",
                 "cornu.keras.layers.preprocessing.normalization",
                 "cornu.keras.layers.preprocessing.image_resizing",
                 "cornu.keras.layers.preprocessing.augmentation"):
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
