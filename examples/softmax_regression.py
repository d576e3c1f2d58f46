"""Softmax regression (multinomial logistic regression) on the MNIST sample: one Dense layer."""
import cornu as tf
from _data import first_arg_epochs, mnist

(x_train, y_train), (x_test, y_test) = mnist(flatten=True)
model = tf.keras.Sequential([tf.keras.Input((784,)), tf.keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer=tf.keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, batch_size=100, epochs=first_arg_epochs(5), validation_split=0.1)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.4f}")
