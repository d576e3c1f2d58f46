"""cornu's demo: a Keras MLP trained on the real MNIST sample that ships inside cornu.

    python -m cornu.demo [--epochs 4]

Flatten-Dense(512, relu)-Dense(512, relu)-Dense(10), Adam, batch 128: the first 8,000 images train
(with Keras's progress bar), the last 2,000 test.
"""
import argparse

import cornu as tf
from cornu.backend import numpy as np
from cornu.data.sample import mnist_sample_split


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train an MLP on the MNIST sample shipped with cornu.")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)

    tf.keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = mnist_sample_split()
    x_train, x_test = x_train.astype(np.float32) / 255.0, x_test.astype(np.float32) / 255.0
    print(f"MNIST sample: {len(x_train)} training images, {len(x_test)} test images")

    model = tf.keras.Sequential([
        tf.keras.Input((28, 28)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(512, activation="relu"),
        tf.keras.layers.Dense(512, activation="relu"),
        tf.keras.layers.Dense(10),
    ], name="mnist_mlp")
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
