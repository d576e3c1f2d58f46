"""`cornu.keras`: the Keras API (layers, models, training, losses, metrics, optimizers, callbacks).

>>> import cornu as tf
>>> model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
"""
from . import (activations, constraints, initializers, regularizers, losses, metrics, optimizers,  # noqa: F401
               layers, models, callbacks, utils, datasets)
from .layers import Input, Layer  # noqa: F401
from .models import Model, Sequential  # noqa: F401
from . import backend  # noqa: F401
from . import saving  # noqa: F401,E402
