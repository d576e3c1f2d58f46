"""TensorBoard: Keras 3's callback writing training logs for TensorBoard.

>>> import tempfile
>>> import numpy as np
>>> import cornu as tf
>>> model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> logdir = tempfile.mkdtemp()
>>> _ = model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=2, verbose=0,
...               callbacks=[tf.keras.callbacks.TensorBoard(log_dir=logdir)])
>>> import os; sorted(os.listdir(logdir))
['train']

Then `tensorboard --logdir <logdir>`.
"""
import json
import os
import time
import warnings

from ... import backend
from .callback import Callback


class TensorBoard(Callback):
    """Write the logs of `fit` for TensorBoard (needs the `tensorboard` package).

    In `log_dir/train` and `log_dir/validation` (Keras 3's layout):
    - each epoch, `epoch_<name>` scalars of the epoch's logs (`epoch_loss`, `epoch_accuracy`, ...;
      validation ones without their `val_` prefix in `validation/`) and `epoch_learning_rate`;
      with `write_steps_per_second`, `epoch_steps_per_second`;
    - with `update_freq=N` (or 'batch', i.e. 1), every N batches `batch_<name>` scalars at the global
      batch number (and `batch_steps_per_second`); during fit the train writer is then the default
      writer (step: `optimizer.iterations`, recording every N steps), so `cornu.summary` calls in a
      model's `call` or `train_step` are logged too;
    - after each evaluation, `evaluation_<name>_vs_iterations` in `validation/`;
    - every `histogram_freq` epochs, a histogram of each weight (`<layer>/<weight>/histogram`), and with
      `write_images` the weight as an image (`<layer>/<weight>/image`, scaled to its min..max, where
      Keras clips it to [0, 1]);
    - with `write_graph`, the model's layer graph (TensorBoard's Graphs tab, "conceptual graph": tag
      `keras`) and the op graph of the compiled train step (forward, `gradient_tape/` backward and the
      variable updates) once it has been traced (the second batch: the first one runs eagerly).

    Args:
        log_dir: the directory of the logs.
        histogram_freq: write weight histograms every this many epochs (0: never).
        write_graph: write the graphs.
        write_images: with histogram_freq, also write the weights as images.
        write_steps_per_second: log the training speed.
        update_freq: 'epoch', 'batch' or an int N: also log batch-level values every N batches.
        profile_batch, embeddings_freq, embeddings_metadata: accepted; cornu has no profiler or
            embedding projector, so nonzero values only warn.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq or 0)
        if self.histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be >= 0, got {histogram_freq}")
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer, got "
                             f"{update_freq!r}")
        self.update_freq = update_freq
        if profile_batch:
            warnings.warn("TensorBoard: profile_batch is ignored (cornu has no profiler)", stacklevel=2)
        if embeddings_freq:
            warnings.warn("TensorBoard: embeddings_freq is ignored (cornu has no embedding projector)",
                          stacklevel=2)
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._contexts = []
        self._recorder = None
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = None
        self._batch_start_time = None

    # -- writers -------------------------------------------------------------------------------------
    def _writer(self, which):
        if which not in self._writers:
            from ... import summary
            self._writers[which] = summary.create_file_writer(self._train_dir if which == "train"
                                                              else self._val_dir)
        return self._writers[which]

    @property
    def _train_writer(self):
        return self._writer("train")

    @property
    def _val_writer(self):
        return self._writer("val")

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        return iterations

    def _push_writer(self, writer):
        """Make `writer` the default for summaries written by the model during fit (batch-level
        update_freq only, as Keras): step optimizer.iterations, recorded every update_freq steps."""
        if self.update_freq == "epoch":
            return
        from ... import summary
        iterations = self._iterations()
        if iterations is None:
            return
        freq = self.update_freq

        def should_record():
            from ...ops import math_ops
            return math_ops.equal(math_ops.floormod(iterations, freq), 0)
        contexts = (writer.as_default(step=iterations), summary.record_if(should_record))
        for c in contexts:
            c.__enter__()
        self._contexts.append(contexts)

    def _pop_writer(self):
        if self.update_freq == "epoch" or not self._contexts:
            return
        for c in reversed(self._contexts.pop()):
            c.__exit__(None, None, None)

    # -- hooks ---------------------------------------------------------------------------------------
    def set_model(self, model):
        super().set_model(model)
        self._close_writers()

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        iterations = self._iterations()
        if iterations is not None:
            self._previous_epoch_iterations = int(iterations.numpy())
        self._push_writer(self._train_writer)
        if self.write_graph:
            self._write_keras_model_summary()
            from ...summary._trace import Recorder
            self._recorder = Recorder(lambda c: "train" in str(getattr(c, "name", ""))).start()

    def on_train_end(self, logs=None):
        self._pop_writer()
        self._stop_recorder()
        self._close_writers()

    def on_test_begin(self, logs=None):
        self._push_writer(self._val_writer)

    def on_test_end(self, logs=None):
        iterations = self._iterations()
        if iterations is not None and logs:
            step = int(iterations.numpy())
            with self._val_writer.as_default():
                for name, value in logs.items():
                    self._scalar(f"evaluation_{name}_vs_iterations", value, step)
        self._pop_writer()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self._recorder is not None and self._recorder.functions:
            self._write_train_graph(self._recorder.functions[0])
            self._stop_recorder()
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq != 0:
            return
        step = self._global_train_batch
        with self._train_writer.as_default():
            if self.write_steps_per_second and self._batch_start_time is not None:
                elapsed = time.time() - self._batch_start_time
                if elapsed > 0:
                    self._scalar("batch_steps_per_second", 1.0 / elapsed, step)
            if isinstance(logs, dict):
                for name, value in logs.items():
                    self._scalar("batch_" + name, value, step)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # -- what is written -----------------------------------------------------------------------------
    @staticmethod
    def _scalar(name, value, step):
        from ... import summary
        try:
            value = float(value)
        except (TypeError, ValueError):
            return  # not a number (e.g. a list in the logs): skipped, as Keras's summary would fail
        with summary.record_if(True):
            summary.scalar(name, value, step=step)

    def _log_epoch_metrics(self, epoch, logs):
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "current_learning_rate"):
            try:
                train_logs["learning_rate"] = float(optimizer.current_learning_rate)
            except (TypeError, ValueError):
                pass
        if self.write_steps_per_second:
            train_logs["steps_per_second"] = self._compute_steps_per_second()
        if train_logs:
            with self._train_writer.as_default():
                for name, value in train_logs.items():
                    self._scalar("epoch_" + name, value, epoch)
        if val_logs:
            with self._val_writer.as_default():
                for name, value in val_logs.items():
                    self._scalar("epoch_" + name, value, epoch)

    def _compute_steps_per_second(self):
        iterations = self._iterations()
        current = int(iterations.numpy()) if iterations is not None else self._global_train_batch
        elapsed = time.time() - (self._epoch_start_time or time.time())
        steps = (current - self._previous_epoch_iterations) / elapsed if elapsed > 0 else 0.0
        self._previous_epoch_iterations = current
        return steps

    def _log_weights(self, epoch):
        from ... import summary
        with self._train_writer.as_default(), summary.record_if(True):
            for layer in self.model.layers:
                for weight in layer.weights:
                    name = _weight_path(weight)
                    summary.histogram(name + "/histogram", weight, step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(weight, name + "/image", epoch)

    @staticmethod
    def _log_weight_as_image(weight, name, epoch):
        """Keras's layout (bias: a row; a 2-D kernel: wider than tall; a 3-D conv kernel: one image per
        input channel), scaled to [0, 1] from the weight's min..max."""
        from ... import summary
        np = backend.numpy
        w = np.squeeze(backend.to_numpy(weight.numpy()))
        if w.ndim == 1:
            w = w.reshape(1, w.shape[0], 1, 1)
        elif w.ndim == 2:
            if w.shape[0] > w.shape[1]:
                w = w.T
            w = w.reshape(1, w.shape[0], w.shape[1], 1)
        elif w.ndim == 3:  # channels_last kernel [h, w, c]: one image per channel
            w = np.transpose(w, (2, 0, 1))[..., None]
        if w.ndim != 4 or w.shape[-1] not in (1, 3, 4) or w.size == 0:
            return
        w = w.astype(np.float64)
        lo, hi = w.min(), w.max()
        w = (w - lo) / (hi - lo) if hi > lo else np.zeros_like(w)
        summary.image(name, w, step=epoch, max_outputs=1)

    def _write_keras_model_summary(self):
        """The layer graph as TensorBoard's Keras "conceptual graph" (tag 'keras', step 0)."""
        if not getattr(self.model, "built", False):
            return
        try:
            config = json.dumps(keras_model_config(self.model))
        except Exception as exc:  # a model this cannot describe: training goes on without it
            warnings.warn(f"TensorBoard: could not write the model's layer graph: {exc}")
            return
        from ...summary._tb import tb
        metadata = tb.summary_pb2.SummaryMetadata()
        metadata.plugin_data.plugin_name = tb.graph_metadata.PLUGIN_NAME_KERAS_MODEL
        metadata.plugin_data.content = b"1"
        from ... import summary
        with self._train_writer.as_default(), summary.record_if(True):
            summary.write("keras", config, step=0, metadata=metadata)

    def _write_train_graph(self, concrete):
        """The traced train step's op graph as the run's graph (TensorBoard's Graphs tab, "Default")."""
        self._train_writer.graph(concrete)
        self._train_writer.flush()

    def _stop_recorder(self):
        if self._recorder is not None:
            self._recorder.stop()
            self._recorder = None


