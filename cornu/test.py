"""`cornu.test.compute_gradient`: theoretical (autodiff) and numerical (finite-difference) Jacobians."""
from . import backend
from .core.gradient_tape import GradientTape
from .core.tensor import Tensor, convert_to_tensor, wrap

_DEFAULT_DELTA = {"float16": 1e-2, "float32": 1e-3, "float64": 1e-6}


def compute_gradient(f, x, delta=None):
    """Jacobians of `f` at the tensors `x` (a list), computed two ways.

    Returns `(theoretical, numerical)`: tuples with one 2-D NumPy array per element of x, with
    `y.size` rows and `x[i].size` columns, as TF's `tf.test.compute_gradient` does. The numerical one
    uses central differences with step `delta` (default chosen by dtype).

    >>> import cornu as tf
    >>> theory, numeric = tf.test.compute_gradient(tf.square, [tf.constant([3.0], tf.float64)])
    >>> float(theory[0][0, 0]), round(float(numeric[0][0, 0]), 6)
    (6.0, 6.0)
    """
    np = backend.numpy
    xs = [convert_to_tensor(v) for v in (x if isinstance(x, (list, tuple)) else [x])]
    y = _call(f, xs)
    y_size = int(y._value.size)
    theoretical = []
    for i, xi in enumerate(xs):
        jac = np.zeros((y_size, int(xi._value.size)), dtype=backend.to_numpy(xi._value).dtype)
        for row in range(y_size):
            seed = np.zeros(y_size, dtype=backend.to_numpy(y._value).dtype)
            seed[row] = 1
            with GradientTape() as tape:
                tape.watch(xs[i])
                out = _call(f, xs)
            g = tape.gradient(out, xs[i], output_gradients=wrap(seed.reshape(y._value.shape)))
            if g is not None:
                jac[row] = backend.to_numpy(g._value).reshape(-1)
        theoretical.append(jac)
    numerical = []
    for i, xi in enumerate(xs):
        base = backend.to_numpy(xi._value).astype(backend.to_numpy(xi._value).dtype, copy=True)
        step = delta if delta is not None else _DEFAULT_DELTA.get(xi.dtype.name, 1e-3)
        jac = np.zeros((y_size, base.size), dtype=base.dtype)
        for col in range(base.size):
            values = []
            for sign in (1, -1):
                moved = base.copy().reshape(-1)
                moved[col] += sign * step
                args = list(xs)
                args[i] = Tensor(moved.reshape(base.shape))
                values.append(backend.to_numpy(_call(f, args)._value).reshape(-1).astype(base.dtype))
            jac[:, col] = (values[0] - values[1]) / (2 * step)
        numerical.append(jac)
    return tuple(theoretical), tuple(numerical)


def _call(f, xs):
    out = f(*xs)
    return out if isinstance(out, Tensor) else convert_to_tensor(out)
