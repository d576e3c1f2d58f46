"""Fused elementwise kernels: a straight-line program of elementwise ops compiled into one C loop.

NumPy evaluates `dy * cast(y > 0)` in three passes with two full-size temporaries; the kernel for
that program reads dy and y once and writes the result once. The graph pass
`graph/passes/elementwise_fusion.py` builds the programs; the `fused_elementwise` op runs them here,
or op by op in NumPy when this module declines (no compiler, small arrays, unusual layouts).

A program is a tuple of instructions `(op_name, refs, attrs, dtype)`: `refs` index the kernel's
inputs (k >= 0) or earlier instructions' results (-1 is the first instruction, -2 the second...),
`attrs` are the op's attributes as sorted (key, value) pairs, `dtype` is the result's dtype name. The
last instruction's result is the output. Inputs broadcast against each other as in NumPy.

Only ops whose C form is exactly the IEEE operation NumPy performs are supported (+ - * /, sqrt,
comparisons, max/min/relu with NaN propagating, select, casts among float32/float64/bool), so a
kernel's result equals the op-by-op result bit for bit (tested).
"""
import math

import numpy as np

from . import cjit

_C_TYPE = {"float32": "float", "float64": "double", "bool": "unsigned char"}  # in memory
# In registers a bool is an int (0 or 1): with 1-byte values among floats GCC does not vectorize the loop.
_REG_TYPE = {"float32": "float", "float64": "double", "bool": "int"}
_FLOATS = ("float32", "float64")
MAX_DIMS = 8  # after merging dimensions; more (rare) goes op by op
SMALL = 1 << 12  # below this many elements the ctypes call costs more than it saves
PARALLEL_MIN = 1 << 21  # as for the optimizer kernels (kernels.PARALLEL_MIN)


# op name -> C expression over the operand names {0}, {1}, {2} (sqrt and cast depend on the types)
_ARITH = {"add": "{0} + {1}", "subtract": "{0} - {1}", "multiply": "{0} * {1}", "divide": "{0} / {1}",
          # NumPy's maximum/minimum/relu: a NaN wins (C's comparison alone would drop it), and of two
          # equal values (0.0 and -0.0) the second is returned
          "maximum": "(({0} > {1}) || ({0} != {0})) ? {0} : {1}",
          "minimum": "(({0} < {1}) || ({0} != {0})) ? {0} : {1}"}
_UNARY_FLOAT = {"negative": "-{0}", "square": "{0} * {0}", "relu": "(({0} > 0) || ({0} != {0})) ? {0} : 0"}
_COMPARE = {"greater": "{0} > {1}", "greater_equal": "{0} >= {1}", "less": "{0} < {1}",
            "less_equal": "{0} <= {1}", "equal": "{0} == {1}", "not_equal": "{0} != {1}"}
_LOGICAL = {"logical_and": "{0} && {1}", "logical_or": "{0} || {1}", "logical_xor": "{0} != {1}",
            "logical_not": "!{0}"}
_EXPRESSION = {**_ARITH, **_UNARY_FLOAT, **_COMPARE, **_LOGICAL, "select": "{0} ? {1} : {2}"}

SUPPORTED = frozenset(_EXPRESSION) | {"sqrt", "cast"}


def supports(op_name, operand_dtypes, result_dtype):
    """True when the op with these operand and result dtype names has an exact C form here."""
    types = tuple(operand_dtypes)
    if op_name not in SUPPORTED or result_dtype not in _C_TYPE or any(t not in _C_TYPE for t in types):
        return False
    if op_name in _ARITH:
        return len(types) == 2 and types[0] == types[1] == result_dtype and result_dtype in _FLOATS
    if op_name in _UNARY_FLOAT or op_name == "sqrt":
        return types == (result_dtype,) and result_dtype in _FLOATS
    if op_name in _COMPARE:
        return len(types) == 2 and types[0] == types[1] and result_dtype == "bool" and \
            (types[0] in _FLOATS or op_name in ("equal", "not_equal"))
    if op_name in _LOGICAL:
        return all(t == "bool" for t in types) and result_dtype == "bool" and \
            len(types) == (1 if op_name == "logical_not" else 2)
    if op_name == "select":
        return len(types) == 3 and types[0] == "bool" and types[1] == types[2] == result_dtype
    return len(types) == 1  # cast among float32, float64, bool


