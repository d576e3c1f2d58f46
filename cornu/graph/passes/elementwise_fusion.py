"""Fusion of elementwise chains: connected elementwise nodes whose intermediate results nothing else
uses become one `fused_elementwise` node, run as one compiled loop (see backend/elementwise.py).

Runs after autodiff and after the matmul+bias+relu fusion, so it sees the backward pass too. A relu's
gradient, for instance:

    %greater = greater(%relu, 0.0)
    %cast = cast(%greater, float32)         ->    %multiply = fused_elementwise(%dy, %relu, 0.0,
    %multiply = multiply(%dy, %cast)                 program=[greater, cast, multiply])

A group grows from its last node backwards: a producer joins when its op has an exact C form for its
dtypes and every consumer of its result is already in the group (so no intermediate is needed
outside). Inputs of the group may broadcast against each other. Groups of one node, and groups whose
result is known to be small (where NumPy's op-by-op calls are cheaper than a kernel call), are left
alone.
"""
from ...backend import elementwise
from ...core.symbolic import OpNode
from ..ir import Graph
from ._rewrite import is_pure, is_symbolic
from . import rebuild


def fusable(node):
    """An op with an exact C form for its dtypes, pure, with one output."""
    if len(node.outputs) != 1 or not is_pure(node) or node.op.name not in elementwise.SUPPORTED:
        return False
    operand_types = [x.dtype.name for x in node.inputs]
    return elementwise.supports(node.op.name, operand_types, node.outputs[0].dtype.name)


def run(graph: Graph) -> Graph:
    from ...ops.elementwise_ops import fused_elementwise_op
    consumers = {}
    for node in graph.nodes:
        for x in node.inputs:
            if is_symbolic(x):
                consumers.setdefault(id(x), set()).add(id(node))
    outputs = {id(t) for t in graph.outputs if is_symbolic(t)}
    producer = {id(t): node for node in graph.nodes for t in node.outputs}
    candidates = {id(node) for node in graph.nodes if fusable(node)}
    position = {id(node): i for i, node in enumerate(graph.nodes)}

    replaced, absorbed = {}, set()
    for root in reversed(graph.nodes):
        if id(root) not in candidates or id(root) in absorbed:
            continue
        if small(root.outputs[0]):
            continue
        members = _grow(root, producer, consumers, outputs, candidates, absorbed, position)
        if len(members) < 2:
            continue
        absorbed.update(id(m) for m in members)
        new = fused_node(root, members, fused_elementwise_op)
        replaced[id(root)] = new
    if not replaced:
        return graph
    nodes = [replaced.get(id(n), n) for n in graph.nodes if id(n) not in absorbed or id(n) in replaced]
    return rebuild(graph, nodes)


def small(t):
    """Known to have fewer elements than a kernel call pays off for (NumPy's own calls are faster:
    a scalar learning-rate formula, a (32, 10) logits gradient)."""
    size = 1
    for d in t.shape:
        if d is None:
            return False
        size *= d
    return size < elementwise.SMALL


def _grow(root, producer, consumers, outputs, candidates, absorbed, position):
    """The nodes of the group ending at root, in graph order (root last)."""
    members = {id(root): root}
    grew = True
    while grew:
        grew = False
        for node in list(members.values()):
            for x in node.inputs:
                p = producer.get(id(x)) if is_symbolic(x) else None
                if p is None or id(p) in members or id(p) not in candidates or id(p) in absorbed:
                    continue
                if id(x) in outputs or not consumers.get(id(x), set()) <= members.keys():
                    continue
                members[id(p)] = p
                grew = True
    return sorted(members.values(), key=lambda n: position[id(n)])


def fused_node(root, members, op):
    """One fused_elementwise node computing root's output from the group's outside inputs."""
    inputs, input_index, result_index, program = [], {}, {}, []
    for node in members:
        refs = []
        for x in node.inputs:
            if id(x) in result_index:
                refs.append(result_index[id(x)])
                continue
            if id(x) not in input_index:
                input_index[id(x)] = len(inputs)
                inputs.append(x)
            refs.append(input_index[id(x)])
        attrs = tuple(sorted(node.attrs.items()))
        program.append((node.op.name, tuple(refs), attrs, node.outputs[0].dtype.name))
        result_index[id(node.outputs[0])] = -len(program)
    new = OpNode(op, tuple(inputs), {"program": tuple(program)}, name=f"fused_{root.name}")
    new.outputs = root.outputs
    return new
