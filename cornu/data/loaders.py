"""Shared by `keras.datasets.mnist` and `fashion_mnist`: the four IDX files of an MNIST-format dataset
(fetched and verified by `download.fetch_files`), or Keras's `mnist.npz` read without pickle."""
import numpy as np

from . import download
from .idx import read_idx

TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


def load_idx_dataset(title, files, mirrors, cache_dir, image_shape=(28, 28), hint=None):
    """`(x_train, y_train), (x_test, y_test)` from the verified IDX files, downloaded when missing."""
    paths = download.fetch_files(files, mirrors, cache_dir, hint=hint)
    pairs = []
    for images_name, labels_name in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
        images, labels = read_idx(paths[images_name]), read_idx(paths[labels_name])
        _check(title, paths[images_name], images, (len(images),) + tuple(image_shape))
        _check(title, paths[labels_name], labels, (len(images),))
        pairs.append((images, labels))
    return tuple(pairs)


def load_npz_dataset(title, path, sha256):
    """`(x_train, y_train), (x_test, y_test)` from a Keras-format `.npz` file with this SHA-256."""
    digest = download.sha256_of(path)
    if digest != sha256:
        raise ValueError(f"{title}: {path} has SHA-256 {digest}, not the {sha256} of Keras's file")
    with np.load(path, allow_pickle=False) as f:  # no pickle: loading data never runs code
        arrays = {key: f[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    for kind in ("train", "test"):
        x, y = arrays["x_" + kind], arrays["y_" + kind]
        _check(title, f"{path}[x_{kind}]", x, (len(x), 28, 28))
        _check(title, f"{path}[y_{kind}]", y, (len(x),))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _check(title, where, array, shape):
    if array.shape != shape or array.dtype != np.uint8:
        raise ValueError(f"{title}: {where} holds {array.dtype} of shape {array.shape}, expected uint8 of "
                         f"shape {shape}")
