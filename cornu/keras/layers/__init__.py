"""`keras.layers`: every layer class, plus serialize/deserialize by Keras class name."""
from .layer import Layer, InputSpec  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .core import Dense, Identity, Lambda, Masking  # noqa: F401
from .activation_layers import Activation, ELU, LeakyReLU, PReLU, ReLU, Softmax  # noqa: F401
from .reshaping import Flatten, Permute, RepeatVector, Reshape  # noqa: F401
from .regularization import (ActivityRegularization, Dropout, GaussianDropout, GaussianNoise,  # noqa: F401
                             SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract,  # noqa: F401
                      add, average, concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization  # noqa: F401
from .embedding import Embedding  # noqa: F401
from .convolutional import (Conv1D, Conv2D, Conv2DTranspose, Convolution1D, Convolution2D,  # noqa: F401
                            Convolution2DTranspose)
from .pooling import (MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,  # noqa: F401
                      GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D,
                      GlobalAvgPool1D, GlobalAvgPool2D)
from .reshaping_image import ZeroPadding2D, UpSampling2D  # noqa: F401
from .rnn import RNN, StackedRNNCells, SimpleRNN, SimpleRNNCell, LSTM, LSTMCell, GRU, GRUCell  # noqa: F401
from .wrappers import Bidirectional, TimeDistributed  # noqa: F401
from .preprocessing import (Rescaling, Normalization, Resizing, CenterCrop, RandomFlip, RandomRotation,  # noqa: F401,E501
                            RandomTranslation, RandomZoom, RandomContrast, RandomCrop)


def serialize(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    """A layer from {'class_name': ..., 'config': ...}; custom classes come from custom_objects."""
    from .._serialization import deserialize_object
    classes = {name: obj for name, obj in globals().items() if isinstance(obj, type) and issubclass(obj, Layer)}
    from ..models import Sequential, Model
    classes.update(Sequential=Sequential, Model=Model)
    return deserialize_object(config, classes, custom_objects, what="layer")
