"""tf.data's constants and `Options`.

AUTOTUNE (-1) lets cornu choose a degree of parallelism or a buffer size; the cardinality constants
are what `Dataset.cardinality()` returns when the number of elements is infinite or unknown.
"""
import os

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def autotuned_parallelism():
    """What AUTOTUNE means for num_parallel_calls: one worker per core (TF's ceiling)."""
    return max(os.cpu_count() or 1, 1)


def autotuned_buffer():
    """What AUTOTUNE means for prefetch: a couple of elements ahead hides one slow step."""
    return 2


class _Group:
    """A group of settings (`options.threading.private_threadpool_size = 4`)."""

    def __init__(self, **defaults):
        self.__dict__.update(defaults)

    def __repr__(self):
        inner = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({inner})"


class Options:
    """`cornu.data.Options()`: settings carried by a dataset (`dataset.with_options(options)`).

    `deterministic=False` lets parallel `map` and `interleave` hand out elements in completion
    order when they were not given `deterministic` themselves; the other groups are accepted so TF
    code runs, and have no effect in cornu.

    >>> import cornu as tf
    >>> options = tf.data.Options()
    >>> options.deterministic = False
    >>> tf.data.Dataset.range(3).with_options(options).options().deterministic
    False
    """

    def __init__(self):
        self.deterministic = None
        self.experimental_deterministic = None
        self.threading = _Group(private_threadpool_size=None, max_intra_op_parallelism=None)
        self.experimental_distribute = _Group(auto_shard_policy=None, num_devices=None)
        self.experimental_optimization = _Group(apply_default_optimizations=None, map_parallelization=None,
                                                parallel_batch=None)
        self.autotune = _Group(enabled=None, cpu_budget=None, ram_budget=None)
        self.experimental_slack = False

    def is_deterministic(self):
        if self.deterministic is not None:
            return self.deterministic
        return self.experimental_deterministic

    def merge(self, other):
        """Options with `other`'s explicitly set values taking precedence."""
        merged = Options()
        for source in (self, other):
            if source is None:
                continue
            for key, value in source.__dict__.items():
                if isinstance(value, _Group):
                    target = getattr(merged, key)
                    for k, v in value.__dict__.items():
                        if v is not None:
                            setattr(target, k, v)
                elif value is not None:
                    setattr(merged, key, value)
        return merged

    def __repr__(self):
        return f"Options(deterministic={self.is_deterministic()!r})"
