"""A cornu graph as a TensorFlow GraphDef proto, for TensorBoard's graph tab.

Placeholders become `Placeholder` nodes, Variables `VarHandleOp` nodes named by the variable (so a
Keras layer's weights `dense/kernel`, `dense/bias` group under `dense`), captured constants `Const`
nodes (small ones with their value), and each op node a node whose `op` is the cornu op name, whose
`input`s are the edges (`name` or `name:i` for output i; Variables an op writes or updates are inputs
too; reads are named `<variable>/read` and writes `<variable>/<op>`, as in TF1 graphs) and whose attributes are its output dtype `T`, its output shapes `_output_shapes` (TensorBoard
labels edges with them) and its plain attributes. Nodes a gradient computation added are put under
`gradient_tape/` (as TF names them), so TensorBoard folds the backward pass into one box; a function's
results are `Identity` nodes, as in TF function graphs.
"""
import re

from .. import backend
from ..core.symbolic import SymbolicTensor
from ..core.tensor import Tensor
from ._tb import tb

_DT = {"float16": "DT_HALF", "bfloat16": "DT_BFLOAT16", "float32": "DT_FLOAT", "float64": "DT_DOUBLE",
       "int8": "DT_INT8", "int16": "DT_INT16", "int32": "DT_INT32", "int64": "DT_INT64",
       "uint8": "DT_UINT8", "uint16": "DT_UINT16", "uint32": "DT_UINT32", "uint64": "DT_UINT64",
       "bool": "DT_BOOL", "complex64": "DT_COMPLEX64", "complex128": "DT_COMPLEX128"}
_BAD = re.compile(r"[^A-Za-z0-9_.\-/>]")
SMALL_CONSTANT = 16  # constants with at most this many elements carry their value


def datatype(dtype):
    """The TF DataType enum value of a cornu DType (DT_INVALID if TF has none)."""
    return tb.types_pb2.DataType.Value(_DT.get(getattr(dtype, "name", str(dtype)), "DT_INVALID"))


def _shape_proto(shape):
    dims = [tb.tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else int(d)) for d in shape]
    return tb.tensor_shape_pb2.TensorShapeProto(dim=dims)


def _output_shapes(tensors):
    av = tb.attr_value_pb2.AttrValue
    return av(list=av.ListValue(shape=[_shape_proto(tuple(t.shape)) for t in tensors]))


