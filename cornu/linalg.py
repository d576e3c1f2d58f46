"""`cornu.linalg`: matrix products and norms."""
from .ops.linalg_ops import matmul, einsum, tensordot, norm, l2_normalize  # noqa: F401
from .ops.array_ops import eye  # noqa: F401
from .ops.linalg_ops import matrix_transpose  # noqa: F401
