"""cornu's demo: train a small MLP on the real MNIST sample shipped with cornu, with GradientTape.

    python -m cornu.demo [--epochs 5]

First 8,000 images train, last 2,000 test; prints loss per epoch and the final test accuracy.
"""
import argparse
import time

import cornu as tf
from cornu.data.sample import mnist_sample_split


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train an MLP on the shipped MNIST sample.")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    args = parser.parse_args(argv)

    tf.random.set_seed(0)
    (x_train, y_train), (x_test, y_test) = mnist_sample_split()
    x_train = tf.reshape(tf.constant(x_train, tf.float32) / 255.0, (-1, 784))
    x_test = tf.reshape(tf.constant(x_test, tf.float32) / 255.0, (-1, 784))
    y_train, y_test = tf.constant(y_train, tf.int32), tf.constant(y_test, tf.int32)
    print(f"MNIST sample: {x_train.shape[0]} training images, {x_test.shape[0]} test images")

    w1 = tf.Variable(tf.random.normal((784, 128), stddev=(2 / 784) ** 0.5), name="w1")
    b1 = tf.Variable(tf.zeros(128), name="b1")
    w2 = tf.Variable(tf.random.normal((128, 10), stddev=(1 / 128) ** 0.5), name="w2")
    b2 = tf.Variable(tf.zeros(10), name="b2")
    params = [w1, b1, w2, b2]

    def model(x):
        return tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2

    n = x_train.shape[0]
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        order = tf.random.shuffle(tf.range(n))
        total = 0.0
        for i in range(0, n, args.batch_size):
            idx = order[i:i + args.batch_size]
            x, y = tf.gather(x_train, idx), tf.gather(y_train, idx)
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, model(x)))
            grads = tape.gradient(loss, params)
            for p, g in zip(params, grads):
                p.assign_sub(args.learning_rate * g)
            total += float(loss) * int(x.shape[0])
        accuracy = float(tf.reduce_mean(tf.cast(
            tf.equal(tf.argmax(model(x_test), axis=1, output_type=tf.int32), y_test), tf.float32)))
        print(f"epoch {epoch}/{args.epochs}: loss {total / n:.4f}, test accuracy {accuracy:.4f} "
              f"({time.perf_counter() - start:.2f}s)")
    return accuracy


if __name__ == "__main__":
    main()
