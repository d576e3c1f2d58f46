"""PNG encoding of uint8 images for image summaries: Pillow when it is installed, else a small
encoder on the standard library's zlib (PNG is zlib-compressed scanlines with CRC'd chunks)."""
import struct
import zlib

from .. import backend

_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type (gray, gray+alpha, RGB, RGBA)


def encode_png(image, use_pillow=None):
    """PNG bytes of a uint8 array of shape [height, width, channels] (channels 1-4)."""
    np = backend.numpy
    image = np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim != 3 or image.shape[-1] not in _COLOR_TYPES:
        raise ValueError(f"encode_png: expected an image of shape [height, width, channels] with 1, 2, 3 "
                         f"or 4 channels, got shape {image.shape}")
    if use_pillow is None or use_pillow:
        try:
            from PIL import Image
        except ImportError:
            if use_pillow:
                raise
        else:
            import io
            data = image[..., 0] if image.shape[-1] == 1 else image  # L, LA, RGB or RGBA
            buffer = io.BytesIO()
            Image.fromarray(data).save(buffer, format="PNG")
            return buffer.getvalue()
    return _encode_zlib(image)


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _encode_zlib(image):
    np = backend.numpy
    height, width, channels = image.shape
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    rows = image.reshape(height, width * channels)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1)  # filter type 0 per row
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
            + _chunk(b"IEND", b""))
