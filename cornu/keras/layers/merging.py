"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and their
functional forms (`add([a, b])`, ...).

Elementwise merges broadcast as Keras does: the batch axis is matched separately, the other axes are
aligned from the right, and an input of lower rank gets new axes after the batch axis.
"""
from ...core.symbolic import SymbolicTensor, is_keras_tensor
from ...ops import array_ops, linalg_ops, math_ops, reduce_ops
from .layer import Layer


def _shape_list(shapes):
    return [tuple(s) for s in shapes]


class Merge(Layer):
    """Base of the elementwise merge layers: `_merge_function(list_of_tensors)` does the work."""

    _exact_inputs = None  # Subtract: exactly 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _where(self):
        return f"Layer '{self.name}' ({type(self).__name__})"

    def _check_inputs(self, shapes):
        """Raise a ValueError naming the layer and the shapes unless `shapes` (a list) can merge."""
        if not isinstance(shapes, (list, tuple)) or not shapes or not all(
                isinstance(s, (list, tuple)) for s in shapes):
            raise ValueError(f"{self._where()}: a merge layer should be called on a list of inputs. "
                             f"Received: input_shape={shapes} (not a list of shapes)")
        if self._exact_inputs is not None and len(shapes) != self._exact_inputs:
            raise ValueError(f"{self._where()}: a `{type(self).__name__}` layer should be called on exactly "
                             f"{self._exact_inputs} inputs. Received {len(shapes)} inputs with shapes "
                             f"{_shape_list(shapes)}")
        batch_sizes = {s[0] for s in shapes if len(s)} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"{self._where()}: cannot merge tensors with different batch sizes. Received "
                             f"tensors with shapes {_shape_list(shapes)}")
        return self.compute_output_shape(shapes)

    def _elementwise_shape(self, shape1, shape2, shapes):
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i == 1:
                out.append(j)
            elif j == 1:
                out.append(i)
            elif i is None or j is None:
                out.append(i if j is None else j)
            elif i != j:
                raise ValueError(f"{self._where()}: inputs have incompatible shapes. Received shapes "
                                 f"{_shape_list(shapes)}")
            else:
                out.append(i)
        return tuple(out)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = self._elementwise_shape(out, s[1:], shapes)
        batch_sizes = {s[0] for s in shapes if len(s)} - {None}
        return (batch_sizes.pop() if len(batch_sizes) == 1 else None,) + tuple(out)

    # `mask` is accepted (and left to compute_mask) so that the base Layer hands the input masks over
    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self._where()}: a merge layer should be called on a list of inputs. "
                             f"Received: inputs={inputs!r} (not a list of tensors)")
        self._check_inputs([tuple(x.shape) for x in inputs])  # real shapes: batch sizes are known now
        ranks = [x.ndim for x in inputs]
        top = max(ranks)
        if min(ranks) != top:
            inputs = [self._expand(x, top) for x in inputs]
        return self._merge_function(list(inputs))

    @staticmethod
    def _expand(x, rank):
        for _ in range(rank - x.ndim):
            x = array_ops.expand_dims(x, 1)
        return x

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"{self._where()}: `mask` should be a list. Received: mask={mask!r}")
        if len(mask) != len(inputs):
            raise ValueError(f"{self._where()}: the lists `inputs` and `mask` should have the same length. "
                             f"Received: {len(inputs)} inputs and {len(mask)} masks")
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = math_ops.logical_and(out, m)
        return out


def _fold(fn, inputs):
    out = inputs[0]
    for x in inputs[1:]:
        out = fn(out, x)
    return out


class Add(Merge):
    """`Add()([a, b, ...])`: the elementwise sum of the inputs.

    >>> import cornu as tf
    >>> tf.keras.layers.Add()([tf.ones((2, 3)), tf.ones((2, 3))]).numpy()[0]
    array([2., 2., 2.], dtype=float32)
    """

    def _merge_function(self, inputs):
        return _fold(math_ops.add, inputs)


class Subtract(Merge):
    """`Subtract()([a, b])`: `a - b` (exactly two inputs)."""

    _exact_inputs = 2

    def _merge_function(self, inputs):
        return math_ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """`Multiply()([a, b, ...])`: the elementwise product of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math_ops.multiply, inputs)


