"""A convolutional network on the MNIST sample: Conv2D(32)-Conv2D(64)-MaxPooling2D-Dense(128)-Dense(10)."""
import cornu as tf
from _data import first_arg_epochs, mnist

(x_train, y_train), (x_test, y_test) = mnist(channels=True)
model = tf.keras.Sequential([
    tf.keras.Input((28, 28, 1)),
    tf.keras.layers.Conv2D(32, 3, activation="relu"),
    tf.keras.layers.Conv2D(64, 3, activation="relu"),
    tf.keras.layers.MaxPooling2D(2),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation="relu"),
    tf.keras.layers.Dense(10),
])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, batch_size=128, epochs=first_arg_epochs(3), validation_data=(x_test, y_test))
print(f"test accuracy: {model.evaluate(x_test, y_test, verbose=0)[1]:.4f}")
