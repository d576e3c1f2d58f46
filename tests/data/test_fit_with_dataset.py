"""model.fit / evaluate / predict fed by a cornu.data.Dataset, checked against the same data as arrays."""
import re
import warnings

import numpy as np
import pytest

import cornu as tf
import cornu.data  # noqa: F401  (tf.data)

Dataset = tf.data.Dataset


@pytest.fixture(autouse=True)
def fresh_names():
    tf.keras.backend.clear_session()


def data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
    return x, y


def linear_model(weights=None):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    if weights is not None:
        model.set_weights(weights)
    return model


class Batches(tf.keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.per_epoch = []

    def on_epoch_begin(self, epoch, logs=None):
        self.per_epoch.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.per_epoch[-1] += 1


def test_fit_on_x_y_dataset_matches_arrays():
    x, y = data(40)
    reference = linear_model()
    start = [w.copy() for w in reference.get_weights()]
    h_arrays = reference.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    model = linear_model(start)
    h_dataset = model.fit(Dataset.from_tensor_slices((x, y)).batch(8), epochs=3, verbose=0)
    np.testing.assert_allclose(h_dataset.history["loss"], h_arrays.history["loss"], rtol=1e-5)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_fit_on_x_y_sample_weight_dataset_matches_arrays():
    x, y = data(24)
    w = np.linspace(0.1, 2.0, 24).astype("float32")
    reference = linear_model()
    start = [v.copy() for v in reference.get_weights()]
    reference.fit(x, y, sample_weight=w, batch_size=6, epochs=2, shuffle=False, verbose=0)
    model = linear_model(start)
    model.fit(Dataset.from_tensor_slices((x, y, w)).batch(6), epochs=2, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # the weights are used: unweighted training ends elsewhere
    plain = linear_model(start)
    plain.fit(Dataset.from_tensor_slices((x, y)).batch(6), epochs=2, verbose=0)
    assert not np.allclose(plain.get_weights()[0], model.get_weights()[0])


def test_a_finite_dataset_ends_each_epoch_and_reshuffles():
    x, y = data(40)
    order = []

    def note(xb, yb):
        order.append(tuple(np.round(xb.numpy()[:, 0], 4)))
        return xb, yb
    ds = Dataset.from_tensor_slices((x, y)).shuffle(40, seed=3).batch(10).map(note)
    counter = Batches()
    model = linear_model()
    history = model.fit(ds, epochs=3, verbose=0, callbacks=[counter])
    assert counter.per_epoch == [4, 4, 4] and len(history.history["loss"]) == 3
    epochs = [order[i * 4:(i + 1) * 4] for i in range(3)]
    assert epochs[0] != epochs[1]  # a new iterator each epoch: the shuffle reshuffles
    assert sorted(v for batch in epochs[0] for v in batch) == sorted(v for batch in epochs[1] for v in batch)


def test_unknown_cardinality_epoch_ends_when_the_data_does():
    x, y = data(40)
    ds = Dataset.from_tensor_slices((x, y)).filter(lambda a, b: a[0] > -100.0).batch(16)
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    counter = Batches()
    linear_model().fit(ds, epochs=2, verbose=0, callbacks=[counter])
    assert counter.per_epoch == [3, 3]


def test_repeat_with_steps_per_epoch_walks_on_through_the_data():
    x, y = data(50)
    seen = []

    def note(i, batch):
        seen.append(int(i))
        return batch
    batches = Dataset.from_tensor_slices((x, y)).batch(10).enumerate().map(note)  # 5 batches, numbered
    counter = Batches()
    model = linear_model()
    history = model.fit(batches.repeat(), steps_per_epoch=3, epochs=4, verbose=0, callbacks=[counter])
    assert counter.per_epoch == [3, 3, 3, 3] and len(history.history["loss"]) == 4
    assert seen == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]  # one iterator across epochs


def test_steps_per_epoch_on_a_finite_dataset_restarts_after_the_last_batch():
    x, y = data(50)
    seen = []

    def note(i, batch):
        seen.append(int(i))
        return batch
    batches = Dataset.from_tensor_slices((x, y)).batch(10).enumerate().map(note)
    counter = Batches()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        linear_model().fit(batches, steps_per_epoch=2, epochs=4, verbose=0, callbacks=[counter])
    # Keras 3: epochs take 2, 2, then the last batch (with a warning), then start the data again
    assert counter.per_epoch == [2, 2, 1, 2]
    assert seen == [0, 1, 2, 3, 4, 0, 1]
    assert any("ran out of data" in str(w.message) for w in caught)


def test_infinite_dataset_needs_steps():
    x, y = data(10)
    with pytest.raises(ValueError, match="infinitely repeating dataset.*steps_per_epoch"):
        linear_model().fit(Dataset.from_tensor_slices((x, y)).batch(5).repeat(), epochs=1, verbose=0)


def test_y_or_sample_weight_beside_a_dataset_is_an_error():
    x, y = data(10)
    ds = Dataset.from_tensor_slices((x, y)).batch(5)
    with pytest.raises(ValueError, match="`y` argument is not supported"):
        linear_model().fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match="`sample_weight` argument is not supported"):
        linear_model().fit(ds, sample_weight=np.ones(10), verbose=0)


