"""`cornu.data.experimental`: the names tf.data keeps under `experimental` (AUTOTUNE, cardinality)."""
from .options import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY  # noqa: F401


def cardinality(dataset):
    """`tf.data.experimental.cardinality(dataset)`: the same as `dataset.cardinality()`."""
    return dataset.cardinality()


def get_single_element(dataset):
    return dataset.get_single_element()
