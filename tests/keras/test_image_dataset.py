"""keras.utils.image_dataset_from_directory on small PNG/JPEG files made with Pillow in a tmp dir: the file
index (Keras's order, shuffle and split), decoding and resizing, the Dataset it returns, and the errors."""
import os
import sys

import numpy as np
import pytest

import cornu as tf
from cornu.data import image_files

Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed (pip install Pillow)")
image_dataset_from_directory = tf.keras.utils.image_dataset_from_directory

CAT, DOG = (200, 30, 30), (30, 30, 200)  # every cat image is red, every dog image blue


def save(path, array, **kwargs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path, **kwargs)


def solid(height, width, color):
    return np.broadcast_to(np.asarray(color, np.uint8), (height, width, 3))


@pytest.fixture
def cats_and_dogs(tmp_path):
    """Kaggle's layout: 6 cats (one in a subfolder, one .PNG, one .jpg), 4 dogs, and files to skip."""
    root = tmp_path / "train"
    for i in range(4):
        save(str(root / "cat" / f"cat.{i}.png"), solid(20 + i, 30, CAT))
    save(str(root / "cat" / "more" / "cat.4.png"), solid(8, 8, CAT))
    save(str(root / "cat" / "cat.5.PNG"), solid(12, 10, CAT))
    for i in range(3):
        save(str(root / "dog" / f"dog.{i}.png"), solid(25, 15 + i, DOG))
    save(str(root / "dog" / "dog.3.jpg"), solid(16, 16, DOG), quality=95)
    (root / "dog" / "notes.txt").write_text("not an image")
    save(str(root / ".hidden" / "x.png"), solid(4, 4, CAT))  # hidden folders are skipped
    save(str(root / "cat" / ".ipynb_checkpoints" / "x.png"), solid(4, 4, DOG))
    (root / "README").write_text("a file beside the class folders")
    return str(root)


def colour_of(image):
    """'cat' or 'dog' from an image's mean colour."""
    r, _, b = np.asarray(image, np.float64).reshape(-1, 3).mean(axis=0)
    return "cat" if r > b else "dog"


# -- the file index ---------------------------------------------------------------------------------------
def test_index_infers_classes_from_folders(cats_and_dogs, capsys):
    paths, labels, names = image_files.index_directory(cats_and_dogs, "inferred", shuffle=False)
    assert names == ["cat", "dog"]
    assert "Found 10 files belonging to 2 classes." in capsys.readouterr().out
    rel = [os.path.relpath(p, cats_and_dogs) for p in paths]
    assert rel == ["cat/cat.0.png", "cat/cat.1.png", "cat/cat.2.png", "cat/cat.3.png", "cat/cat.5.PNG",
                   "cat/more/cat.4.png", "dog/dog.0.png", "dog/dog.1.png", "dog/dog.2.png", "dog/dog.3.jpg"]
    assert labels.dtype == np.int32 and labels.tolist() == [0] * 6 + [1] * 4


def test_class_names_choose_and_order_the_classes(cats_and_dogs):
    paths, labels, names = image_files.index_directory(cats_and_dogs, "inferred", class_names=["dog", "cat"],
                                                       shuffle=False, verbose=False)
    assert names == ["dog", "cat"] and labels.tolist() == [0] * 4 + [1] * 6
    _, labels, names = image_files.index_directory(cats_and_dogs, "inferred", class_names=["dog"],
                                                   shuffle=False, verbose=False)
    assert names == ["dog"] and len(labels) == 4
    with pytest.raises(ValueError, match="did not match the names of the subdirectories"):
        image_files.index_directory(cats_and_dogs, "inferred", class_names=["cat", "bird"])


def test_explicit_labels_and_no_labels(cats_and_dogs):
    paths, labels, names = image_files.index_directory(cats_and_dogs, list(range(10)), shuffle=False,
                                                       verbose=False)
    assert labels.tolist() == list(range(10)) and names == [str(i) for i in range(10)]
    assert os.path.relpath(paths[0], cats_and_dogs) == "cat/cat.0.png"  # sorted by path from the top
    paths, labels, names = image_files.index_directory(cats_and_dogs, None, shuffle=False, verbose=False)
    assert len(paths) == 10 and labels is None and names is None
    with pytest.raises(ValueError, match="len\\(labels\\) is 3 while we found 10 files"):
        image_files.index_directory(cats_and_dogs, [0, 1, 0], verbose=False)


def test_shuffle_is_keras_seeded_shuffle(cats_and_dogs):
    ordered, labels, _ = image_files.index_directory(cats_and_dogs, "inferred", shuffle=False, verbose=False)
    paths, shuffled_labels, _ = image_files.index_directory(cats_and_dogs, "inferred", seed=1337, verbose=False)
    expected = list(ordered)
    np.random.RandomState(1337).shuffle(expected)  # what Keras does to its file list
    assert paths == expected
    assert [int(labels[ordered.index(p)]) for p in paths] == shuffled_labels.tolist()


