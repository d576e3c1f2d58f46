"""The IDX format of the MNIST files: `read_idx` and `write_idx` (gzip-compressed or not).

An IDX file is a 4-byte magic number `00 00 TT NN` (TT: the element type, NN: the number of
dimensions), NN big-endian uint32 sizes, then the elements in C order, big-endian. Reading never runs
code from the file; a bad file gets a `ValueError` that says what is wrong with it.

>>> import numpy as np, os, tempfile
>>> from cornu.data.idx import read_idx, write_idx
>>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
>>> write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
>>> read_idx(path)
array([7, 2, 1], dtype=uint8)
"""
import gzip
import os
import struct
import zlib

import numpy as np

from ._atomic import atomic_writer

# type code -> NumPy dtype of the elements as stored (big-endian)
_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
          0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CODES = {dtype.newbyteorder("="): code for code, dtype in _TYPES.items()}
_SUPPORTED = "uint8, int8, int16, int32, float32, float64"
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path_or_file):
    """The array stored in an IDX file, in native byte order (a new, writable array).

    Args:
        path_or_file: a path (str or path-like) or a binary file object. Gzip-compressed data (the
            `.gz` files the MNIST mirrors serve) is recognized by its content and decompressed.

    Raises:
        ValueError: the data is not IDX (wrong magic number or unknown type code), is truncated,
            its payload does not match the sizes in its header, or the gzip stream is corrupt.

    >>> from cornu.data.sample import FILES
    >>> read_idx(FILES + "/t10k-labels-idx1-ubyte.gz")[:10]
    array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], dtype=uint8)
    """
    if hasattr(path_or_file, "read"):
        name = getattr(path_or_file, "name", "<file object>")
        data = path_or_file.read()
    else:
        name = os.fspath(path_or_file)
        with open(name, "rb") as f:
            data = f.read()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"read_idx: {name} was opened in text mode; open it with 'rb'")
    data = bytes(data)
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except EOFError:
            raise ValueError(f"{name}: truncated gzip stream (the file ends before the end of the "
                             "compressed data; was the download interrupted?)") from None
        except (OSError, zlib.error) as e:
            raise ValueError(f"{name}: corrupt gzip data ({e})") from None
    return _parse(data, name)


def _parse(data, name):
    if len(data) < 4:
        raise ValueError(f"{name}: not an IDX file (only {len(data)} bytes, the magic number alone "
                         "takes 4)")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise ValueError(f"{name}: bad IDX magic number 0x{data[:4].hex()} (an IDX file starts with "
                         "two zero bytes, then a type code and the number of dimensions)")
    if type_code not in _TYPES:
        raise ValueError(f"{name}: bad IDX magic number 0x{data[:4].hex()}: unknown type code "
                         f"0x{type_code:02x} (known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, "
                         "0x0d float32, 0x0e float64)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name}: truncated IDX header ({len(data)} bytes; {ndim} dimensions need "
                         f"{header})")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    payload = len(data) - header
    if payload < expected:
        raise ValueError(f"{name}: truncated IDX file: shape {shape} of {dtype.newbyteorder('=').name} "
                         f"needs {expected} bytes of data but only {payload} follow the header")
    if payload > expected:
        raise ValueError(f"{name}: IDX sizes do not match the data: shape {shape} of "
                         f"{dtype.newbyteorder('=').name} needs {expected} bytes but {payload} follow "
                         "the header")
    array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    return array.reshape(shape).astype(dtype.newbyteorder("="), copy=True)


def write_idx(path, array):
    """Write `array` to an IDX file at `path`, atomically; gzip-compressed when the name ends in `.gz`.

    The data goes to a temporary file in the same directory, which replaces `path` only once it is
    complete, so a crash never leaves a partial file under the final name.

    Args:
        path: the destination (str or path-like); its directory must exist.
        array: array-like of dtype uint8, int8, int16, int32, float32 or float64 (IDX has no other
            element types), at most 255 dimensions each smaller than 2**32.

    Raises:
        TypeError: the dtype has no IDX type code (int64, uint16, float16, bool, ...).
        ValueError: too many dimensions or a dimension too large for the header.
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=") if array.dtype.byteorder not in "|=" else array.dtype
    if native not in _CODES:
        raise TypeError(f"write_idx: dtype {array.dtype} has no IDX type code (supported: {_SUPPORTED}); "
                        "convert the array first, e.g. array.astype('int32')")
    if array.ndim > 255:
        raise ValueError(f"write_idx: IDX stores at most 255 dimensions, got an array of rank {array.ndim}")
    if any(size >= 2 ** 32 for size in array.shape):
        raise ValueError(f"write_idx: IDX stores sizes below 2**32, got shape {array.shape}")
    code = _CODES[native]
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    body = np.ascontiguousarray(array, dtype=_TYPES[code]).tobytes()
    with atomic_writer(path) as raw:
        if os.fspath(path).endswith(".gz"):
            # mtime=0 and no stored name: the same array always gives the same bytes
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
                f.write(header)
                f.write(body)
        else:
            raw.write(header)
            raw.write(body)
