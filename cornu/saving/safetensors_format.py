"""The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
`{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`, then the raw
little-endian tensor bytes. Written and read here directly (the format is that small), so no pickle and
no optional dependency are involved; files interoperate with the `safetensors` package.

Tensor names are the Keras weight paths (`layers/dense/vars/0`, `optimizer/vars/1`).
"""
import json
import struct

import numpy as np

_DTYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "I8": "i1", "I16": "<i2", "I32": "<i4", "I64": "<i8",
           "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "?"}
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    """A file that is not valid safetensors."""


def _code(array):
    for code, spec in _DTYPES.items():
        dtype = np.dtype(spec)
        if dtype.kind == array.dtype.kind and dtype.itemsize == array.dtype.itemsize:
            return code
    raise SafetensorsError(f"safetensors cannot store dtype {array.dtype}")


def dumps(tensors, metadata=None):
    """The bytes of a safetensors file holding `tensors` ({name: array}), names in sorted order."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        array = np.asarray(tensors[name])
        array = np.ascontiguousarray(array) if array.ndim else array  # keeps 0-d arrays 0-d
        code = _code(array)
        data = array.astype(_DTYPES[code], copy=False).tobytes()
        header[name] = {"dtype": code, "shape": [int(d) for d in array.shape],
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the reference writer does
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def loads(data):
    """({name: array}, metadata) from the bytes of a safetensors file, checked strictly."""
    if len(data) < 8:
        raise SafetensorsError("not a safetensors file: shorter than its 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > len(data):
        raise SafetensorsError(f"not a safetensors file (header length {n} does not fit the {len(data)}-byte "
                               "file: truncated?)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorsError(f"the safetensors header is not valid JSON: {e}") from e
    if not isinstance(header, dict):
        raise SafetensorsError("the safetensors header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise SafetensorsError("the safetensors __metadata__ is not an object")
    body = memoryview(data)[8 + n:]
    spans, out = [], {}
    for name, info in header.items():
        if not isinstance(info, dict) or info.get("dtype") not in _DTYPES:
            raise SafetensorsError(f"tensor {name!r}: unknown or missing dtype in {info!r}")
        shape, offsets = info.get("shape"), info.get("data_offsets")
        if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise SafetensorsError(f"tensor {name!r}: invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= len(body)):
            raise SafetensorsError(f"tensor {name!r}: invalid data_offsets {offsets!r} for {len(body)} bytes "
                                   "of data (truncated file?)")
        dtype = np.dtype(_DTYPES[info["dtype"]])
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if offsets[1] - offsets[0] != count * dtype.itemsize:
            raise SafetensorsError(f"tensor {name!r}: {offsets[1] - offsets[0]} bytes for shape {shape} of "
                                   f"{info['dtype']}")
        spans.append((offsets[0], offsets[1], name))
        out[name] = np.frombuffer(body[offsets[0]:offsets[1]], dtype=dtype).reshape(shape).copy()
    spans.sort()
    position = 0
    for begin, end, name in spans:
        if begin != position:
            raise SafetensorsError(f"tensor {name!r}: its data overlaps another tensor's or leaves a gap")
        position = end
    if position != len(body):
        raise SafetensorsError(f"{len(body) - position} bytes of data belong to no tensor")
    return out, metadata
