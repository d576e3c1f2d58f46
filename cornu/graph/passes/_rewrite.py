"""What the standard passes share: classifying a node's inputs and attributes, and rewriting a node
list in one forward sweep while substituting tensors (the input graph and its nodes are never touched).

A rewritten node is a new OpNode whose `outputs` are the old node's SymbolicTensor objects, so later
nodes and the graph's outputs keep referring to them; substituting tensor `a` by `b` maps the inputs of
every later node and the graph outputs.
"""
from ... import backend
from ...backend import dtypes
from ...core.symbolic import OpNode, ShapeOnly, SymbolicTensor
from ...core.tensor import Tensor
from . import rebuild

# Stateful ops whose only effect is to observe state: a node of these may go when nothing uses it
# (DCE). Random draws are not here: each advances a generator, so dropping one would change every
# later draw. Everything else stateful (assigns, optimizer updates) writes state.
EFFECT_FREE_STATEFUL = frozenset({"read_variable"})


def is_symbolic(x):
    return isinstance(x, SymbolicTensor)


def is_constant(x):
    """A captured concrete Tensor (not a Variable, not a placeholder or node output)."""
    return (isinstance(x, Tensor) and not isinstance(x, SymbolicTensor) and not x._is_variable
            and type(x._value) is not ShapeOnly)


class Opaque(Exception):
    """An attribute value that is not plain data (a Variable, a random stream, a callable...)."""


def attr_key(value):
    """A hashable key, equal for equal plain-data attribute values: typed (1, 1.0 and True differ),
    floats by their bits (0.0 and -0.0 differ), arrays by dtype, shape and bytes. Raises Opaque for
    anything else."""
    t = type(value)
    if value is None or value is Ellipsis or t in (bool, int, str, bytes):
        return (t.__name__, value)
    if t is float:
        return ("float", value.hex())
    if t is complex:
        return ("complex", value.real.hex(), value.imag.hex())
    if t in (tuple, list):
        return (t.__name__,) + tuple(attr_key(v) for v in value)
    if t is slice:
        return ("slice", attr_key(value.start), attr_key(value.stop), attr_key(value.step))
    if t is dict:
        return ("dict",) + tuple(sorted((repr(k), attr_key(v)) for k, v in value.items()))
    if t is dtypes.DType:
        return ("DType", value.name)
    np = backend.numpy  # NumPy metadata and host arrays (attributes are small and live on the host)
    if isinstance(value, np.dtype):
        return ("np.dtype", value.str)
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biufcmM":
        return ("np", value.dtype.str, value.shape, value.tobytes())
    if hasattr(value, "__cuda_array_interface__"):  # a GPU index array: data, equal only to itself
        return ("device array", id(value))
    raise Opaque(t.__name__)


def plain_attrs(node):
    """True when every attribute is plain data (see attr_key)."""
    try:
        attr_key(node.attrs)
    except Opaque:
        return False
    return True


def is_pure(node):
    """May be folded, merged or dropped: not stateful and holding no objects with state of their own
    in its attributes. (Conservative: an op that draws from a stream passed as an attribute but is
    not declared stateful is still treated as having effects.)"""
    return not node.op.stateful and plain_attrs(node)


def has_effects(node):
    """Must run even when nothing uses its outputs: writes and random draws (see EFFECT_FREE_STATEFUL)."""
    if node.op.stateful:
        return node.op.name not in EFFECT_FREE_STATEFUL
    return not plain_attrs(node)


def spec_of(x):
    """(shape tuple with None for unknown dims, DType) of a symbolic or concrete tensor."""
    return tuple(x.shape), x.dtype


def same_spec(a, b):
    return spec_of(a) == spec_of(b)


def clone(node, inputs, attrs=None):
    """A new node like `node` with other inputs (and attrs), producing the same output tensors."""
    new = OpNode(node.op, inputs, node.attrs if attrs is None else attrs, node.name)
    new.outputs = node.outputs
    new.needs = node.needs
    return new


class Rewriter:
    """Builds the rewritten node list: visit the nodes in order, `resolve` each node's inputs, then
    `keep` it (rewritten when its inputs changed), `replace` its outputs by other tensors or values,
    and `finish` into a new Graph."""

    def __init__(self, graph):
        self.graph = graph
        self.nodes = []
        self.env = {}        # id(old SymbolicTensor) -> what replaces it
        self.producer = {}   # id(SymbolicTensor) -> the node of the new graph that computes it

    def sub(self, x):
        return self.env.get(id(x), x) if isinstance(x, SymbolicTensor) else x

    def resolve(self, node):
        """`node` with substituted inputs (the same node when nothing changed)."""
        if not self.env:
            return node
        inputs = tuple(self.sub(x) for x in node.inputs)
        if all(a is b for a, b in zip(inputs, node.inputs)):
            return node
        return clone(node, inputs)

    def keep(self, node):
        self.nodes.append(node)
        for t in node.outputs:
            self.producer[id(t)] = node
        return node

    def replace(self, old, new):
        """Later uses of tensor `old` become `new` (a tensor of the new graph or a captured value)."""
        self.env[id(old)] = new

    def finish(self):
        return rebuild(self.graph, self.nodes, [self.sub(t) for t in self.graph.outputs])
