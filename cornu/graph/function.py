"""`cornu.function`: trace a Python function into a graph once per input signature, then run the graph.

As in TF: tensor arguments are keyed by shape and dtype, Python arguments by value; Python side
effects happen only while tracing; Variables are captured by reference (read when the graph runs,
written in place by `assign*`); `input_signature` fixes the signature (None dims allowed) and
`reduce_retracing` relaxes differing dims to None instead of tracing again.
"""
import functools
import inspect
import warnings
import weakref

from .. import backend
from ..core import nest
from ..core import tape as _tape
from ..core.shape import TensorShape
from ..core.symbolic import SymbolicTensor
from ..core.tensor import Tensor, convert_to_tensor, wrap
from ..core.tensor_spec import TensorSpec
from .executor import Plan
from .ir import Graph
from .tracing import tracing

_RETRACE_WARNING_AT = 5


class ConcreteFunction:
    """One traced graph: call it with tensors matching its signature."""

    def __init__(self, graph, structured_outputs, arg_template, name):
        self.graph = graph
        self.structured_outputs = structured_outputs
        self._arg_template = arg_template  # flattened args: ("tensor", index) or ("python", value)
        self.name = name
        self._plan = None

    @property
    def inputs(self):
        return list(self.graph.inputs)

    @property
    def outputs(self):
        return list(self.graph.outputs)

    def _feeds(self, args, kwargs):
        flat = nest.flatten((args, kwargs))
        tensors = []
        for leaf, (kind, _) in zip(flat, self._arg_template):
            if kind == "tensor":
                tensors.append(leaf if isinstance(leaf, Tensor) else convert_to_tensor(leaf))
        return tensors

    def __call__(self, *args, **kwargs):
        tensors = self._feeds(args, kwargs)
        if len(tensors) != len(self.graph.inputs):
            raise TypeError(f"{self.name}: expected {len(self.graph.inputs)} tensor arguments, got {len(tensors)}")
        for t, p in zip(tensors, self.graph.inputs):
            if t.dtype != p.dtype or not TensorShape(p.shape).is_compatible_with(t.shape):
                raise ValueError(f"{self.name}: argument of shape {tuple(t.shape)} and dtype {t.dtype.name} "
                                 f"does not match the traced signature {tuple(p.shape)} {p.dtype.name}")
        if _tape.ACTIVE and _tape_watches(tensors, self.graph):
            values = self._replay(tensors)  # run op by op so the enclosing tape records it
        else:
            if self._plan is None:
                from .passes import optimize
                optimized = optimize(self.graph)
                self._plan = Plan(optimized, optimized.outputs)
            values = [wrap(v) for v in self._plan.run([t._value for t in tensors])]
        return _pack_outputs(self.structured_outputs, values)

    def _replay(self, tensors):
        """Evaluate the graph eagerly through `apply`, which records every op on active tapes."""
        from ..core.registry import apply
        env = {id(p): t for p, t in zip(self.graph.inputs, tensors)}
        for node in self.graph.nodes:
            args = tuple(env[id(x)] if isinstance(x, SymbolicTensor) else x for x in node.inputs)
            out = apply(node.op, args, node.attrs)
            for sym, real in zip(node.outputs, out if isinstance(out, tuple) else (out,)):
                env[id(sym)] = real
        return [env[id(t)] if isinstance(t, SymbolicTensor) else t for t in self.graph.outputs]

    def __repr__(self):
        return f"<ConcreteFunction {self.name} {[(tuple(p.shape), p.dtype.name) for p in self.graph.inputs]}>"


def _tape_watches(tensors, graph):
    watched = set()
    for tape in _tape.ACTIVE:
        watched |= tape._watched
    if any(id(t) in watched for t in tensors):
        return True
    return any(node.op.name == "read_variable" and (
        node.inputs[0].trainable or id(node.inputs[0]) in watched) for node in graph.nodes)


def _pack_outputs(structure, values):
    it = iter(values)
    return nest.map_structure(lambda leaf: next(it) if leaf is _TENSOR_SLOT else leaf, structure)


class _TensorSlot:
    def __repr__(self):
        return "<tensor output>"


_TENSOR_SLOT = _TensorSlot()


