"""Rewrites made while a graph is traced, before autodiff sees the ops: a known pattern is replaced
by its fused op as it is added, so the tape records the fused op and differentiates it with its own
gradient rule. (After autodiff a pattern's backward nodes exist too and a pass cannot fuse them
without matching the whole backward chain; this is the depth where the fusion is simple.)

    log(softmax(x))   ->   log_softmax(x)

One op instead of two, and stable: where softmax underflows to 0 the log gives -inf (and its
gradient NaN), log_softmax a finite value. This is the textbook TF1 cross-entropy,
`-reduce_sum(y_ * log(softmax(logits)))`; TensorFlow's graph optimizer makes the same rewrite. Eager
code runs as written.

Each rule maps an op name to a function (op, inputs, attrs, graph) -> (op, inputs, attrs) or None.
"""


def _log_of_softmax(op, inputs, attrs, graph):
    from ..ops.nn_ops import _log_softmax, _softmax
    p = inputs[0]
    node = getattr(p, "node", None)
    if getattr(p, "graph", None) is not graph or node is None or node.op is not _softmax:
        return None
    return _log_softmax, node.inputs, dict(node.attrs)


RULES = {"log": _log_of_softmax}


def rewrite(op, inputs, attrs, graph):
    """The (op, inputs, attrs) to add instead of `op` on `inputs`, or None to add it as it is."""
    rule = RULES.get(op.name)
    return None if rule is None else rule(op, inputs, attrs, graph)
