"""keras.callbacks.TensorBoard: fit's logs read back with TensorBoard's reader and compared with the
History and the model's weights; the graphs with TensorBoard's own Keras-graph parser."""
import json
import os

import numpy as np
import pytest

import cornu as tf
from cornu.summary._tb import available

from . import events

pytestmark = pytest.mark.skipif(not available(), reason="tensorboard is not installed")
L = tf.keras.layers
F32 = lambda x: float(np.float32(x))  # noqa: E731 - scalars are written as float32


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, n)


def _model(seed=0):
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(8, activation="relu", name="hidden"),
                                 L.Dense(3, name="out")])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def test_epoch_logs_go_to_train_and_validation(tmp_path):
    x, y = _data()
    model = _model()
    history = model.fit(x, y, batch_size=12, epochs=3, validation_split=0.25, verbose=0,
                        callbacks=[tf.keras.callbacks.TensorBoard(log_dir=tmp_path)])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = events.load(tmp_path / "train"), events.load(tmp_path / "validation")
    h = history.history
    assert events.scalars(train, "epoch_loss") == [(e, F32(v)) for e, v in enumerate(h["loss"])]
    assert events.scalars(train, "epoch_accuracy") == [(e, F32(v)) for e, v in enumerate(h["accuracy"])]
    assert events.scalars(train, "epoch_learning_rate") == [(e, F32(0.01)) for e in range(3)]
    assert events.scalars(val, "epoch_loss") == [(e, F32(v)) for e, v in enumerate(h["val_loss"])]
    assert events.scalars(val, "epoch_accuracy") == [(e, F32(v)) for e, v in enumerate(h["val_accuracy"])]
    # after each validation pass, at the optimizer's iteration count (3 batches an epoch)
    assert events.scalars(val, "evaluation_loss_vs_iterations") == \
        [(3 * (e + 1), F32(v)) for e, v in enumerate(h["val_loss"])]
    assert "batch_loss" not in train.Tags()["tensors"]  # update_freq='epoch'
    assert events.plugin(train, "epoch_loss") == "scalars"


def test_batch_level_logs_every_update_freq_batches(tmp_path):
    x, y = _data()
    model = _model()
    seen = []
    record = tf.keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(dict(logs)))
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[
        tf.keras.callbacks.TensorBoard(log_dir=tmp_path, update_freq=4, write_steps_per_second=True), record])
    train = events.load(tmp_path / "train")
    # 6 batches an epoch: global batches 4, 8, 12, each with the logs of that batch
    assert events.scalars(train, "batch_loss") == [(k, F32(seen[k - 1]["loss"])) for k in (4, 8, 12)]
    assert [s for s, _ in events.scalars(train, "batch_accuracy")] == [4, 8, 12]
    assert [s for s, _ in events.scalars(train, "batch_steps_per_second")] == [4, 8, 12]
    speeds = events.scalars(train, "epoch_steps_per_second")
    assert [s for s, _ in speeds] == [0, 1] and all(v > 0 for _, v in speeds)


def test_weight_histograms_and_images(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[
        tf.keras.callbacks.TensorBoard(log_dir=tmp_path, histogram_freq=2, write_images=True)])
    train = events.load(tmp_path / "train")
    tags = train.Tags()["tensors"]
    for name in ("hidden/kernel", "hidden/bias", "out/kernel", "out/bias"):
        assert name + "/histogram" in tags and name + "/image" in tags
    kernel = model.get_layer("hidden").weights[0].numpy()
    hist = events.tensors(train, "hidden/kernel/histogram")
    assert [s for s, _ in hist] == [0, 2]  # every histogram_freq epochs
    final = hist[-1][1]  # written after the last epoch: the weights as they are now
    counts, edges = np.histogram(kernel.astype(np.float64), bins=30, range=(kernel.min(), kernel.max()))
    np.testing.assert_array_equal(final[:, 2], counts)
    np.testing.assert_allclose(final[:, 0], edges[:-1], atol=1e-6)
    _, (_, image) = events.tensors(train, "hidden/kernel/image")  # the last: the final weights
    assert list(image[:2]) == [b"8", b"4"]  # kernel (4, 8): 4 rows, 8 columns
    pixels = events.decode_png(image[2])
    k64 = kernel.astype(np.float64)
    expected = ((k64 - k64.min()) / (k64.max() - k64.min()) * 255.5).astype(np.uint8)  # min..max -> 0..255
    assert pixels.shape == (4, 8, 1)
    assert np.abs(pixels[..., 0].astype(int) - expected).max() <= 1
    bias_image = events.tensors(train, "out/bias/image")[0][1]
    assert list(bias_image[:2]) == [b"1", b"3"]  # a bias is a column (Keras: [1, n, 1, 1])


