"""`cornu.random`: seeded random draws (normal, uniform, truncated_normal, shuffle)."""
from .ops.random_ops import set_seed, get_global_seed, normal, uniform, truncated_normal, shuffle  # noqa: F401
