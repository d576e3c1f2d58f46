"""`keras.utils`."""
from .progbar import Progbar  # noqa: F401
from .numerical_utils import normalize, to_categorical  # noqa: F401
from .rng_utils import set_random_seed  # noqa: F401
from .image_dataset import image_dataset_from_directory  # noqa: F401
from .plot_model import model_to_dot, plot_model  # noqa: F401