def test_graphs_layer_graph_and_train_step_op_graph(tmp_path):
    from tensorboard.plugins.graph import keras_util
    x, y = _data()
    inputs = tf.keras.Input((4,), name="features")
    a = L.Dense(5, activation="relu", name="branch_a")(inputs)
    b = L.Dense(5, activation="tanh", name="branch_b")(inputs)
    merged = L.Concatenate(name="merge")([a, b])
    head = tf.keras.Sequential([tf.keras.Input((10,), name="head_in"), L.Dense(3, name="logits")], name="head")
    model = tf.keras.Model(inputs, head(merged), name="branchy")
    model.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=16, epochs=1, verbose=0,
              callbacks=[tf.keras.callbacks.TensorBoard(log_dir=tmp_path)])
    train = events.load(tmp_path / "train")
    assert events.plugin(train, "keras") == "graph_keras_model"
    (step, config), = events.tensors(train, "keras")
    conceptual = keras_util.keras_model_to_graph_def(json.loads(config.item()))
    inputs_of = {n.name: list(n.input) for n in conceptual.node}
    assert inputs_of["branchy/branch_a"] == ["branchy/features"]
    assert inputs_of["branchy/merge"] == ["branchy/branch_a", "branchy/branch_b"]
    assert inputs_of["branchy/head/head_in"] == ["branchy/merge"]  # into the nested model
    assert inputs_of["branchy/head/logits"] == ["branchy/head/head_in"]
    op_graph = train.Graph()  # the traced train step
    ops = [n.op for n in op_graph.node]
    names = [n.name for n in op_graph.node]
    assert ops.count("matmul") >= 3 and "relu" in ops and "concat" in ops
    assert any(n.startswith("gradient_tape/") for n in names)
    assert "branch_a/kernel" in names and ops[names.index("branch_a/kernel")] == "VarHandleOp"
    assert any(n.startswith("branch_a/kernel/") and n != "branch_a/kernel/read" for n in names)  # its update


def test_summaries_written_by_the_model_during_fit(tmp_path):
    class Probe(L.Layer):
        def call(self, inputs):
            tf.summary.scalar("activation_mean", tf.reduce_mean(inputs))
            return inputs

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(3, name="d"), Probe(name="probe")])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = np.zeros((16, 3), "float32")
    means = []

    def probe_mean(batch, logs):  # what the Probe sees for this batch, from the weights before the step
        kernel, bias = (w.numpy() for w in model.get_layer("d").weights)
        means.append(float(np.mean(x[4 * batch:4 * batch + 4] @ kernel + bias)))
    check = tf.keras.callbacks.LambdaCallback(on_train_batch_begin=probe_mean)
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
              callbacks=[check, tf.keras.callbacks.TensorBoard(log_dir=tmp_path, update_freq=2)])
    written = events.scalars(events.load(tmp_path / "train"), "activation_mean")
    # default step: optimizer.iterations when the batch runs (0..3), recorded every 2 steps; the eager
    # first batch and the traced ones alike
    assert [s for s, _ in written] == [0, 2]
    np.testing.assert_allclose([v for _, v in written], [means[0], means[2]], rtol=1e-5)


def test_run_eagerly_and_bad_arguments(tmp_path):
    x, y = _data(16)
    model = _model()
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    model.fit(x, np.eye(3, dtype="float32")[y], epochs=1, verbose=0,
              callbacks=[tf.keras.callbacks.TensorBoard(log_dir=tmp_path)])
    train = events.load(tmp_path / "train")
    assert "keras" in train.Tags()["tensors"] and "epoch_loss" in train.Tags()["tensors"]
    with pytest.raises(ValueError, match="update_freq"):
        tf.keras.callbacks.TensorBoard(update_freq="sometimes")
    with pytest.warns(UserWarning, match="profiler"):
        tf.keras.callbacks.TensorBoard(profile_batch=2)
