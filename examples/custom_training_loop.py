"""A custom training loop with GradientTape: the same MLP as mlp.py, trained step by step."""
import numpy as np

import cornu as tf
from _data import first_arg_epochs, mnist

(x_train, y_train), (x_test, y_test) = mnist(flatten=True)
model = tf.keras.Sequential([tf.keras.Input((784,)), tf.keras.layers.Dense(256, activation="relu"),
                             tf.keras.layers.Dense(10)])
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam(1e-3)
train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
rng = np.random.default_rng(0)

for epoch in range(first_arg_epochs(3)):
    order = rng.permutation(len(x_train))
    train_accuracy.reset_state()
    for start in range(0, len(order), 64):
        idx = order[start:start + 64]
        x, y = tf.constant(x_train[idx]), tf.constant(y_train[idx])
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_accuracy.update_state(y, logits)
    test_accuracy = np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test)
    print(f"epoch {epoch + 1}: last batch loss {float(loss):.4f}, train accuracy "
          f"{float(train_accuracy.result()):.4f}, test accuracy {test_accuracy:.4f}")
