"""`Dataset.cache`: keep the elements of the first complete iteration, in memory or in a file.

The file is NumPy's .npz (no pickle, read with allow_pickle=False): one array per component
(elements stacked when their shapes agree, one array per element otherwise) and the element's
structure as JSON text. It is written to a temporary name and renamed into place only when the
iteration completed, so a program that stopped half-way never leaves a cache that looks complete;
an iteration that stops early writes nothing.
"""
import json
import os
import uuid

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.tensor import Tensor, convert_to_tensor
from . import structure
from .dataset import Dataset

FORMAT = "cornu.data.cache/1"


def cache_path(filename):
    """Where `cache(filename)` keeps its file: `filename` is a prefix, as in TF (inside it when it
    names an existing directory)."""
    filename = os.fspath(filename)
    if os.path.isdir(filename):
        return os.path.join(filename, "cornu_dataset.cache.npz")
    return filename + ".cache.npz"


class CacheDataset(Dataset):
    def __init__(self, dataset, filename):
        if isinstance(filename, Tensor):
            raise TypeError("cache: `filename` must be a Python string (cornu has no string tensors)")
        self._inputs = (dataset,)
        self._path = cache_path(filename) if filename else None
        self._memory = None

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _cardinality(self):
        return self._inputs[0]._cardinality()

    def _iter(self, ctx):
        if self._path is None:
            return self._memory_iter(ctx)
        return self._file_iter(ctx)

    # -- in memory ---------------------------------------------------------------------------------
    def _memory_iter(self, ctx):
        if self._memory is not None:
            yield from self._memory
            return
        record = []
        it = self._inputs[0]._iter(ctx)
        try:
            for element in it:
                record.append(element)
                yield element
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()
        if self._memory is None:  # only a complete pass is kept (TF discards a partial cache too)
            self._memory = record

    # -- in a file -----------------------------------------------------------------------------------
    def _file_iter(self, ctx):
        if os.path.exists(self._path):
            yield from read_cache(self._path)
            return
        record = []
        it = self._inputs[0]._iter(ctx)
        try:
            for element in it:
                record.append(element)
                yield element
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()
        if not os.path.exists(self._path):
            write_cache(self._path, record)


def _encode_structure(element, counter):
    if isinstance(element, dict):
        for key in element:
            if not isinstance(key, str):
                raise TypeError(f"cache: dict keys must be strings to be written to a file, got {key!r}")
        return {"dict": [[key, _encode_structure(element[key], counter)] for key in sorted(element)]}
    if isinstance(element, tuple):
        return {"tuple": [_encode_structure(v, counter) for v in element]}
    index = counter[0]
    counter[0] += 1
    if isinstance(element, Tensor):
        kind = "tensor"
    elif isinstance(element, str):
        kind = "str"
    elif isinstance(element, bytes):
        kind = "bytes"
    else:
        kind = "text_array"
    return {"leaf": index, "kind": kind}


def _leaf_array(leaf):
    if isinstance(leaf, Tensor):
        return leaf.numpy() if leaf.shape.rank else np.asarray(leaf.numpy())
    return np.asarray(leaf)


def write_cache(path, elements):
    """Write `elements` to `path` atomically (a temporary file renamed into place)."""
    arrays = {"__format__": np.array(FORMAT), "__count__": np.array(len(elements), dtype=np.int64)}
    if elements:
        arrays["__structure__"] = np.array(json.dumps(_encode_structure(elements[0], [0])))
        columns = list(zip(*[structure.flatten(e) for e in elements]))
        for j, column in enumerate(columns):
            values = [_leaf_array(v) for v in column]
            if len({(v.shape, v.dtype.str) for v in values}) == 1:
                arrays[f"leaf{j}"] = np.stack(values)
            else:
                for i, v in enumerate(values):
                    arrays[f"leaf{j}_{i}"] = v
    else:
        arrays["__structure__"] = np.array("null")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _decode(node, leaves):
    if "dict" in node:
        return {key: _decode(value, leaves) for key, value in node["dict"]}
    if "tuple" in node:
        return tuple(_decode(value, leaves) for value in node["tuple"])
    return leaves[node["leaf"]]


def _leaf_kinds(node, kinds):
    if "dict" in node:
        for _, value in node["dict"]:
            _leaf_kinds(value, kinds)
    elif "tuple" in node:
        for value in node["tuple"]:
            _leaf_kinds(value, kinds)
    else:
        kinds[node["leaf"]] = node["kind"]
    return kinds


def read_cache(path):
    """The elements stored by `write_cache` (NumPy's loader with allow_pickle=False)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            files = set(z.files)
            if "__format__" not in files or str(z["__format__"]) != FORMAT:
                raise ValueError("not a cornu dataset cache")
            count = int(z["__count__"])
            layout = json.loads(str(z["__structure__"]))
            arrays = {name: z[name] for name in files if name.startswith("leaf")}
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidArgumentError(f"cache: {path} exists but is not a readable cornu dataset cache ({exc}); "
                                   "delete it to rebuild the cache") from exc
    if count == 0:
        return
    kinds = _leaf_kinds(layout, {})
    columns = []
    for j in range(len(kinds)):
        kind = kinds[j]
        if f"leaf{j}" in arrays:
            stacked = arrays[f"leaf{j}"]
            if kind == "tensor":
                t = convert_to_tensor(stacked)
                columns.append((t, True))
            else:
                columns.append(([_text(stacked[i], kind) for i in range(count)], False))
        else:
            values = [arrays[f"leaf{j}_{i}"] for i in range(count)]
            columns.append(([convert_to_tensor(v) if kind == "tensor" else _text(v, kind) for v in values],
                            False))
    for i in range(count):
        leaves = [column[i] for column, _ in columns]
        yield _decode(layout, leaves)


def _text(value, kind):
    if kind in ("str", "bytes"):
        return value.item()
    return value
