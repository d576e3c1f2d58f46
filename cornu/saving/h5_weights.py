"""Keras 3's weights file (`model.weights.h5`, `*.weights.h5`): one HDF5 group per object,
`<path>/vars/<i>` datasets (see layout.py for the paths).

Reading checks the whole file against the model before any variable changes: every object's group
must hold exactly its variables, with their shapes, as plain numeric datasets (no links to other
files, no object or string data); all mismatches are reported together, naming the layers and
shapes. Nothing is assigned unless everything matches.
"""
import io
import warnings

import numpy as np

from . import layout


class WeightsFileError(ValueError):
    """A weights file that does not fit the model, or is not a valid weights file."""


def _h5py():
    try:
        import h5py
    except ImportError as e:  # an optional dependency: cornu[saving]
        raise ImportError("Keras weights files (.h5) need h5py: pip install \"cornu[saving]\" "
                          "(or pip install h5py)") from e
    return h5py


def _as_array(variable):
    value = np.asarray(variable.numpy())
    return value


def write_h5(entries):
    """The bytes of an HDF5 weights file holding `entries` ([(path, object, variables)])."""
    h5py = _h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for path, obj, variables in entries:
            name = getattr(obj, "name", None)
            group = f.create_group("vars") if not path else f.require_group(path).create_group("vars")
            if isinstance(name, str):
                group.attrs["name"] = name
            for i, v in enumerate(variables):
                group.create_dataset(str(i), data=_as_array(v))
    return buffer.getvalue()


def _object_label(path, obj):
    name = getattr(obj, "name", None)
    kind = type(obj).__name__
    return f"{kind} '{name}' (at '{path or '/'}')" if name else f"{kind} at '{path or '/'}'"


def _check_dataset(h5py, group, key, where):
    link = group.get(key, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise WeightsFileError(f"{where}: '{key}' is a {type(link).__name__}, not data stored in this file "
                               "(links to other files or paths are refused)")
    ds = group[key]
    if not isinstance(ds, h5py.Dataset):
        raise WeightsFileError(f"{where}: '{key}' is a group, not a dataset")
    if getattr(ds, "is_virtual", False):
        raise WeightsFileError(f"{where}: '{key}' is a virtual dataset (refused)")
    if ds.dtype.kind not in "biuf" or ds.dtype.fields is not None:
        raise WeightsFileError(f"{where}: '{key}' holds {ds.dtype} data, not numbers")
    return ds


def read_h5(data, entries, strict_extra=False, what="weights file", skip_mismatch=False,
            ignore_prefixes=()):
    """Check the HDF5 file `data` (bytes or a path) against `entries` and return [(variable, array)]
    to assign. Raises WeightsFileError listing every mismatch (with `skip_mismatch`, mismatching
    objects are skipped with a warning instead)."""
    h5py = _h5py()
    source = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    try:
        f = h5py.File(source, "r")
    except OSError as e:
        raise WeightsFileError(f"The {what} is not a valid HDF5 file (truncated or corrupted?): {e}") from e
    with f:
        return _read_open(h5py, f, entries, strict_extra, what, skip_mismatch, tuple(ignore_prefixes))


def _entry_group(h5py, f, path, where):
    group_path = posixpath_join(path, "vars")
    if group_path not in f:
        return group_path, None
    link = f.get(group_path, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise WeightsFileError(f"{where}: its group is a {type(link).__name__} (links are refused)")
    group = f[group_path]
    if not isinstance(group, h5py.Group):
        raise WeightsFileError(f"{where}: '{group_path}' is not a group")
    return group_path, group


def _check_entry(h5py, f, path, obj, variables):
    """(group path, [datasets]) for one object; raises WeightsFileError describing a mismatch."""
    where = _object_label(path, obj)
    group_path, group = _entry_group(h5py, f, path, where)
    keys = sorted(group.keys(), key=lambda k: (len(k), k)) if group is not None else []
    expected = [str(i) for i in range(len(variables))]
    if not variables:
        if keys:
            raise WeightsFileError(f"{where}: the model has no weights here, the file has {len(keys)}")
        return group_path, []
    if keys != expected:
        shapes = [tuple(group[k].shape) if isinstance(group.get(k), h5py.Dataset) else "group"
                  for k in keys] if group is not None else []
        raise WeightsFileError(f"{where}: expected {len(variables)} weights "
                               f"{[_var_desc(v) for v in variables]}, the file has "
                               f"{len(keys) if group is not None else 'none'}"
                               f"{' with shapes ' + str(shapes) if shapes else ''}")
    datasets, problems = [], []
    for i, v in enumerate(variables):
        ds = _check_dataset(h5py, group, str(i), where)
        if tuple(ds.shape) != tuple(v.shape):
            problems.append(f"{where}: weight {i} ({_var_desc(v)}) has shape {tuple(v.shape)} in the model "
                            f"but {tuple(ds.shape)} in the file")
        datasets.append(ds)
    if problems:
        raise WeightsFileError("\n  ".join(problems))
    return group_path, datasets


def _read_open(h5py, f, entries, strict_extra, what, skip_mismatch, ignore_prefixes):
    errors, assignments, used = [], [], set()
    for path, obj, variables in entries:
        try:
            group_path, datasets = _check_entry(h5py, f, path, obj, variables)
        except WeightsFileError as e:
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights: {e}", UserWarning, stacklevel=4)
                used.add(posixpath_join(path, "vars"))
                continue
            errors.append(str(e))
            continue
        used.add(group_path)
        assignments += list(zip(variables, datasets))
    if errors:
        raise WeightsFileError(f"The {what} does not match the model:\n  " + "\n  ".join(errors))
    extra = []

    def visit(name, item):
        if isinstance(item, h5py.Dataset):
            parent = name.rsplit("/", 1)[0] if "/" in name else ""
            if parent not in used and not name.startswith(ignore_prefixes):
                extra.append(name)

    f.visititems(visit)
    if extra:
        message = (f"The {what} holds weights that match nothing in the model: {extra[:10]}"
                   f"{' ...' if len(extra) > 10 else ''}")
        if strict_extra:
            raise WeightsFileError(message)
        warnings.warn(message, UserWarning, stacklevel=4)
    out = []
    for v, ds in assignments:
        try:
            array = ds[()]
        except (OSError, TypeError, ValueError) as e:
            raise WeightsFileError(f"Could not read the data of weight '{v.name}' (corrupted file?): {e}") from e
        out.append((v, np.asarray(array)))
    return out


def _var_desc(v):
    name = str(getattr(v, "_layer_path_name", None) or v.name).split(":")[0].rsplit("/", 1)[-1]
    return f"{name} {tuple(v.shape)}"


def posixpath_join(a, b):
    return f"{a}/{b}" if a else b


def present_paths(data):
    """Group paths (with a vars group) in an HDF5 weights file, for callers that branch on content."""
    h5py = _h5py()
    source = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    paths = []
    with h5py.File(source, "r") as f:
        def visit(name, item):
            if isinstance(item, h5py.Group) and name.endswith("vars"):
                paths.append(name[:-5] if name != "vars" else "")
        f.visititems(visit)
        if "vars" in f:
            paths.append("")
    return paths


def assign(assignments):
    """Write checked arrays into their variables (casting to each variable's dtype)."""
    from ..core.tensor import convert_to_tensor
    for variable, array in assignments:
        variable.assign(convert_to_tensor(np.asarray(array).astype(variable.dtype.name, copy=False),
                                          dtype=variable.dtype))


__all__ = ["write_h5", "read_h5", "assign", "WeightsFileError", "layout"]
