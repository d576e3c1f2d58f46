"""keras.datasets.mnist / fashion_mnist: load_data against a local HTTP server serving generated IDX files
(no network), the cache, the offline error, Keras's mnist.npz, and the shipped sample and its splits."""
import gzip
import hashlib
import os

import numpy as np
import pytest

import cornu as tf
from cornu.data import sample
from cornu.data.download import DownloadError
from cornu.data.idx import write_idx
from cornu.keras.datasets import fashion_mnist, mnist
from tests.data.http_fixture import LocalServer, refused_url

NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CORNU_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CORNU_MNIST_MIRRORS", raising=False)
    monkeypatch.delenv("CORNU_FASHION_MNIST_MIRRORS", raising=False)
    return tmp_path / "home"


def make_idx_files(tmp_path, n_train=12, n_test=5, seed=0):
    """Small MNIST-format files: {name: bytes}, and the arrays they hold."""
    rng = np.random.default_rng(seed)
    arrays = {NAMES[0]: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              NAMES[1]: rng.integers(0, 10, n_train, dtype=np.uint8),
              NAMES[2]: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              NAMES[3]: rng.integers(0, 10, n_test, dtype=np.uint8)}
    files = {}
    for name, array in arrays.items():
        write_idx(tmp_path / name, array)
        files[name] = (tmp_path / name).read_bytes()
    return files, arrays


def serve_dataset(module, monkeypatch, server, files, prefix="m"):
    for name, body in files.items():
        server.serve(prefix, name, body)
    monkeypatch.setattr(module, "MIRRORS", [refused_url(), server.url(prefix)])
    monkeypatch.setattr(module, "FILES", {name: hashlib.sha256(body).hexdigest() for name, body in files.items()})


def check(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    for got, name in ((x_train, NAMES[0]), (y_train, NAMES[1]), (x_test, NAMES[2]), (y_test, NAMES[3])):
        assert got.dtype == np.uint8 and got.shape == arrays[name].shape
        np.testing.assert_array_equal(got, arrays[name])


@pytest.mark.parametrize("module, folder", [(mnist, "mnist"), (fashion_mnist, "fashion-mnist")])
def test_load_data_downloads_verifies_and_caches(module, folder, server, home, tmp_path, monkeypatch, capsys):
    files, arrays = make_idx_files(tmp_path)
    serve_dataset(module, monkeypatch, server, files)
    check(module.load_data(), arrays)
    assert "Downloading data from" in capsys.readouterr().out
    cache = home / "datasets" / folder
    assert sorted(os.listdir(cache)) == sorted(NAMES)
    # the second call reads the cache: no mirror is reachable any more
    asked = len(server.requests)
    monkeypatch.setattr(module, "MIRRORS", [refused_url()])
    check(module.load_data(), arrays)
    assert len(server.requests) == asked and capsys.readouterr().out == ""


def test_mirrors_from_the_environment(server, home, tmp_path, monkeypatch):
    files, arrays = make_idx_files(tmp_path)
    serve_dataset(mnist, monkeypatch, server, files, prefix="env")
    monkeypatch.setattr(mnist, "MIRRORS", [refused_url()])
    monkeypatch.setenv("CORNU_MNIST_MIRRORS", server.url("env"))
    check(mnist.load_data(), arrays)
    assert server.requests == [f"/env/{name}" for name in NAMES]


def test_checksum_mismatch_falls_back_to_the_next_mirror(server, home, tmp_path, monkeypatch):
    files, arrays = make_idx_files(tmp_path)
    (tmp_path / "other").mkdir()
    other, _ = make_idx_files(tmp_path / "other", seed=1)  # valid IDX files, but not the expected ones
    serve_dataset(fashion_mnist, monkeypatch, server, files, prefix="good")
    for name, body in other.items():
        server.serve("bad", name, body)
    monkeypatch.setattr(fashion_mnist, "MIRRORS", [server.url("bad"), server.url("good")])
    check(fashion_mnist.load_data(), arrays)
    assert server.requests[:2] == [f"/bad/{NAMES[0]}", f"/good/{NAMES[0]}"]


def test_offline_error_says_what_to_do(home, monkeypatch):
    monkeypatch.setattr(mnist, "MIRRORS", [refused_url("a"), refused_url("b")])
    with pytest.raises(DownloadError) as info:
        mnist.load_data()
    message = str(info.value)
    cache = str(home / "datasets" / "mnist")
    assert f"place them, with exactly these names, in {cache}" in message
    for name in NAMES:
        assert f"{name}:" in message
    # the published SHA-256 of the original files, as `sha256sum` prints them
    assert "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609  train-images-idx3-ubyte.gz" in message
    assert "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6  t10k-labels-idx1-ubyte.gz" in message
    assert "load_sample()" in message
    assert os.listdir(cache) == []


def test_dropped_connection_leaves_the_cache_clean(server, home, tmp_path, monkeypatch):
    files, _ = make_idx_files(tmp_path, n_train=200)
    serve_dataset(mnist, monkeypatch, server, files)
    server.serve("m", NAMES[0], files[NAMES[0]], mode="drop")
    with pytest.raises(DownloadError, match="connection closed after|IncompleteRead"):
        mnist.load_data()
    assert NAMES[0] not in os.listdir(home / "datasets" / "mnist")
    assert all(not name.startswith(".") for name in os.listdir(home / "datasets" / "mnist"))


def test_mismatched_image_and_label_counts_are_an_error(server, home, tmp_path, monkeypatch):
    files, _ = make_idx_files(tmp_path)
    write_idx(tmp_path / "labels.gz", np.zeros(11, dtype=np.uint8))
    files[NAMES[1]] = (tmp_path / "labels.gz").read_bytes()
    serve_dataset(mnist, monkeypatch, server, files)
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz holds uint8 of shape \\(11,\\), "
                                         "expected uint8 of shape \\(12,\\)"):
        mnist.load_data()


