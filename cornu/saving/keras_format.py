"""The `.keras` file (Keras 3's format) and the weights-only files.

A `.keras` file is a zip archive with `metadata.json` ({"keras_version", "date_saved"}), `config.json`
(the model's config, with `build_config` and `compile_config`) and `model.weights.h5` (every layer's
and the optimizer's variables, see layout.py). Files are written atomically: a crash mid-save leaves
the previous file as it was and no temporary file behind.

Loading trusts nothing in the file: the archive must hold only those members (no path tricks, no
other files), the JSON must describe known or registered objects, and the weights must match the
model exactly; any problem is an error that says what is wrong, and no model is returned.
"""
import datetime
import io
import json
import os
import posixpath
import warnings
import zipfile

from . import h5_weights, layout, safetensors_format
from .serialization import SerializationError, deserialize_keras_object, serialize_keras_object

KERAS_VERSION = "3.15.1"  # the Keras 3 release whose file format cornu writes
CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
_ALLOWED = {CONFIG_FILENAME: 64 << 20, METADATA_FILENAME: 1 << 20, WEIGHTS_FILENAME: 8 << 30}


class InvalidFileError(ValueError):
    """A file that is not a valid model or weights file (corrupted, truncated or hand-crafted)."""


# -- .keras --------------------------------------------------------------------------------------------
def _metadata():
    from .. import __version__
    return {"keras_version": KERAS_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "cornu_version": __version__}


def save_model(model, filepath, overwrite=True, zipped=None, include_optimizer=True, **kwargs):
    """Save `model` as a Keras 3 `.keras` file (architecture, weights, compile arguments and optimizer
    state). `tf.keras.models.load_model` (cornu's or Keras's) restores it.

    >>> import cornu as tf, tempfile, os
    >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> tf.keras.models.load_model(path).output_shape
    (None, 2)
    """
    if kwargs.pop("save_format", None) not in (None, "keras"):
        raise ValueError("cornu saves models only in the Keras 3 format (.keras)")
    if kwargs:
        raise TypeError(f"save_model: unexpected arguments {sorted(kwargs)}")
    path = os.fspath(filepath)
    if not str(path).endswith(".keras"):
        raise ValueError(f"Invalid filepath extension for saving a model: {path!r}. Please add the "
                         "`.keras` extension (Keras 3's format); use `model.save_weights('x.weights.h5')` "
                         "for the weights only")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    if not model.built:
        warnings.warn("You are saving a model that has not yet been built. It might not contain any "
                      "weights yet. Consider building the model first by calling it on some data.",
                      stacklevel=2)
    config = serialize_keras_object(model)
    if not include_optimizer:
        config.pop("compile_config", None)
    config_json = json.dumps(config)
    metadata_json = json.dumps(_metadata())
    entries = layout.collect(model, include_optimizer=include_optimizer)
    from ..data._atomic import atomic_writer
    with atomic_writer(path) as f:
        with zipfile.ZipFile(f, "w") as zf:
            zf.writestr(METADATA_FILENAME, metadata_json)
            zf.writestr(CONFIG_FILENAME, config_json)
            zf.writestr(WEIGHTS_FILENAME, h5_weights.write_h5(entries))


def _check_member_name(name):
    parts = name.split("/")
    if (name.startswith("/") or "\\" in name or ":" in name or ".." in parts or "\x00" in name
            or name.startswith("~")):
        raise InvalidFileError(f"Refusing the archive member {name!r}: its path points outside the archive "
                               "(path traversal)")
    if name.lower().endswith((".pkl", ".pickle", ".npy", ".pt", ".pth", ".joblib", ".py", ".pyc")):
        raise InvalidFileError(f"Refusing the archive member {name!r}: a Keras 3 file holds no such files, and "
                               "cornu never loads pickled or executable content")
    if name not in _ALLOWED and not name.startswith("assets/"):
        raise InvalidFileError(f"Unexpected archive member {name!r}: a .keras file holds only "
                               f"{sorted(_ALLOWED)} (and an assets/ folder)")