def _attr(value):
    """An AttrValue for a plain attribute (None when it has no sensible one)."""
    av = tb.attr_value_pb2.AttrValue
    np = backend.numpy
    if value is None or getattr(value, "_is_variable", False):
        return None
    if isinstance(value, (bool, np.bool_)):
        return av(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return av(i=int(value))
    if isinstance(value, (float, np.floating)):
        return av(f=float(value))
    if isinstance(value, str):
        return av(s=value.encode())
    if isinstance(value, bytes):
        return av(s=value)
    if type(value).__name__ == "DType" and hasattr(value, "name"):
        return av(type=datatype(value))
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
            return av(list=av.ListValue(i=[int(v) for v in value]))
        if all(isinstance(v, (float, np.floating)) for v in value):
            return av(list=av.ListValue(f=[float(v) for v in value]))
    text = repr(value)
    return av(s=(text if len(text) <= 200 else text[:197] + "...").encode())


def _sanitize(name):
    name = _BAD.sub("_", str(name)).strip("/")
    name = re.sub("/+", "/", name)
    return name or "node"


class _Names:
    """Unique node names within one GraphDef (TF style: `add`, `add_1`, ...)."""

    def __init__(self):
        self.used = set()

    def __call__(self, base):
        base = _sanitize(base)
        name, k = base, 0
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name


def graph_to_graph_def(graph, prefix="", names=None, graph_def=None):
    """The GraphDef of a cornu graph (`cornu.graph.ir.Graph`, which a compat.v1 Graph also is)."""
    gd = graph_def if graph_def is not None else tb.graph_pb2.GraphDef()
    names = names if names is not None else _Names()
    prefix = f"{_sanitize(prefix)}/" if prefix else ""
    av = tb.attr_value_pb2.AttrValue
    tensor_names = {}   # id(symbolic tensor) -> "node" or "node:i"
    variable_nodes = {}  # id(Variable) -> node name
    grad_of = getattr(graph, "grad_of", {}) or {}

    def add_node(name, op, inputs=(), **attrs):
        node = gd.node.add(name=name, op=op)
        node.input.extend(inputs)
        for key, value in attrs.items():
            if value is not None:
                node.attr[key].CopyFrom(value)
        return node

    def variable(v):
        if id(v) not in variable_nodes:
            base = getattr(v, "_name", None) or str(getattr(v, "name", "Variable")).split(":")[0]
            name = names(prefix + base)
            variable_nodes[id(v)] = name
            add_node(name, "VarHandleOp", dtype=av(type=datatype(v.dtype)), shape=av(shape=_shape_proto(v.shape)),
                     _output_shapes=_output_shapes([v]))
        return variable_nodes[id(v)]

    def constant(t):
        name = names(prefix + "Const")
        value = backend.to_numpy(t._value)
        if value.size <= SMALL_CONSTANT and value.dtype.kind in "biufc":
            proto = tb.tensor_util.make_tensor_proto(value)
        else:
            proto = tb.tensor_pb2.TensorProto(dtype=datatype(t.dtype), tensor_shape=_shape_proto(value.shape))
        add_node(name, "Const", dtype=av(type=datatype(t.dtype)), value=av(tensor=proto),
                 _output_shapes=_output_shapes([t]))
        return name

    def source(x):
        if isinstance(x, SymbolicTensor):
            return tensor_names.get(id(x))
        if getattr(x, "_is_variable", False):
            return variable(x)
        if isinstance(x, Tensor):
            return constant(x)
        return None

    for t in graph.inputs:
        name = names(prefix + (t.name or "input"))
        tensor_names[id(t)] = name
        add_node(name, "Placeholder", dtype=av(type=datatype(t.dtype)), shape=av(shape=_shape_proto(t.shape)),
                 _output_shapes=_output_shapes([t]))
    for node in graph.nodes:
        inputs = [s for s in (source(x) for x in node.inputs) if s is not None]
        attrs = {}
        for key, value in node.attrs.items():
            if getattr(value, "_is_variable", False):
                inputs.append(variable(value))  # the variable this node writes (or updates)
                continue
            attr = _attr(value)
            if attr is not None:
                attrs[key] = attr
        name = names(_node_name(node, prefix, grad_of, variable))
        outs = [t for t in node.outputs if isinstance(t, Tensor)]
        proto = add_node(name, node.op.name, inputs,
                         T=av(type=datatype(outs[0].dtype)) if outs else None,
                         _output_shapes=_output_shapes(outs) if outs else None)
        for key, attr in attrs.items():
            proto.attr[key].CopyFrom(attr)
        for i, t in enumerate(node.outputs):
            tensor_names[id(t)] = name if i == 0 else f"{name}:{i}"
    for t in getattr(graph, "outputs", None) or ():
        src = source(t)
        if src is not None:
            add_node(names(prefix + "Identity"), "Identity", [src], T=av(type=datatype(t.dtype)),
                     _output_shapes=_output_shapes([t]))
    return gd


def _node_name(node, prefix, grad_of, variable):
    """A read of a variable is `<variable>/read` and a write `<variable>/<op>` (TF1's naming), so a
    Keras layer's weights, their reads and their updates fold into one box named after the layer;
    nodes a gradient computation added go under `gradient_tape/`."""
    target = node.inputs[0] if node.op.name == "read_variable" and node.inputs else node.attrs.get("variable")
    if getattr(target, "_is_variable", False):
        return f"{variable(target)}/{'read' if node.op.name == 'read_variable' else node.op.name}"
    scope = "gradient_tape/" if node.name in grad_of else ""
    return prefix + scope + node.name


def to_graph_def(graph_data):
    """A GraphDef from a cornu graph, a ConcreteFunction (its graph), a Function traced once, a GraphDef
    proto, or serialized GraphDef bytes."""
    gd_type = tb.graph_pb2.GraphDef
    if isinstance(graph_data, gd_type):
        return graph_data
    if isinstance(graph_data, (bytes, bytearray)):
        return gd_type.FromString(bytes(graph_data))
    if hasattr(graph_data, "SerializeToString") and type(graph_data).__name__ == "GraphDef":
        return gd_type.FromString(graph_data.SerializeToString())  # another copy of the proto classes
    if hasattr(graph_data, "graph") and hasattr(graph_data.graph, "nodes"):
        graph_data = graph_data.graph  # a ConcreteFunction
    elif hasattr(graph_data, "_list_all_concrete_functions"):  # a cornu.function: its traces
        concretes = graph_data._list_all_concrete_functions()
        if not concretes:
            raise ValueError(f"{graph_data!r} has not been traced yet: call it (or get_concrete_function) "
                             "before writing its graph")
        return merge([c.graph for c in concretes], [c.name for c in concretes])
    if hasattr(graph_data, "nodes") and hasattr(graph_data, "inputs"):
        return graph_to_graph_def(graph_data)
    raise TypeError(f"cannot write {type(graph_data).__name__} as a graph: expected a cornu graph, a "
                    "ConcreteFunction or a GraphDef")


def merge(graphs, prefixes):
    """One GraphDef holding several graphs, each under its own prefix (unprefixed when only one)."""
    gd, names, scopes = tb.graph_pb2.GraphDef(), _Names(), _Names()
    for graph, prefix in zip(graphs, prefixes):
        graph_to_graph_def(graph, scopes(prefix) if len(graphs) > 1 else "", names, gd)
    return gd


def to_graph_def_bytes(graph_data):
    return to_graph_def(graph_data).SerializeToString()
