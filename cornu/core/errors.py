"""TF's error classes (`cornu.errors.InvalidArgumentError`, ...).

InvalidArgumentError also derives from ValueError so generic `except ValueError` handlers catch bad
arguments, as they do for NumPy.
"""


class OpError(Exception):
    """Base class for errors an op raises while running."""

    def __init__(self, message, op=None):
        super().__init__(message)
        self.message = message
        self.op = op


class InvalidArgumentError(OpError, ValueError):
    """An op received an argument (shape, dtype, value) it cannot work with."""


class UnimplementedError(OpError, NotImplementedError):
    """The requested behaviour is not implemented for these arguments."""


class OutOfRangeError(OpError, IndexError):
    """An index or iteration went past the end."""


class ResourceExhaustedError(OpError, MemoryError):
    """A memory or resource limit was hit."""


class NotFoundError(OpError, LookupError):
    """A requested file, op or resource does not exist."""


class FailedPreconditionError(OpError, RuntimeError):
    """The system is not in a state where the op can run (e.g. an uninitialized variable)."""
