"""The state of a training run that lives outside variables, as JSON: random generators and the
training data's shuffle counters. BackupAndRestore saves it so that a resumed fit draws the same
dropout masks and shuffles the same way as the run it continues."""
import random

from .. import backend
from . import _graph

np = backend.numpy


def random_state():
    """cornu.random's global seed and every stream's generator state, plus NumPy's and Python's
    global generators (which `keras.utils.set_random_seed` seeds too)."""
    from ..ops import random_ops
    streams = [[seed, _graph.generator_state(gen)] for seed, gen in random_ops._state["generators"].items()]
    name, key, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {"global_seed": random_ops._state["global_seed"], "streams": streams,
            "numpy": [name, key.tolist(), int(pos), int(has_gauss), float(cached)],
            "python": [version, list(internal), gauss_next]}


def set_random_state(state):
    """Put the generators back in the state `random_state()` returned."""
    from ..ops import random_ops
    random_ops._state["global_seed"] = state["global_seed"]
    random_ops._state["generators"] = {seed: _graph.make_generator(gen) for seed, gen in state["streams"]}
    name, key, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, np.asarray(key, dtype=np.uint32), pos, has_gauss, cached))
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))


def _shuffle_nodes(data):
    """The ShuffleDatasets of the pipeline behind a fit's data adapter, in a fixed order."""
    dataset = getattr(data, "dataset", None)
    if dataset is None:
        return []
    from ..data.transformations import ShuffleDataset
    out, seen, stack = [], set(), [dataset]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ShuffleDataset):
            out.append(node)
        stack.extend(reversed(getattr(node, "_inputs", ())))
    return out


def data_state(data):
    """The shuffle state of a fit's training data. NumPy arrays shuffle from cornu.random's stream,
    covered by `random_state`; a Dataset's `shuffle` draws each epoch's order from its own seed
    material and epoch counter, saved here (the seed material too: an unseeded shuffle gets fresh
    entropy in every process)."""
    return [[list(node._entropy), node._epoch] for node in _shuffle_nodes(data)]


def set_data_state(data, state):
    """Set the shuffle state back; False when the pipeline does not have the same shuffles."""
    nodes = _shuffle_nodes(data)
    if len(nodes) != len(state or []):
        return False
    for node, (entropy, epoch) in zip(nodes, state):
        node._entropy = [int(e) for e in entropy]
        node._epoch = int(epoch)
    return True
