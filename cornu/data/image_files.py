"""Image files on disk for `keras.utils.image_dataset_from_directory`: indexing a directory tree (one
folder per class), Keras's seeded shuffle and validation split, and decoding + resizing one image with
Pillow (an optional dependency, imported only when an image is read: `pip install "cornu[image]"`).
"""
import os

import numpy as np

from ..core.errors import InvalidArgumentError

ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_PIL_MODES = {1: "L", 3: "RGB", 4: "RGBA"}
# Keras's interpolation names -> Pillow's filters. Pillow filters antialias when they shrink an image
# (as tf.image.resize(..., antialias=True) does), so shrunk pixels can differ slightly from TF's.
INTERPOLATIONS = {"bilinear": "BILINEAR", "nearest": "NEAREST", "bicubic": "BICUBIC", "area": "BOX",
                  "lanczos3": "LANCZOS"}
_KERAS_ONLY = ("lanczos5", "gaussian", "mitchellcubic")


def require_pillow(caller="image_dataset_from_directory"):
    """The `PIL.Image` module, or an ImportError that says how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{caller} reads images with Pillow, which is not installed. Install it with "
                          "`pip install Pillow` (or `pip install \"cornu[image]\"`).") from None
    return Image


def check_interpolation(interpolation):
    """The lower-cased name, or a ValueError naming the supported ones."""
    name = str(interpolation).lower()
    if name not in INTERPOLATIONS:
        extra = (f" ({name!r} is a TensorFlow resize method that Pillow does not provide)"
                 if name in _KERAS_ONLY else "")
        raise ValueError(f"`interpolation` must be one of {sorted(INTERPOLATIONS)}{extra}. "
                         f"Received: interpolation={interpolation!r}")
    return name


def index_directory(directory, labels, formats=ALLOWED_FORMATS, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """The image files under `directory`, their integer labels and the class names, as Keras does.

    - `labels="inferred"`: one class per subdirectory, sorted by name unless `class_names` gives the
      order (a subset of the subdirectories); each class's images are found recursively.
    - a list/tuple of integers: the labels of the files found anywhere under `directory`, sorted by path;
      `class_names` are then the sorted distinct labels as strings.
    - None: no labels (`class_names` None).

    Folders whose names start with "." (`.ipynb_checkpoints`, ...) are skipped at every level.
    With `shuffle` the file list is shuffled with `numpy.random.RandomState(seed)` as Keras does, so the
    same seed gives the same order (and the same validation split) as Keras.

    Returns:
        `(file_paths, labels, class_names)`: a list of paths, an int32 array (or None), a list (or None).
    """
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"image_dataset_from_directory: {directory!r} is not a directory")
    if labels == "inferred":
        subdirs = [name for name in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")]
        if class_names is not None:
            class_names = list(class_names)
            if not set(class_names).issubset(subdirs):
                raise ValueError("The `class_names` passed did not match the names of the subdirectories "
                                 f"of the target directory. Expected: {subdirs} (or a subset of it), but "
                                 f"received: class_names={class_names}")
            subdirs = class_names
    else:
        subdirs = [""]
    file_paths, label_list = [], []
    for index, subdir in enumerate(subdirs):
        for path in _walk_images(os.path.join(directory, subdir), follow_links, formats):
            file_paths.append(path)
            label_list.append(index)
    if labels == "inferred":
        class_names = list(subdirs)
        label_array = np.asarray(label_list, dtype=np.int32)
    elif labels is None:
        class_names, label_array = None, None
    else:
        if len(labels) != len(file_paths):
            raise ValueError("Expected the lengths of `labels` to match the number of files in the target "
                             f"directory. len(labels) is {len(labels)} while we found {len(file_paths)} "
                             f"files in directory {directory}.")
        label_array = np.asarray(labels)
        if label_array.size and not np.issubdtype(label_array.dtype, np.integer):
            raise ValueError(f"`labels` must be integers, got {label_array.dtype} values")
        label_array = label_array.astype(np.int32)
        class_names = [str(label) for label in sorted(set(label_array.tolist()))]
    if verbose:
        if label_array is None:
            print(f"Found {len(file_paths)} files.")
        else:
            print(f"Found {len(file_paths)} files belonging to {len(class_names)} classes.")
    if shuffle and file_paths:
        if seed is None:
            seed = np.random.randint(1e6)
        order = np.random.RandomState(seed).permutation(len(file_paths))  # = Keras's rng.shuffle(list)
        file_paths = [file_paths[i] for i in order]
        if label_array is not None:
            label_array = label_array[order]
    return file_paths, label_array, class_names


def _walk_images(directory, follow_links, formats):
    entries = []
    for root, dirs, files in os.walk(directory, followlinks=follow_links):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # .ipynb_checkpoints and the like
        entries.append((root, files))
    for root, files in sorted(entries, key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def training_or_validation_split(samples, labels, validation_split, subset, verbose=True):
    """Keras's split: the last `int(validation_split * n)` samples are validation, the rest training."""
    if not validation_split:
        return samples, labels
    n = len(samples)
    num_val = int(validation_split * n)
    if subset == "training":
        if verbose:
            print(f"Using {n - num_val} files for training.")
        part = slice(0, n - num_val)
    elif subset == "validation":
        if verbose:
            print(f"Using {num_val} files for validation.")
        part = slice(n - num_val, n)
    else:
        raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')
    return samples[part], (labels[part] if labels is not None else None)


