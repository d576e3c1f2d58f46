"""Image ops (NHWC, like TF): resizing, flips, crops, contrast, and projective transforms.

Two ops are registered here, both non-differentiable index/draw producers; everything that moves pixel
values is a composition of gather, multiply and reduce_sum, so gradients w.r.t. the images (and higher
orders) come from those ops' rules:

- `image_sample_points`: for each output pixel of a projective transform, the flat input rows of its
  1 (nearest) or 4 (bilinear) taps, after the fill mode mapped them into the image, and their weights
  (0 for taps outside the image under fill_mode='constant'). `affine_transform` gathers the rows and
  sums them with the weights.
- `augment_uniform`: uniform draws from a `SeedStream`, the per-layer random stream of the Keras
  augmentation layers (a seeded layer repeats its own sequence whatever else draws; an unseeded one
  uses the global stream that `cornu.random.set_seed` resets).

`resize` interpolates separably, one axis at a time, with TF's half-pixel centres: output index i
reads input position (i + 0.5) * in / out - 0.5 (bilinear, clamped to the edges) or
floor((i + 0.5) * in / out) (nearest), so its tables depend on the static sizes only.
"""
import math

from .. import backend
from ..backend import dtypes
from ..core.errors import InvalidArgumentError, UnimplementedError
from ..core.registry import Spec, defop
from ..core.tensor import Tensor, convert_to_tensor
from ._rules import static_int_list, to_tensor
from .array_ops import _getitem, _reshape, expand_dims, pad, reshape, squeeze, tile
from .array_ops import transpose as _transpose_op
from .gather_ops import _gather
from .math_ops import cast, floor, less, maximum, saturate_cast, sqrt, where
from .reduce_ops import reduce_mean, reduce_sum, reduce_variance
from . import random_ops

_FILL_MODES = ("reflect", "wrap", "constant", "nearest", "mirror")
_INTERPOLATIONS = ("bilinear", "nearest")


# -- helpers ---------------------------------------------------------------------------------------------
def _as_batch(images, op):
    """A rank-4 (N, H, W, C) tensor and whether the input was one rank-3 image."""
    images = to_tensor(images)
    rank = images._value.ndim
    if rank == 3:
        return expand_dims(images, 0), True
    if rank == 4:
        return images, False
    raise InvalidArgumentError(f"{op}: images must be 3-D (height, width, channels) or 4-D (batch, height, "
                               f"width, channels), got shape {tuple(images.shape)}", op=op)


def _unbatch(x, single):
    return squeeze(x, 0) if single else x


def _known_hw(x, op):
    h, w = x._value.shape[1], x._value.shape[2]
    if h is None or w is None:
        raise InvalidArgumentError(f"{op}: the height and width of the images must be known, got shape "
                                   f"{tuple(x.shape)}", op=op)
    return h, w


def _float_image(x):
    """Integer images compute in float32 (as TF's resize and transforms do); floats keep their dtype."""
    return x if x.dtype.is_floating else cast(x, dtypes.float32)


def _restore_dtype(out, dtype):
    """Back to an integer input's dtype: rounded and saturated."""
    if dtype.is_floating or out.dtype == dtype:
        return out
    from .math_ops import round as _round
    return saturate_cast(_round(out), dtype)


def _size_pair(size, op):
    size = static_int_list(size, "size", op)
    if len(size) != 2 or min(size) < 1:
        raise InvalidArgumentError(f"{op}: size must be 2 positive ints [new_height, new_width], got "
                                   f"{list(size)}", op=op)
    return size


# -- resize ----------------------------------------------------------------------------------------------
class ResizeMethod:
    """`cornu.image.ResizeMethod`: the method names `resize` accepts (bilinear and nearest here)."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _linear_tables(in_size, out_size):
    """TF's half-pixel bilinear weights along one axis: (lower, upper, lerp) per output index."""
    scale = in_size / out_size
    lower, upper, lerp = [], [], []
    for i in range(out_size):
        pos = (i + 0.5) * scale - 0.5
        base = math.floor(pos)
        lower.append(max(base, 0))
        upper.append(min(math.ceil(pos), in_size - 1))
        lerp.append(pos - base)
    return lower, upper, lerp


