"""What `compile(loss=..., metrics=..., loss_weights=...)` turns into: per-output losses and metrics."""
from ...core import nest
from ...ops import math_ops, reduce_ops


def output_names(model):
    """Names of a model's outputs: the layers producing them (functional), else 'output_i'."""
    outputs = getattr(model, "outputs", None)
    if outputs:
        names = []
        for i, t in enumerate(outputs):
            layer = getattr(getattr(t, "node", None), "layer", None)
            names.append(layer.name if layer is not None else f"output_{i}")
        return names
    return None


def _per_output(spec, names, what):
    """Spread a compile argument over the outputs: one value for all, a list in order, or a dict."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"compile: {what} has keys {unknown} that are not output names {names}")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and what != "metrics" or (
            what == "metrics" and isinstance(spec, (list, tuple)) and spec and
            all(isinstance(s, (list, tuple)) or s is None for s in spec)):
        if len(spec) != n:
            raise ValueError(f"compile: {what} is a list of {len(spec)} entries but the model has {n} "
                             f"outputs {names}")
        return list(spec)
    return [spec] * n


class CompileLoss:
    """Sum over outputs of weight_i * loss_i(y_true_i, y_pred_i, sample_weight); per-output values are
    kept for the logs of multi-output models."""

    def __init__(self, loss, loss_weights, names, y_true_shapes, y_pred_shapes):
        from .. import losses as losses_module
        self.names = names
        specs = _per_output(loss, names, "loss")
        weights = _per_output(loss_weights, names, "loss_weights") if loss_weights is not None else [1.0] * len(names)
        self.losses = [None if s is None else losses_module.get_loss(s, yt, yp)
                       for s, yt, yp in zip(specs, y_true_shapes, y_pred_shapes)]
        self.weights = [1.0 if w is None else float(w) for w in weights]
        if all(l is None for l in self.losses):
            raise ValueError("compile: a loss is needed for training (compile(loss=...))")
        self.last_values = []

    def __call__(self, y_true, y_pred, sample_weight=None):
        ys_true = _match(y_true, self.names, "y")
        ys_pred = nest.flatten(y_pred)
        total = None
        self.last_values = []
        for name, fn, w, yt, yp in zip(self.names, self.losses, self.weights, ys_true, ys_pred):
            if fn is None:
                self.last_values.append(None)
                continue
            if yt is None:
                raise ValueError(f"Target data for output {name!r} is missing: its loss needs y")
            value = fn(yt, yp, sample_weight=sample_weight) if sample_weight is not None else fn(yt, yp)
            self.last_values.append(value)
            term = value * w if w != 1.0 else value
            total = term if total is None else total + term
        return total


def _match(y, names, what):
    if y is None:
        return [None] * len(names)
    if isinstance(y, dict):
        return [y.get(n) for n in names]
    flat = nest.flatten(y) if isinstance(y, (list, tuple)) else [y]
    if len(flat) != len(names):
        raise ValueError(f"The model has {len(names)} outputs {names} but {what} holds {len(flat)} arrays")
    return flat


class CompileMetrics:
    """Stateful metrics per output, resolving 'accuracy' from each output's loss as Keras does."""

    def __init__(self, metrics, weighted_metrics, names, losses, output_shapes, y_true_shapes):
        from .. import metrics as metrics_module
        self.names = names
        self.entries = []  # (output index, metric, weighted)
        for kind, spec in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if spec is None:
                continue
            per_output = _per_output(spec, names, "metrics")
            for i, items in enumerate(per_output):
                if items is None:
                    continue
                for item in (items if isinstance(items, (list, tuple)) else [items]):
                    metric = metrics_module.get_compile_metric(item, losses[i], output_shapes[i],
                                                               y_true_shapes[i])
                    if len(names) > 1:
                        metric.name = f"{names[i]}_{metric.name}"
                    self.entries.append((i, metric, kind == "weighted_metrics"))

    @property
    def metrics(self):
        return [m for _, m, _ in self.entries]

    def update_state(self, y_true, y_pred, sample_weight=None):
        ys_true = _match(y_true, self.names, "y")
        ys_pred = nest.flatten(y_pred)
        for i, metric, weighted in self.entries:
            if ys_true[i] is None:
                continue
            metric.update_state(ys_true[i], ys_pred[i], sample_weight=sample_weight if weighted else None)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()


def sum_losses(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    total = reduce_ops.reduce_sum(values[0]) if values[0].ndim else values[0]
    for v in values[1:]:
        total = math_ops.add(total, reduce_ops.reduce_sum(v) if v.ndim else v)
    return total
