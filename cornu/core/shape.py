"""TensorShape: a tuple of dimensions (ints, or None when unknown), comparable with plain tuples."""


class TensorShape(tuple):
    """The shape of a tensor; `None` marks a dimension that is not known until run time."""

    def __new__(cls, dims=None):
        if dims is None:
            return super().__new__(cls, ())
        if isinstance(dims, int):
            dims = (dims,)
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    @property
    def rank(self):
        return len(self)

    ndims = rank

    @property
    def dims(self):
        return list(self)

    def as_list(self):
        return list(self)

    def is_fully_defined(self):
        return all(d is not None for d in self)

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self:
            n *= d
        return n

    def is_compatible_with(self, other):
        other = TensorShape(other)
        return len(self) == len(other) and all(a is None or b is None or a == b
                                               for a, b in zip(self, other))

    def merge_with(self, other):
        other = TensorShape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape(a if a is not None else b for a, b in zip(self, other))

    def concatenate(self, other):
        return TensorShape(tuple(self) + tuple(TensorShape(other)))

    def __getitem__(self, key):
        result = tuple.__getitem__(self, key)
        return TensorShape(result) if isinstance(key, slice) else result

    def __add__(self, other):
        return self.concatenate(other)

    def __eq__(self, other):  # TF compares with lists too: `x.shape == [2, 3]`
        return tuple.__eq__(self, tuple(other) if isinstance(other, list) else other)

    def __ne__(self, other):
        return not self == other

    __hash__ = tuple.__hash__

    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __str__(self):
        inner = ", ".join("None" if d is None else str(d) for d in self)
        return f"({inner},)" if len(self) == 1 else f"({inner})"
