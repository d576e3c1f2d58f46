"""Device scopes with TF's spellings and soft placement.

`with cornu.device('/gpu:0')` puts new tensors on the GPU through CuPy when CuPy and a GPU are present.
Without them the code runs on the CPU after one warning that says why, unless soft placement is turned
off (`cornu.config.set_soft_device_placement(False)`), in which case entering the scope is an error.
"""
import contextlib
import re
import threading
import warnings

import numpy as np

_state = threading.local()
_soft_placement = [True]
_cupy = {"module": None, "checked": False, "reason": ""}
# Non-zero while eager dispatch must take its slow path: CuPy is loaded, or a graph is being traced.
SLOW_PATH = [0]
_warned = set()


def cupy_or_none():
    """CuPy if it was already imported by a GPU scope (never imports it on the hot path)."""
    return _cupy["module"]


def _load_cupy():
    """Import CuPy and check a GPU is visible; returns (module or None, reason)."""
    if _cupy["checked"]:
        return _cupy["module"], _cupy["reason"]
    _cupy["checked"] = True
    reason = ""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() > 0:
            _cupy["module"] = cupy
            SLOW_PATH[0] += 1
        else:
            reason = "CuPy is installed but no GPU is visible"
    except ImportError:
        reason = "CuPy is not installed (pip install cupy-cuda12x)"
    except Exception as exc:  # CUDA driver errors surface as various exception types
        reason = f"CuPy could not reach a GPU ({exc})"
    _cupy["reason"] = reason
    return _cupy["module"], reason


class DeviceSpec:
    """A parsed device name: kind 'CPU' or 'GPU' and an index, with the array module that serves it."""

    __slots__ = ("kind", "index", "xp")

    def __init__(self, kind="CPU", index=0, xp=np):
        self.kind, self.index, self.xp = kind, index, xp

    @property
    def name(self):
        return f"/job:localhost/replica:0/task:0/device:{self.kind}:{self.index}"

    def __repr__(self):
        return f"DeviceSpec({self.name!r})"


CPU = DeviceSpec()
_NAME = re.compile(r"^(?:/job:\w+)?(?:/replica:\d+)?(?:/task:\d+)?/?(?:device:)?(cpu|gpu)(?::(\d+))?$",
                   re.IGNORECASE)


def parse(name):
    """Parse '/cpu:0', '/GPU:1', 'gpu', '/job:localhost/replica:0/task:0/device:CPU:0'."""
    if name is None or name == "":
        return None
    match = _NAME.match(str(name).strip())
    if not match:
        raise ValueError(f"device: cannot parse device name {name!r}; expected e.g. '/cpu:0' or '/gpu:0'")
    return match.group(1).upper(), int(match.group(2) or 0)


def _resolve(kind, index):
    if kind == "CPU":
        return CPU
    cp, reason = _load_cupy()
    if cp is not None and index < cp.cuda.runtime.getDeviceCount():
        return DeviceSpec("GPU", index, cp)
    if cp is not None:
        reason = f"GPU:{index} does not exist ({cp.cuda.runtime.getDeviceCount()} visible)"
    if not _soft_placement[0]:
        raise RuntimeError(f"device: cannot place on /GPU:{index}: {reason}; soft device placement is "
                           "off (cornu.config.set_soft_device_placement(True) runs such code on the CPU)")
    if (kind, index) not in _warned:
        _warned.add((kind, index))
        warnings.warn(f"/GPU:{index} requested but {reason}; running on the CPU instead "
                      "(soft device placement)", RuntimeWarning, stacklevel=4)
    return CPU


def current_device():
    return getattr(_state, "device", CPU)


@contextlib.contextmanager
def device(name):
    """`with cornu.device('/gpu:0'):` places new tensors and ops' outputs on that device."""
    parsed = parse(name)
    spec = current_device() if parsed is None else _resolve(*parsed)
    previous = current_device()
    _state.device = spec
    try:
        yield spec
    finally:
        _state.device = previous


def device_of(array):
    """The DeviceSpec an array lives on."""
    cp = _cupy["module"]
    if type(array) is np.ndarray or cp is None:
        return CPU
    if isinstance(array, cp.ndarray):
        return DeviceSpec("GPU", array.device.id, cp)
    return CPU


def set_soft_device_placement(enabled):
    _soft_placement[0] = bool(enabled)


def get_soft_device_placement():
    return _soft_placement[0]
