"""Fusion of known patterns, after autodiff (so the backward graph exists), each only where the
intermediate results are used by nothing else:

- matmul -> bias add -> (relu) becomes one `fused_dense` node (the backward pass of this chain needs
  only x, w, b and the final output, which the fused node still produces); saves two full-size
  temporaries per layer.

      %matmul = matmul(%x, %w)                          %relu = fused_dense(%x, %w, %b, relu)
      %add = add(%matmul, %b)                 ->
      %relu = relu(%add)

- a convolution's input gradient, matmul(dy, w^T) -> reshape to patches -> col2im, becomes one
  `matmul_col2im` node that works a few images at a time with the patch gradients in cache.
"""
from ...core.symbolic import OpNode
from ..ir import Graph
from ._rewrite import is_symbolic
from . import rebuild


def _consumers(graph):
    uses = {}
    for node in graph.nodes:
        for x in node.inputs:
            if is_symbolic(x):
                uses[id(x)] = uses.get(id(x), 0) + 1
    for t in graph.outputs:
        if is_symbolic(t):
            uses[id(t)] = uses.get(id(t), 0) + 2  # an output is always kept
    return uses


def run(graph: Graph) -> Graph:
    from ...ops.conv_ops import _matmul_col2im as matmul_col2im_op
    from ...ops.nn_ops import fused_dense_op
    uses = _consumers(graph)
    producer = {id(t): node for node in graph.nodes for t in node.outputs}
    fused, skip = {}, set()
    for node in graph.nodes:
        chain = _match(node, producer, uses)
        if chain is None:
            continue
        matmul, add, act = chain
        x, w = matmul.inputs
        b = add.inputs[1] if add.inputs[0] is matmul.outputs[0] else add.inputs[0]
        last = act or add
        new = OpNode(fused_dense_op, (x, w, b), {"activation": "relu" if act else "linear"},
                     name=f"fused_{last.name}")
        new.outputs = last.outputs
        fused[id(last)] = new
        skip.update({id(n) for n in (matmul, add) if n is not last})
    for node in graph.nodes:
        chain = _match_col2im(node, producer, uses)
        if chain is not None:
            matmul, reshape = chain
            new = OpNode(matmul_col2im_op, matmul.inputs,
                         {"patch_shape": tuple(reshape.outputs[0].shape), **node.attrs}, name=f"fused_{node.name}")
            new.outputs = node.outputs
            fused[id(node)] = new
            skip.update({id(matmul), id(reshape)})
    if not fused:
        return graph
    nodes = [fused.get(id(n), n) for n in graph.nodes if id(n) not in skip]
    return rebuild(graph, nodes)


def _match_col2im(node, producer, uses):
    """(matmul, reshape) feeding the col2im `node` as matmul(dy, w, transpose_b) -> reshape, or None."""
    if node.op.name != "col2im" or not is_symbolic(node.inputs[0]):
        return None
    reshape = producer.get(id(node.inputs[0]))
    if reshape is None or reshape.op.name != "reshape" or uses.get(id(node.inputs[0])) != 1:
        return None
    product = reshape.inputs[0]
    matmul = producer.get(id(product)) if is_symbolic(product) else None
    if matmul is None or matmul.op.name != "matmul" or uses.get(id(product)) != 1:
        return None
    if matmul.attrs.get("transpose_a") or not matmul.attrs.get("transpose_b"):
        return None
    a, b = matmul.inputs
    shape = tuple(reshape.outputs[0].shape)
    if len(a.shape) != 2 or len(b.shape) != 2 or None in shape or None in tuple(a.shape) or \
            a.dtype != b.dtype or not a.dtype.is_floating:
        return None
    return matmul, reshape


def _match(node, producer, uses):
    """(matmul, add, relu-or-None) ending at `node`, or None."""
    act = None
    if node.op.name == "relu":
        act, node = node, producer.get(id(node.inputs[0]))
        if node is None or uses.get(id(node.outputs[0])) != 1:
            return None
    if node.op.name != "add":
        return None
    add = node
    for i in (0, 1):
        src = add.inputs[i]
        matmul = producer.get(id(src)) if is_symbolic(src) else None
        if matmul is None or matmul.op.name != "matmul" or uses.get(id(src)) != 1:
            continue
        if matmul.attrs.get("transpose_a") or matmul.attrs.get("transpose_b"):
            continue
        x, w = matmul.inputs
        bias = add.inputs[1 - i]
        out_shape, bias_shape = tuple(matmul.outputs[0].shape), tuple(bias.shape)
        if len(x.shape) != 2 or len(w.shape) != 2 or bias_shape != out_shape[-1:]:
            continue  # a plain (batch, in) @ (in, out) product plus a per-unit bias
        if not (x.dtype == w.dtype == bias.dtype) or not x.dtype.is_floating:
            continue
        if act is None and uses.get(id(add.outputs[0]), 0) == 0:
            continue
        return matmul, add, act
    return None
