"""Fused kernels for elementwise work that NumPy would do in many passes (DESIGN principle 4): the
optimizers' updates.

The NumPy versions below update their arrays in place (one scratch array, no temporaries per term).
Numba versions, one multi-threaded pass each, are used when numba is installed and CORNU_NUMBA=1.
Measured on a quiet 2-core machine (benchmarks/workloads.py): the Adam update over 401k weights takes
0.06 ms against 0.6 ms; W1 (MLP) 0.225 s/epoch against 0.275, W3 423 us/step against 466, W2 (CNN)
unchanged; but importing Numba's LLVM adds about 120 MiB to peak memory, and on an oversubscribed
machine its worker threads competed with BLAS's (a CNN epoch took 2.4x longer). Hence opt-in.
Callers decide whether in-place is safe (see `exclusive`).
"""
import os
import sys

import numpy as np

_numba = {"checked": False, "module": None}


def numba_or_none():
    """The numba module when it is installed and enabled with CORNU_NUMBA=1, else None."""
    if not _numba["checked"]:
        _numba["checked"] = True
        if os.environ.get("CORNU_NUMBA") == "1":
            # Numba's OpenMP workers must sleep between kernels, not spin, or they starve BLAS.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import numba
                _numba["module"] = numba
            except ImportError:
                pass
    return _numba["module"]


def exclusive(array, extra_references=0):
    """True if nothing but its owner refers to `array` (besides `extra_references` names the caller
    holds), so writing it in place cannot change a tensor someone else holds. CPython's reference
    count tells: the owner's attribute, this function's parameter and getrefcount's argument make 3."""
    return type(array) is np.ndarray and array.ndim > 0 and array.flags.writeable and \
        sys.getrefcount(array) <= 3 + extra_references


_SMALL = 1 << 14  # below this many elements the NumPy version is as fast (no thread start-up)
_compiled = {}


def _jit(name, builder):
    nb = numba_or_none()
    if nb is None:
        return None
    if name not in _compiled:
        _compiled[name] = builder(nb)
    return _compiled[name]


def _build_adam(nb):
    @nb.njit(parallel=True, fastmath=False, cache=True)
    def adam(var, m, v, g, alpha, c1, c2, eps):
        for i in nb.prange(var.size):
            gi = g[i]
            mi = m[i] + (gi - m[i]) * c1
            vi = v[i] + (gi * gi - v[i]) * c2
            m[i] = mi
            v[i] = vi
            var[i] = var[i] - mi * alpha / (np.sqrt(vi) + eps)
    return adam


def adam(var, m, v, g, alpha, one_minus_beta_1, one_minus_beta_2, epsilon):
    """In place: m += (g - m)(1-b1); v += (g^2 - v)(1-b2); var -= alpha m / (sqrt(v) + eps)."""
    dtype = var.dtype.type
    alpha, c1, c2, eps = dtype(alpha), dtype(one_minus_beta_1), dtype(one_minus_beta_2), dtype(epsilon)
    kernel = _jit("adam", _build_adam) if var.size >= _SMALL and var.flags.c_contiguous else None
    if kernel is not None and g.flags.c_contiguous and g.dtype == var.dtype:
        kernel(var.reshape(-1), m.reshape(-1), v.reshape(-1), g.reshape(-1), alpha, c1, c2, eps)
        return
    if var.ndim == 0:
        m += (g - m) * c1
        v += (g * g - v) * c2
        var -= m * alpha / (np.sqrt(v) + eps)
        return
    tmp = np.subtract(g, m)  # one scratch array for the whole update instead of a temporary per term
    tmp *= c1
    m += tmp
    np.multiply(g, g, out=tmp)
    tmp -= v
    tmp *= c2
    v += tmp
    np.sqrt(v, out=tmp)
    tmp += eps
    np.divide(m, tmp, out=tmp)
    tmp *= alpha
    var -= tmp


def _build_momentum(nb):
    @nb.njit(parallel=True, fastmath=False, cache=True)
    def momentum_update(var, m, g, lr, mu, nesterov):
        for i in nb.prange(var.size):
            step = g[i] * lr
            mi = m[i] * mu - step
            m[i] = mi
            if nesterov:
                var[i] = var[i] + (mi * mu - step)
            else:
                var[i] = var[i] + mi
    return momentum_update


def sgd_momentum(var, m, g, lr, momentum, nesterov):
    """In place: m = m*mu - g*lr; var += m (or, Nesterov, var += m*mu - g*lr)."""
    dtype = var.dtype.type
    lr, mu = dtype(lr), dtype(momentum)
    kernel = _jit("momentum", _build_momentum) if var.size >= _SMALL and var.flags.c_contiguous else None
    if kernel is not None and g.flags.c_contiguous and g.dtype == var.dtype:
        kernel(var.reshape(-1), m.reshape(-1), g.reshape(-1), lr, mu, bool(nesterov))
        return
    step = g * lr
    m *= mu
    m -= step
    if nesterov:
        var += m * mu - step
    else:
        var += m
