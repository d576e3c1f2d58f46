"""The real MNIST test set (10,000 images) shipped inside cornu, for offline demos, examples and tests,
and the course's train / validation / test split convention.

MNIST is by Y. LeCun, C. Cortes and C. J. C. Burges, distributed under CC BY-SA 3.0.

The split convention is the one of TensorFlow's MNIST tutorials (`input_data.read_data_sets`): the
data is split in order, without shuffling; validation is the *first* part, training the middle, test
the last part:

- full MNIST: the 60,000 training images give validation = the first 5,000 and training = the other
  55,000; test = the official 10,000 test images (55,000 / 5,000 / 10,000);
- the shipped sample (10,000 images): the same convention at a tenth of the training side and the
  rest for test: validation = images 0-499, training = images 500-5,999, test = images 6,000-9,999
  (5,500 / 500 / 4,000).

>>> from cornu.data.sample import mnist_sample_splits
>>> (x_train, y_train), (x_val, y_val), (x_test, y_test) = mnist_sample_splits()
>>> len(x_train), len(x_val), len(x_test)
(5500, 500, 4000)
"""
import os

import numpy as np

from .idx import read_idx

FILES = os.path.join(os.path.dirname(__file__), "files")
IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"

FULL_SPLIT = (55000, 5000, 10000)  # train, validation, test
SAMPLE_SPLIT = (5500, 500, 4000)


def load_mnist_sample():
    """`(images, labels)`: uint8 arrays of shape (10000, 28, 28) and (10000,), the MNIST test set."""
    images = read_idx(os.path.join(FILES, IMAGES))
    labels = read_idx(os.path.join(FILES, LABELS))
    return images, labels


def mnist_sample_split(train=8000):
    """The benchmark protocol: the first `train` images to train on, the rest to test."""
    images, labels = load_mnist_sample()
    return (images[:train], labels[:train]), (images[train:], labels[train:])


def mnist_sample_splits():
    """The sample in the course's convention: `(train, validation, test)` pairs, 5,500 / 500 / 4,000."""
    images, labels = load_mnist_sample()
    return split_train_validation_test(images, labels, validation_size=SAMPLE_SPLIT[1],
                                       test_size=SAMPLE_SPLIT[2])


def split_train_validation_test(x, y, validation_size, test_size):
    """Split `x` and `y` in order into `(x_train, y_train), (x_val, y_val), (x_test, y_test)`.

    The layout is `[validation | train | test]`: validation is the first `validation_size` items,
    test the last `test_size`, train everything between (no shuffling, so a split is reproducible).
    Sizes are counts (int) or fractions of `len(x)` (float in [0, 1), rounded down).

    Args:
        x, y: arrays (or sequences) of the same length.
        validation_size, test_size: the size of the validation and test parts.

    Raises:
        ValueError: lengths differ, a size is negative or not a count/fraction, or the sizes leave
            nothing to train on.

    >>> import numpy as np
    >>> x, y = np.arange(70000), np.arange(70000) % 10
    >>> (xt, yt), (xv, yv), (xs, ys) = split_train_validation_test(x, y, 5000, 10000)
    >>> len(xt), len(xv), len(xs), int(xv[0]), int(xt[0]), int(xs[0])
    (55000, 5000, 10000, 0, 5000, 60000)
    """
    n = len(x)
    if len(y) != n:
        raise ValueError(f"split_train_validation_test: x has {n} items but y has {len(y)}")
    validation = _count(validation_size, n, "validation_size")
    test = _count(test_size, n, "test_size")
    if validation + test >= n:
        raise ValueError(f"split_train_validation_test: validation_size={validation} and test_size={test} "
                         f"leave nothing to train on out of {n} items")
    train_end = n - test
    return ((x[validation:train_end], y[validation:train_end]), (x[:validation], y[:validation]),
            (x[train_end:], y[train_end:]))


def _count(size, n, name):
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, float, np.integer, np.floating)):
        raise ValueError(f"split_train_validation_test: {name} must be a count or a fraction, got {size!r}")
    if isinstance(size, (float, np.floating)):
        if not 0.0 <= size < 1.0:
            raise ValueError(f"split_train_validation_test: a fractional {name} must be in [0, 1), "
                             f"got {size}")
        return int(size * n)
    if size < 0:
        raise ValueError(f"split_train_validation_test: {name} must be >= 0, got {size}")
    return int(size)