def _weight_path(weight):
    name = getattr(weight, "path", None) or getattr(weight, "_name", None) or str(weight.name)
    return str(name).split(":")[0]


def keras_model_config(model):
    """The model as Keras's `to_json()` dict (class_name, config with layers and their inbound nodes),
    the form TensorBoard's graph plugin draws as the conceptual graph."""
    from ..utils.plot_model import _functional_calls, _model_kind, _sequential_calls
    kind = _model_kind(model)

    def layer_entry(layer, inbound=None):
        if _model_kind(layer) != "other":
            entry = keras_model_config(layer)
        else:
            entry = {"class_name": type(layer).__name__,
                     "config": {"name": layer.name, "dtype": getattr(layer, "dtype", None) or "float32"}}
        entry["name"] = layer.name
        if inbound is not None:
            entry["inbound_nodes"] = inbound
        return entry

    if kind == "sequential":
        layers = []
        input_layer = getattr(model, "_input_layer", None)
        if input_layer is not None:
            layers.append(layer_entry(input_layer))
        layers += [layer_entry(layer) for layer, _ in _sequential_calls(model)]
        return {"class_name": "Sequential", "config": {"name": model.name, "layers": layers}}
    if kind != "functional":
        return {"class_name": type(model).__name__, "config": {"name": model.name}}
    history = {}  # id(symbolic tensor) -> [producer name, node index, tensor index]
    entries, order = {}, []
    taken = {layer.name for layer in model.layers}
    for layer, node in _functional_calls(model):
        if layer is None:  # a plain op between layers: a uniquely named pseudo-layer, as Keras's TFOpLambda
            base = getattr(getattr(node, "op", None), "name", "op")
            name, k = base, 0
            while name in taken:
                k += 1
                name = f"{base}_{k}"
            taken.add(name)
            key = id(node)
            if key not in entries:
                entries[key] = {"class_name": "TFOpLambda", "name": name,
                                "config": {"name": name, "dtype": getattr(node.outputs[0].dtype, "name", None)
                                           if node.outputs else None}, "inbound_nodes": []}
                order.append(key)
        else:
            key = id(layer)
            if key not in entries:
                entries[key] = layer_entry(layer, [])
                order.append(key)
            name = layer.name
        entry = entries[key]
        args = [{"class_name": "__keras_tensor__",
                 "config": {"shape": list(t.shape), "keras_history": history[id(t)]}}
                for t in node.inputs if id(t) in history]
        if args:
            entry["inbound_nodes"].append({"args": args if len(args) == 1 else [args], "kwargs": {}})
        index = len(entry["inbound_nodes"]) - 1 if args else 0
        for i, t in enumerate(node.outputs):
            history[id(t)] = [name, max(index, 0), i]
    config = {"name": model.name, "layers": [entries[k] for k in order],
              "input_layers": [history[id(t)] for t in model.inputs if id(t) in history],
              "output_layers": [history[id(t)] for t in model.outputs if id(t) in history]}
    return {"class_name": "Functional", "config": config}
