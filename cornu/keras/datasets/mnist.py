"""`keras.datasets.mnist`: the MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges;
CC BY-SA 3.0).

`load_data()` downloads the four original IDX files (checksummed, cached in
`$CORNU_HOME/datasets/mnist/`, default `~/.cornu/datasets/mnist/`); `load_sample()` returns the real
10,000-image test set shipped inside cornu, with no network; `load_splits()` gives the course's
train / validation / test split (55,000 / 5,000 / 10,000, or 5,500 / 500 / 4,000 of the sample).

>>> import cornu as tf
>>> (x_train, y_train), (x_val, y_val), (x_test, y_test) = tf.keras.datasets.mnist.load_splits(sample=True)
>>> x_train.shape, x_val.shape, x_test.shape, y_train.dtype
((5500, 28, 28), (500, 28, 28), (4000, 28, 28), dtype('uint8'))
"""
import os

from ...data import download, loaders, sample as sample_data

# Base URLs tried in turn for each file (a file's URL is the base plus its name). Override by
# assigning this list, or with $CORNU_MNIST_MIRRORS (base URLs separated by commas or spaces).
MIRRORS = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # CVDF's mirror (Google Cloud Storage)
    "https://ossci-datasets.s3.amazonaws.com/mnist/",       # PyTorch's mirror (torchvision)
]
MIRRORS_ENV = "CORNU_MNIST_MIRRORS"

# SHA-256 of the original files as yann.lecun.com published them (and as both mirrors serve them).
FILES = {
    loaders.TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    loaders.TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    # the test files: the originals, or the same data as recompressed in cornu/data/files/
    loaders.TEST_IMAGES: ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                          "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b"),
    loaders.TEST_LABELS: ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                          "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c"),
}
# Keras's own cached copy (https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz)
KERAS_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
OFFLINE_HINT = ("Offline, cornu.keras.datasets.mnist.load_sample() gives the real 10,000 test images "
                "shipped inside cornu.")


def load_data(path="mnist.npz"):
    """Loads the MNIST dataset: 60,000 28x28 grayscale training images of the 10 digits and 10,000
    test images.

    The four IDX files are downloaded on first use from `MIRRORS`, tried in turn, each checked against
    its SHA-256 (`FILES`), and cached in `$CORNU_HOME/datasets/mnist/` (default `~/.cornu/...`); later
    calls read the cache without a network. Without a network, place the files there by hand (the
    error says which and where), or use `load_sample()`.

    Args:
        path: kept from Keras. If it names an existing file (absolute, or relative to
            `$CORNU_HOME/datasets/`), that file is read as Keras's `mnist.npz` (for example a copy of
            `~/.keras/datasets/mnist.npz`), checked against its SHA-256 and read without pickle.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (60000, 28, 28) and
        (10000, 28, 28) with values 0 to 255, uint8 labels 0 to 9 of shape (60000,) and (10000,).

    Raises:
        cornu.data.download.DownloadError: the files are not cached and no mirror delivered them.
    """
    npz = os.path.join(os.path.join(download.cornu_home(), "datasets"), os.fspath(path))
    if os.path.isfile(npz):
        return loaders.load_npz_dataset("mnist.load_data", npz, KERAS_NPZ_SHA256)
    return loaders.load_idx_dataset("mnist.load_data", FILES, download.mirrors_from_env(MIRRORS_ENV, MIRRORS),
                                    download.dataset_dir("mnist"), hint=OFFLINE_HINT)


def load_sample():
    """The real MNIST test set shipped inside cornu (no network): `(x, y)`, uint8 images of shape
    (10000, 28, 28) and uint8 labels of shape (10000,), in the original order.

    Class counts 0..9: 980 1135 1032 1010 982 892 958 1028 974 1009.
    """
    return sample_data.load_mnist_sample()


def load_splits(sample=False, path="mnist.npz"):
    """The course's split, in order and without shuffling: `(x_train, y_train), (x_val, y_val),
    (x_test, y_test)`.

    - `sample=False` (downloads as `load_data`): validation = the first 5,000 training images,
      train = the other 55,000, test = the 10,000 test images (55,000 / 5,000 / 10,000), as
      TensorFlow's MNIST tutorials split it.
    - `sample=True` (offline, the shipped sample): validation = images 0-499, train = 500-5,999,
      test = 6,000-9,999 (5,500 / 500 / 4,000).

    See `cornu.data.sample.split_train_validation_test` for any other sizes.
    """
    if sample:
        return sample_data.mnist_sample_splits()
    (x_train, y_train), test = load_data(path)
    validation = sample_data.FULL_SPLIT[1]
    return (x_train[validation:], y_train[validation:]), (x_train[:validation], y_train[:validation]), test
