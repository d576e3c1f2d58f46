"""Recurrent sequence classifiers: each MNIST image read as a sequence of 28 rows of 28 pixels, by an
LSTM and by a GRU."""
import cornu as tf
from _data import first_arg_epochs, mnist

(x_train, y_train), (x_test, y_test) = mnist()
for cell in (tf.keras.layers.LSTM, tf.keras.layers.GRU):
    model = tf.keras.Sequential([tf.keras.Input((28, 28)), cell(64), tf.keras.layers.Dense(10)],
                                name=cell.__name__.lower() + "_classifier")
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=128, epochs=first_arg_epochs(3), validation_data=(x_test, y_test))
    print(f"{cell.__name__} test accuracy: {model.evaluate(x_test, y_test, verbose=0)[1]:.4f}")
