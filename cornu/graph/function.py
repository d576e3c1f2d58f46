"""`cornu.function`: trace a Python function into a graph once per input signature, then run the graph.

As in TF:
- tensor arguments (and NumPy arrays) are keyed by shape and dtype, Python arguments by value, so a
  new shape, dtype or Python value traces again; a call whose shapes fit an earlier, more general
  trace (None dims) reuses it;
- Python side effects (print, list.append) happen only while tracing;
- Variables are captured by reference: read when the graph runs, written in place by `assign*`;
  variables may be created on the first call only;
- `input_signature` fixes the signature (None dims allowed); `reduce_retracing=True` relaxes the dims
  that differ from an earlier trace to None instead of tracing each shape;
- a cornu.function called while another one is traced is inlined into the outer graph; called under
  a GradientTape, its graph is replayed op by op, so the tape can differentiate it.
"""
import functools
import inspect
import warnings
import weakref

from .. import backend
from ..backend import dtypes
from ..backend.device import SLOW_PATH
from ..core import nest
from ..core import tape as _tape
from ..core.symbolic import ShapeOnly, SymbolicTensor
from ..core.tensor import Tensor, convert_to_tensor, wrap
from ..core.tensor_spec import TensorSpec
from ..core.variable import Variable
from .executor import Plan
from .ir import Graph
from .tracing import current_graph, tracing

_RUN_EAGERLY = [False]


def run_functions_eagerly(run_eagerly):
    """`cornu.config.run_functions_eagerly`: call the Python functions instead of their graphs (for
    debugging with print and .numpy()); tracing counts do not change while it is on."""
    _RUN_EAGERLY[0] = bool(run_eagerly)


def functions_run_eagerly():
    return _RUN_EAGERLY[0]


class RetracingWarning(RuntimeWarning):
    """A cornu.function keeps tracing new graphs (TF logs the same advice)."""


class InputSignatureError(TypeError, ValueError):
    """Arguments that do not fit a function's `input_signature` (TF raised ValueError before 2.13 and
    TypeError since; this is both)."""


# -- concrete functions ------------------------------------------------------------------------------

