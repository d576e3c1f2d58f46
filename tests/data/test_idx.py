"""cornu.data.idx (read_idx / write_idx) and cornu.data.sample: round trips, the exact bytes of the format,
clear errors on bad files, atomic writes, and the real MNIST files shipped with cornu."""
import gzip
import hashlib
import io
import os

import numpy as np
import pytest

from cornu.data import sample
from cornu.data.idx import read_idx, write_idx

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]


# -- round trips and the format's bytes -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["x-idx3", "x-idx3.gz"])
def test_round_trip(tmp_path, dtype, name):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((5, 4, 3)) * 100).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype) and back.shape == (5, 4, 3)
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


@pytest.mark.parametrize("shape", [(), (0,), (0, 28, 28), (7,), (2, 1, 3, 1)])
def test_round_trip_shapes(tmp_path, shape):
    array = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    write_idx(tmp_path / "a.idx", array)
    back = read_idx(tmp_path / "a.idx")
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)


def test_the_bytes_are_the_idx_format(tmp_path):
    write_idx(tmp_path / "labels", np.array([7, 2, 1], dtype=np.uint8))
    assert (tmp_path / "labels").read_bytes() == bytes.fromhex("00000801 00000003 070201")
    write_idx(tmp_path / "shorts", np.array([[1, -2]], dtype="<i2"))  # little-endian in, big-endian out
    assert (tmp_path / "shorts").read_bytes() == bytes.fromhex("00000b02 00000001 00000002 0001fffe")
    write_idx(tmp_path / "floats", np.array([1.0], dtype=">f4"))
    assert (tmp_path / "floats").read_bytes() == bytes.fromhex("00000d01 00000001 3f800000")


