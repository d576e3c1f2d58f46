"""`cornu.compat`: compatibility namespaces.

`cornu.compat.v1` runs TF1-style programs (placeholders, `Session.run`, `tf.train.*Optimizer`) on
cornu's one graph IR; `cornu.compat.v2` is cornu itself.

>>> import cornu as tf
>>> tf.compat.v1.executing_eagerly()
True
"""
import sys

from . import v1  # noqa: F401


def __getattr__(name):
    if name == "v2":
        return sys.modules[__name__.rsplit(".", 1)[0]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def as_bytes(bytes_or_text, encoding="utf-8"):
    """`tf.compat.as_bytes`: text encoded to bytes; bytes pass through."""
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """`tf.compat.as_text` (also `as_str`): bytes decoded to text; text passes through."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text