def _nearest_table(in_size, out_size):
    scale = in_size / out_size
    return [min(int(math.floor((i + 0.5) * scale)), in_size - 1) for i in range(out_size)]


def _take(x, index, axis):
    return _gather(x, convert_to_tensor(index, dtype=dtypes.int64), axis=axis, batch_dims=0)


def _resize_axis(x, axis, out_size, method):
    in_size = x._value.shape[axis]
    if in_size == out_size:
        return x
    if method == "nearest":
        return _take(x, _nearest_table(in_size, out_size), axis)
    lower, upper, lerp = _linear_tables(in_size, out_size)
    shape = [1, 1, 1, 1]
    shape[axis] = out_size
    t = _reshape(convert_to_tensor(lerp, dtype=x.dtype), shape=tuple(shape))
    below = _take(x, lower, axis)
    return below + (_take(x, upper, axis) - below) * t


def _resize4(x, size, method):
    x = _resize_axis(x, 1, size[0], method)
    return _resize_axis(x, 2, size[1], method)


def _check_method(method, op):
    name = method.lower() if isinstance(method, str) else method
    if name in ("bilinear", "nearest"):
        return name
    raise UnimplementedError(f"{op}: method {method!r} is not available; cornu resizes with 'bilinear' or "
                             "'nearest' (TF's half-pixel centres)", op=op)


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False, antialias=False,
           name=None):
    """`cornu.image.resize(images, size, method='bilinear')`: resize (N, H, W, C) or (H, W, C) images to
    size = [new_height, new_width], with TF's half-pixel centres.

    'bilinear' returns floats (float32 for integer images); 'nearest' keeps the dtype. With
    preserve_aspect_ratio the result fits inside `size` with the input's aspect ratio.

    >>> import cornu as tf
    >>> tf.image.resize([[[0.0], [1.0]]], [1, 4])[0, :, 0].numpy()
    array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """
    op = "image.resize"
    method = _check_method(method, op)
    x, single = _as_batch(images, op)
    size = _size_pair(size, op)
    h, w = _known_hw(x, op)
    if antialias and (size[0] < h or size[1] < w):
        raise UnimplementedError(f"{op}: antialias=True (a widened filter for downsampling) is not "
                                 "available; resize without it", op=op)
    if preserve_aspect_ratio:
        factor = min(size[0] / h, size[1] / w)
        size = (max(int(round(h * factor)), 1), max(int(round(w * factor)), 1))
    if method == "bilinear":
        x = _float_image(x)
    return _unbatch(_resize4(x, size, method), single)


def smart_resize(images, size, interpolation="bilinear"):
    """Keras's `smart_resize`: crop the centre to the target aspect ratio, then resize to `size`."""
    op = "smart_resize"
    x, single = _as_batch(images, op)
    size = _size_pair(size, op)
    h, w = _known_hw(x, op)
    crop_h = max(min(h, int(w * size[0] / size[1])), 1)
    crop_w = max(min(w, int(h * size[1] / size[0])), 1)
    top, left = int((h - crop_h) / 2), int((w - crop_w) / 2)
    x = _getitem(x, key=(slice(None), slice(top, top + crop_h), slice(left, left + crop_w), slice(None)))
    method = _check_method(interpolation, op)
    if method == "bilinear":
        x = _float_image(x)
    return _unbatch(_resize4(x, size, method), single)


# -- flips, rotations, crops, pads -------------------------------------------------------------------------
def _flip(images, axis, op):
    x = to_tensor(images)
    if x._value.ndim not in (3, 4):
        _as_batch(x, op)  # raises with the message
    key = [slice(None)] * x._value.ndim
    key[axis] = slice(None, None, -1)
    return _getitem(x, key=tuple(key))


def flip_left_right(image):
    """`cornu.image.flip_left_right(image)`: mirror the width axis (3-D or 4-D images)."""
    return _flip(image, -2, "image.flip_left_right")


def flip_up_down(image):
    """`cornu.image.flip_up_down(image)`: mirror the height axis (3-D or 4-D images)."""
    return _flip(image, -3, "image.flip_up_down")