class ConcreteFunction:
    """One traced graph: call it with tensors matching its signature.

    `graph` holds the traced nodes (print it, or `graph.to_dot()`); `inputs`/`outputs` are its
    placeholders and results; `variables` the Variables it reads or writes.
    """

    def __init__(self, graph, structured_outputs, arg_structure, template, name, signature=None):
        self.graph = graph
        self.structured_outputs = structured_outputs
        self._arg_structure = arg_structure  # (args, kwargs) as traced: TensorSpecs and Python values
        self._template = template            # per flat argument: index of its placeholder, or None
        self._tensor_index = tuple(i for i, slot in enumerate(template) if slot is not None)
        self.name = name
        self._signature = signature
        self._plan = None
        self._single_output = structured_outputs is _TENSOR_SLOT
        variables, seen = [], set()
        for node in graph.nodes:
            for x in tuple(node.inputs) + tuple(node.attrs.values()):
                if isinstance(x, Variable) and id(x) not in seen:
                    seen.add(id(x))
                    variables.append(x)
        self._variables = tuple(variables)
        self._read_variables = tuple(n.inputs[0] for n in graph.nodes if n.op.name == "read_variable")

    @property
    def inputs(self):
        return list(self.graph.inputs)

    @property
    def outputs(self):
        return list(self.graph.outputs)

    @property
    def variables(self):
        return self._variables

    @property
    def trainable_variables(self):
        return tuple(v for v in self._variables if v.trainable)

    @property
    def structured_input_signature(self):
        return self._arg_structure

    def _feeds(self, args, kwargs):
        """Tensors for the placeholders from a structured call (as traced) or a flat list of tensors."""
        if self._signature is not None:
            try:
                bound = self._signature.bind(*args, **kwargs)
                bound.apply_defaults()
                args, kwargs = bound.args, bound.kwargs
            except TypeError:
                pass
        flat = nest.flatten((args, kwargs))
        if len(flat) == len(self._template):
            leaves = [flat[i] for i in self._tensor_index]
        else:
            leaves = [x for x in flat if isinstance(x, Tensor) or _is_array(x)]
        if len(leaves) != len(self.graph.inputs):
            raise TypeError(f"ConcreteFunction {self.name}: expected {len(self.graph.inputs)} tensor "
                            f"arguments, got {len(leaves)}")
        tensors = []
        for k, (leaf, p) in enumerate(zip(leaves, self.graph.inputs)):
            t = leaf if isinstance(leaf, Tensor) and not leaf._is_variable else \
                convert_to_tensor(leaf, dtype=None if isinstance(leaf, Tensor) else p.dtype)
            if t.dtype != p.dtype or not _shape_fits(t._value.shape, p._value.shape):
                raise InputSignatureError(
                    f"ConcreteFunction {self.name}: argument {k} ({p.name}) of shape {tuple(t.shape)} and "
                    f"dtype {t.dtype.name} does not match the traced signature "
                    f"{_shape_str(p._value.shape)} {p.dtype.name}")
            tensors.append(t)
        return tensors

    def __call__(self, *args, **kwargs):
        return self._call_flat(self._feeds(args, kwargs))

    def _call_flat(self, tensors):
        """Run with tensors for the placeholders (already checked), and pack the outputs."""
        if SLOW_PATH[0] and current_graph() is not None:
            values = self._replay(tensors)  # inside another trace: inline this graph into it
        elif any(type(t._value) is ShapeOnly for t in tensors):
            values = self._replay(tensors)  # Keras model building: shape inference through apply
        elif _tape.ACTIVE and self._taped(tensors):
            values = self._replay(tensors)  # run op by op so the enclosing tape records it
        else:
            plan = self._plan
            if plan is None:
                plan = self._compile()
            values = [wrap(v) for v in plan.run([t._value for t in tensors])]
        if self._single_output:
            return values[0]
        return _pack_outputs(self.structured_outputs, values)

    def _compile(self):
        from .passes import optimize
        optimized = optimize(self.graph)
        self._plan = Plan(optimized, optimized.outputs)
        return self._plan

    def _taped(self, tensors):
        """Does a recording tape watch an input or a variable the graph reads?"""
        for tape in _tape.ACTIVE:
            if not tape._recording:
                continue
            watched = tape._watched
            if any(id(t) in watched for t in tensors):
                return True
            for v in self._read_variables:
                if id(v) in watched or (v.trainable and tape._watch_accessed):
                    return True
        return False

    def _replay(self, tensors):
        """Evaluate the graph through `apply`: eagerly (every op recorded on the active tapes) or, while
        another function is traced, as nodes of that graph. Inputs the graph captured from an
        enclosing trace (closures over its tensors) map to themselves."""
        from ..core.registry import apply
        env = {id(p): t for p, t in zip(self.graph.inputs, tensors)}
        outer = current_graph() if SLOW_PATH[0] else None
        grad_of = self.graph.grad_of if outer is not None else {}
        for node in self.graph.nodes:
            args = tuple(env.get(id(x), x) if isinstance(x, SymbolicTensor) else x for x in node.inputs)
            out = apply(node.op, args, node.attrs)
            outs = out if isinstance(out, tuple) else (out,)
            for sym, real in zip(node.outputs, outs):
                env[id(sym)] = real
            if node.name in grad_of and getattr(outs[0], "node", None) is not None:
                outer.grad_of.setdefault(outs[0].node.name, grad_of[node.name])  # keep `# backward` marks
        return [env.get(id(t), t) if isinstance(t, SymbolicTensor) else t for t in self.graph.outputs]

    def pretty_printed_signature(self):
        args = ", ".join(f"{p.name}: {_shape_str(p._value.shape)} {p.dtype.name}" for p in self.graph.inputs)
        return f"{self.name}({args})"

    def __repr__(self):
        return f"<ConcreteFunction {self.pretty_printed_signature()}>"


