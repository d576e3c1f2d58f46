"""`keras.backend`: session-level helpers."""
from .layers.layer import reset_names


def clear_session():
    """Reset Keras's automatic layer names ('dense', 'dense_1', ...)."""
    reset_names()


def floatx():
    return "float32"


def epsilon():
    return 1e-7
