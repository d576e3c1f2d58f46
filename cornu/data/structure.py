"""Elements of a Dataset: nested tuples/dicts whose leaves are tensors, as tf.data sees them.

tf.data's rule differs from `cornu.nest`: tuples (namedtuples too) and dicts are structure, while a
*list* is data and becomes one tensor (`from_tensor_slices([1, 2, 3])` has scalar elements). Leaves
are cornu Tensors; text (file names from `list_files`) stays as Python `str`, or a NumPy array of
strings once batched, since cornu has no string tensors.
"""
import numpy as np

from ..backend import dtypes
from ..core.errors import InvalidArgumentError
from ..core.shape import TensorShape
from ..core.tensor import Tensor, convert_to_tensor
from ..core.tensor_spec import TensorSpec


def is_structure(x):
    return isinstance(x, (tuple, dict))


def flatten(x):
    """Leaves in TF's order: tuple items in order, dict values by sorted key."""
    if isinstance(x, dict):
        return [leaf for key in sorted(x) for leaf in flatten(x[key])]
    if isinstance(x, tuple):
        return [leaf for item in x for leaf in flatten(item)]
    return [x]


def pack(structure, leaves):
    """`structure` rebuilt with `leaves` (in flatten's order)."""
    it = iter(leaves)

    def build(s):
        if isinstance(s, dict):
            built = {key: build(s[key]) for key in sorted(s)}
            return type(s)((key, built[key]) for key in s)
        if isinstance(s, tuple):
            items = [build(item) for item in s]
            return type(s)(*items) if hasattr(s, "_fields") else type(s)(items)
        return next(it)

    return build(structure)


def packer(structure):
    """A function from leaves to `structure` rebuilt, fast for the common flat tuple and single leaf."""
    if not isinstance(structure, (tuple, dict)):
        return lambda leaves: leaves[0]
    if type(structure) is tuple and not any(isinstance(v, (tuple, dict)) for v in structure):
        return tuple
    return lambda leaves: pack(structure, leaves)


def map_leaves(fn, x):
    return pack(x, [fn(leaf) for leaf in flatten(x)])


def same_structure(a, b):
    """True when a and b nest the same way (tuple lengths, dict keys)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b) and \
            all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and \
            all(same_structure(x, y) for x, y in zip(a, b))
    return True


def describe(x):
    """A short text of a structure for error messages: (int32, {'a': float32})."""
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in x.items()) + "}"
    if isinstance(x, tuple):
        inner = ", ".join(describe(v) for v in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, (TensorSpec, StringSpec)):
        return repr(x)
    if isinstance(x, Tensor):
        return f"Tensor(shape={x.shape}, dtype={x.dtype.name})"
    return repr(x)


# -- leaves ----------------------------------------------------------------------------------------
class StringSpec:
    """The spec of a text leaf (cornu has no string tensors; tf.data's would be `tf.string`)."""

    __slots__ = ("shape", "name")
    dtype = "string"

    def __init__(self, shape=(), name=None):
        self.shape = TensorShape(shape) if shape is not None else None
        self.name = name

    def is_compatible_with(self, other):
        if isinstance(other, StringSpec):
            return self.shape is None or other.shape is None or self.shape.is_compatible_with(other.shape)
        return is_string(other) and (self.shape is None or
                                     self.shape.is_compatible_with(np.shape(other)))

    def most_specific_compatible_type(self, other):
        if self.shape is None or other.shape is None or len(self.shape) != len(other.shape):
            return StringSpec(None)
        return StringSpec([a if a == b else None for a, b in zip(self.shape, other.shape)])

    def __eq__(self, other):
        return isinstance(other, StringSpec) and self.shape == other.shape and self.name == other.name

    def __hash__(self):
        return hash(("string", self.shape, self.name))

    def __repr__(self):
        shape = "None" if self.shape is None else str(self.shape)
        return f"StringSpec(shape={shape}, name={self.name!r})"


def is_string(x):
    return isinstance(x, (str, bytes)) or (isinstance(x, np.ndarray) and x.dtype.kind in "US")


def _string_array(value):
    array = np.asarray(value)
    return array if array.dtype.kind in "US" else None


def to_leaf(value, what="element"):
    """A pipeline leaf from user data: a Tensor, or text kept as str / a NumPy string array."""
    if isinstance(value, Tensor):
        return convert_to_tensor(value) if value._is_variable else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "US":
        return value
    if value is None:
        raise TypeError(f"{what}: None is not a valid dataset component (every leaf must be a tensor, an "
                        "array or a number)")
    if isinstance(value, list) and value and _all_text(value):
        return _string_array(value)
    if not isinstance(value, (np.ndarray, list, tuple, int, float, complex, bool, np.generic)) and \
            hasattr(value, "__array__"):
        value = np.asarray(value)  # array-likes (a pandas Series, ...) keep their dtype, as in TF
        if value.dtype.kind == "O" and value.size and all(isinstance(v, (str, bytes)) for v in value.flat):
            return value.astype(str if isinstance(value.flat[0], str) else bytes)
    from .dataset import Dataset
    if isinstance(value, Dataset):
        raise TypeError(f"{what}: a Dataset is not a valid dataset component; use flat_map or "
                        "interleave for functions that return datasets")
    try:
        return convert_to_tensor(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what}: cannot convert {type(value).__name__} {value!r:.80} to a tensor: "
                        f"{exc}") from exc