def transpose(image, name=None):
    """`cornu.image.transpose(image)`: swap height and width."""
    x, single = _as_batch(image, "image.transpose")
    return _unbatch(_transpose_op(x, [0, 2, 1, 3]), single)


def rot90(image, k=1, name=None):
    """`cornu.image.rot90(image, k=1)`: rotate counter-clockwise by k * 90 degrees (as np.rot90)."""
    k = int(k) % 4
    x, single = _as_batch(image, "image.rot90")
    if k == 1:
        x = _transpose_op(flip_left_right(x), [0, 2, 1, 3])
    elif k == 2:
        x = flip_up_down(flip_left_right(x))
    elif k == 3:
        x = flip_left_right(_transpose_op(x, [0, 2, 1, 3]))
    return _unbatch(x, single)


def central_crop(image, central_fraction):
    """`cornu.image.central_crop(image, central_fraction)`: keep the central fraction of height and
    width (TF's rounding: the border int((size - size * fraction) / 2) is removed on both sides)."""
    op = "image.central_crop"
    fraction = float(central_fraction)
    if not 0.0 < fraction <= 1.0:
        raise InvalidArgumentError(f"{op}: central_fraction must be in (0, 1], got {central_fraction}", op=op)
    x, single = _as_batch(image, op)
    if fraction == 1.0:
        return image if isinstance(image, Tensor) else _unbatch(x, single)
    h, w = _known_hw(x, op)
    top, left = int((h - h * fraction) / 2), int((w - w * fraction) / 2)
    out = _getitem(x, key=(slice(None), slice(top, h - top), slice(left, w - left), slice(None)))
    return _unbatch(out, single)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """`cornu.image.crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width)`."""
    op = "image.crop_to_bounding_box"
    x, single = _as_batch(image, op)
    h, w = _known_hw(x, op)
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height, target_width))
    if oh < 0 or ow < 0 or th <= 0 or tw <= 0 or oh + th > h or ow + tw > w:
        raise InvalidArgumentError(f"{op}: the box (offset {oh}, {ow}, size {th}x{tw}) does not fit in the "
                                   f"{h}x{w} image (shape {tuple(to_tensor(image).shape)})", op=op)
    return _unbatch(_getitem(x, key=(slice(None), slice(oh, oh + th), slice(ow, ow + tw), slice(None))), single)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """`cornu.image.pad_to_bounding_box(...)`: zeros around the image, which starts at the offsets."""
    op = "image.pad_to_bounding_box"
    x, single = _as_batch(image, op)
    h, w = _known_hw(x, op)
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height, target_width))
    if oh < 0 or ow < 0 or th < oh + h or tw < ow + w:
        raise InvalidArgumentError(f"{op}: a {h}x{w} image at offset ({oh}, {ow}) does not fit in "
                                   f"{th}x{tw}", op=op)
    out = pad(x, [[0, 0], [oh, th - oh - h], [ow, tw - ow - w], [0, 0]])
    return _unbatch(out, single)