def encode_labels(labels, label_mode, num_classes):
    """int32 labels as Keras gives them: `int` (n,) int32, `categorical` (n, classes) float32 one-hot,
    `binary` (n, 1) float32."""
    if label_mode == "int":
        return labels.astype(np.int32)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels]
    if label_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    raise ValueError(f'`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                     f"Received: label_mode={label_mode}")


def load_image(path, image_size, num_channels, interpolation="bilinear", crop_to_aspect_ratio=False,
               pad_to_aspect_ratio=False, data_format="channels_last"):
    """One image file as a float32 array of shape `image_size + (num_channels,)` (values 0 to 255).

    The first frame of an animated GIF is used; grayscale images are repeated into RGB and RGB gets an
    opaque alpha channel when more channels are asked for, as `tf.image.decode_image` does.
    `crop_to_aspect_ratio` first crops the largest centred box with the target aspect ratio;
    `pad_to_aspect_ratio` first pads with zeros to it (centred); the image is then resized.
    """
    Image = require_pillow()
    height, width = image_size
    try:
        with Image.open(path) as image:
            image.seek(0)
            image = image.convert(_PIL_MODES[num_channels])
    except (OSError, ValueError, SyntaxError) as e:  # what Pillow raises on a bad or truncated file
        if isinstance(e, FileNotFoundError):
            raise
        raise InvalidArgumentError(f"cannot decode the image {path}: {e}") from e
    source_width, source_height = image.size
    box = None
    if crop_to_aspect_ratio:
        crop_height = min(source_height, int(float(source_width * height) / width))
        crop_width = min(source_width, int(float(source_height * width) / height))
        top = int(float(source_height - crop_height) / 2)
        left = int(float(source_width - crop_width) / 2)
        box = (left, top, left + crop_width, top + crop_height)
    elif pad_to_aspect_ratio:
        pad_height = max(source_height, int(float(source_width * height) / width))
        pad_width = max(source_width, int(float(source_height * width) / height))
        canvas = Image.new(image.mode, (pad_width, pad_height))  # zeros, as Keras pads
        canvas.paste(image, (int(float(pad_width - source_width) / 2), int(float(pad_height - source_height) / 2)))
        image = canvas
    pixels = np.asarray(image, dtype=np.float32).reshape(image.size[1], image.size[0], num_channels)
    if box is None and image.size == (width, height):
        out = pixels.copy()
    else:
        # resize each channel as a float image: no rounding back to uint8, as TF resizes in float32
        resample = getattr(Image.Resampling, INTERPOLATIONS[interpolation])
        out = np.empty((height, width, num_channels), dtype=np.float32)
        for c in range(num_channels):
            channel = Image.fromarray(np.ascontiguousarray(pixels[:, :, c]))  # float32 -> mode "F"
            out[:, :, c] = np.asarray(channel.resize((width, height), resample=resample, box=box))
    if data_format == "channels_first":
        out = np.ascontiguousarray(out.transpose(2, 0, 1))
    return out