def _expression(name, args, types, result):
    if name in _EXPRESSION:
        return _EXPRESSION[name].format(*args)
    if name == "sqrt":
        return f"{'sqrtf' if types[0] == 'float32' else 'sqrt'}({args[0]})"
    if result == "bool":  # cast
        return f"{args[0]} != 0"
    return f"({_REG_TYPE[result]}){args[0]}"


def _source(program, input_dtypes, kinds):
    """C source of `void kernel(nd, shape, strides, out, p0, p1, ...)` for this program and input layout:
    kinds[k] is 'v' (input k is contiguous along the last dimension), 's' (broadcast along it) or
    'g' (strided)."""
    n = len(input_dtypes)
    out_type = _C_TYPE[program[-1][3]]
    loads, offsets_init, bump, unbump, row_pointers, inner = [], [], [], [], [], []
    for k, (dtype, kind) in enumerate(zip(input_dtypes, kinds)):
        ctype = _C_TYPE[dtype]
        offsets_init.append(f"        off{k} += idx[d] * st[{k} * nd + d];")
        bump.append(f"off{k} += st[{k} * nd + d];")
        unbump.append(f"off{k} -= st[{k} * nd + d] * shape[d];")
        row_pointers.append(f"        const {ctype}* x{k} = (const {ctype}*)ptr[{k}] + off{k};")
        if kind == "g":
            inner.append(f"    const int64_t in{k} = st[{k} * nd + nd - 1];")
        if kind == "s":  # one value per row: loaded before the loop, so the loop vectorizes
            row_pointers.append(f"        const {_REG_TYPE[dtype]} a{k} = x{k}[0];")
        else:
            index = "c" if kind == "v" else f"c * in{k}"
            loads.append(f"            const {_REG_TYPE[dtype]} a{k} = x{k}[{index}];")
    values = [f"a{k}" for k in range(n)]
    body = []
    for j, (name, refs, _, result) in enumerate(program):
        args = [values[r] if r >= 0 else f"t{-r - 1}" for r in refs]
        types = [input_dtypes[r] if r >= 0 else program[-r - 1][3] for r in refs]
        body.append(f"            const {_REG_TYPE[result]} t{j} = "
                    f"({_REG_TYPE[result]})({_expression(name, args, types, result)});")
    offsets = ", ".join(f"off{k} = 0" for k in range(n))
    pointer_params = ", ".join(f"char* p{k}" for k in range(n))
    pointer_names = ", ".join(f"p{k}" for k in range(n))
    return f"""#include <math.h>
#include <stdint.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static void rows(int64_t lo, int64_t hi, int64_t nd, const int64_t* shape, const int64_t* st,
                 char* const* ptr, {out_type}* out) {{
    const int64_t cols = shape[nd - 1];
    int64_t idx[{MAX_DIMS}], rem = lo, {offsets};
    for (int64_t d = nd - 2; d >= 0; d--) {{ idx[d] = rem % shape[d]; rem /= shape[d]; }}
    for (int64_t d = 0; d < nd - 1; d++) {{
{chr(10).join(offsets_init)}
    }}
{chr(10).join(inner)}
    for (int64_t r = lo; r < hi; r++) {{
{chr(10).join(row_pointers)}
        {out_type}* o = out + r * cols;
        for (int64_t c = 0; c < cols; c++) {{
{chr(10).join(loads)}
{chr(10).join(body)}
            o[c] = ({out_type})t{len(program) - 1};
        }}
        for (int64_t d = nd - 2; d >= 0; d--) {{
            idx[d] += 1; {" ".join(bump)}
            if (idx[d] < shape[d]) break;
            idx[d] = 0; {" ".join(unbump)}
        }}
    }}
}}

void kernel(int64_t nd, const int64_t* shape, const int64_t* st, {out_type}* out, {pointer_params}) {{
    char* const ptr[{n}] = {{{pointer_names}}};
    int64_t nrows = 1;
    for (int64_t d = 0; d < nd - 1; d++) nrows *= shape[d];
#ifdef _OPENMP
    if (nrows > 1 && nrows * shape[nd - 1] >= {PARALLEL_MIN}) {{
        #pragma omp parallel
        {{
            int64_t parts = omp_get_num_threads(), k = omp_get_thread_num();
            rows(nrows * k / parts, nrows * (k + 1) / parts, nd, shape, st, ptr, out);
        }}
        return;
    }}
#endif
    rows(0, nrows, nd, shape, st, ptr, out);
}}
"""


_kernels = {}