def test_the_real_checksums_are_the_published_ones():
    assert mnist.FILES["train-images-idx3-ubyte.gz"] == \
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    assert fashion_mnist.FILES["train-images-idx3-ubyte.gz"] == \
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
    assert all(url.startswith("https://") for url in mnist.MIRRORS)
    # the shipped test files are accepted as the cached test set (same data, recompressed)
    with open(os.path.join(sample.FILES, "SHA256SUMS")) as f:
        for line in f:
            digest, name = line.split()
            assert digest in mnist.FILES[name]


def test_shipped_test_files_can_be_placed_in_the_cache(server, home, tmp_path, monkeypatch):
    files, arrays = make_idx_files(tmp_path, n_train=3)
    cache = home / "datasets" / "mnist"
    cache.mkdir(parents=True)
    for name in NAMES[2:]:
        (cache / name).write_bytes(open(os.path.join(sample.FILES, name), "rb").read())
    for name in NAMES[:2]:
        server.serve("m", name, files[name])
    monkeypatch.setattr(mnist, "MIRRORS", [server.url("m")])
    monkeypatch.setattr(mnist, "FILES", {**mnist.FILES, **{n: hashlib.sha256(files[n]).hexdigest()
                                                          for n in NAMES[:2]}})
    (x_train, _), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (3, 28, 28) and x_test.shape == (10000, 28, 28)
    assert server.requests == [f"/m/{name}" for name in NAMES[:2]]
    np.testing.assert_array_equal(y_test, sample.load_mnist_sample()[1])


def test_keras_npz_is_read_without_pickle(home, monkeypatch):
    (home / "datasets").mkdir(parents=True)
    x = np.zeros((4, 28, 28), np.uint8)
    path = home / "datasets" / "mnist.npz"
    np.savez(path, x_train=x, y_train=np.arange(4, dtype=np.uint8), x_test=x[:2], y_test=np.ones(2, np.uint8))
    monkeypatch.setattr(mnist, "KERAS_NPZ_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    monkeypatch.setattr(mnist, "MIRRORS", [])
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (4, 28, 28) and y_train.tolist() == [0, 1, 2, 3] and y_test.tolist() == [1, 1]
    assert mnist.load_data(path=str(path))[0][1].tolist() == [0, 1, 2, 3]  # an absolute path
    monkeypatch.setattr(mnist, "KERAS_NPZ_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="not the 0000"):
        mnist.load_data()
    np.savez(path, x_train=np.array([object()]), y_train=x, x_test=x, y_test=x)
    monkeypatch.setattr(mnist, "KERAS_NPZ_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    with pytest.raises(ValueError, match="allow_pickle"):
        mnist.load_data()


# -- the shipped sample -----------------------------------------------------------------------------------
def test_load_sample_is_the_real_test_set_offline():
    x, y = tf.keras.datasets.mnist.load_sample()
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8 and y.shape == (10000,) and y.dtype == np.uint8
    assert np.bincount(y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert round(float(x.mean()), 2) == 33.79
    with gzip.open(os.path.join(sample.FILES, sample.LABELS)) as f:
        np.testing.assert_array_equal(y, np.frombuffer(f.read()[8:], np.uint8))


def test_load_splits_of_the_sample():
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = mnist.load_splits(sample=True)
    x, y = mnist.load_sample()
    assert (len(x_train), len(x_val), len(x_test)) == (5500, 500, 4000)
    np.testing.assert_array_equal(x_val, x[:500])
    np.testing.assert_array_equal(y_train, y[500:6000])
    np.testing.assert_array_equal(x_test, x[6000:])


def test_load_splits_of_the_full_set(monkeypatch):
    x_train, y_train = np.arange(60000), np.arange(60000) % 10
    test = (np.arange(10), np.arange(10))
    monkeypatch.setattr(mnist, "load_data", lambda path="mnist.npz": ((x_train, y_train), test))
    (xt, yt), (xv, yv), (xs, ys) = mnist.load_splits()
    assert (len(xt), len(xv), len(xs)) == (55000, 5000, 10)
    assert xv[0] == 0 and xv[-1] == 4999 and xt[0] == 5000 and xt[-1] == 59999 and xs is test[0]


def test_the_namespace():
    assert tf.keras.datasets.mnist is mnist and tf.keras.datasets.fashion_mnist is fashion_mnist
    assert fashion_mnist.CLASS_NAMES[9] == "Ankle boot" and len(fashion_mnist.CLASS_NAMES) == 10