def resize_with_crop_or_pad(image, target_height, target_width):
    """`cornu.image.resize_with_crop_or_pad(image, target_height, target_width)`: centre crop where the
    image is larger, zero-pad evenly where it is smaller."""
    x, single = _as_batch(image, "image.resize_with_crop_or_pad")
    h, w = _known_hw(x, "image.resize_with_crop_or_pad")
    th, tw = int(target_height), int(target_width)
    crop = crop_to_bounding_box(x, max((h - th) // 2, 0), max((w - tw) // 2, 0), min(th, h), min(tw, w))
    out = pad_to_bounding_box(crop, max((th - h) // 2, 0), max((tw - w) // 2, 0), th, tw)
    return _unbatch(out, single)


# -- colour and value adjustments --------------------------------------------------------------------------
def convert_image_dtype(image, dtype, saturate=False, name=None):
    """`cornu.image.convert_image_dtype(image, dtype)`: floats are in [0, 1], integers in [0, MAX]."""
    image = to_tensor(image)
    dtype = dtypes.as_dtype(dtype)
    src = image.dtype
    if src == dtype:
        return image
    if src.is_floating and dtype.is_floating:
        return cast(image, dtype)
    if src.is_integer and dtype.is_integer:
        if src.max > dtype.max:
            scaled = image // ((src.max + 1) // (dtype.max + 1))
            return saturate_cast(scaled, dtype) if saturate else cast(scaled, dtype)
        return cast(image, dtype) * ((dtype.max + 1) // (src.max + 1))
    if src.is_integer:
        return cast(image, dtype) * (1.0 / src.max)
    scaled = image * (dtype.max + 0.5)
    return saturate_cast(scaled, dtype) if saturate else cast(scaled, dtype)


def _in_float(image, fn):
    """Run fn on float pixels: integer images go through convert_image_dtype and back (as TF does)."""
    image = to_tensor(image)
    if image.dtype.is_floating:
        return fn(image)
    out = fn(convert_image_dtype(image, dtypes.float32))
    return convert_image_dtype(out, image.dtype, saturate=True)


def _like(value, x):
    """A number or tensor as x's dtype (Python numbers converted directly, without a float32 stop)."""
    return cast(value, x.dtype) if isinstance(value, Tensor) else convert_to_tensor(value, dtype=x.dtype)


def adjust_contrast(images, contrast_factor):
    """`cornu.image.adjust_contrast(images, contrast_factor)`: per image and channel,
    (x - mean) * contrast_factor + mean, the mean taken over height and width."""
    def fn(x):
        if x._value.ndim < 3:
            raise InvalidArgumentError(f"image.adjust_contrast: images must be at least 3-D, got shape "
                                       f"{tuple(x.shape)}", op="image.adjust_contrast")
        mean = reduce_mean(x, axis=(-3, -2), keepdims=True)
        return (x - mean) * _like(contrast_factor, x) + mean
    return _in_float(images, fn)


def adjust_brightness(image, delta):
    """`cornu.image.adjust_brightness(image, delta)`: add delta (integer images in [0, 1] units)."""
    return _in_float(image, lambda x: x + _like(delta, x))


def per_image_standardization(image):
    """`cornu.image.per_image_standardization(image)`: (x - mean) / max(stddev, 1 / sqrt(num_pixels))
    per image, over height, width and channels."""
    x, single = _as_batch(image, "image.per_image_standardization")
    x = _float_image(x)
    n = 1
    for d in x._value.shape[1:]:
        n *= d
    mean = reduce_mean(x, axis=(1, 2, 3), keepdims=True)
    std = sqrt(reduce_variance(x, axis=(1, 2, 3), keepdims=True))
    return _unbatch((x - mean) / maximum(std, 1.0 / math.sqrt(n)), single)


def rgb_to_grayscale(images, name=None):
    """`cornu.image.rgb_to_grayscale(images)`: 0.2989 R + 0.5870 G + 0.1140 B, last axis kept as 1."""
    def fn(x):
        weights = convert_to_tensor([0.2989, 0.5870, 0.1140], dtype=x.dtype)
        return reduce_sum(x * weights, axis=-1, keepdims=True)
    return _in_float(images, fn)


def grayscale_to_rgb(images, name=None):
    """`cornu.image.grayscale_to_rgb(images)`: the one channel repeated three times."""
    images = to_tensor(images)
    return tile(images, [1] * (images._value.ndim - 1) + [3])


# -- projective transforms ----------------------------------------------------------------------------------
def _map_index(xp, i, n, mode):
    """Integer coordinates (int64) -> indices inside [0, n) under a fill mode, and a validity mask
    (None except for 'constant', whose outside taps read fill_value instead)."""
    if mode == "constant":
        return xp.clip(i, 0, n - 1), (i >= 0) & (i < n)
    if mode == "nearest":
        return xp.clip(i, 0, n - 1), None
    if mode == "wrap":                         # abcd|abcd|abcd
        return xp.mod(i, n), None
    if mode == "reflect":                      # dcba|abcd|dcba (the edge pixel repeats)
        i = xp.mod(i, 2 * n)
        return xp.where(i >= n, 2 * n - 1 - i, i), None
    if n == 1:                                 # mirror: dcb|abcd|cba (the edge pixel does not)
        return xp.zeros_like(i), None
    i = xp.mod(i, 2 * n - 2)
    return xp.where(i >= n, 2 * n - 2 - i, i), None


def _sample_points_shape(images, transforms, output_hw, interpolation, fill_mode):
    k = 1 if interpolation == "nearest" else 4
    out_hw = tuple(images.shape[1:3]) if output_hw is None else tuple(output_hw)
    lead = (k, images.shape[0]) + out_hw
    return Spec(lead, dtypes.int64), Spec(lead + (1,), images.dtype)


@defop("image_sample_points", _sample_points_shape, num_outputs=2, differentiable=False)
def _sample_points(xp, images, transforms, output_hw, interpolation, fill_mode):
    """Taps of a projective transform: output pixel (y, x) of image b reads input position
    ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, as TF's transforms.

    Only the shape and dtype of `images` are used. Returns flat row indices into its (N * H * W, C)
    pixels, shape (K, N, OH, OW), and weights (K, N, OH, OW, 1); K is 1 (nearest) or 4 (bilinear)."""
    n, h, w = images.shape[:3]
    oh, ow = (h, w) if output_hw is None else output_hw
    t = xp.broadcast_to(transforms.astype(xp.float64).reshape(-1, 8), (n, 8))
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, j].reshape(n, 1, 1) for j in range(8))
    ys = xp.arange(oh, dtype=xp.float64).reshape(1, oh, 1)
    xs = xp.arange(ow, dtype=xp.float64).reshape(1, 1, ow)
    in_x = a0 * xs + (a1 * ys + a2)            # (n, 1, ow) + (n, oh, 1): one full-size add each
    in_y = b0 * xs + (b1 * ys + b2)
    ok = None                                  # False where a point has no finite input position
    if bool(xp.any(t[:, 6:] != 0)) or not bool(xp.all(xp.isfinite(t))):
        k = c0 * xs + (c1 * ys + 1.0)
        ok = k != 0
        k = xp.where(ok, k, 1.0)
        in_x, in_y = in_x / k, in_y / k
        ok &= xp.isfinite(in_x) & xp.isfinite(in_y)
        in_x, in_y = xp.where(ok, in_x, 0.0), xp.where(ok, in_y, 0.0)
    big = float(1 << 40)                       # keep absurd coordinates representable as int64
    in_x, in_y = xp.clip(in_x, -big, big, out=in_x), xp.clip(in_y, -big, big, out=in_y)
    dtype = images.dtype
    batch = xp.arange(n, dtype=xp.int64).reshape(n, 1, 1) * (h * w)
    if interpolation == "nearest":
        iy, vy = _map_index(xp, xp.floor(in_y + 0.5).astype(xp.int64), h, fill_mode)
        ix, vx = _map_index(xp, xp.floor(in_x + 0.5).astype(xp.int64), w, fill_mode)
        weight = xp.ones(iy.shape, dtype=dtype)
        if vy is not None:
            weight *= vy & vx
        if ok is not None:
            weight *= ok
        return (batch + iy * w + ix)[None], weight[None, ..., None]
    y0, x0 = xp.floor(in_y), xp.floor(in_x)
    fy, fx = (in_y - y0).astype(dtype), (in_x - x0).astype(dtype)
    y0, x0 = y0.astype(xp.int64), x0.astype(xp.int64)
    (ry0, vy0), (ry1, vy1) = _map_index(xp, y0, h, fill_mode), _map_index(xp, y0 + 1, h, fill_mode)
    (rx0, vx0), (rx1, vx1) = _map_index(xp, x0, w, fill_mode), _map_index(xp, x0 + 1, w, fill_mode)
    wy = [1 - fy, fy]
    wx = [1 - fx, fx]
    if vy0 is not None:
        wy = [wy[0] * vy0, wy[1] * vy1]
        wx = [wx[0] * vx0, wx[1] * vx1]
    if ok is not None:
        wy = [v * ok for v in wy]
    rows = [batch + ry0 * w, batch + ry1 * w]
    indices = xp.empty((4, n, oh, ow), dtype=xp.int64)
    weights = xp.empty((4, n, oh, ow, 1), dtype=dtype)
    for tap, (r, c) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        xp.add(rows[r], (rx0, rx1)[c], out=indices[tap])
        xp.multiply(wy[r], wx[c], out=weights[tap, ..., 0])
    return indices, weights


def _check_choice(value, choices, what, op):
    if value not in choices:
        raise InvalidArgumentError(f"{op}: {what} must be one of {', '.join(repr(c) for c in choices)}, got "
                                   f"{value!r}", op=op)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0,
                     output_shape=None):
    """Keras's `ops.image.affine_transform` (TF's projective transform): each output pixel (y, x) of
    image b samples the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1,
    where transform[b] = [a0, a1, a2, b0, b1, b2, c0, c1] (shape (8,) or (N, 8)).

    interpolation: 'bilinear' or 'nearest'. fill_mode for points outside the image: 'constant'
    (fill_value), 'nearest' (edge pixel), 'wrap' (periodic), 'reflect' (dcba|abcd|dcba) or 'mirror'
    (dcb|abcd|cba). Differentiable w.r.t. the images (not the transform).

    >>> import cornu as tf
    >>> x = tf.reshape(tf.range(4.0), (1, 1, 4, 1))
    >>> tf.image.affine_transform(x, [1, 0, -1, 0, 1, 0, 0, 0])[0, 0, :, 0].numpy()  # shift right
    array([0., 0., 1., 2.], dtype=float32)
    """
    op = "image.affine_transform"
    _check_choice(interpolation, _INTERPOLATIONS, "interpolation", op)
    _check_choice(fill_mode, _FILL_MODES, "fill_mode", op)
    x, single = _as_batch(images, op)
    dtype = x.dtype
    x = _float_image(x)
    n, c = x._value.shape[0], x._value.shape[3]
    if c is None:
        raise InvalidArgumentError(f"{op}: the number of channels must be known, got shape {tuple(x.shape)}",
                                   op=op)
    out_hw = None if output_shape is None else tuple(_size_pair(output_shape, op))
    t = to_tensor(transform)
    if not t.dtype.is_floating:
        t = cast(t, dtypes.float64)
    if t._value.ndim == 1:
        t = reshape(t, (1, -1))
    rows = t._value.shape[0]
    if t._value.ndim != 2 or t._value.shape[1] != 8 or (rows not in (1, n) and None not in (rows, n)):
        raise InvalidArgumentError(f"{op}: transform must have shape (8,) or (batch, 8) for a batch of {n} "
                                   f"images, got {tuple(to_tensor(transform).shape)}", op=op)
    indices, weights = _sample_points(x, t, output_hw=out_hw, interpolation=interpolation, fill_mode=fill_mode)
    pixels = _reshape(x, shape=(-1, c))
    out = reduce_sum(_gather(pixels, indices, axis=0, batch_dims=0) * weights, axis=0)
    if fill_mode == "constant" and float(fill_value) != 0.0:
        out = out + (1.0 - reduce_sum(weights, axis=0)) * float(fill_value)
    return _unbatch(_restore_dtype(out, dtype), single)


# -- random draws -------------------------------------------------------------------------------------------
class SeedStream:
    """The random stream of one augmentation layer (Keras's SeedGenerator).

    seed=None: the global stream, so `cornu.random.set_seed(s)` makes a program's augmentations repeat.
    An int seed: the layer's own stream, started from that seed alone, so two layers built with the
    same seed produce the same sequence of draws whatever else the program draws.
    """

    def __init__(self, seed=None):
        self.seed = None if seed is None else int(seed)
        self._generator = None

    def generator(self):
        if self.seed is None:
            return random_ops.generator(None)
        if self._generator is None:
            self._generator = backend.numpy.random.default_rng([self.seed, 0x5EED])
        return self._generator

    def __repr__(self):
        return f"SeedStream(seed={self.seed})"


def _draw_shape(like, shape, dtype, minval, maxval, stream, per_example):
    lead = (like.shape[0],) if per_example else ()
    return Spec(lead + tuple(shape), dtype)


@defop("augment_uniform", _draw_shape, differentiable=False, stateful=True)
def _augment_uniform(xp, like, shape, dtype, minval, maxval, stream, per_example):
    """Uniform draws in [minval, maxval] from a SeedStream; with per_example, one row per example of
    `like` (read for its batch size only, so a traced graph draws for whatever batch it runs on)."""
    shape = ((like.shape[0],) if per_example else ()) + tuple(shape)
    draw = stream.generator().random(shape) * (maxval - minval) + minval
    draw = draw.astype(dtype._np)
    return draw if xp is backend.numpy else xp.asarray(draw)


def augment_uniform(like, shape, minval, maxval, stream, per_example=True, dtype=dtypes.float64):
    """Draws for augmentation layers: shape (batch of `like`,) + shape, or just `shape` when not
    per_example; float64 so that transforms built from them are exact."""
    return _augment_uniform(to_tensor(like), shape=tuple(int(d) for d in shape), dtype=dtypes.as_dtype(dtype),
                            minval=float(minval), maxval=float(maxval), stream=stream,
                            per_example=bool(per_example))


# -- random image ops (TF's stateful tf.image.random_*) ------------------------------------------------------
def _random_flip(image, axis, seed, op):
    x, single = _as_batch(image, op)
    n = x._value.shape[0]
    flip = less(random_ops.uniform((n, 1, 1, 1), seed=seed), 0.5)
    return _unbatch(where(flip, _flip(x, axis, op), x), single)


def random_flip_left_right(image, seed=None):
    """`cornu.image.random_flip_left_right(image, seed=None)`: each image mirrored with probability 1/2."""
    return _random_flip(image, -2, seed, "image.random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """`cornu.image.random_flip_up_down(image, seed=None)`: each image flipped with probability 1/2."""
    return _random_flip(image, -3, seed, "image.random_flip_up_down")


def random_brightness(image, max_delta, seed=None):
    """`cornu.image.random_brightness(image, max_delta)`: one delta drawn in [-max_delta, max_delta)."""
    if max_delta < 0:
        raise InvalidArgumentError(f"image.random_brightness: max_delta must be non-negative, got {max_delta}")
    if max_delta == 0:
        return to_tensor(image)
    delta = random_ops.uniform((), -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    """`cornu.image.random_contrast(image, lower, upper)`: one contrast factor drawn in [lower, upper)."""
    if not 0 <= lower < upper:
        raise InvalidArgumentError(f"image.random_contrast: need 0 <= lower < upper, got {lower}, {upper}")
    return adjust_contrast(image, random_ops.uniform((), lower, upper, seed=seed))


def crop_along(x, axis, size, u):
    """x cut to `size` along `axis` at offset floor(u * (extent - size + 1)), u a scalar draw in [0, 1):
    indices computed by ops, so a traced graph crops at a new offset on every run."""
    extent = x._value.shape[axis]
    if extent == size:
        return x
    offset = cast(floor(u * float(extent - size + 1)), dtypes.int64)
    rows = offset + convert_to_tensor(list(range(size)), dtype=dtypes.int64)
    return _gather(x, rows, axis=axis % x._value.ndim, batch_dims=0)


def random_crop(value, size, seed=None, name=None):
    """`cornu.image.random_crop(value, size)`: a slice of shape `size` at a random offset."""
    value = to_tensor(value)
    size = static_int_list(size, "size", "image.random_crop")
    shape = tuple(value._value.shape)
    if len(size) != len(shape) or any(s < 0 or (d is not None and s > d) for s, d in zip(size, shape)):
        raise InvalidArgumentError(f"image.random_crop: size {list(size)} does not fit in shape {shape}")
    for axis, s in enumerate(size):
        if shape[axis] != s:
            value = crop_along(value, axis, s, random_ops.uniform((), seed=seed))
    return value


__all__ = ["resize", "ResizeMethod", "smart_resize", "flip_left_right", "flip_up_down", "transpose", "rot90",
           "central_crop", "crop_to_bounding_box", "pad_to_bounding_box", "resize_with_crop_or_pad",
           "convert_image_dtype", "adjust_contrast", "adjust_brightness", "per_image_standardization",
           "rgb_to_grayscale", "grayscale_to_rgb", "affine_transform", "random_flip_left_right",
           "random_flip_up_down", "random_brightness", "random_contrast", "random_crop", "SeedStream",
           "augment_uniform"]
