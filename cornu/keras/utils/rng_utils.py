"""`set_random_seed`: one call that makes a whole program's randomness repeat.

>>> import cornu as tf
>>> tf.keras.utils.set_random_seed(1337)
>>> a = tf.random.uniform((2,)).numpy()
>>> tf.keras.utils.set_random_seed(1337)
>>> bool((a == tf.random.uniform((2,)).numpy()).all())
True
"""
import random

from ... import backend


def set_random_seed(seed):
    """Seed Python's `random`, NumPy's global RNG and cornu's (`cornu.random.set_seed`) at once.

    After it, weight initialization, dropout, `shuffle=True` in fit and any NumPy/Python draws repeat
    from run to run.

    Args:
        seed: an integer.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} "
                         f"(of type {type(seed)})")
    from ...ops import random_ops
    random.seed(seed)
    backend.numpy.random.seed(seed)
    random_ops.set_seed(seed)
