"""`keras.utils`."""
from .progbar import Progbar  # noqa: F401
