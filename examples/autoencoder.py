"""A dense autoencoder on the MNIST sample (784-128-32-128-784), functional API; reports the
reconstruction error and how well a nearest-centroid classifier does in the 32-d code space."""
import numpy as np

import cornu as tf
from _data import first_arg_epochs, mnist

(x_train, y_train), (x_test, y_test) = mnist(flatten=True)
inputs = tf.keras.Input((784,))
code = tf.keras.layers.Dense(32, activation="relu", name="code")(tf.keras.layers.Dense(128, activation="relu")(inputs))
decoded = tf.keras.layers.Dense(784, activation="sigmoid")(tf.keras.layers.Dense(128, activation="relu")(code))
autoencoder = tf.keras.Model(inputs, decoded, name="autoencoder")
encoder = tf.keras.Model(inputs, code, name="encoder")
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
autoencoder.summary()
autoencoder.fit(x_train, x_train, batch_size=128, epochs=first_arg_epochs(5), validation_data=(x_test, x_test))
mse = float(np.mean((autoencoder.predict(x_test, verbose=0) - x_test) ** 2))
codes_train, codes_test = encoder.predict(x_train, verbose=0), encoder.predict(x_test, verbose=0)
centroids = np.stack([codes_train[y_train == k].mean(axis=0) for k in range(10)])
predicted = np.argmin(((codes_test[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)
print(f"test reconstruction MSE: {mse:.4f}; nearest-centroid accuracy in code space: "
      f"{np.mean(predicted == y_test):.4f}")