def _all_text(values):
    return all(isinstance(v, (str, bytes)) or (isinstance(v, list) and _all_text(v)) for v in values)


def normalize(value, what="element"):
    """An element: tuples/dicts kept as structure, every leaf made a tensor (lists become tensors)."""
    if type(value) is Tensor:
        return value
    if type(value) is tuple:
        return tuple([v if type(v) is Tensor else normalize(v, what) for v in value])
    if isinstance(value, dict):
        return type(value)((k, normalize(v, what)) for k, v in value.items())
    if isinstance(value, tuple):
        items = [normalize(v, what) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return to_leaf(value, what)


def spec_of_leaf(leaf):
    if isinstance(leaf, Tensor):
        return TensorSpec(leaf.shape, leaf.dtype)
    if isinstance(leaf, (str, bytes)):
        return StringSpec(())
    if isinstance(leaf, np.ndarray):
        return StringSpec(leaf.shape)
    raise TypeError(f"not a dataset leaf: {leaf!r:.80}")


def spec_of(element):
    return map_leaves(spec_of_leaf, element)


def batched_spec(spec, batch_dim):
    """Leaf spec with a new leading dimension (None when unknown)."""
    if spec.shape is None:
        return type(spec)(None) if isinstance(spec, StringSpec) else TensorSpec(None, spec.dtype)
    shape = [batch_dim] + list(spec.shape)
    return StringSpec(shape) if isinstance(spec, StringSpec) else TensorSpec(shape, spec.dtype)


def unbatched_spec(spec):
    if spec.shape is not None and len(spec.shape) == 0:
        raise ValueError("Cannot unbatch an input with scalar components.")
    shape = None if spec.shape is None else list(spec.shape)[1:]
    return StringSpec(shape) if isinstance(spec, StringSpec) else TensorSpec(shape, spec.dtype)


def common_spec(a, b):
    """Leafwise most specific spec that fits both; TypeError when dtypes or structure differ."""
    if not same_structure(a, b):
        raise TypeError(f"Incompatible dataset elements: {describe(a)} vs. {describe(b)}")
    out = []
    for x, y in zip(flatten(a), flatten(b)):
        if isinstance(x, StringSpec) != isinstance(y, StringSpec) or \
                (isinstance(x, TensorSpec) and x.dtype != y.dtype):
            raise TypeError(f"Incompatible dataset elements: {describe(a)} vs. {describe(b)}")
        out.append(x.most_specific_compatible_type(y))
    return pack(a, out)


def to_numpy(element):
    """as_numpy_iterator's view: NumPy values, text as bytes (what tf.data gives for tf.string)."""
    def leaf(x):
        if isinstance(x, Tensor):
            return x.numpy()
        if isinstance(x, str):
            return x.encode()
        if isinstance(x, np.ndarray) and x.dtype.kind == "U":
            return np.char.encode(x)
        return x
    return map_leaves(leaf, element)


def spec_dtype(spec, what):
    """A DType from a TensorSpec, DType or dtype name (output_types)."""
    if isinstance(spec, (TensorSpec, StringSpec)):
        return spec.dtype
    if spec in ("string", str, bytes):
        return "string"
    try:
        return dtypes.as_dtype(spec)
    except (TypeError, ValueError, KeyError) as exc:
        raise TypeError(f"{what}: {spec!r} is not a dtype or TensorSpec") from exc


def check_int(value, name, op, minimum=None):
    """An int from an int / 0-d integer tensor / NumPy integer, with TF's error on anything else."""
    if isinstance(value, Tensor):
        if not value.dtype.is_integer or value.shape.rank != 0:
            raise InvalidArgumentError(f"{op}: `{name}` must be a scalar integer, got a tensor of shape "
                                       f"{value.shape} and dtype {value.dtype.name}")
        value = int(value)
    elif isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: `{name}` must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidArgumentError(f"{op}: `{name}` must be >= {minimum}, got {value}")
    return value
