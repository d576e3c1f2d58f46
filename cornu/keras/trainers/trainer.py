"""The one training loop: compile, fit, evaluate, predict and their *_on_batch forms.

A step is forward + loss (+ regularization losses) + backward (GradientTape) + optimizer update +
metric updates; `fit` feeds it batches from the data adapter and tells the callbacks.
"""
import time

from ... import backend
from ...core import nest
from ...core.gradient_tape import GradientTape
from ...core.tensor import Tensor, convert_to_tensor
from ...ops import math_ops
from . import compile_utils, data_adapter

np = backend.numpy


class Trainer:
    """compile/fit/evaluate/predict for Model (Keras's trainers/trainer.py)."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self.run_eagerly = False
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None

    # -- compile -----------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Configure training: optimizer, loss(es), metrics (strings or objects, per output)."""
        from .. import metrics as metrics_module
        from .. import optimizers
        self.optimizer = optimizers.get(optimizer)
        self._compile_args = dict(loss=loss, loss_weights=loss_weights, metrics=metrics,
                                  weighted_metrics=weighted_metrics)
        self.run_eagerly = bool(run_eagerly)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.compiled = True
        self._compiled_for = None
        self._step_functions = {}  # compiled steps belong to one compile() configuration  # loss/metric objects are resolved once the outputs are known

    def _ensure_compiled_for_outputs(self, y, y_pred):
        """Resolve losses and metrics once the first batch shows the shapes of targets and outputs."""
        if self._compiled_for is not None:
            return
        names = compile_utils.output_names(self)
        flat = nest.flatten(y_pred)
        if names is None or len(names) != len(flat):
            names = ["output"] if len(flat) == 1 else [f"output_{i + 1}" for i in range(len(flat))]
        args = self._compile_args
        pred_shapes = [tuple(t.shape) for t in flat]
        true_shapes = [None if t is None else tuple(t.shape) for t in compile_utils._match(y, names, "y")]
        self._compile_loss = compile_utils.CompileLoss(args["loss"], args["loss_weights"], names,
                                                       true_shapes, pred_shapes) \
            if args["loss"] is not None else None
        losses = self._compile_loss.losses if self._compile_loss else [None] * len(names)
        self._compile_metrics = compile_utils.CompileMetrics(
            args["metrics"], args["weighted_metrics"], names, losses, pred_shapes, true_shapes)
        self._output_names = names
        self._compiled_for = names

    @property
    def metrics(self):
        out = [self._loss_tracker] if self._loss_tracker is not None else []
        if self._compile_metrics is not None:
            out += self._compile_metrics.metrics
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _assert_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call model.compile() before {what}")

    # -- steps -------------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Compiled loss (summed over outputs) plus the model's regularization losses."""
        self._ensure_compiled_for_outputs(y, y_pred)
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        extra = self.losses
        if extra:
            reg = extra[0] if len(extra) == 1 else math_ops.add_n(extra)
            total = reg if total is None else total + reg
        if total is None:
            raise ValueError("No loss to optimize: compile(loss=...) or add_loss() in the model")
        return total

    def train_step(self, data):
        x, y, sample_weight = data_adapter.unpack(data)
        self._clear_losses()
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        variables = self.trainable_weights
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self._update_metrics(loss, y, y_pred, sample_weight, x)

    def test_step(self, data):
        x, y, sample_weight = data_adapter.unpack(data)
        self._clear_losses()
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._update_metrics(loss, y, y_pred, sample_weight, x)

    def predict_step(self, data):
        x, _, _ = data_adapter.unpack(data)
        return self(x, training=False)

    def _update_metrics(self, loss, y, y_pred, sample_weight, x):
        batch = int(nest.flatten(x)[0].shape[0]) if nest.flatten(x) else 1
        self._loss_tracker.update_state(loss, sample_weight=batch)
        if y is not None and self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self._metric_results()

    def _metric_results(self):
        """Each metric's result as a tensor (inside a traced step, outputs of the graph)."""
        results = {}
        for m in self.metrics:
            value = m.result()
            if isinstance(value, dict):
                results.update(value)
            else:
                results[m.name] = value
        return results

    @staticmethod
    def _floats(logs):
        return {k: float(v) for k, v in logs.items()}

    def _step_function(self, kind):
        """The train/test/predict step: eager with run_eagerly=True, else compiled with cornu.function.

        The first call runs eagerly so that every variable (layers' weights, optimizer slots, metric
        state) exists before tracing; later calls run the traced graph (one trace per batch shape).
        Both give the same numbers.
        """
        step = getattr(self, f"{kind}_step")
        if self.run_eagerly:
            return step
        cache = self.__dict__.setdefault("_step_functions", {})
        if kind not in cache:
            from ...graph.function import Function
            traced = Function(step, name=f"{kind}_step")
            first = [True]

            def run(data):
                if first[0]:
                    first[0] = False
                    return step(data)
                return traced(data)
            cache[kind] = run
        return cache[kind]

    # -- fit ---------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs`; returns a History whose `.history` maps each log name to its values."""
        self._assert_compiled("fit")
        verbose = 1 if verbose == "auto" else verbose
        if x is None:
            raise ValueError("fit: x (the training data) is required")
        train = data_adapter.adapt(x, y, sample_weight, batch_size, shuffle, class_weight, steps_per_epoch)
        val = None
        if validation_split and validation_data is None:
            if not isinstance(train, data_adapter.ArrayData):
                raise ValueError("validation_split is only supported for array inputs; pass "
                                 "validation_data for datasets and generators")
            train, val = train.split(validation_split)
            if steps_per_epoch is not None:
                train.steps = steps_per_epoch
        elif validation_data is not None:
            if data_adapter.is_array_data(validation_data) and isinstance(validation_data, (tuple, list)):
                vx, vy, vsw = data_adapter.unpack(tuple(validation_data))
                val = data_adapter.adapt(vx, vy, vsw, validation_batch_size or batch_size, False, None,
                                         validation_steps)
            else:
                val = data_adapter.adapt(validation_data, steps=validation_steps)
        from ..callbacks.callback_list import CallbackList
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=epochs, steps=train.steps, _in_fit=True)
        self.stop_training = False
        # Resuming (BackupAndRestore, Keras 3's protocol): in on_train_begin a callback may set
        # `_initial_epoch` to start at a later epoch, and `_initial_step` to skip that epoch's first
        # batches (done before a mid-epoch backup); `_fit_train_data` lets it save and restore the
        # data's shuffle state.
        self._initial_epoch = self._initial_step = None
        self._fit_train_data = train
        cbs.on_train_begin()
        if self._initial_epoch is not None:
            initial_epoch = self._initial_epoch
        skip = self._initial_step or 0
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            step = -1
            train_function = self._step_function("train")
            for step, batch in enumerate(train):
                if step < skip:
                    continue  # trained before the backup this fit resumes from
                cbs.on_train_batch_begin(step)
                logs = self._floats(train_function(batch))
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            skip = 0
            if step == -1:
                raise ValueError("fit: the training data produced no batches (is it empty or exhausted?)")
            epoch_logs = dict(logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_data(val, cbs, in_fit=True)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        self._fit_train_data = None
        cbs.on_train_end(logs)
        return cbs.history

    # -- evaluate / predict ------------------------------------------------------------------------
    def _evaluate_data(self, data, cbs, in_fit=False):
        self.reset_metrics()
        cbs.on_test_begin()
        logs = {}
        test_function = self._step_function("test")
        for step, batch in enumerate(data):
            cbs.on_test_batch_begin(step)
            logs = self._floats(test_function(batch))
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss and metrics on the data: a scalar, a list [loss, *metrics], or a dict."""
        self._assert_compiled("evaluate")
        verbose = 1 if verbose == "auto" else verbose
        data = data_adapter.adapt(x, y, sample_weight, batch_size, False, None, steps)
        from ..callbacks.callback_list import CallbackList
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           steps=data.steps)
        logs = self._evaluate_data(data, cbs)
        if return_dict:
            return logs
        values = [logs[m] for m in self.metrics_names if m in logs]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for the inputs, as NumPy arrays (batched; structure of the outputs kept)."""
        verbose = 1 if verbose == "auto" else verbose
        data = data_adapter.adapt(x, None, None, batch_size, False, None, steps)
        from ..callbacks.callback_list import CallbackList
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           steps=data.steps)
        cbs.on_predict_begin()
        outputs = []
        predict_function = self._step_function("predict")
        for step, batch in enumerate(data):
            cbs.on_predict_batch_begin(step)
            out = predict_function(batch)
            outputs.append(nest.map_structure(lambda t: backend.to_numpy(t._value), out))
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict: the input produced no batches")
        return nest.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)

    # -- single batches ----------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._assert_compiled("train_on_batch")
        batch = data_adapter.ArrayData(x, y, sample_weight, class_weight=class_weight).whole()
        self.reset_metrics()
        logs = self._floats(self.train_step(batch))
        return logs if return_dict else _logs_as_list(logs, self.metrics_names)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        batch = data_adapter.ArrayData(x, y, sample_weight).whole()
        self.reset_metrics()
        logs = self._floats(self.test_step(batch))
        return logs if return_dict else _logs_as_list(logs, self.metrics_names)

    def predict_on_batch(self, x):
        x = nest.map_structure(lambda a: a if isinstance(a, Tensor) else convert_to_tensor(
            backend.numpy.asarray(a)), x)
        return nest.map_structure(lambda t: backend.to_numpy(t._value), self(x, training=False))


def _logs_as_list(logs, names):
    values = [logs[n] for n in names if n in logs]
    return values[0] if len(values) == 1 else values