def _shape_fits(shape, pattern):
    if len(shape) != len(pattern):
        return False
    for d, p in zip(shape, pattern):
        if p is not None and d != p:
            return False
    return True


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _pack_outputs(structure, values):
    it = iter(values)
    return nest.map_structure(lambda leaf: next(it) if leaf is _TENSOR_SLOT else leaf, structure)


class _TensorSlot:
    def __repr__(self):
        return "<tensor output>"


_TENSOR_SLOT = _TensorSlot()


# -- call signatures ---------------------------------------------------------------------------------

def _is_array(x):
    np = backend.numpy
    return isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "biufc"


def _describe(x, leaf_keys, leaves):
    """A hashable description of the structure of `x`; appends each leaf and the leaf's key (tensors:
    shape and dtype; Python values: type and value) in `nest.flatten` order."""
    cls = type(x)
    if cls is tuple or cls is list:
        return cls, tuple(_describe(item, leaf_keys, leaves) for item in x)
    if isinstance(x, dict):
        keys = sorted(x)
        return cls, tuple(keys), tuple(_describe(x[k], leaf_keys, leaves) for k in keys)
    if isinstance(x, (list, tuple)):  # namedtuples and other subclasses
        return cls, tuple(_describe(item, leaf_keys, leaves) for item in x)
    leaves.append(x)
    if isinstance(x, Tensor):
        if x._is_variable:  # captured by reference: one trace per variable, as a Python object
            leaf_keys.append(("V", id(x)))
        else:
            value = x._value
            leaf_keys.append(("T", tuple(value.shape), value.dtype))
    elif isinstance(x, TensorSpec):
        if x.shape is None:
            raise ValueError(f"{x}: cornu.function needs the rank of each TensorSpec (use None for "
                             "unknown dims, e.g. TensorSpec([None, 3]))")
        leaf_keys.append(("T", tuple(x.shape), x.dtype._np))
    elif _is_array(x):
        leaf_keys.append(("T", tuple(x.shape), x.dtype))
    else:
        try:
            hash(x)
            leaf_keys.append(("P", cls, x))
        except TypeError:  # unhashable objects: by identity (TF keys them by id as well)
            leaf_keys.append(("P", cls, ("id", id(x))))
    return None


def _group(leaf_keys):
    """The key of the traces a call could share with reduce_retracing: shapes reduced to ranks."""
    return tuple(("T", len(k[1]), k[2]) if k[0] == "T" else k for k in leaf_keys)


def _leaf_names(args, kwargs, params):
    """Readable placeholder names from parameter names: `x`, `inputs_0`, `batch_image`."""
    names = []

    def walk(x, name):
        if isinstance(x, dict):
            for k in sorted(x):
                walk(x[k], f"{name}_{k}")
        elif isinstance(x, (list, tuple)):
            for i, item in enumerate(x):
                walk(item, f"{name}_{i}")
        else:
            names.append(name)
    for i, a in enumerate(args):
        walk(a, params[i] if i < len(params) else f"args_{i - len(params)}")
    for k in sorted(kwargs):
        walk(kwargs[k], k)
    return names