def _read_member(zf, info, limit):
    if info.file_size > limit:
        raise InvalidFileError(f"Archive member {info.filename!r} is {info.file_size} bytes (limit {limit})")
    try:
        with zf.open(info, "r") as f:
            data = f.read(limit + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as e:
        raise InvalidFileError(f"Archive member {info.filename!r} is corrupted or truncated: {e}") from e
    if len(data) > limit:
        raise InvalidFileError(f"Archive member {info.filename!r} is larger than {limit} bytes")
    return data


def read_keras_archive(path):
    """(config dict, metadata dict, weights bytes) from a .keras file, checked."""
    try:
        zf = zipfile.ZipFile(path, "r")
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as e:
        raise InvalidFileError(f"{path} is not a valid .keras file (a zip archive), it may be truncated or "
                               f"corrupted: {e}") from e
    with zf:
        infos = zf.infolist()
        seen = set()
        for info in infos:
            _check_member_name(info.filename)
            if info.filename in seen:
                raise InvalidFileError(f"The archive holds {info.filename!r} twice")
            seen.add(info.filename)
        members = {info.filename: info for info in infos}
        for required in (CONFIG_FILENAME, WEIGHTS_FILENAME):
            if required not in members:
                raise InvalidFileError(f"{path} is not a Keras 3 model file: it has no {required} (members: "
                                       f"{sorted(members)})")
        config = _parse_json(_read_member(zf, members[CONFIG_FILENAME], _ALLOWED[CONFIG_FILENAME]),
                             CONFIG_FILENAME)
        metadata = {}
        if METADATA_FILENAME in members:
            metadata = _parse_json(_read_member(zf, members[METADATA_FILENAME], _ALLOWED[METADATA_FILENAME]),
                                   METADATA_FILENAME)
        weights = _read_member(zf, members[WEIGHTS_FILENAME], _ALLOWED[WEIGHTS_FILENAME])
    if not isinstance(config, dict) or "class_name" not in config:
        raise InvalidFileError(f"{CONFIG_FILENAME} does not describe a model (no class_name)")
    return config, metadata, weights


def _parse_json(data, name):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InvalidFileError(f"{name} is not valid JSON (corrupted, or not written by Keras/cornu): "
                               f"{type(e).__name__}: {str(e)[:200]}") from e


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with `model.save('x.keras')` by cornu or by Keras 3.

    Custom classes and functions must be registered (`register_keras_serializable`) or given in
    `custom_objects`. With `compile=True` the model is compiled as it was and its optimizer state is
    restored, so training continues exactly where it stopped. `safe_mode` is accepted for Keras's
    signature: cornu never runs code from a file, whatever its value.
    """
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"File not found: filepath={path}. Please ensure the file is an accessible "
                                "`.keras` zip file.")
    if os.path.isdir(path):
        raise ValueError(f"{path} is a directory: cornu loads Keras 3 `.keras` files (TensorFlow "
                         "SavedModel directories are not supported)")
    if str(path).endswith((".h5", ".hdf5")) and not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: legacy tf.keras 2 HDF5 model files are not supported; save the model "
                         "with Keras 3 as `.keras` (weights-only `.weights.h5` files load with "
                         "model.load_weights)")
    config, metadata, weights = read_keras_archive(path)
    version = str(metadata.get("keras_version", "3")) if isinstance(metadata, dict) else "3"
    if version.startswith(("1.", "2.")):
        warnings.warn(f"{path} was written by Keras {version}; cornu reads Keras 3 files", stacklevel=2)
    config = dict(config)
    if not compile:
        config.pop("compile_config", None)
    try:
        model = deserialize_keras_object(config, custom_objects, safe_mode=safe_mode, compile=compile)
    except SerializationError as e:
        raise SerializationError(f"Could not load the model in {path}: {e}") from e
    load_weights_data(model, weights, "h5", what=f"weights in {path}", include_optimizer=compile)
    return model


# -- weights -------------------------------------------------------------------------------------------
def _optimizer_for(model, available_count, include_optimizer):
    """The model's optimizer when its state should be loaded (building it so its slots exist)."""
    from ..keras.optimizers import Optimizer
    optimizer = getattr(model, "optimizer", None)
    if not include_optimizer or not isinstance(optimizer, Optimizer) or not available_count:
        return None
    if not optimizer.built and available_count > len(optimizer._variables):
        optimizer.build(model.trainable_weights)
    if len(optimizer._variables) != available_count:
        warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
                      f"{len(optimizer._variables)} variables whereas the saved optimizer has "
                      f"{available_count} variables.", UserWarning, stacklevel=4)
        return None
    return optimizer


def _entries(model, optimizer_kept):
    entries = layout.collect(model, include_optimizer=True)
    from ..keras.optimizers import Optimizer
    return [e for e in entries if not isinstance(e[1], Optimizer) or e[1] is optimizer_kept]


def _h5_optimizer_count(weights):
    h5py = h5_weights._h5py()
    source = io.BytesIO(weights) if isinstance(weights, (bytes, bytearray)) else weights
    try:
        with h5py.File(source, "r") as f:
            group = f.get("optimizer/vars")
            return len(group.keys()) if isinstance(group, h5py.Group) else 0
    except OSError as e:
        raise InvalidFileError(f"The weights are not a valid HDF5 file (truncated or corrupted?): {e}") from e


def load_weights_data(model, data, kind, what="weights file", include_optimizer=True, skip_mismatch=False):
    """Check `data` (an HDF5 file's bytes, or {name: array} for safetensors) against the model, then
    assign every variable; nothing changes unless everything matches."""
    if kind == "h5":
        optimizer = _optimizer_for(model, _h5_optimizer_count(data), include_optimizer)
        entries = _entries(model, optimizer)
        ignore = () if optimizer is not None else ("optimizer/",)
        assignments = h5_weights.read_h5(data, entries, what=what, skip_mismatch=skip_mismatch,
                                         ignore_prefixes=ignore)
    else:
        count = len([k for k in data if k.startswith("optimizer/vars/")])
        optimizer = _optimizer_for(model, count, include_optimizer)
        entries = _entries(model, optimizer)
        assignments = _match_flat(data, entries, what, skip_mismatch,
                                  ignore_prefixes=() if optimizer is not None else ("optimizer/",))
    h5_weights.assign(assignments)


