"""`keras.datasets`: `mnist` and `fashion_mnist`, downloaded (checksummed, cached under `$CORNU_HOME`,
default `~/.cornu`) as Keras does; `mnist.load_sample()` is the real MNIST test set shipped with cornu,
for work without a network.

>>> import cornu as tf
>>> x, y = tf.keras.datasets.mnist.load_sample()
>>> x.shape, y.shape
((10000, 28, 28), (10000,))
"""
from . import mnist, fashion_mnist  # noqa: F401