class _TracingDetector:
    """TF's frequent-tracing detector: warns when 5 of the last few calls traced."""

    THRESHOLD = 5
    MAX_WARNINGS = 2

    __slots__ = ("calls_per_trace", "call_count", "warnings")

    def __init__(self):
        self.calls_per_trace = []
        self.call_count = 0
        self.warnings = 0

    def called_with_tracing(self, name):
        self.call_count += 1
        self.calls_per_trace.append(1)
        while self.calls_per_trace and self.call_count - self.calls_per_trace[0] > self.THRESHOLD:
            self.call_count -= self.calls_per_trace.pop(0)
        if self.warnings >= self.MAX_WARNINGS or len(self.calls_per_trace) < self.THRESHOLD:
            return
        self.warnings += 1
        warnings.warn(
            f"{len(self.calls_per_trace)} out of the last {self.call_count} calls to {name} triggered "
            "cornu.function retracing. Tracing is expensive and the excessive number of tracings could be "
            "due to (1) creating @cornu.function repeatedly in a loop, (2) passing tensors with different "
            "shapes, (3) passing Python objects instead of tensors. For (1), define your @cornu.function "
            "outside of the loop. For (2), @cornu.function has the reduce_retracing=True option (or give "
            "an input_signature with None dims). For (3), pass tensors (cornu.constant(...)) instead of "
            "Python numbers that change from call to call.", RetracingWarning, stacklevel=5)

    def called_without_tracing(self):
        if not self.calls_per_trace:
            self.calls_per_trace = [0]
        self.calls_per_trace[-1] += 1
        self.call_count += 1


_detectors = weakref.WeakKeyDictionary()  # per code object: a function wrapped again in a loop counts


def _detector_for(fn):
    target = fn
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    target = getattr(target, "__func__", target)
    key = getattr(target, "__code__", None)
    if key is None:
        return _TracingDetector()
    try:
        return _detectors.setdefault(key, _TracingDetector())
    except TypeError:
        return _TracingDetector()


def _safe_signature(fn):
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


# -- polymorphic functions ---------------------------------------------------------------------------