def test_training_and_validation_split_partition_the_files(cats_and_dogs):
    paths, labels, _ = image_files.index_directory(cats_and_dogs, "inferred", seed=3, verbose=False)
    train, train_labels = image_files.training_or_validation_split(paths, labels, 0.2, "training", False)
    val, val_labels = image_files.training_or_validation_split(paths, labels, 0.2, "validation", False)
    assert train == paths[:8] and val == paths[8:] and len(train_labels) == 8 and len(val_labels) == 2
    train, _ = image_files.training_or_validation_split(paths, labels, 0.05, "training", False)
    assert train == paths  # int(0.05 * 10) = 0 files for validation: training keeps them all


# -- decoding and resizing --------------------------------------------------------------------------------
def test_load_image_keeps_pixels_at_the_same_size(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    save(str(tmp_path / "a.png"), pixels)
    out = image_files.load_image(str(tmp_path / "a.png"), (6, 5), 3)
    assert out.dtype == np.float32 and out.shape == (6, 5, 3)
    np.testing.assert_array_equal(out, pixels)
    first = image_files.load_image(str(tmp_path / "a.png"), (6, 5), 3, data_format="channels_first")
    np.testing.assert_array_equal(first, pixels.transpose(2, 0, 1))


def test_color_modes(tmp_path):
    save(str(tmp_path / "g.png"), np.full((4, 4), 100, np.uint8))  # a grayscale PNG
    rgb = image_files.load_image(str(tmp_path / "g.png"), (4, 4), 3)
    assert rgb.shape == (4, 4, 3) and np.all(rgb == 100)
    rgba = image_files.load_image(str(tmp_path / "g.png"), (4, 4), 4)
    assert np.all(rgba[..., :3] == 100) and np.all(rgba[..., 3] == 255)
    save(str(tmp_path / "c.png"), solid(4, 4, (255, 0, 0)))
    gray = image_files.load_image(str(tmp_path / "c.png"), (4, 4), 1)
    assert gray.shape == (4, 4, 1) and np.allclose(gray, 76, atol=1)  # ITU-R 601 luma of pure red


def test_resizing_in_float(tmp_path):
    save(str(tmp_path / "a.png"), np.array([[[0, 0, 0], [255, 255, 255]]], np.uint8))  # 1x2
    out = image_files.load_image(str(tmp_path / "a.png"), (1, 4), 3)
    # bilinear with half-pixel centres (as TF): 0, 63.75, 191.25, 255 -- not rounded to uint8
    np.testing.assert_allclose(out[0, :, 0], [0, 63.75, 191.25, 255], atol=1e-3)
    nearest = image_files.load_image(str(tmp_path / "a.png"), (1, 4), 3, interpolation="nearest")
    np.testing.assert_array_equal(nearest[0, :, 0], [0, 0, 255, 255])
    for method in image_files.INTERPOLATIONS:
        big = image_files.load_image(str(tmp_path / "a.png"), (7, 9), 3, interpolation=method)
        assert big.shape == (7, 9, 3) and big.dtype == np.float32
        if method in ("bilinear", "nearest", "area"):  # bicubic and lanczos overshoot, unclipped, as in TF
            assert big.min() >= -1e-3 and big.max() <= 255 + 1e-3


def test_crop_and_pad_to_aspect_ratio(tmp_path):
    stripes = np.zeros((10, 40, 3), np.uint8)  # left quarter red, middle half green, right quarter blue
    stripes[:, :10, 0] = stripes[:, 10:30, 1] = stripes[:, 30:, 2] = 255
    save(str(tmp_path / "s.png"), stripes)
    cropped = image_files.load_image(str(tmp_path / "s.png"), (5, 5), 3, crop_to_aspect_ratio=True)
    np.testing.assert_allclose(cropped, np.broadcast_to([0, 255, 0], (5, 5, 3)), atol=1e-3)  # the centre
    squeezed = image_files.load_image(str(tmp_path / "s.png"), (5, 5), 3)
    assert squeezed[:, 0, 0].min() > 200 and squeezed[:, -1, 2].min() > 200  # all stripes squeezed in
    save(str(tmp_path / "w.png"), np.full((10, 20, 3), 255, np.uint8))
    padded = image_files.load_image(str(tmp_path / "w.png"), (20, 20), 3, pad_to_aspect_ratio=True)
    assert np.all(padded[:5] == 0) and np.all(padded[15:] == 0) and np.all(padded[5:15] == 255)


def test_first_frame_of_an_animated_gif(tmp_path):
    frames = [Image.fromarray(solid(6, 6, c)) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(str(tmp_path / "a.gif"), save_all=True, append_images=frames[1:])
    out = image_files.load_image(str(tmp_path / "a.gif"), (6, 6), 3)
    assert out[..., 0].min() > 200 and out[..., 2].max() < 50


# -- the Dataset ------------------------------------------------------------------------------------------
def test_dataset_of_batches(cats_and_dogs, capsys):
    ds = image_dataset_from_directory(cats_and_dogs, image_size=(12, 10), batch_size=4, seed=0)
    assert "Found 10 files belonging to 2 classes." in capsys.readouterr().out
    assert isinstance(ds, tf.data.Dataset) and ds.class_names == ["cat", "dog"] and len(ds.file_paths) == 10
    batches = list(ds)
    assert [tuple(x.shape) for x, _ in batches] == [(4, 12, 10, 3), (4, 12, 10, 3), (2, 12, 10, 3)]
    seen = []
    for images, labels in batches:
        assert images.dtype == tf.float32 and labels.dtype == tf.int32
        for image, label in zip(images.numpy(), labels.numpy()):
            assert colour_of(image) == ds.class_names[label]  # each image with its own label
            seen.append(int(label))
    assert sorted(seen) == [0] * 6 + [1] * 4
    assert float(batches[0][0].numpy().max()) > 150  # pixels 0-255, not rescaled


def test_seeded_datasets_repeat_and_epochs_reshuffle(cats_and_dogs):
    def labels_of(ds):
        return [int(v) for _, y in ds for v in y.numpy()]

    a = image_dataset_from_directory(cats_and_dogs, image_size=(4, 4), batch_size=3, seed=7, verbose=False)
    b = image_dataset_from_directory(cats_and_dogs, image_size=(4, 4), batch_size=3, seed=7, verbose=False)
    assert a.file_paths == b.file_paths and labels_of(a) == labels_of(b)
    plain = image_dataset_from_directory(cats_and_dogs, image_size=(4, 4), shuffle=False, verbose=False)
    assert labels_of(plain) == [0] * 6 + [1] * 4
    assert [os.path.basename(p) for p in plain.file_paths][:2] == ["cat.0.png", "cat.1.png"]


def test_validation_split_subsets(cats_and_dogs, capsys):
    kwargs = dict(image_size=(8, 8), validation_split=0.3, seed=42, batch_size=2)
    train = image_dataset_from_directory(cats_and_dogs, subset="training", **kwargs)
    val = image_dataset_from_directory(cats_and_dogs, subset="validation", **kwargs)
    out = capsys.readouterr().out
    assert "Using 7 files for training." in out and "Using 3 files for validation." in out
    assert len(train.file_paths) == 7 and len(val.file_paths) == 3
    assert set(train.file_paths).isdisjoint(val.file_paths)
    both = image_dataset_from_directory(cats_and_dogs, subset="both", **kwargs)
    assert isinstance(both, list) and len(both) == 2
    assert both[0].file_paths == train.file_paths and both[1].file_paths == val.file_paths
    assert sum(int(x.shape[0]) for x, _ in both[1]) == 3 and both[1].class_names == ["cat", "dog"]


@pytest.mark.parametrize("label_mode, shape, dtype", [("categorical", (4, 2), "float32"),
                                                      ("binary", (4, 1), "float32"), ("int", (4,), "int32")])
def test_label_modes(cats_and_dogs, label_mode, shape, dtype):
    ds = image_dataset_from_directory(cats_and_dogs, label_mode=label_mode, image_size=(4, 4), batch_size=4,
                                      shuffle=False, verbose=False)
    _, labels = next(iter(ds))
    assert tuple(labels.shape) == shape and labels.dtype.name == dtype
    if label_mode == "categorical":
        np.testing.assert_array_equal(labels.numpy(), [[1, 0]] * 4)


def test_images_only_grayscale_and_unbatched(cats_and_dogs):
    ds = image_dataset_from_directory(cats_and_dogs, labels=None, color_mode="grayscale", image_size=(5, 6),
                                      batch_size=None, shuffle=False, verbose=False)
    elements = list(ds)
    assert len(elements) == 10 and tuple(elements[0].shape) == (5, 6, 1) and ds.class_names is None
    ds = image_dataset_from_directory(cats_and_dogs, label_mode=None, image_size=(5, 6), batch_size=5,
                                      data_format="channels_first", shuffle=False, verbose=False)
    assert [tuple(x.shape) for x in ds] == [(5, 3, 5, 6)] * 2


def test_crop_to_aspect_ratio_through_the_dataset(cats_and_dogs):
    ds = image_dataset_from_directory(cats_and_dogs, image_size=(6, 6), crop_to_aspect_ratio=True,
                                      interpolation="area", shuffle=False, verbose=False)
    images, _ = next(iter(ds))
    assert tuple(images.shape) == (10, 6, 6, 3)
    np.testing.assert_allclose(images.numpy()[0], np.broadcast_to(CAT, (6, 6, 3)), atol=1e-3)


def test_a_model_trains_on_it(cats_and_dogs):
    ds = image_dataset_from_directory(cats_and_dogs, image_size=(8, 8), batch_size=5, seed=1, verbose=False)
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 3)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


# -- errors -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    (dict(label_mode="sparse"), '`label_mode` argument must be one of "int", "categorical", "binary", or None'),
    (dict(color_mode="hsv"), '`color_mode` must be one of {"rgb", "rgba", "grayscale"}'),
    (dict(interpolation="gaussian"), "'gaussian' is a TensorFlow resize method that Pillow does not provide"),
    (dict(interpolation="cubic"), "`interpolation` must be one of"),
    (dict(labels="folders"), "`labels` argument should be a list/tuple of integer labels"),
    (dict(labels=[0, 1], class_names=["a"]), 'You can only pass `class_names` if `labels="inferred"`'),
    (dict(validation_split=0.2), "If `subset` is set, `validation_split` must be set, and inversely."),
    (dict(subset="training"), "If `subset` is set, `validation_split` must be set, and inversely."),
    (dict(validation_split=1.5, subset="training", seed=1), "`validation_split` must be between 0 and 1"),
    (dict(validation_split=0.2, subset="test", seed=1), '`subset` must be either "training", "validation"'),
    (dict(validation_split=0.2, subset="training"), "you must provide a `seed` argument"),
    (dict(image_size=256), "`image_size` must be a tuple \\(height, width\\)"),
    (dict(image_size=(0, 4)), "`image_size` must be a tuple \\(height, width\\)"),
    (dict(batch_size=0), "`batch_size` must be a positive integer or None"),
    (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "Only one of `crop_to_aspect_ratio`"),
    (dict(data_format="NHWC"), '`data_format` must be "channels_last" or "channels_first"'),
])
def test_argument_errors(cats_and_dogs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        image_dataset_from_directory(cats_and_dogs, **kwargs)


def test_binary_needs_two_classes(tmp_path):
    for name in ("a", "b", "c"):
        save(str(tmp_path / name / "x.png"), solid(4, 4, CAT))
    with pytest.raises(ValueError, match='label_mode="binary"`, there must be exactly 2 class_names'):
        image_dataset_from_directory(str(tmp_path), label_mode="binary", verbose=False)


def test_no_images_and_missing_directory(tmp_path):
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    with pytest.raises(ValueError, match="No images found in directory .*Allowed formats"):
        image_dataset_from_directory(str(tmp_path / "empty"), verbose=False)
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        image_dataset_from_directory(str(tmp_path / "nowhere"))


def test_a_corrupt_or_truncated_file_is_an_invalid_argument(cats_and_dogs):
    with open(os.path.join(cats_and_dogs, "dog", "dog.3.jpg"), "rb") as f:
        jpeg = f.read()
    with open(os.path.join(cats_and_dogs, "dog", "dog.3.jpg"), "wb") as f:
        f.write(jpeg[:len(jpeg) // 2])
    with open(os.path.join(cats_and_dogs, "dog", "dog.4.png"), "wb") as f:
        f.write(b"not a png")
    ds = image_dataset_from_directory(cats_and_dogs, image_size=(4, 4), shuffle=False, verbose=False,
                                      batch_size=None)
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot decode the image .*dog.3.jpg"):
        list(ds)
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot decode the image .*dog.4.png"):
        image_files.load_image(os.path.join(cats_and_dogs, "dog", "dog.4.png"), (4, 4), 3)


def test_without_pillow_the_error_says_how_to_install_it(cats_and_dogs, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # `from PIL import Image` now raises ImportError
    with pytest.raises(ImportError, match="pip install Pillow.*cornu\\[image\\]"):
        image_dataset_from_directory(cats_and_dogs)


def test_follow_links(cats_and_dogs, tmp_path):
    outside = tmp_path / "outside"
    save(str(outside / "cat.9.png"), solid(4, 4, CAT))
    try:
        os.symlink(outside, os.path.join(cats_and_dogs, "cat", "linked"))
    except (OSError, NotImplementedError):
        pytest.skip("no symbolic links here")
    without = image_files.index_directory(cats_and_dogs, "inferred", shuffle=False, verbose=False)[0]
    with_links = image_files.index_directory(cats_and_dogs, "inferred", shuffle=False, follow_links=True,
                                             verbose=False)[0]
    assert len(without) == 10 and len(with_links) == 11
