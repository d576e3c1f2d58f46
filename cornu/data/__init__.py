"""`cornu.data`: input pipelines and the data files that ship with cornu."""
from ..core.tensor_spec import TensorSpec  # noqa: F401
from .dataset import Dataset, Iterator  # noqa: F401
from .options import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Options  # noqa: F401
from .structure import StringSpec  # noqa: F401
from . import experimental  # noqa: F401,E402
