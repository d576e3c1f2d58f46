"""Array backends: NumPy on the CPU, CuPy on NVIDIA GPUs (DESIGN principle 3).

Everything that touches arrays asks `xp_of(...)` or `current_xp()` for the array module instead of
importing numpy, so a GPU run needs no second implementation.
"""
import numpy as np

from . import dtypes
from .device import device, current_device, DeviceSpec, device_of, cupy_or_none  # noqa: F401

numpy = np


def xp_of(*arrays):
    """The array module that owns these arrays (NumPy unless a CuPy array is among them)."""
    cp = cupy_or_none()
    if cp is not None:
        for a in arrays:
            if isinstance(a, cp.ndarray):
                return cp
    return np


def current_xp():
    """The array module of the current device scope (for ops with no array inputs)."""
    return current_device().xp


def to_numpy(array):
    """A NumPy array from a backend array (copies from the GPU when needed)."""
    if type(array) is np.ndarray:
        return array
    cp = cupy_or_none()
    if cp is not None and isinstance(array, cp.ndarray):
        return cp.asnumpy(array)
    return np.asarray(array)


def fits(out, shape, dtype):
    """True when `out` (a buffer the graph executor offers an op) is a C-contiguous NumPy array of
    exactly this shape and dtype, so the op may write its result into it."""
    return type(out) is np.ndarray and out.shape == tuple(shape) and out.dtype == dtype and \
        out.flags.c_contiguous and out.flags.writeable
