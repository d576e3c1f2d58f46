"""Embedding: integer ids -> rows of a learned table."""
from ...ops import gather_ops, math_ops
from .. import constraints, initializers, regularizers
from .layer import Layer


class Embedding(Layer):
    """`Embedding(input_dim, output_dim, embeddings_initializer='uniform', embeddings_regularizer=None,
    embeddings_constraint=None, mask_zero=False, weights=None)`: each id in [0, input_dim) becomes a
    vector of size `output_dim` (row `id` of the `embeddings` weight).

    `mask_zero=True` treats id 0 as padding: the layer's mask is `ids != 0`, which mask-aware layers
    downstream (RNNs, pooling, Softmax) use to skip those positions.

    >>> import cornu as tf
    >>> layer = tf.keras.layers.Embedding(10, 4, mask_zero=True)
    >>> y = layer(tf.constant([[1, 2, 0]]))
    >>> y.shape, layer.compute_mask(tf.constant([[1, 2, 0]])).numpy().tolist()
    (TensorShape([1, 3, 4]), [[True, True, False]])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, **kwargs):
        input_length = kwargs.pop("input_length", None)  # Keras 2's argument: only sets the input shape
        if input_length is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for what, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: {what} must be a positive integer, got {value!r}")
        if lora_rank is not None:
            raise NotImplementedError("Embedding: lora_rank is not supported")
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self._initial_weights = weights

    def build(self, input_shape=None):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs):
        if not inputs.dtype.is_integer:
            if not (inputs.dtype.is_floating or inputs.dtype.is_bool):
                raise TypeError(f"Embedding {self.name}: expected integer ids, got dtype {inputs.dtype.name} "
                                f"(shape {tuple(inputs.shape)})")
            inputs = math_ops.cast(inputs, "int32")
        try:
            return gather_ops.gather(self.embeddings, inputs)
        except Exception as exc:
            if "out of range" in str(exc):
                raise type(exc)(f"Embedding {self.name}: ids must be in [0, input_dim={self.input_dim}); "
                                f"{exc} (ids shape {tuple(inputs.shape)})") from exc
            raise

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return math_ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                      embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                      activity_regularizer=regularizers.serialize(self.activity_regularizer),
                      embeddings_constraint=constraints.serialize(self.embeddings_constraint),
                      mask_zero=self.mask_zero)
        return config
