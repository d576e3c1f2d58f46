"""Nested structures (lists, tuples, dicts, namedtuples) as TF's `tf.nest` handles them."""


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))


def flatten(structure):
    """Leaves in a fixed order (dicts by sorted key, as TF does)."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_sequence_as(structure, flat_sequence):
    """Rebuild `structure` with the leaves taken in order from `flat_sequence`."""
    flat = list(flat_sequence)
    position = [0]

    def build(s):
        if isinstance(s, dict):
            built = {key: build(s[key]) for key in sorted(s)}
            return type(s)((key, built[key]) for key in s)
        if _is_namedtuple(s):
            return type(s)(*[build(item) for item in s])
        if isinstance(s, (list, tuple)):
            return type(s)(build(item) for item in s)
        value = flat[position[0]]
        position[0] += 1
        return value

    result = build(structure)
    if position[0] != len(flat):
        raise ValueError(f"pack_sequence_as: structure has {position[0]} leaves but "
                         f"{len(flat)} values were given")
    return result


def map_structure(func, *structures):
    """Apply `func` leafwise across structures of the same shape."""
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError("map_structure: structures do not have the same number of leaves")
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])
