"""Fusion of variable updates: an assign_sub / assign_add and the elementwise work that computes its
delta become one `fused_assign` node, which computes the new value in one pass and writes it into
the variable's own array when nobody else holds it (instead of a temporary per term and a fresh
array per step). This is the update of plain SGD, of TF1's optimizers and of hand-written training
loops; Keras's Adam and momentum SGD already build their fused update ops.

    %multiply = multiply(%lr, %grad)                    %w = fused_assign(%lr, %grad,
    %w = assign_sub_variable(%multiply, variable=w)  ->         program=[multiply, subtract], variable=w)

Runs after elementwise fusion, so the delta may be a whole fused chain. The variable's value is read
when the node runs, as the assign read it; the last instruction is the assign's own `value - delta`
(or `value + delta`), so results are the same bits.
"""
from ...backend import elementwise
from ...core.symbolic import OpNode
from ..ir import Graph
from ._rewrite import is_symbolic
from . import elementwise_fusion, rebuild

_UPDATES = {"assign_sub_variable": "subtract", "assign_add_variable": "add"}


def run(graph: Graph) -> Graph:
    from ...ops.elementwise_ops import fused_assign_op, fused_elementwise_op
    uses = {}
    for node in graph.nodes:
        for x in node.inputs:
            if is_symbolic(x):
                uses[id(x)] = uses.get(id(x), 0) + 1
    outputs = {id(t) for t in graph.outputs if is_symbolic(t)}
    producer = {id(t): node for node in graph.nodes for t in node.outputs}
    replaced, absorbed = {}, set()
    for node in graph.nodes:
        combine = _UPDATES.get(node.op.name)
        if combine is None:
            continue
        variable, delta = node.attrs["variable"], node.inputs[0]
        dtype = variable.dtype.name
        if not elementwise.supports(combine, [delta.dtype.name, dtype], dtype) or \
                tuple(delta.shape) != tuple(variable.shape) or elementwise_fusion.small(variable):
            continue  # (small variables, e.g. a metric's count: NumPy's own calls are cheaper)
        source = producer.get(id(delta)) if is_symbolic(delta) else None
        if source is not None and (uses.get(id(delta)) != 1 or id(delta) in outputs):
            source = None  # the delta is needed elsewhere: keep computing it on its own
        if source is not None and source.op is fused_elementwise_op:
            inputs, program = source.inputs, source.attrs["program"]
        elif source is not None and elementwise_fusion.fusable(source):
            chain = elementwise_fusion.fused_node(source, [source], fused_elementwise_op)
            inputs, program = chain.inputs, chain.attrs["program"]
        else:
            source, inputs, program = None, (delta,), ()
        ref = -len(program) if program else 0
        program = tuple(program) + ((combine, (len(inputs), ref), (), dtype),)  # the value comes last
        new = OpNode(fused_assign_op, inputs, {"program": program, "variable": variable},
                     name=f"fused_{node.name}")
        new.outputs = node.outputs
        replaced[id(node)] = new
        if source is not None:
            absorbed.add(id(source))
    if not replaced:
        return graph
    return rebuild(graph, [replaced.get(id(n), n) for n in graph.nodes if id(n) not in absorbed])