class Function:
    """A polymorphic function: one ConcreteFunction per input signature (TF's `tf.function`)."""

    def __init__(self, python_function, input_signature=None, reduce_retracing=False, jit_compile=None,
                 autograph=True, name=None, experimental_relax_shapes=None):
        self.python_function = python_function
        self.input_signature = None if input_signature is None else list(input_signature)
        self.reduce_retracing = bool(reduce_retracing or experimental_relax_shapes)
        self._name = name or getattr(python_function, "__name__", "function")
        self._cache = {}
        self._relaxed = {}  # structure key -> shapes seen, for reduce_retracing
        self._trace_count = 0
        functools.update_wrapper(self, python_function)

    def __get__(self, instance, owner):
        """Decorating a method: each instance gets its own bound Function (and cache)."""
        if instance is None:
            return self
        bound = _bound_functions.setdefault(instance, {}) if _weakrefable(instance) else None
        if bound is not None and id(self) in bound:
            return bound[id(self)]
        fn = Function(self.python_function.__get__(instance, owner), self.input_signature,
                      self.reduce_retracing, name=self._name)
        if bound is not None:
            bound[id(self)] = fn
        return fn

    def experimental_get_tracing_count(self):
        return self._trace_count

    # -- signatures ----------------------------------------------------------------------------------
    def _canonical(self, args, kwargs):
        """Bind arguments to the signature so positional and keyword calls share a cache entry."""
        try:
            sig = inspect.signature(self.python_function)
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            return tuple(bound.args), dict(bound.kwargs)
        except (TypeError, ValueError):
            return args, kwargs

    def _key(self, args, kwargs):
        flat = nest.flatten((args, kwargs))
        structure = nest.map_structure(lambda _: 0, (args, kwargs))
        parts = []
        for leaf in flat:
            if isinstance(leaf, TensorSpec):
                parts.append(("T", tuple(leaf.shape) if leaf.shape is not None else None, leaf.dtype.name))
            elif isinstance(leaf, Tensor) and not getattr(leaf, "_is_variable", False):
                parts.append(("T", tuple(leaf.shape), leaf.dtype.name))
            elif _is_array(leaf):
                arr = backend.numpy.asarray(leaf) if not isinstance(leaf, Tensor) else leaf
                parts.append(("T", tuple(arr.shape), str(convert_to_tensor(arr).dtype.name)))
            else:
                parts.append(("P", _hashable(leaf)))
        return repr(structure), tuple(parts)

    def _specs_for(self, args, kwargs):
        if self.input_signature is None:
            return args, kwargs
        flat_sig = nest.flatten(self.input_signature)
        flat_args = nest.flatten(args)
        if len(flat_args) != len(flat_sig) or kwargs:
            raise TypeError(f"{self._name}: called with {len(flat_args)} positional tensors (and "
                            f"{len(kwargs)} keyword arguments) but its input_signature has {len(flat_sig)}")
        for a, spec in zip(flat_args, flat_sig):
            t = a if isinstance(a, Tensor) else convert_to_tensor(a, dtype=spec.dtype)
            if not spec.is_compatible_with(t):
                raise ValueError(f"{self._name}: argument of shape {tuple(t.shape)} and dtype {t.dtype.name} "
                                 f"is not compatible with the input_signature entry {spec}")
        return nest.pack_sequence_as(args, flat_sig), {}

    # -- tracing -------------------------------------------------------------------------------------
    def get_concrete_function(self, *args, **kwargs):
        """The graph for these arguments (tensors or TensorSpecs), traced now if it is not cached."""
        if self.input_signature is not None and not args and not kwargs:
            args = tuple(self.input_signature)
        args, kwargs = self._canonical(args, kwargs)
        args, kwargs = self._specs_for(args, kwargs)
        structure, key = self._key(args, kwargs)
        concrete = self._cache.get((structure, key))
        if concrete is None:
            if self.reduce_retracing:
                args, kwargs, key = self._relax(structure, key, args, kwargs)
                concrete = self._cache.get((structure, key))
            if concrete is None:
                concrete = self._trace(args, kwargs)
                self._cache[(structure, key)] = concrete
        return concrete

    def _relax(self, structure, key, args, kwargs):
        """reduce_retracing: dims that differ from an earlier trace become None."""
        seen = self._relaxed.get(structure)
        if seen is None or len(seen) != len(key):
            self._relaxed[structure] = key
            return args, kwargs, key
        merged = []
        for new, old in zip(key, seen):
            if new[0] == "T" and old[0] == "T" and new[2] == old[2] and new[1] is not None and \
                    old[1] is not None and len(new[1]) == len(old[1]):
                merged.append(("T", tuple(a if a == b else None for a, b in zip(new[1], old[1])), new[2]))
            else:
                merged.append(new)
        merged = tuple(merged)
        self._relaxed[structure] = merged
        flat = nest.flatten((args, kwargs))
        relaxed = [TensorSpec(m[1], m[2]) if m[0] == "T" else leaf for leaf, m in zip(flat, merged)]
        args, kwargs = nest.pack_sequence_as((args, kwargs), relaxed)
        return args, kwargs, merged

    def _trace(self, args, kwargs):
        self._trace_count += 1
        if self._trace_count == _RETRACE_WARNING_AT:
            warnings.warn(f"cornu.function {self._name} has been traced {self._trace_count} times: each new "
                          "input shape, dtype or Python argument value traces again. Pass tensors instead "
                          "of Python numbers, use input_signature=..., or reduce_retracing=True.",
                          RuntimeWarning, stacklevel=4)
        graph = Graph(self._name)
        flat = nest.flatten((args, kwargs))
        template, symbolic = [], []
        for i, leaf in enumerate(flat):
            if isinstance(leaf, TensorSpec):
                symbolic.append(graph.placeholder(leaf.shape, leaf.dtype, leaf.name or f"arg{i}"))
                template.append(("tensor", i))
            elif isinstance(leaf, Tensor) and not getattr(leaf, "_is_variable", False) or _is_array(leaf):
                t = leaf if isinstance(leaf, Tensor) else convert_to_tensor(leaf)
                symbolic.append(graph.placeholder(tuple(t.shape), t.dtype, f"arg{i}"))
                template.append(("tensor", i))
            else:
                symbolic.append(leaf)
                template.append(("python", leaf))
        targs, tkwargs = nest.pack_sequence_as((args, kwargs), symbolic)
        with tracing(graph):
            result = self.python_function(*targs, **tkwargs)
            outputs = []

            def collect(leaf):
                if isinstance(leaf, Tensor):
                    if getattr(leaf, "_is_variable", False):
                        leaf = graph.read_variable(leaf)
                    outputs.append(leaf)
                    return _TENSOR_SLOT
                return leaf
            structure = nest.map_structure(collect, result) if result is not None else None
        graph.outputs = outputs
        return ConcreteFunction(graph, structure, template, self._name)

    def __call__(self, *args, **kwargs):
        args, kwargs = self._canonical(args, kwargs)
        concrete = self.get_concrete_function(*args, **kwargs)
        if self.input_signature is not None:
            return concrete(*args)
        return concrete(*args, **kwargs)

    def __repr__(self):
        return f"<cornu.function {self._name}: {len(self._cache)} traced signature(s)>"


_bound_functions = weakref.WeakKeyDictionary()


def _weakrefable(obj):
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False


def _is_array(x):
    np = backend.numpy
    return isinstance(x, np.ndarray)


def _hashable(value):
    try:
        hash(value)
        return value
    except TypeError:
        return ("id", id(value))


def function(func=None, input_signature=None, autograph=True, jit_compile=None, reduce_retracing=False,
             experimental_relax_shapes=None, name=None, **kwargs):
    """`cornu.function`: decorator or wrapper that traces `func` into a graph (TF's `tf.function`).

    >>> import cornu as tf
    >>> @tf.function
    ... def f(x):
    ...     return x * x + 1.0
    >>> float(f(tf.constant(3.0)))
    10.0
    >>> print(f.get_concrete_function(tf.TensorSpec([], tf.float32)).graph)  # doctest: +ELLIPSIS
    graph f(%arg0: float32[]) {
    ...
    """
    def decorate(fn):
        return Function(fn, input_signature=input_signature, reduce_retracing=reduce_retracing,
                        jit_compile=jit_compile, autograph=autograph, name=name,
                        experimental_relax_shapes=experimental_relax_shapes)
    return decorate if func is None else decorate(func)
