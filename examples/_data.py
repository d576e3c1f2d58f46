"""Shared by the examples: the MNIST sample that ships with cornu, split 8,000 / 2,000 and scaled."""
import numpy as np

from cornu.data.sample import mnist_sample_split


def mnist(flatten=False, channels=False):
    (x_train, y_train), (x_test, y_test) = mnist_sample_split()
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    if flatten:
        x_train, x_test = x_train.reshape(-1, 784), x_test.reshape(-1, 784)
    if channels:
        x_train, x_test = x_train[..., None], x_test[..., None]
    return (x_train, y_train.astype("int32")), (x_test, y_test.astype("int32"))


def first_arg_epochs(default):
    import sys
    return int(sys.argv[1]) if len(sys.argv) > 1 else default


__all__ = ["mnist", "first_arg_epochs", "np"]
