"""compile / fit / evaluate / predict and friends, checked against independently computed values."""
import re

import numpy as np
import pytest

import cornu as tf

layers = tf.keras.layers


@pytest.fixture(autouse=True)
def fresh_names():
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(0)  # initial weights (and so tolerances) independent of test order


def linear_model(units=1, inputs=3, use_bias=True):
    model = tf.keras.Sequential([tf.keras.Input((inputs,)), layers.Dense(units, use_bias=use_bias)])
    return model


def data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
    return x, y


def test_one_sgd_step_matches_the_formula():
    x, y = data(8)
    model = linear_model()
    w0, b0 = [v.copy() for v in model.get_weights()]
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    err = x @ w0 + b0 - y
    w1 = w0 - 0.1 * (2 / 8) * x.T @ err
    b1 = b0 - 0.1 * (2 / 8) * err.sum(0)
    np.testing.assert_allclose(model.get_weights()[0], w1, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b1, rtol=1e-5)


def test_fit_learns_and_history_has_the_logs():
    x, y = data(64)
    model = linear_model()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=16, epochs=30, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert len(history.history["loss"]) == 30 and history.epoch == list(range(30))
    assert history.history["loss"][-1] < 0.01 * history.history["loss"][0]
    np.testing.assert_allclose(model.get_weights()[0].ravel(), [1, -2, 0.5], atol=0.05)


def test_evaluate_forms_and_values():
    x, y = data(20)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    pred = model.predict(x, verbose=0)
    mse, mae = np.mean((pred - y) ** 2), np.mean(np.abs(pred - y))
    loss, metric = model.evaluate(x, y, batch_size=7, verbose=0)
    np.testing.assert_allclose([loss, metric], [mse, mae], rtol=1e-5)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    model.compile(optimizer="sgd", loss="mse")
    assert np.isclose(model.evaluate(x, y, verbose=0), mse, rtol=1e-5)


def test_predict_batches_and_on_batch_methods():
    x, y = data(70)
    model = linear_model()
    model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
    full = model.predict(x, batch_size=32, verbose=0)
    assert full.shape == (70, 1)
    np.testing.assert_allclose(full, x @ model.get_weights()[0] + model.get_weights()[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), full[:5], rtol=1e-6, atol=1e-7)
    before = model.test_on_batch(x, y)
    np.testing.assert_allclose(before, np.mean((full - y) ** 2), rtol=1e-5)
    model.train_on_batch(x, y)
    assert model.test_on_batch(x, y) < before


def test_sample_weight_and_class_weight():
    x = np.array([[1.0], [2.0], [3.0]], np.float32)
    y = np.array([[0.0], [0.0], [0.0]], np.float32)
    model = tf.keras.Sequential([tf.keras.Input((1,)), layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse")
    weights = np.array([1.0, 0.0, 2.0], np.float32)
    loss = model.evaluate(x, y, sample_weight=weights, verbose=0)
    np.testing.assert_allclose(loss, (1 * 1 + 0 * 4 + 2 * 9) / 3, rtol=1e-6)  # Keras: / batch size
    clf = tf.keras.Sequential([tf.keras.Input((1,)), layers.Dense(2, activation="softmax", kernel_initializer="zeros")])
    clf.compile(optimizer=tf.keras.optimizers.SGD(1.0), loss="sparse_categorical_crossentropy")
    labels = np.array([0, 1, 1])
    clf.fit(x, labels, batch_size=3, epochs=1, class_weight={0: 3.0, 1: 0.0}, shuffle=False, verbose=0)
    # only class 0 has weight: its logit must rise and class 1's fall for sample 0
    logits = clf.predict(np.array([[1.0]], np.float32), verbose=0)[0]
    assert logits[0] > logits[1]


def test_validation_data_initial_epoch_and_steps_per_epoch():
    x, y = data(40)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=10, epochs=5, initial_epoch=3, validation_data=(x, y), verbose=0)
    assert history.epoch == [3, 4] and "val_loss" in history.history
    seen = []

    class Count(tf.keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
    model.fit(x, y, batch_size=10, epochs=1, steps_per_epoch=2, callbacks=[Count()], verbose=0)
    assert seen == [0, 1]


def test_generator_input():
    x, y = data(30)

    def batches():
        while True:
            for i in range(0, 30, 10):
                yield x[i:i + 10], y[i:i + 10]
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_accuracy_resolution_from_the_loss():
    x = np.random.rand(10, 4).astype("float32")
    sparse = np.random.randint(0, 3, 10)
    model = tf.keras.Sequential([tf.keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, acc = model.evaluate(x, sparse, verbose=0)
    expected = np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == sparse)
    np.testing.assert_allclose(acc, expected)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    _, acc = model.evaluate(x, np.eye(3)[sparse], verbose=0)
    np.testing.assert_allclose(acc, expected)
    binary = tf.keras.Sequential([tf.keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    binary.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    targets = (np.random.rand(10, 1) > 0.5).astype("float32")
    _, acc = binary.evaluate(x, targets, verbose=0)
    np.testing.assert_allclose(acc, np.mean((binary.predict(x, verbose=0) > 0.5) == targets))


def test_multi_output_losses_weights_and_metric_names():
    inp = tf.keras.Input((3,))
    a = layers.Dense(1, name="reg")(inp)
    b = layers.Dense(2, activation="softmax", name="cls")(inp)
    model = tf.keras.Model(inp, [a, b])
    model.compile(optimizer="sgd", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 2.0, "cls": 0.5}, metrics={"cls": ["accuracy"]})
    x = np.random.rand(8, 3).astype("float32")
    ya, yb = np.random.rand(8, 1).astype("float32"), np.random.randint(0, 2, 8)
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    pa, pb = model.predict(x, verbose=0)
    mse = np.mean((pa - ya) ** 2)
    ce = -np.mean(np.log(pb[np.arange(8), yb]))
    np.testing.assert_allclose(logs["loss"], 2 * mse + 0.5 * ce, rtol=1e-5)
    assert "cls_accuracy" in logs


def test_compile_required_and_bad_loss_name():
    model = linear_model()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 3)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="loss"):
        model.compile(optimizer="sgd", loss="no_such_loss")
        model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0)


def test_run_eagerly_gives_the_same_numbers():
    x, y = data(16)
    results = []
    for eager in (False, True):
        tf.random.set_seed(3)
        model = linear_model()
        model.compile(optimizer="adam", loss="mse", run_eagerly=eager)
        model.fit(x, y, batch_size=4, epochs=2, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_progress_bar_lines(capsys):
    x, y = data(40)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=10, epochs=2, validation_data=(x, y), verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    assert re.fullmatch(r"4/4 \u2501{20} \d+s \d+(ms|us)/step - loss: [\d.e-]+ - mae: [\d.e-]+ - "
                        r"val_loss: [\d.e-]+ - val_mae: [\d.e-]+", out[1]), out[1]
    assert len(out) == 4  # not a terminal: one line per epoch, no redraws
    model.fit(x, y, batch_size=10, epochs=1, verbose=2)
    line = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(r"4/4 - \d+s - \d+(ms|us)/step - loss: [\d.e-]+ - mae: [\d.e-]+", line), line
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    model.evaluate(x, y, batch_size=10)
    assert re.fullmatch(r"4/4 \u2501{20} \d+s \d+(ms|us)/step - loss: [\d.e-]+ - mae: [\d.e-]+",
                        capsys.readouterr().out.strip())
