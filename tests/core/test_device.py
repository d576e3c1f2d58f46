"""Device scopes: TF's spellings, soft placement to the CPU when no GPU is usable, errors."""
import importlib
import importlib.util
import threading
import warnings

import numpy as np
import pytest

import cornu as tf

device_module = importlib.import_module("cornu.backend.device")  # the package re-exports `device()`

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
HAS_CUPY = importlib.util.find_spec("cupy") is not None
HAS_GPU = HAS_CUPY and bool(tf.config.list_physical_devices("GPU"))
needs_gpu = pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a visible GPU")
needs_no_gpu = pytest.mark.skipif(HAS_GPU, reason="checks the fallback when no GPU is usable")


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which devices already warned, so each test sees its first warning."""
    monkeypatch.setattr(device_module, "_warned", set())


@pytest.fixture
def hard_placement():
    previous = tf.config.get_soft_device_placement()
    tf.config.set_soft_device_placement(False)
    try:
        yield
    finally:
        tf.config.set_soft_device_placement(previous)


@pytest.mark.parametrize("name", ["/cpu:0", "/CPU:0", "cpu", "CPU", "/device:CPU:0", "CPU:0",
                                  "/job:localhost/replica:0/task:0/device:CPU:0", " /cpu:0 "])
def test_cpu_names(name):
    with tf.device(name) as spec:
        t = tf.constant([1., 2.]) * 2.
        assert spec.kind == "CPU"
    assert t.device == CPU
    np.testing.assert_array_equal(t.numpy(), [2., 4.])


def test_tensor_device_string_and_empty_names():
    assert tf.constant(1.).device == CPU
    assert tf.Variable(1.).device == CPU
    for name in (None, ""):
        with tf.device(name):
            assert tf.zeros((1,)).device == CPU


@pytest.mark.parametrize("name", ["/tpu:0", "gpu:x", "foo", 3, "/cpu:0/gpu:0", "/cpu:-1", "cpu0"])
def test_bad_device_names_raise_value_error(name):
    with pytest.raises(ValueError, match="device"):
        with tf.device(name):
            pass


def test_scope_is_restored_after_an_error():
    with pytest.raises(KeyError):
        with tf.device("/cpu:0"):
            raise KeyError("boom")
    assert device_module.current_device() is device_module.CPU


@needs_no_gpu
def test_gpu_without_gpu_runs_on_cpu_and_warns_once(fresh_warnings):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.device("/gpu:0"):
            t = tf.ones((2,)) * 3.
        with tf.device("/GPU:0"):
            u = tf.constant([1.])
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(runtime) == 1
    message = str(runtime[0].message)
    assert "GPU:0" in message and "CPU" in message
    assert ("CuPy is not installed" in message) if not HAS_CUPY else ("GPU" in message)
    assert runtime[0].filename == __file__  # points at the user's `with` line
    assert t.device == CPU and u.device == CPU
    np.testing.assert_array_equal(t.numpy(), [3., 3.])


@needs_no_gpu
def test_another_gpu_index_warns_separately(fresh_warnings):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.device("/gpu:0"):
            pass
        with tf.device("/gpu:1"):
            pass
    assert len([w for w in caught if issubclass(w.category, RuntimeWarning)]) == 2


@needs_no_gpu
def test_hard_placement_makes_a_missing_gpu_an_error(hard_placement):
    with pytest.raises(RuntimeError, match=r"GPU:0.*soft device placement"):
        with tf.device("/gpu:0"):
            pass
    assert device_module.current_device() is device_module.CPU


def test_soft_placement_setting_round_trips(hard_placement):
    assert tf.config.get_soft_device_placement() is False
    with tf.device("/cpu:0"):  # the CPU is always available
        assert tf.constant(1.).device == CPU


def test_missing_gpu_index_is_an_error_under_hard_placement(hard_placement):
    with pytest.raises(RuntimeError, match="GPU:99"):
        with tf.device("/gpu:99"):
            pass


def test_device_scope_is_per_thread():
    seen = {}

    def work():
        seen["device"] = device_module.current_device()

    with tf.device("/cpu:0"):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    assert seen["device"] is device_module.CPU


def test_list_physical_devices():
    cpus = tf.config.list_physical_devices("CPU")
    assert len(cpus) == 1 and cpus[0].kind == "CPU"
    assert bool(tf.config.list_physical_devices("GPU")) == HAS_GPU


# -- with a real GPU ------------------------------------------------------------------------------------
@needs_gpu
def test_gpu_placement_and_compute():
    import cupy
    with tf.device("/gpu:0"):
        a = tf.constant([[1., 2.], [3., 4.]])
        b = tf.matmul(a, a) + 1.
        z = tf.zeros((3,))
    assert a.device.endswith("device:GPU:0") and b.device.endswith("device:GPU:0")
    assert isinstance(a._value, cupy.ndarray) and z.device.endswith("GPU:0")
    np.testing.assert_allclose(b.numpy(), np.array([[7., 10.], [15., 22.]]) + 1.)
    np.testing.assert_allclose(np.asarray(b), b.numpy())
    assert "GPU" in repr(tf.config.list_physical_devices("GPU")[0])
    c = b * 2.  # ops on GPU inputs stay on the GPU outside the scope
    assert c.device.endswith("GPU:0")


@needs_gpu
def test_gpu_gradients():
    with tf.device("/gpu:0"):
        w = tf.Variable([[1., 2.], [3., 4.]])
        x = tf.constant([[1., 1.]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.tanh(tf.matmul(x, w)))
    g = tape.gradient(y, w)
    assert g.device.endswith("GPU:0")
    expected = np.ones((2, 1)) @ (1 - np.tanh(np.array([[4., 6.]])) ** 2)
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5)


@needs_gpu
def test_missing_gpu_index_falls_back_with_a_warning(fresh_warnings):
    with pytest.warns(RuntimeWarning, match="GPU:99"):
        with tf.device("/gpu:99"):
            t = tf.constant(1.)
    assert t.device == CPU
