"""`keras.models`: Model, Sequential and (with the saving work) load_model."""
from .model import Model  # noqa: F401
from .sequential import Sequential  # noqa: F401
from .functional import Functional  # noqa: F401