class Function:
    """A polymorphic function: one ConcreteFunction per input signature (TF's `tf.function`)."""

    def __init__(self, python_function, input_signature=None, reduce_retracing=False, jit_compile=None,
                 autograph=True, name=None, experimental_relax_shapes=None):
        if not callable(python_function):
            raise TypeError(f"cornu.function: expected a callable, got {python_function!r}")
        self.python_function = python_function
        if input_signature is not None:
            input_signature = list(input_signature)
            for spec in nest.flatten(input_signature):
                if not isinstance(spec, TensorSpec):
                    raise TypeError(f"cornu.function: input_signature must hold TensorSpecs, got {spec!r}")
                if spec.shape is None:
                    raise ValueError(f"cornu.function: {spec} in input_signature needs a rank (use None "
                                     "for unknown dims)")
        self.input_signature = input_signature
        self.reduce_retracing = bool(reduce_retracing or experimental_relax_shapes)
        self.jit_compile = jit_compile
        self._name = name or getattr(python_function, "__name__", "function")
        self._signature = _safe_signature(python_function)
        self._params, self._fast_arity = [], -1
        if self._signature is not None:
            kinds = [p.kind for p in self._signature.parameters.values()]
            self._params = [p.name for p in self._signature.parameters.values()
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if all(k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                   for k in kinds):
                self._fast_arity = len(kinds)  # calls with exactly this many positionals need no binding
        self._cache = {}     # exact call key -> ConcreteFunction
        self._groups = {}    # shapes-as-ranks key -> ConcreteFunctions traced for it (general ones too)
        self._trace_count = 0
        self._detector = _detector_for(python_function)
        functools.update_wrapper(self, python_function, updated=())

    @property
    def name(self):
        return self._name

    @property
    def function_spec(self):
        return self._signature

    def __get__(self, instance, owner):
        """Decorating a method: each instance gets its own Function (and cache), bound weakly so the
        cache does not keep the instance alive."""
        if instance is None:
            return self
        try:
            store = _bound_functions.setdefault(instance, {})
        except TypeError:  # not weak-referenceable or unhashable: a fresh Function each access
            store = None
        fn = store.get(id(self)) if store is not None else None
        if fn is None:
            method = _weak_method(self.python_function, instance) if store is not None else \
                self.python_function.__get__(instance, owner)
            fn = Function(method, self.input_signature, self.reduce_retracing, self.jit_compile,
                          name=self._name)
            if store is not None:
                store[id(self)] = fn
        return fn

    def experimental_get_tracing_count(self):
        """How many graphs this function has traced so far."""
        return self._trace_count

    def _list_all_concrete_functions(self):
        seen = []
        for group in self._groups.values():
            for c in group:
                if not any(c is s for s in seen):
                    seen.append(c)
        return seen

    # -- calls ---------------------------------------------------------------------------------------
    def _bind(self, args, kwargs):
        """Positional and keyword calls (and defaults) map to one canonical form, so they share traces."""
        if not kwargs and len(args) == self._fast_arity:
            return args, {}
        if self._signature is None:
            return args, kwargs
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self._name}(): {exc}") from None
        bound.apply_defaults()
        return bound.args, bound.kwargs

    def __call__(self, *args, **kwargs):
        if _RUN_EAGERLY[0]:
            return self.python_function(*args, **kwargs)
        args, kwargs = self._bind(args, kwargs)
        concrete, feeds = self._lookup(args, kwargs, calling=True)
        return concrete._call_flat(feeds)

    def get_concrete_function(self, *args, **kwargs):
        """The graph for these arguments (tensors, arrays or TensorSpecs, and Python values), traced now
        if no cached trace fits; with an input_signature, no arguments are needed."""
        if self.input_signature is not None and not args and not kwargs:
            args = tuple(self.input_signature)
        args, kwargs = self._bind(args, kwargs)
        return self._lookup(args, kwargs, calling=False)[0]

    def _lookup(self, args, kwargs, calling):
        """The ConcreteFunction for a call, and the tensors to feed it."""
        if self.input_signature is not None:
            return self._lookup_signature(args, kwargs, calling)
        leaf_keys, leaves = [], []
        key = (_describe((args, kwargs), leaf_keys, leaves), tuple(leaf_keys))
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._miss(key, leaf_keys, leaves, args, kwargs, calling)
        elif calling:
            self._detector.called_without_tracing()
        if not calling:
            return concrete, None
        feeds = [leaves[i] for i in concrete._tensor_index]
        for k, t in enumerate(feeds):
            if not isinstance(t, Tensor):  # NumPy array: a copy, so later changes to it are not seen
                feeds[k] = convert_to_tensor(t)
        return concrete, feeds

    def _miss(self, key, leaf_keys, leaves, args, kwargs, calling):
        group_key = (key[0], _group(leaf_keys))
        group = self._groups.setdefault(group_key, [])
        shapes = [k[1] if k[0] == "T" else None for k in leaf_keys]
        # an earlier, more general trace whose shapes fit (the most specific one wins)
        best, best_unknown = None, None
        for c in group:
            specs = [p._value.shape for p in c.graph.inputs]
            call = [s for s in shapes if s is not None]
            if all(_shape_fits(s, p) for s, p in zip(call, specs)):
                unknown = sum(d is None for p in specs for d in p)
                if best is None or unknown < best_unknown:
                    best, best_unknown = c, unknown
        if best is not None:
            self._cache[key] = best
            if calling:
                self._detector.called_without_tracing()
            return best
        if self.reduce_retracing and group:
            previous = [p._value.shape for p in group[-1].graph.inputs]
            it = iter(previous)
            shapes = [None if s is None else tuple(a if a == b else None for a, b in zip(s, next(it)))
                      for s in shapes]
        kinds = [k[2] if k[0] == "T" else None for k in leaf_keys]
        names = _leaf_names(args, kwargs, self._params)
        specs = [None if s is None else (s, dtype, getattr(leaf, "name", None)
                                         if isinstance(leaf, TensorSpec) and leaf.name else name)
                 for s, dtype, leaf, name in zip(shapes, kinds, leaves, names)]
        concrete = self._trace(args, kwargs, leaves, specs)
        if calling:
            self._detector.called_with_tracing(self._describe_self())
        group.append(concrete)
        self._cache[key] = concrete
        general = (key[0], tuple(("T", s, k[2]) if k[0] == "T" else k for s, k in zip(shapes, leaf_keys)))
        self._cache.setdefault(general, concrete)
        return concrete

    def _lookup_signature(self, args, kwargs, calling):
        """input_signature: the leading arguments must fit the specs; the rest are Python values."""
        sig = self.input_signature
        if len(args) < len(sig):
            missing = self._params[len(args):len(sig)] or [f"argument {len(args)}"]
            raise InputSignatureError(f"{self._name}: missing argument(s) {', '.join(missing)} of its "
                                      f"input_signature {sig}")
        feeds = []
        for i, (arg, spec) in enumerate(zip(args, sig)):
            param = self._params[i] if i < len(self._params) else f"argument {i}"
            self._match_spec(arg, spec, param, feeds)
        rest_args, rest_kwargs = tuple(args[len(sig):]), dict(kwargs)
        leaf_keys, leaves = [], []
        key = (_describe((rest_args, rest_kwargs), leaf_keys, leaves), tuple(leaf_keys))
        if any(k[0] == "T" for k in leaf_keys):
            raise InputSignatureError(f"{self._name}: tensor arguments beyond its input_signature {sig} "
                                      "are not allowed")
        concrete = self._cache.get(key)
        if concrete is None:
            traced_args = tuple(sig) + rest_args
            flat = nest.flatten((traced_args, rest_kwargs))
            names = _leaf_names(traced_args, rest_kwargs, self._params)
            specs = [(tuple(x.shape), x.dtype._np, x.name or name) if isinstance(x, TensorSpec) else None
                     for x, name in zip(flat, names)]
            concrete = self._trace(traced_args, rest_kwargs, flat, specs)
            if calling:
                self._detector.called_with_tracing(self._describe_self())
            self._cache[key] = concrete
            self._groups.setdefault(key, []).append(concrete)
        elif calling:
            self._detector.called_without_tracing()
        return concrete, feeds

    def _match_spec(self, arg, spec, param, feeds):
        """Walk `spec`'s structure; at each TensorSpec, the matching part of `arg` becomes one tensor
        (so a nested Python list fills one spec)."""
        if isinstance(spec, TensorSpec):
            feeds.append(self._fit_spec(arg, spec, param))
            return
        if isinstance(spec, dict) and isinstance(arg, dict) and sorted(spec) == sorted(arg):
            for k in sorted(spec):
                self._match_spec(arg[k], spec[k], f"{param}[{k!r}]", feeds)
            return
        if isinstance(spec, (list, tuple)) and isinstance(arg, (list, tuple)) and len(arg) == len(spec):
            for k, (a, s) in enumerate(zip(arg, spec)):
                self._match_spec(a, s, f"{param}[{k}]", feeds)
            return
        raise InputSignatureError(f"{self._name}: argument {param}={arg!r} does not have the structure of "
                                  f"its input_signature entry {spec}")

    def _fit_spec(self, leaf, spec, param):
        if isinstance(leaf, TensorSpec):
            if leaf.dtype != spec.dtype or leaf.shape is None or \
                    not _shape_fits(tuple(leaf.shape), tuple(spec.shape)):
                raise InputSignatureError(f"{self._name}: {leaf} for argument {param} is not compatible "
                                          f"with its input_signature entry {spec}")
            return leaf
        if isinstance(leaf, Tensor) and not leaf._is_variable:
            t = leaf
        else:
            try:
                t = convert_to_tensor(leaf, dtype=spec.dtype)
            except (TypeError, ValueError) as exc:
                raise InputSignatureError(f"{self._name}: argument {param}={leaf!r} cannot be converted "
                                          f"to its input_signature entry {spec}: {exc}") from None
        if t._value.dtype != spec.dtype._np or not _shape_fits(tuple(t._value.shape), tuple(spec.shape)):
            raise InputSignatureError(
                f"{self._name}: argument {param} of shape {_shape_str(t._value.shape)} and dtype "
                f"{t.dtype.name} is not compatible with its input_signature entry {spec}")
        return t

    def _describe_self(self):
        return f"<cornu.function {self._name}>"

    # -- tracing -------------------------------------------------------------------------------------
    def _trace(self, args, kwargs, leaves, specs):
        """Run the Python function on placeholders; returns the ConcreteFunction of the graph."""
        first = self._trace_count == 0
        created = Variable._counter[0]
        concrete = self._trace_once(args, kwargs, leaves, specs)
        if Variable._counter[0] != created:
            if not first:
                raise ValueError(
                    f"cornu.function {self._name} created a Variable while tracing a new signature (trace "
                    f"{self._trace_count + 1}): cornu.function only supports variables created on the first "
                    "call. Create them once (e.g. `if self.v is None: self.v = cornu.Variable(...)`) or "
                    "outside the function.")
            # as TF: trace again; a function that creates variables on every call is an error
            created = Variable._counter[0]
            concrete = self._trace_once(args, kwargs, leaves, specs)
            if Variable._counter[0] != created:
                raise ValueError(
                    f"cornu.function {self._name} creates a new Variable each time it runs: cornu.function "
                    "only supports singleton variables created on the first call. Make sure the Variable is "
                    "only created once (e.g. `if self.v is None: self.v = cornu.Variable(...)`) or create "
                    "it outside the function.")
        self._trace_count += 1
        return concrete

    def _trace_once(self, args, kwargs, leaves, specs):
        graph = Graph(self._name)
        symbolic, template = [], []
        for leaf, spec in zip(leaves, specs):
            if spec is None:
                symbolic.append(leaf)
                template.append(None)
            else:
                shape, dtype, name = spec
                template.append(len(graph.inputs))
                symbolic.append(graph.placeholder(shape, dtype, name))
        targs, tkwargs = nest.pack_sequence_as((args, kwargs), symbolic)
        arg_structure = nest.pack_sequence_as((args, kwargs), [
            leaf if spec is None else TensorSpec(spec[0], dtypes.from_numpy(spec[1]), spec[2])
            for leaf, spec in zip(leaves, specs)])
        # tapes recording outside see the call (replayed), not the ops of the trace
        with _tape.pause_all(), tracing(graph):
            try:
                result = self.python_function(*targs, **tkwargs)
            except Exception as exc:
                if hasattr(exc, "add_note") and not getattr(exc, "_cornu_traced", False):
                    exc.add_note(f"(raised while tracing cornu.function '{self._name}')")
                    try:
                        exc._cornu_traced = True
                    except AttributeError:
                        pass
                raise
            outputs = []

            def collect(leaf):
                if isinstance(leaf, Tensor):
                    if leaf._is_variable:
                        leaf = graph.read_variable(leaf)
                    outputs.append(leaf)
                    return _TENSOR_SLOT
                return leaf
            structure = nest.map_structure(collect, result) if result is not None else None
        graph.outputs = outputs
        return ConcreteFunction(graph, structure, arg_structure, template, self._name, self._signature)

    def __repr__(self):
        return f"<cornu.function {self._name}: {self._trace_count} trace(s)>"


_bound_functions = weakref.WeakKeyDictionary()


def _weak_method(func, instance):
    """`func` bound to `instance` through a weak reference."""
    ref = weakref.ref(instance)

    def method(*args, **kwargs):
        obj = ref()
        if obj is None:
            raise ReferenceError(f"the object {func.__name__} was bound to no longer exists")
        return func(obj, *args, **kwargs)
    functools.update_wrapper(method, func)
    sig = _safe_signature(func)
    if sig is not None:
        params = list(sig.parameters.values())
        method.__signature__ = sig.replace(parameters=params[1:]) if params else sig
    return method


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
    graph f(%x: float32[]) {
    ...
    """
    def decorate(fn):
        return Function(fn, input_signature=input_signature, reduce_retracing=reduce_retracing,
                        jit_compile=jit_compile, autograph=autograph, name=name,
                        experimental_relax_shapes=experimental_relax_shapes)
    return decorate if func is None else decorate(func)