def test_evaluate_and_predict_with_datasets():
    x, y = data(30)
    model = linear_model()
    pred = model.predict(x, verbose=0)
    mse, mae = np.mean((pred - y) ** 2), np.mean(np.abs(pred - y))
    ds = Dataset.from_tensor_slices((x, y)).batch(7)
    np.testing.assert_allclose(model.evaluate(ds, verbose=0), [mse, mae], rtol=1e-5)
    logs = model.evaluate(ds, verbose=0, return_dict=True)
    np.testing.assert_allclose([logs["loss"], logs["mae"]], [mse, mae], rtol=1e-5)
    # predict accepts a dataset of x alone, or of (x, y) (the targets are ignored)
    x_only = Dataset.from_tensor_slices(x).batch(7)
    np.testing.assert_allclose(model.predict(x_only, verbose=0), pred, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(ds, verbose=0), pred, rtol=1e-5, atol=1e-6)
    # steps limits an infinite dataset
    assert model.predict(ds.repeat(), steps=2, verbose=0).shape == (14, 1)
    w = np.linspace(0, 1, 30).astype("float32")
    weighted = model.evaluate(Dataset.from_tensor_slices((x, y, w)).batch(30), verbose=0)
    np.testing.assert_allclose(weighted[0], np.sum(w * (pred - y)[:, 0] ** 2) / 30, rtol=1e-5)


def test_validation_data_as_a_dataset_and_the_progress_bar(capsys):
    x, y = data(40)
    train = Dataset.from_tensor_slices((x, y)).shuffle(40, seed=0).batch(10).prefetch(2)
    val = Dataset.from_tensor_slices((x, y)).batch(20)
    model = linear_model()
    history = model.fit(train, validation_data=val, epochs=2, verbose=1)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    np.testing.assert_allclose(history.history["val_loss"][-1], model.evaluate(x, y, verbose=0)[0], rtol=1e-5)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert re.match(r"4/4 \u2501{20} ", lines[1]), lines[1]  # the number of steps is the cardinality


def test_dataset_of_dict_inputs_for_a_functional_model():
    x, y = data(20)
    inputs = {"a": tf.keras.Input((2,), name="a"), "b": tf.keras.Input((1,), name="b")}
    merged = tf.keras.layers.Concatenate()([inputs["a"], inputs["b"]])
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(merged))
    model.compile(optimizer="sgd", loss="mse")
    ds = Dataset.from_tensor_slices(({"a": x[:, :2], "b": x[:, 2:]}, y)).batch(5)
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(ds, verbose=0).shape == (20, 1)


def test_class_weight_with_a_dataset():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 3)).astype("float32")
    labels = (np.arange(30) % 3).astype("int64")
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(3)])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    start = [w.copy() for w in model.get_weights()]
    model.fit(x, labels, class_weight={0: 1.0, 1: 3.0, 2: 0.5}, batch_size=10, shuffle=False, verbose=0)
    expected = model.get_weights()
    model.set_weights(start)
    model.fit(Dataset.from_tensor_slices((x, labels)).batch(10), class_weight={0: 1.0, 1: 3.0, 2: 0.5},
              verbose=0)
    for a, b in zip(model.get_weights(), expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_generators_still_work():
    x, y = data(30)

    def batches():
        while True:
            for i in range(0, 30, 10):
                yield x[i:i + 10], y[i:i + 10]
    counter = Batches()
    linear_model().fit(batches(), steps_per_epoch=3, epochs=2, verbose=0, callbacks=[counter])
    assert counter.per_epoch == [3, 3]