def test_gz_names_are_compressed_reproducibly(tmp_path):
    array = np.zeros((100, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "b.gz", array)
    raw = (tmp_path / "a.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b" and len(raw) < 2000
    assert raw == (tmp_path / "b.gz").read_bytes()  # no timestamp or name inside
    assert gzip.decompress(raw)[:4] == bytes.fromhex("00000803")


def test_read_from_file_objects_and_gzip_by_content(tmp_path):
    array = np.arange(6, dtype=np.float64).reshape(2, 3)
    write_idx(tmp_path / "a.gz", array)
    raw = (tmp_path / "a.gz").read_bytes()
    np.testing.assert_array_equal(read_idx(io.BytesIO(raw)), array)
    np.testing.assert_array_equal(read_idx(io.BytesIO(gzip.decompress(raw))), array)
    (tmp_path / "no-suffix").write_bytes(raw)  # gzip recognised by its magic bytes, not the name
    np.testing.assert_array_equal(read_idx(str(tmp_path / "no-suffix")), array)
    with open(tmp_path / "a.gz", "rb") as f:
        np.testing.assert_array_equal(read_idx(f), array)


# -- errors -----------------------------------------------------------------------------------------------
LABELS = bytes.fromhex("00000801 00000003 070201")


@pytest.mark.parametrize("data, message", [
    (b"\x00\x00", "not an IDX file"),
    (bytes.fromhex("01000801") + LABELS[4:], "bad IDX magic number 0x01000801"),
    (bytes.fromhex("00000a01") + LABELS[4:], "unknown type code 0x0a"),
    (bytes.fromhex("00000803 0000000a"), "truncated IDX header"),
    (LABELS[:-1], "truncated IDX file: shape \\(3,\\) of uint8 needs 3 bytes of data but only 2"),
    (LABELS + b"\x05", "IDX sizes do not match the data: shape \\(3,\\) of uint8 needs 3 bytes but 4"),
    (bytes.fromhex("00000c02 00000002 00000002") + b"\x00" * 12, "shape \\(2, 2\\) of int32 needs 16"),
])
def test_bad_files_get_clear_errors(tmp_path, data, message):
    (tmp_path / "bad").write_bytes(data)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(tmp_path / "bad")
    assert str(tmp_path / "bad") in str(info.value)


def test_truncated_and_corrupt_gzip(tmp_path):
    raw = gzip.compress(LABELS * 100)
    (tmp_path / "cut.gz").write_bytes(raw[:len(raw) // 2])
    with pytest.raises(ValueError, match="truncated gzip stream"):
        read_idx(tmp_path / "cut.gz")
    (tmp_path / "junk.gz").write_bytes(raw[:10] + b"\xff" * 30)
    with pytest.raises(ValueError, match="corrupt gzip data"):
        read_idx(tmp_path / "junk.gz")


def test_text_mode_file_is_refused(tmp_path):
    (tmp_path / "a").write_bytes(LABELS)
    with open(tmp_path / "a", encoding="latin-1") as f, pytest.raises(TypeError, match="'rb'"):
        read_idx(f)


@pytest.mark.parametrize("dtype", ["int64", "uint16", "uint32", "float16", "bool", "complex64", "object"])
def test_unsupported_dtypes_are_refused(tmp_path, dtype):
    with pytest.raises(TypeError, match=f"dtype {dtype} has no IDX type code .*uint8, int8"):
        write_idx(tmp_path / "a.idx", np.zeros(3, dtype=dtype))
    assert os.listdir(tmp_path) == []


# -- atomic writes ----------------------------------------------------------------------------------------
def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "a.gz"
    write_idx(path, np.ones(10, dtype=np.uint8))
    before = path.read_bytes()

    def fail(self, data):
        raise OSError("disk full")

    monkeypatch.setattr(gzip.GzipFile, "write", fail)
    with pytest.raises(OSError, match="disk full"):
        write_idx(path, np.zeros(10, dtype=np.uint8))
    assert path.read_bytes() == before  # the old file is intact
    assert os.listdir(tmp_path) == ["a.gz"]  # no temporary file left behind


def test_write_replaces_an_existing_file(tmp_path):
    write_idx(tmp_path / "a", np.ones(3, dtype=np.uint8))
    write_idx(tmp_path / "a", np.arange(4, dtype=np.int16))
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), np.arange(4))
    assert os.listdir(tmp_path) == ["a"]


# -- the real MNIST test set shipped with cornu -----------------------------------------------------------
def test_shipped_files_match_their_checksums():
    with open(os.path.join(sample.FILES, "SHA256SUMS")) as f:
        sums = dict(line.split()[::-1] for line in f if line.strip())
    assert sorted(sums) == [sample.IMAGES, sample.LABELS]
    for name, expected in sums.items():
        with open(os.path.join(sample.FILES, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == expected


def test_shipped_files_are_the_real_mnist_test_set():
    images, labels = sample.load_mnist_sample()
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert round(float(images.mean()), 2) == 33.79
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    with gzip.open(os.path.join(sample.FILES, sample.IMAGES)) as f:
        head = f.read(16)
    assert head == bytes.fromhex("00000803 00002710 0000001c 0000001c")  # magic 2051, 10000, 28, 28
    # the decompressed data is byte for byte the original (published SHA-256 of t10k-images-idx3-ubyte)
    with gzip.open(os.path.join(sample.FILES, sample.IMAGES)) as f:
        assert hashlib.sha256(f.read()).hexdigest() == \
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"


def test_writing_the_sample_back_round_trips(tmp_path):
    images, labels = sample.load_mnist_sample()
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels)
    with gzip.open(os.path.join(sample.FILES, sample.LABELS)) as f:
        assert (tmp_path / "t10k-labels-idx1-ubyte").read_bytes() == f.read()


# -- the split conventions --------------------------------------------------------------------------------
def test_benchmark_split_is_unchanged():
    (x_train, y_train), (x_test, y_test) = sample.mnist_sample_split()
    images, labels = sample.load_mnist_sample()
    assert len(x_train) == 8000 and len(x_test) == 2000
    np.testing.assert_array_equal(x_test, images[8000:])
    np.testing.assert_array_equal(y_train, labels[:8000])


def test_course_split_of_the_sample():
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = sample.mnist_sample_splits()
    images, labels = sample.load_mnist_sample()
    assert (len(x_train), len(x_val), len(x_test)) == sample.SAMPLE_SPLIT == (5500, 500, 4000)
    np.testing.assert_array_equal(x_val, images[:500])
    np.testing.assert_array_equal(x_train, images[500:6000])
    np.testing.assert_array_equal(y_test, labels[6000:])


def test_split_train_validation_test_layout():
    x, y = np.arange(70000), np.arange(70000) * 2
    (xt, yt), (xv, yv), (xs, ys) = sample.split_train_validation_test(x, y, 5000, 10000)
    assert (len(xt), len(xv), len(xs)) == sample.FULL_SPLIT
    assert (xv[0], xv[-1], xt[0], xt[-1], xs[0], xs[-1]) == (0, 4999, 5000, 59999, 60000, 69999)
    np.testing.assert_array_equal(yt, xt * 2)
    (xt, _), (xv, _), (xs, _) = sample.split_train_validation_test(list(range(10)), list(range(10)), 0.2, 0.3)
    assert (xv, xt, xs) == ([0, 1], [2, 3, 4, 5, 6], [7, 8, 9])
    (xt, _), (xv, _), (xs, _) = sample.split_train_validation_test(x[:10], y[:10], 0, 0)
    assert len(xt) == 10 and len(xv) == len(xs) == 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(validation_size=5, test_size=5), "leave nothing to train on out of 10"),
    (dict(validation_size=-1, test_size=0), "validation_size must be >= 0"),
    (dict(validation_size=1.5, test_size=0), "must be in \\[0, 1\\)"),
    (dict(validation_size="5", test_size=0), "must be a count or a fraction"),
    (dict(validation_size=True, test_size=0), "must be a count or a fraction"),
])
def test_split_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample.split_train_validation_test(np.arange(10), np.arange(10), **kwargs)
    with pytest.raises(ValueError, match="x has 10 items but y has 9"):
        sample.split_train_validation_test(np.arange(10), np.arange(9), 1, 1)