def _kernel(program, input_dtypes, kinds):
    key = (program, input_dtypes, kinds)
    if key not in _kernels:
        argtypes = [cjit.INT64] + [cjit.POINTER] * (3 + len(input_dtypes))
        _kernels[key] = cjit.function(_source(program, input_dtypes, kinds), "kernel", argtypes)
    return _kernels[key]


def _layout(arrays, shape):
    """(dims, strides) with the output's dimensions merged where every input allows it: dims the merged
    sizes, strides[k] input k's stride per merged dimension in elements (0 where broadcast). None when
    an input's strides are not whole elements."""
    strides, rank = [], len(shape)
    for a in arrays:
        item, lead = a.itemsize, rank - a.ndim
        if any(s % item for s in a.strides):
            return None
        strides.append([0] * lead + [s // item if n != 1 else 0 for s, n in zip(a.strides, a.shape)])
    dims, merged = [], [[] for _ in arrays]
    for d in range(rank - 1, -1, -1):  # from the innermost dimension out
        size = shape[d]
        if size == 1:
            continue
        if dims and all(st[d] == m[-1] * dims[-1] for st, m in zip(strides, merged)):
            dims[-1] *= size  # this dimension continues the one inside it in every input
            continue
        dims.append(size)
        for st, m in zip(strides, merged):
            m.append(st[d])
    return dims[::-1], [m[::-1] for m in merged]


_DTYPE_NAME = {np.float32: "float32", np.float64: "float64", np.bool_: "bool"}
_DECLINED = (None, None)
_prepared = {}  # (id(program), input layouts) -> (program, kernel, arguments, out shape, out dtype, arrays)


def _prepare(program, arrays):
    """What a call needs for inputs laid out like `arrays`, or _DECLINED (see `run`)."""
    if not cjit.available() or any(type(a) is not np.ndarray or a.dtype.type not in _DTYPE_NAME
                                   for a in arrays):
        return _DECLINED
    if all(a.ndim == 0 for a in arrays):
        return _DECLINED  # scalars (a learning-rate formula): NumPy's own calls are cheaper
    shape = np.broadcast_shapes(*[a.shape for a in arrays])
    size = math.prod(shape)
    layout = _layout(arrays, shape) if size >= SMALL else None
    if layout is None or len(layout[0]) > MAX_DIMS:
        return _DECLINED
    dims, strides = layout
    if len(dims) == 1 and size >= PARALLEL_MIN and size % 4096 == 0:
        dims = [size // 4096, 4096]  # rows for the threads to share
        strides = [[s * 4096, s] for (s,) in strides]
    kinds = "".join("v" if st[-1] == 1 else "s" if st[-1] == 0 else "g" for st in strides)
    kernel = _kernel(program, tuple(_DTYPE_NAME[a.dtype.type] for a in arrays), kinds)
    if kernel is None:
        return _DECLINED
    dims_array, strides_array = np.array(dims, dtype=np.int64), np.array(strides, dtype=np.int64)
    arguments = (len(dims), cjit.address(dims_array), cjit.address(strides_array))
    return program, kernel, arguments, shape, np.dtype(program[-1][3]), (dims_array, strides_array)


def run(program, arrays, out=None):
    """The program's result over NumPy `arrays` computed by a compiled kernel, or None when it is not
    worth it or not possible here (the caller then runs the ops one by one). `out`: an array to write
    into when it is C-contiguous with the result's shape and dtype; it may be one of `arrays` (each
    element is read before it is written), but must not overlap one any other way.

    What a call needs (kernel, merged dimensions, strides) is prepared once per program and input
    layout, so a training step's repeated calls cost a few microseconds of Python."""
    key = (id(program),) + tuple((a.shape, a.strides, a.dtype) if type(a) is np.ndarray else None
                                 for a in arrays)
    entry = _prepared.get(key)
    if entry is None or entry[0] is not program:  # (the entry keeps its program alive: ids stay unique)
        if len(_prepared) > 4096:
            _prepared.clear()
        entry = _prepared[key] = _prepare(program, arrays)
        if entry is _DECLINED:
            _prepared[key] = (program, None)
    if entry[1] is None:
        return None
    _, kernel, arguments, shape, dtype, _ = entry
    if not (type(out) is np.ndarray and out.shape == shape and out.dtype == dtype and out.flags.c_contiguous
            and out.flags.writeable):
        out = np.empty(shape, dtype=dtype)
    kernel(*arguments, cjit.address(out), *[cjit.address(a) for a in arrays])
    return out
