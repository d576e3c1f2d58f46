"""The C kernel JIT: compiles, caches on disk, and steps aside (None) when it cannot build."""
import ctypes
import os

import numpy as np
import pytest

from cornu.backend import cjit

SOURCE = """
#include <stdint.h>
void scale(double* x, int64_t n, double k) { for (int64_t i = 0; i < n; i++) x[i] *= k; }
"""

needs_compiler = pytest.mark.skipif(not cjit.available(), reason="no C compiler")


@pytest.fixture
def fresh_jit(monkeypatch, tmp_path):
    """A JIT with its own cache folder and no memory of earlier probes or libraries."""
    monkeypatch.setenv("CORNU_KERNEL_CACHE", str(tmp_path / "kernels"))
    monkeypatch.setattr(cjit, "_state", {"flags": None, "checked": False, "compiler": None})
    monkeypatch.setattr(cjit, "_libraries", {})
    return tmp_path / "kernels"


@needs_compiler
def test_a_kernel_compiles_runs_and_is_cached_on_disk(fresh_jit):
    scale = cjit.function(SOURCE, "scale", [cjit.POINTER, cjit.INT64, ctypes.c_double])
    x = np.arange(4.0)
    scale(x.ctypes.data, 4, 2.5)
    np.testing.assert_array_equal(x, [0.0, 2.5, 5.0, 7.5])
    built = [f for f in os.listdir(fresh_jit) if f.endswith(".so")]
    assert len(built) == 2  # the probe and the kernel
    assert cjit.library(SOURCE) is cjit.library(SOURCE)  # loaded once per process


@needs_compiler
def test_a_cached_library_is_loaded_without_compiling(fresh_jit, monkeypatch):
    cjit.library(SOURCE)
    monkeypatch.setattr(cjit, "_libraries", {})
    monkeypatch.setattr(cjit, "_compile", lambda *a: pytest.fail("compiled again"))
    assert cjit.function(SOURCE, "scale", [cjit.POINTER, cjit.INT64, ctypes.c_double]) is not None


@needs_compiler
def test_source_that_does_not_compile_gives_none(fresh_jit):
    assert cjit.library("this is not C") is None
    assert cjit.function("this is not C either", "f", []) is None


def test_no_compiler_means_no_kernels(fresh_jit, monkeypatch):
    monkeypatch.setattr(cjit, "_compiler", lambda: None)
    assert not cjit.available()
    assert cjit.library(SOURCE) is None


def test_cornu_jit_0_turns_kernels_off(fresh_jit, monkeypatch):
    monkeypatch.setenv("CORNU_JIT", "0")
    assert not cjit.enabled()
    assert cjit.library(SOURCE) is None


def test_cache_folder_follows_cornu_home(monkeypatch, tmp_path):
    monkeypatch.delenv("CORNU_KERNEL_CACHE", raising=False)
    monkeypatch.setenv("CORNU_HOME", str(tmp_path))
    assert cjit.cache_dir() == os.path.join(str(tmp_path), "kernels")


def test_an_unwritable_cache_folder_means_no_kernels(fresh_jit, monkeypatch, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CORNU_KERNEL_CACHE", str(blocker / "kernels"))  # under a file: cannot be made
    assert not cjit.available()
    assert cjit.library(SOURCE) is None
