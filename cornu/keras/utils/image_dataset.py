"""`keras.utils.image_dataset_from_directory`: a `cornu.data.Dataset` of images read from a folder per
class, as Keras builds it (the Kaggle "dogs vs cats" layout).

```
main_directory/
    cat/  cat.0.jpg  cat.1.jpg ...
    dog/  dog.0.jpg  dog.1.jpg ...
```

Images are read with Pillow, an optional dependency (`pip install Pillow` or `pip install
"cornu[image]"`), imported only when this function is called.
"""
from ... import data
from ...data import image_files


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, verbose=True):
    """Generates a `cornu.data.Dataset` from image files in a directory, as Keras does.

    With `labels="inferred"`, each subdirectory of `directory` is a class (sorted by name), holding its
    images (`.bmp`, `.gif`, `.jpeg`, `.jpg`, `.png`; subfolders searched too; folders whose names start
    with "." such as `.ipynb_checkpoints` are skipped).
    The dataset yields `(images, labels)` batches: images float32 of shape
    `(batch_size, height, width, channels)` with values 0 to 255 (not rescaled), labels as `label_mode`
    says. Images are read lazily, batch by batch, so a large folder does not need to fit in memory.

    Args:
        directory: the folder of the data (one subfolder per class when `labels="inferred"`).
        labels: `"inferred"` (from the subfolder names), None (images only), or a list/tuple of
            integer labels, one per image file found under `directory` in sorted path order.
        label_mode: `"int"` (int32 class indices, for `sparse_categorical_crossentropy`),
            `"categorical"` (float32 one-hot, for `categorical_crossentropy`), `"binary"` (float32
            0/1 of shape `(batch, 1)`, for `binary_crossentropy`; exactly two classes), or None.
        class_names: with `labels="inferred"`, the subfolders to use, in this order (the class index
            of each); by default all subfolders, sorted.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"` (1, 3 or 4 channels).
        batch_size: images per batch; None yields single images.
        image_size: `(height, width)` every image is resized to.
        shuffle: shuffle the files (seeded, once, as Keras does) and the order in each epoch.
        seed: the seed of the shuffle and of the validation split.
        validation_split: a fraction in (0, 1) of the files to keep for validation (the last part of
            the shuffled file list); needs `subset`, and `seed` when shuffling.
        subset: `"training"`, `"validation"`, or `"both"` (returns `[train_ds, val_ds]`).
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"area"` or `"lanczos3"` (Pillow's
            filters, which antialias when shrinking, as `tf.image.resize(antialias=True)`).
        follow_links: follow symbolic links to subfolders.
        crop_to_aspect_ratio: crop the largest centred box with the target aspect ratio before resizing
            (no distortion).
        pad_to_aspect_ratio: pad with zeros (centred) to the target aspect ratio before resizing.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        verbose: print how many files and classes were found.

    Returns:
        A `cornu.data.Dataset` with attributes `class_names` (list of str) and `file_paths`; with
        `subset="both"`, a list of two (training, validation).

    Raises:
        ImportError: Pillow is not installed (the message says how to install it).
        ValueError: an argument is invalid, or no image was found.

    >>> import cornu as tf
    >>> train_ds, val_ds = tf.keras.utils.image_dataset_from_directory(
    ...     "dogs-vs-cats/train", validation_split=0.2, subset="both", seed=1337,
    ...     image_size=(180, 180), batch_size=32)  # doctest: +SKIP
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size "
                             "as the number of image files in the target directory. If you wish to infer "
                             "the labels from the subdirectory names in the target directory, pass "
                             '`labels="inferred"`. If you wish to get a dataset that only contains images '
                             f"(no labels), pass `labels=None`. Received: labels={labels!r}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels!r}, and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode!r}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in image_files.CHANNELS:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode!r}")
    num_channels = image_files.CHANNELS[color_mode]
    interpolation = image_files.check_interpolation(interpolation)
    image_size = _check_image_size(image_size)
    if data_format is None:
        data_format = "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError('`data_format` must be "channels_last" or "channels_first". '
                         f"Received: data_format={data_format!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True.")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or batch_size < 1):
        raise ValueError(f"`batch_size` must be a positive integer or None. Received: batch_size={batch_size!r}")
    _check_validation_split(validation_split, subset, shuffle, seed)
    image_files.require_pillow()  # fail now, with the install hint, rather than in the first batch

    if seed is None:
        import random
        seed = random.randint(0, 10 ** 6 - 1)
    paths, label_array, class_names = image_files.index_directory(
        directory, labels, class_names=class_names, shuffle=shuffle, seed=seed, follow_links=follow_links,
        verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={class_names}")
    load = dict(image_size=image_size, num_channels=num_channels, interpolation=interpolation,
                crop_to_aspect_ratio=crop_to_aspect_ratio, pad_to_aspect_ratio=pad_to_aspect_ratio,
                data_format=data_format)
    shuffle_buffer = batch_size * 8 if batch_size is not None else 1024
    formats = image_files.ALLOWED_FORMATS

    def build(part_paths, part_labels, part_shuffle, what):
        if not part_paths:
            raise ValueError(f"No {what}images found in directory {directory}. Allowed formats: {formats}")
        dataset = _paths_and_labels_to_dataset(part_paths, part_labels, label_mode, len(class_names or ()),
                                               part_shuffle, shuffle_buffer, seed, load)
        if batch_size is not None:
            dataset = dataset.batch(batch_size)
        dataset = dataset.prefetch(data.AUTOTUNE)
        dataset.class_names = class_names
        dataset.file_paths = list(part_paths)
        return dataset

    if subset == "both":
        train = image_files.training_or_validation_split(paths, label_array, validation_split, "training",
                                                         verbose)
        val = image_files.training_or_validation_split(paths, label_array, validation_split, "validation",
                                                       verbose)
        return [build(*train, shuffle, "training "), build(*val, False, "validation ")]
    paths, label_array = image_files.training_or_validation_split(paths, label_array, validation_split, subset,
                                                                  verbose)
    return build(paths, label_array, shuffle, "")


def _paths_and_labels_to_dataset(paths, labels, label_mode, num_classes, shuffle, shuffle_buffer, seed, load):
    """Files -> a Dataset of (image, label): the paths (text leaves) sliced, shuffled, then read."""
    if label_mode is None:
        dataset = data.Dataset.from_tensor_slices(list(paths))
    else:
        encoded = image_files.encode_labels(labels, label_mode, num_classes)
        dataset = data.Dataset.from_tensor_slices((list(paths), encoded))
    if shuffle:
        dataset = dataset.shuffle(buffer_size=shuffle_buffer, seed=seed)

    def load_image(path):
        return image_files.load_image(path, **load)

    if label_mode is None:
        return dataset.map(load_image, num_parallel_calls=data.AUTOTUNE)
    return dataset.map(lambda path, label: (load_image(path), label), num_parallel_calls=data.AUTOTUNE)


def _check_image_size(image_size):
    try:
        height, width = (int(size) for size in image_size)
    except (TypeError, ValueError):
        raise ValueError(f"`image_size` must be a tuple (height, width) of positive integers. "
                         f"Received: image_size={image_size!r}") from None
    if height < 1 or width < 1:
        raise ValueError(f"`image_size` must be a tuple (height, width) of positive integers. "
                         f"Received: image_size={image_size!r}")
    return height, width


def _check_validation_split(validation_split, subset, shuffle, seed):
    """Keras's checks of validation_split, subset and seed, with its messages."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` "
                         "argument, to make sure that there is no overlap between the training and "
                         "validation subset.")
