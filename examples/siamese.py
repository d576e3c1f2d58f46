"""A Siamese network: one shared tower embeds both images of a pair; the model predicts whether the
two MNIST digits are the same. The tower's weights exist once (shared layers)."""
import numpy as np

import cornu as tf
from _data import first_arg_epochs, mnist

(x_train, y_train), (x_test, y_test) = mnist(flatten=True)


def make_pairs(x, y, n, seed):
    """Half the pairs show the same digit, half different digits."""
    rng = np.random.default_rng(seed)
    by_class = [np.flatnonzero(y == k) for k in range(10)]
    a = rng.integers(0, len(x), n)
    same = rng.random(n) < 0.5
    b = np.empty(n, dtype=np.int64)
    for i in range(n):
        k = y[a[i]] if same[i] else rng.choice([c for c in range(10) if c != y[a[i]]])
        b[i] = rng.choice(by_class[k])
    return (x[a], x[b]), same.astype("float32")


(train_a, train_b), train_same = make_pairs(x_train, y_train, 16000, seed=0)
(test_a, test_b), test_same = make_pairs(x_test, y_test, 4000, seed=1)

tower = tf.keras.Sequential([tf.keras.Input((784,)), tf.keras.layers.Dense(128, activation="relu"),
                             tf.keras.layers.Dense(64)], name="tower")
left, right = tf.keras.Input((784,), name="left"), tf.keras.Input((784,), name="right")
distance = tf.keras.layers.Lambda(lambda t: tf.abs(t[0] - t[1]))([tower(left), tower(right)])
same = tf.keras.layers.Dense(1, activation="sigmoid")(distance)
model = tf.keras.Model([left, right], same, name="siamese")
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.summary()
model.fit([train_a, train_b], train_same, batch_size=128, epochs=first_arg_epochs(5),
          validation_data=([test_a, test_b], test_same))
print(f"pair accuracy on test digits: {model.evaluate([test_a, test_b], test_same, verbose=0)[1]:.4f}")