def _flat_name(path, i):
    return posixpath.join(path, "vars", str(i))


def _match_flat(tensors, entries, what, skip_mismatch=False, ignore_prefixes=()):
    errors, out, used = [], [], set()
    for path, obj, variables in entries:
        where = h5_weights._object_label(path, obj)
        problems = []
        for i, v in enumerate(variables):
            name = _flat_name(path, i)
            if name not in tensors:
                problems.append(f"{where}: weight {i} ({h5_weights._var_desc(v)}) is missing from the file")
                continue
            array = tensors[name]
            if tuple(array.shape) != tuple(v.shape):
                problems.append(f"{where}: weight {i} ({h5_weights._var_desc(v)}) has shape {tuple(v.shape)} "
                                f"in the model but {tuple(array.shape)} in the file")
        extra = [k for k in tensors if k.startswith(_flat_name(path, "")) and
                 k[len(_flat_name(path, "")):].isdigit() and int(k[len(_flat_name(path, "")):]) >= len(variables)]
        if extra:
            problems.append(f"{where}: the model has {len(variables)} weights here, the file has more: {extra}")
        if problems:
            if skip_mismatch:
                warnings.warn("Skipping loading weights: " + "; ".join(problems), UserWarning, stacklevel=4)
                used.update(_flat_name(path, i) for i in range(len(variables)))
                continue
            errors += problems
            continue
        for i, v in enumerate(variables):
            used.add(_flat_name(path, i))
            out.append((v, tensors[_flat_name(path, i)]))
    if errors:
        raise h5_weights.WeightsFileError(f"The {what} does not match the model:\n  " + "\n  ".join(errors))
    unused = sorted(k for k in tensors if k not in used and not k.startswith(tuple(ignore_prefixes))
                    and not any(k.startswith(_flat_name(p, "")) for p, _, _ in entries))
    if unused:
        warnings.warn(f"The {what} holds weights that match nothing in the model: {unused[:10]}",
                      UserWarning, stacklevel=4)
    return out


def _check_built(model, what):
    if not model.built:
        raise ValueError(f"Model {model.name} is not built yet, so it has no weights to {what}: call it on "
                         "data or call model.build(input_shape) first")


def save_weights(model, filepath, overwrite=True, **kwargs):
    """Save the model's (and its optimizer's) variables: `.weights.h5` in Keras 3's layout, or
    `.safetensors` with the same names (`layers/dense/vars/0`)."""
    if kwargs.pop("save_format", None) not in (None, "h5", "safetensors"):
        raise ValueError("save_weights: cornu writes `.weights.h5` or `.safetensors` files")
    if kwargs:
        raise TypeError(f"save_weights: unexpected arguments {sorted(kwargs)}")
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    entries = layout.collect(model, include_optimizer=True)
    from ..data._atomic import atomic_writer
    if str(path).endswith(".weights.h5"):
        with atomic_writer(path) as f:
            f.write(h5_weights.write_h5(entries))
    elif str(path).endswith(".safetensors"):
        tensors = {_flat_name(p, i): h5_weights._as_array(v) for p, _, variables in entries
                   for i, v in enumerate(variables)}
        from .. import __version__
        with atomic_writer(path) as f:
            f.write(safetensors_format.dumps(tensors, {"format": "keras", "producer": f"cornu {__version__}"}))
    else:
        raise ValueError(f"The filename must end in `.weights.h5` (Keras 3's weights format) or "
                         f"`.safetensors`. Received: filepath={path}")


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights saved by `save_weights` (cornu or Keras 3), or those inside a `.keras` file.
    Every mismatching layer is listed, with its shapes, in one error; nothing is loaded then (with
    `skip_mismatch=True` the mismatching objects are skipped with a warning)."""
    kwargs.pop("by_name", None)
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such weights file: {path}")
    _check_built(model, "load")
    if str(path).endswith(".keras"):
        _, _, weights = read_keras_archive(path)
        load_weights_data(model, weights, "h5", what=f"weights in {path}", skip_mismatch=skip_mismatch)
    elif str(path).endswith(".safetensors"):
        with open(path, "rb") as f:
            data = f.read()
        try:
            tensors, _ = safetensors_format.loads(data)
        except safetensors_format.SafetensorsError as e:
            raise InvalidFileError(f"{path}: {e}") from e
        load_weights_data(model, tensors, "flat", what=f"weights file {path}", skip_mismatch=skip_mismatch)
    elif str(path).endswith((".h5", ".hdf5")):
        with open(path, "rb") as f:
            data = f.read()
        load_weights_data(model, data, "h5", what=f"weights file {path}", skip_mismatch=skip_mismatch)
    else:
        raise ValueError(f"File format not supported: filepath={path}. cornu loads `.weights.h5`, "
                         "`.safetensors` and `.keras` files")
