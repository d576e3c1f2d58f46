"""The op registry's definitions, one module per family. Importing this package registers them all."""
from . import (math_ops, array_ops, reduce_ops, gather_ops, linalg_ops, random_ops, nn_ops,  # noqa: F401
               conv_ops, image_ops, state_ops, training_ops, operators, elementwise_ops)
