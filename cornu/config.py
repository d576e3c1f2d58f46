"""`cornu.config`: device placement settings."""
from .backend.device import set_soft_device_placement, get_soft_device_placement  # noqa: F401
from .graph.function import run_functions_eagerly, functions_run_eagerly  # noqa: F401


def list_physical_devices(device_type=None):
    """Devices cornu can use: always the CPU, and GPUs when CuPy sees them."""
    from .backend.device import _load_cupy, DeviceSpec
    found = [DeviceSpec("CPU", 0)]
    cp, _ = _load_cupy()
    if cp is not None:
        found += [DeviceSpec("GPU", i, cp) for i in range(cp.cuda.runtime.getDeviceCount())]
    if device_type is not None:
        found = [d for d in found if d.kind == device_type.upper()]
    return found
