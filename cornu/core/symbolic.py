"""Symbolic tensors: a shape and dtype with no value yet, and the node that will produce it.

Ops applied to symbolic tensors do not run: `apply` asks the op's shape rule for the output specs and
returns new symbolic tensors that remember (op, inputs, attrs). The Keras functional API builds models
from them, and replaying the recorded nodes on real tensors runs the model.
"""
from ..backend import dtypes
from .tensor import Tensor


class ShapeOnly:
    """Stands in for a backend array whose values are unknown. Any attempt to compute with it raises
    TypeError, which is how `apply` notices a symbolic input without slowing down eager calls."""

    __slots__ = ("shape", "dtype")
    __array_ufunc__ = None

    def __init__(self, shape, dtype):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        n = 1
        for d in self.shape:
            if d is None:
                return None
            n *= d
        return n

    def __array__(self, *args, **kwargs):
        raise TypeError("a symbolic tensor has no value")

    def __getattr__(self, name):
        raise TypeError(f"a symbolic tensor has no value (attribute {name!r})")


class OpNode:
    """An op applied to symbolic inputs. Also usable as a tape record (rule, needs), so the same
    backprop engine differentiates graphs."""

    __slots__ = ("op", "inputs", "attrs", "outputs", "needs", "name")

    def __init__(self, op, inputs, attrs, name=None):
        self.op, self.inputs, self.attrs, self.outputs = op, tuple(inputs), attrs, ()
        self.needs = ()
        self.name = name or op.name

    @property
    def rule(self):
        return self.op.grad

    def run(self, values, training=None):
        """Apply the op to real tensors (given in the order of self.inputs)."""
        from .registry import apply
        out = apply(self.op, tuple(values), self.attrs)
        return out if isinstance(out, tuple) else (out,)

    def __repr__(self):
        return f"<OpNode {self.name}>"


class SymbolicTensor(Tensor):
    """A tensor in a model under construction: known shape (None for the batch and other unknown
    dims) and dtype, and `node`, the op or layer call that produces it."""

    __slots__ = ("node", "index", "_name", "graph")

    def __init__(self, shape, dtype, node=None, index=0, name=None):
        self._value = ShapeOnly(shape, dtypes.as_dtype(dtype)._np)
        self.node, self.index, self._name = node, index, name
        self.graph = None  # the traced graph it belongs to (None for Keras model building)
        self._keras_mask = None

    @property
    def name(self):
        return self._name

    def numpy(self):
        raise TypeError(f"{self!r} is symbolic: it has no value until the model it belongs to runs on "
                        "real data (call the model, or use model.predict)")

    def __array__(self, dtype=None, copy=None):
        self.numpy()

    def __bool__(self):
        raise TypeError(f"{self!r} is symbolic and cannot be used as a Python bool (use cornu.where or "
                        "cornu.cond-style ops)")

    def __len__(self):
        if not self._value.shape or self._value.shape[0] is None:
            raise TypeError(f"len() of {self!r} is unknown")
        return self._value.shape[0]

    def __iter__(self):
        raise TypeError(f"{self!r} is symbolic and cannot be iterated")

    def __repr__(self):
        name = f", name={self._name}" if self._name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}{name}>"

    __str__ = __repr__


def is_symbolic(x):
    return isinstance(x, SymbolicTensor)


def is_keras_tensor(x):
    """A symbolic tensor of a Keras model under construction (not a value inside a traced function,
    which layers must compute with like a real tensor)."""
    return isinstance(x, SymbolicTensor) and x.graph is None


def apply_symbolic(op, inputs, attrs):
    """Shape inference instead of computation: new symbolic outputs from the op's shape rule."""
    specs = op.shape(*inputs, **attrs)
    single = not (isinstance(specs, tuple) and not hasattr(specs, "shape"))
    node = OpNode(op, inputs, attrs)
    outs = tuple(SymbolicTensor(s.shape, s.dtype, node, i) for i, s in enumerate((specs,) if single else specs))
    node.outputs = outs
    return outs[0] if single else outs