class Average(Merge):
    """`Average()([a, b, ...])`: the elementwise mean of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math_ops.add, inputs) / len(inputs)


class Maximum(Merge):
    """`Maximum()([a, b, ...])`: the elementwise maximum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math_ops.maximum, inputs)


class Minimum(Merge):
    """`Minimum()([a, b, ...])`: the elementwise minimum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math_ops.minimum, inputs)


class Concatenate(Merge):
    """`Concatenate(axis=-1)([a, b, ...])`: inputs joined along `axis`; all other dimensions must match.

    >>> import cornu as tf
    >>> tf.keras.layers.Concatenate()([tf.ones((2, 3)), tf.ones((2, 4))]).shape
    TensorShape([2, 7])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_inputs(self, shapes):
        if not isinstance(shapes, (list, tuple)) or not shapes or not all(
                isinstance(s, (list, tuple)) for s in shapes):
            raise ValueError(f"{self._where()}: a `Concatenate` layer should be called on a list of at least "
                             f"1 input. Received: input_shape={shapes}")
        shapes = [tuple(s) for s in shapes]
        error = ValueError(f"{self._where()}: a `Concatenate` layer requires inputs with matching shapes "
                           f"except for the concatenation axis (axis={self.axis}). Received: input_shape="
                           f"{shapes}")
        if len({len(s) for s in shapes}) != 1:
            raise error
        rank = len(shapes[0])
        if not -rank <= self.axis < rank:
            raise ValueError(f"{self._where()}: axis {self.axis} is out of range for inputs of rank {rank}. "
                             f"Received: input_shape={shapes}")
        axis = self.axis % rank
        for i in range(rank):
            if i != axis and len({s[i] for s in shapes} - {None}) > 1:
                raise error
        return self.compute_output_shape(shapes)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank
        out = []
        for i in range(rank):
            dims = [s[i] for s in shapes]
            if i == axis:
                out.append(None if None in dims else sum(dims))
            else:
                known = [d for d in dims if d is not None]
                out.append(known[0] if known else None)
        return tuple(out)

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self._where()}: a `Concatenate` layer should be called on a list of "
                             f"inputs. Received: inputs={inputs!r}")
        shape = self._check_inputs([tuple(x.shape) for x in inputs])
        if any(is_keras_tensor(x) for x in inputs):
            # building a model: only the shape matters, and unknown dims may stand for known ones
            return SymbolicTensor(shape, inputs[0].dtype)
        return array_ops.concat(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(f"{self._where()}: `mask` should be a list as long as `inputs`. Received: "
                             f"mask={mask!r}")
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = math_ops.cast(math_ops.ones_like(x), "bool")
            elif m.ndim < x.ndim:
                m = math_ops.logical_and(array_ops.expand_dims(m, -1), math_ops.cast(math_ops.ones_like(x), "bool"))
            masks.append(m)
        return reduce_ops.reduce_any(array_ops.concat(masks, axis=self.axis), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis)
        return config


class Dot(Merge):
    """`Dot(axes, normalize=False)([a, b])`: per example, the dot product of `a` and `b` along
    `axes` (an int for both, or a pair). `normalize=True` L2-normalizes both along those axes first,
    giving the cosine similarity.

    >>> import cornu as tf
    >>> tf.keras.layers.Dot(axes=1)([tf.ones((2, 3)), tf.ones((2, 3))]).numpy()
    array([[3.],
           [3.]], dtype=float32)
    """

    _exact_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError("Invalid format for argument `axes`: list should contain 2 integer "
                                 f"elements. Received: axes={axes}")
            axes = list(axes)
        elif not isinstance(axes, int):
            raise TypeError(f"Invalid type for argument `axes`: it should be a list or an int. Received: "
                            f"axes={axes!r}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _axes_for(self, shape1, shape2):
        axes = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        out = []
        for a, s in zip(axes, (shape1, shape2)):
            if not -len(s) <= a < len(s):
                raise ValueError(f"{self._where()}: axis {a} is out of range for an input of shape {s}. "
                                 f"Received input shapes {shape1} and {shape2}")
            out.append(a % len(s))
        if 0 in out:
            raise ValueError(f"{self._where()}: cannot perform a dot product over axis 0, the batch axis. "
                             f"Received axes={self.axes} for input shapes {shape1} and {shape2}")
        return out

    def _check_inputs(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2 or not all(
                isinstance(s, (list, tuple)) for s in shapes):
            raise ValueError(f"{self._where()}: a `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={shapes}")
        shape1, shape2 = tuple(shapes[0]), tuple(shapes[1])
        a1, a2 = self._axes_for(shape1, shape2)
        if None not in (shape1[a1], shape2[a2]) and shape1[a1] != shape2[a2]:
            raise ValueError(f"{self._where()}: incompatible input shapes: axis values {shape1[a1]} (at axis "
                             f"{a1}) != {shape2[a2]} (at axis {a2}). Full input shapes: {shape1}, {shape2}")
        if None not in (shape1[0], shape2[0]) and shape1[0] != shape2[0]:
            raise ValueError(f"{self._where()}: cannot merge tensors with different batch sizes. Received "
                             f"tensors with shapes {[shape1, shape2]}")
        return self.compute_output_shape(shapes)

    def compute_output_shape(self, input_shape):
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a1, a2 = self._axes_for(tuple(shape1), tuple(shape2))
        shape1.pop(a1)
        shape2.pop(a2)
        shape2.pop(0)
        out = shape1 + shape2
        if len(out) == 1:
            out.append(1)
        return tuple(out)

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"{self._where()}: a `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: inputs={inputs!r}")
        x1, x2 = inputs
        self._check_inputs([tuple(x1.shape), tuple(x2.shape)])
        a1, a2 = self._axes_for(tuple(x1.shape), tuple(x2.shape))
        if self.normalize:
            x1 = linalg_ops.l2_normalize(x1, axis=a1)
            x2 = linalg_ops.l2_normalize(x2, axis=a2)
        # one einsum: batch letter shared, the contracted letter shared, all others kept in order
        letters = iter("bcdefghijklmnopqrstuvwxyz")
        s1 = ["a"] + [next(letters) for _ in range(x1.ndim - 1)]
        s2 = ["a"] + [next(letters) for _ in range(x2.ndim - 1)]
        s2[a2] = s1[a1]
        out = [c for i, c in enumerate(s1) if i != a1] + [c for i, c in enumerate(s2) if i not in (0, a2)]
        y = linalg_ops.einsum(f"{''.join(s1)},{''.join(s2)}->{''.join(out)}", x1, x2)
        return array_ops.expand_dims(y, -1) if len(out) == 1 else y

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config


def _functional(cls, inputs, **kwargs):
    return cls(**kwargs)(inputs)


def add(inputs, **kwargs):
    """`add([a, b, ...])`: the functional form of `Add`."""
    return _functional(Add, inputs, **kwargs)


def subtract(inputs, **kwargs):
    """`subtract([a, b])`: the functional form of `Subtract`."""
    return _functional(Subtract, inputs, **kwargs)


def multiply(inputs, **kwargs):
    """`multiply([a, b, ...])`: the functional form of `Multiply`."""
    return _functional(Multiply, inputs, **kwargs)


def average(inputs, **kwargs):
    """`average([a, b, ...])`: the functional form of `Average`."""
    return _functional(Average, inputs, **kwargs)


def maximum(inputs, **kwargs):
    """`maximum([a, b, ...])`: the functional form of `Maximum`."""
    return _functional(Maximum, inputs, **kwargs)


def minimum(inputs, **kwargs):
    """`minimum([a, b, ...])`: the functional form of `Minimum`."""
    return _functional(Minimum, inputs, **kwargs)


def concatenate(inputs, axis=-1, **kwargs):
    """`concatenate([a, b, ...], axis=-1)`: the functional form of `Concatenate`."""
    return _functional(Concatenate, inputs, axis=axis, **kwargs)


def dot(inputs, axes=-1, **kwargs):
    """`dot([a, b], axes=-1, normalize=False)`: the functional form of `Dot`."""
    return _functional(Dot, inputs, axes=axes, **kwargs)

