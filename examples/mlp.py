"""A multilayer perceptron on the MNIST sample: Flatten-Dense(512)-Dense(512)-Dense(10), Adam."""
import cornu as tf
from _data import first_arg_epochs, mnist

(x_train, y_train), (x_test, y_test) = mnist()
model = tf.keras.Sequential([
    tf.keras.Input((28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(512, activation="relu"),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(512, activation="relu"),
    tf.keras.layers.Dense(10),
])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, batch_size=128, epochs=first_arg_epochs(4), validation_data=(x_test, y_test))
print(f"test accuracy: {model.evaluate(x_test, y_test, verbose=0)[1]:.4f}")
