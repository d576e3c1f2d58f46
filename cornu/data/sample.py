"""The real MNIST test set (10,000 images) shipped inside cornu, for offline demos, examples and tests.

MNIST is by Y. LeCun, C. Cortes and C. J. C. Burges, distributed under CC BY-SA 3.0.
"""
import os

from .idx import read_idx

FILES = os.path.join(os.path.dirname(__file__), "files")


def load_mnist_sample():
    """`(images, labels)`: uint8 arrays of shape (10000, 28, 28) and (10000,)."""
    images = read_idx(os.path.join(FILES, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(FILES, "t10k-labels-idx1-ubyte.gz"))
    return images, labels


def mnist_sample_split(train=8000):
    """The benchmark protocol: the first `train` images to train on, the rest to test."""
    images, labels = load_mnist_sample()
    return (images[:train], labels[:train]), (images[train:], labels[train:])
