"""Recurrent layers (SimpleRNN, LSTM, GRU, their cells, RNN) and the Bidirectional / TimeDistributed
wrappers, checked against NumPy implementations of the cell equations written here."""
import numpy as np
import pytest

import cornu as tf
from tests.keras.layer_harness import check_gradients, check_layer

L = tf.keras.layers


# -- NumPy reference ---------------------------------------------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def simple_step(x, states, w):
    kernel, recurrent, bias = w
    h = np.tanh(x @ kernel + states[0] @ recurrent + bias)
    return h, [h]


def lstm_step(x, states, w):
    kernel, recurrent, bias = w
    h, c = states
    u = h.shape[-1]
    z = x @ kernel + h @ recurrent + bias
    i, f, g, o = (z[:, k * u:(k + 1) * u] for k in range(4))
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def gru_step(x, states, w):  # reset_after=True: bias (2, 3u) = input bias, recurrent bias
    kernel, recurrent, bias = w
    h = states[0]
    u = h.shape[-1]
    xz, xr, xh = np.split(x @ kernel + bias[0], 3, axis=-1)
    rz, rr, rh = np.split(h @ recurrent + bias[1], 3, axis=-1)
    z, r = sigmoid(xz + rz), sigmoid(xr + rr)
    hh = np.tanh(xh + r * rh)
    h = z * h + (1 - z) * hh
    assert h.shape[-1] == u
    return h, [h]


def gru_before_step(x, states, w):  # reset_after=False: bias (3u,), reset applied before the product
    kernel, recurrent, bias = w
    h = states[0]
    u = h.shape[-1]
    xz, xr, xh = np.split(x @ kernel + bias, 3, axis=-1)
    z = sigmoid(xz + h @ recurrent[:, :u])
    r = sigmoid(xr + h @ recurrent[:, u:2 * u])
    hh = np.tanh(xh + (r * h) @ recurrent[:, 2 * u:])
    return z * h + (1 - z) * hh, [z * h + (1 - z) * hh]


def reference(step, x, weights, states, go_backwards=False):
    """Runs `step` over time; returns (sequence of outputs in processing order, final states)."""
    order = range(x.shape[1])
    outs = []
    for t in (reversed(order) if go_backwards else order):
        out, states = step(x[:, t], states, weights)
        outs.append(out)
    return np.stack(outs, axis=1), states


STEPS = {"SimpleRNN": (simple_step, 1), "LSTM": (lstm_step, 2), "GRU": (gru_step, 1)}


def rand(*shape, seed=0, scale=0.5):
    return np.random.default_rng(seed + sum(shape)).normal(scale=scale, size=shape)


def randomize(layer, seed=0):
    """Random weights everywhere (biases too), so every term of the equations is exercised."""
    layer.set_weights([rand(*w.shape, seed=seed + i).astype(w.dtype.name) for i, w in enumerate(layer.weights)])
    return [w.numpy() for w in layer.weights]


def make(name, units, **kwargs):
    return getattr(L, name)(units, dtype="float64", **kwargs)


# -- shapes, weights, parameter counts ---------------------------------------------------------------
@pytest.mark.parametrize("name,kwargs,count", [
    ("LSTM", {}, 5248), ("GRU", {}, 4032), ("GRU", {"reset_after": False}, 3936), ("SimpleRNN", {}, 1312)])
def test_parameter_counts_match_keras(name, kwargs, count):
    layer = getattr(L, name)(32, **kwargs)
    layer(tf.zeros((2, 3, 8)))
    assert layer.count_params() == count


@pytest.mark.parametrize("name,gates,bias", [
    ("SimpleRNN", 1, (7,)), ("LSTM", 4, (28,)), ("GRU", 3, (2, 21))])
def test_weight_names_shapes_and_order(name, gates, bias):
    layer = getattr(L, name)(7)
    layer(tf.zeros((2, 3, 5)))
    assert [tuple(w.shape) for w in layer.weights] == [(5, 7 * gates), (7, 7 * gates), bias]
    cell = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}[name]
    assert [w.name.split(":")[0] for w in layer.weights] == [
        f"{layer.name}/{cell}/kernel", f"{layer.name}/{cell}/recurrent_kernel", f"{layer.name}/{cell}/bias"]
    assert layer.cell.name == cell


def test_lstm_initializers_as_keras():
    layer = L.LSTM(6)
    layer(tf.zeros((1, 2, 3)))
    kernel, recurrent, bias = layer.get_weights()
    np.testing.assert_allclose(bias, np.r_[np.zeros(6), np.ones(6), np.zeros(12)])  # unit_forget_bias
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(6), atol=1e-5)  # orthogonal rows
    plain = L.LSTM(6, unit_forget_bias=False)
    plain(tf.zeros((1, 2, 3)))
    assert not plain.get_weights()[2].any()
    assert layer.units == 6 and layer.unit_forget_bias and layer.recurrent_activation.__name__ == "sigmoid"
    assert L.GRU(3).reset_after is True and L.SimpleRNN(3).activation.__name__ == "tanh"


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_return_sequences_and_state_shapes(name):
    x = tf.zeros((4, 6, 3))
    n_states = STEPS[name][1]
    assert getattr(L, name)(5)(x).shape == (4, 5)
    assert getattr(L, name)(5, return_sequences=True)(x).shape == (4, 6, 5)
    out = getattr(L, name)(5, return_sequences=True, return_state=True)(x)
    assert isinstance(out, list) and len(out) == 1 + n_states
    assert [tuple(o.shape) for o in out] == [(4, 6, 5)] + [(4, 5)] * n_states


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_symbolic_inputs(name):
    n_states = STEPS[name][1]
    for steps in (6, None):
        inp = tf.keras.Input((steps, 3))
        assert tuple(getattr(L, name)(5)(inp).shape) == (None, 5)
        assert tuple(getattr(L, name)(5, return_sequences=True)(inp).shape) == (None, steps, 5)
        out = getattr(L, name)(5, return_state=True)(inp)
        assert [tuple(o.shape) for o in out] == [(None, 5)] * (1 + n_states)
        bi = L.Bidirectional(getattr(L, name)(5, return_sequences=True))(inp)
        assert tuple(bi.shape) == (None, steps, 10)
        assert tuple(L.TimeDistributed(L.Dense(2))(inp).shape) == (None, steps, 2)


def test_functional_model_with_unknown_length_runs_on_any_length():
    inp = tf.keras.Input((None, 3))
    model = tf.keras.Model(inp, L.Dense(1)(L.GRU(4)(L.Masking()(inp))))
    for steps in (2, 5):
        assert model(np.ones((3, steps, 3), "float32")).shape == (3, 1)


# -- values against the NumPy reference -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_outputs_match_reference(name, go_backwards):
    step, n_states = STEPS[name]
    x = rand(3, 5, 4, seed=1)
    layer = make(name, 3, return_sequences=True, return_state=True, go_backwards=go_backwards)
    layer(x)
    w = randomize(layer)
    seq, states = reference(step, x, w, [np.zeros((3, 3))] * n_states, go_backwards)
    out = layer(x)
    np.testing.assert_allclose(out[0].numpy(), seq, rtol=1e-10, atol=1e-12)
    for got, want in zip(out[1:], states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    last = make(name, 3, go_backwards=go_backwards)
    last(x)
    last.set_weights(w)
    np.testing.assert_allclose(last(x).numpy(), seq[:, -1], rtol=1e-10, atol=1e-12)


def test_gru_reset_before_matches_reference():
    x = rand(2, 4, 3, seed=2)
    layer = make("GRU", 4, reset_after=False, return_sequences=True)
    layer(x)
    w = randomize(layer)
    assert w[2].shape == (12,)
    seq, _ = reference(gru_before_step, x, w, [np.zeros((2, 4))])
    np.testing.assert_allclose(layer(x).numpy(), seq, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_initial_state(name):
    step, n_states = STEPS[name]
    x = rand(2, 4, 3, seed=3)
    init = [rand(2, 5, seed=10 + i) for i in range(n_states)]
    layer = make(name, 5, return_state=True)
    layer(x)
    w = randomize(layer)
    seq, states = reference(step, x, w, list(init))
    out = layer(x, initial_state=init if n_states > 1 else init[0])
    np.testing.assert_allclose(out[0].numpy(), seq[:, -1], rtol=1e-10)
    np.testing.assert_allclose(out[-1].numpy(), states[-1], rtol=1e-10)
    with pytest.raises(ValueError, match="initial state"):
        layer(x, initial_state=[init[0]] * (n_states + 1))


def test_initial_state_in_functional_model():
    x_in, h_in, c_in = tf.keras.Input((4, 3)), tf.keras.Input((5,)), tf.keras.Input((5,))
    lstm = L.LSTM(5, return_state=True)
    out, h, c = lstm(x_in, initial_state=[h_in, c_in])
    model = tf.keras.Model([x_in, h_in, c_in], [out, h, c])
    x, h0, c0 = (rand(2, 4, 3).astype("float32"), rand(2, 5, seed=1).astype("float32"),
                 rand(2, 5, seed=2).astype("float32"))
    w = [v.numpy().astype("float64") for v in lstm.weights]
    _, (want_h, want_c) = reference(lstm_step, x.astype("float64"), w, [h0, c0])
    got = model([x, h0, c0])
    np.testing.assert_allclose(got[1].numpy(), want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2].numpy(), want_c, rtol=1e-5, atol=1e-6)


def test_cells_one_step_and_generic_rnn_wrapper():
    x = rand(2, 4, 3, seed=4)
    for cell_cls, step, n_states, name in [(L.SimpleRNNCell, simple_step, 1, "SimpleRNN"),
                                            (L.LSTMCell, lstm_step, 2, "LSTM"), (L.GRUCell, gru_step, 1, "GRU")]:
        layer = L.RNN(cell_cls(5, dtype="float64"), return_sequences=True, dtype="float64")
        layer(x)
        w = randomize(layer)
        states = [np.zeros((2, 5))] * n_states
        seq, _ = reference(step, x, w, states)
        np.testing.assert_allclose(layer(x).numpy(), seq, rtol=1e-10, atol=1e-12)
        out, new_states = layer.cell(x[:, 0], [tf.constant(s) for s in states])
        np.testing.assert_allclose(out.numpy(), seq[:, 0], rtol=1e-10, atol=1e-12)
        assert len(new_states) == n_states
        # the dedicated layer with the same weights computes the same function
        direct = make(name, 5, return_sequences=True)
        direct(x)
        direct.set_weights(w)
        np.testing.assert_allclose(direct(x).numpy(), seq, rtol=1e-10, atol=1e-12)


def test_custom_cell_and_stacked_cells():
    class MinimalRNNCell(L.Layer):  # Keras's documentation example
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size = units, units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

        def call(self, inputs, states):
            output = tf.matmul(inputs, self.kernel) + tf.matmul(states[0], self.recurrent_kernel)
            return output, [output]

    x = rand(2, 4, 3, seed=5).astype("float32")
    layer = L.RNN(MinimalRNNCell(5))
    layer(x)
    k, rk = layer.cell.kernel.numpy(), layer.cell.recurrent_kernel.numpy()
    h = np.zeros((2, 5))
    for t in range(4):
        h = x[:, t] @ k + h @ rk
    np.testing.assert_allclose(layer(x).numpy(), h, rtol=1e-5, atol=1e-5)

    stacked = L.RNN([L.SimpleRNNCell(4, dtype="float64"), L.LSTMCell(3, dtype="float64")], return_state=True,
                    dtype="float64")
    xs = rand(2, 4, 3, seed=6)
    stacked(xs)
    w = randomize(stacked)
    assert [tuple(v.shape) for v in stacked.weights] == [(3, 4), (4, 4), (4,), (4, 12), (3, 12), (12,)]
    seq1, s1 = reference(simple_step, xs, w[:3], [np.zeros((2, 4))])
    seq2, s2 = reference(lstm_step, seq1, w[3:], [np.zeros((2, 3))] * 2)
    out, h1, h2, c2 = stacked(xs)
    np.testing.assert_allclose(out.numpy(), seq2[:, -1], rtol=1e-10)
    np.testing.assert_allclose(h1.numpy(), s1[0], rtol=1e-10)
    np.testing.assert_allclose(c2.numpy(), s2[1], rtol=1e-10)


# -- masking ---------------------------------------------------------------------------------------------
def _masked_reference(step, x, w, n_states, mask, zero_output=False):
    """Keras's masking: a masked step keeps the previous states and repeats the previous output."""
    states = [np.zeros((x.shape[0], w[1].shape[0]))] * n_states
    prev = np.zeros_like(states[0])
    outs = []
    for t in range(x.shape[1]):
        out, new = step(x[:, t], states, w)
        m = mask[:, t:t + 1]
        states = [np.where(m, a, b) for a, b in zip(new, states)]
        prev = np.where(m, out, 0 if zero_output else prev)
        outs.append(prev)
    return np.stack(outs, 1), states


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_masked_steps_carry_state_and_output(name):
    step, n_states = STEPS[name]
    x = rand(3, 5, 2, seed=7)
    x[0, 3:] = 0      # right padding
    x[1, :2] = 0      # left padding
    x[2, 2] = 0       # a hole
    mask = np.any(x != 0, axis=-1)
    layer = make(name, 4, return_sequences=True, return_state=True)
    layer(x)
    w = randomize(layer)
    want, states = _masked_reference(step, x, w, n_states, mask)
    out = layer(L.Masking(dtype="float64")(x))
    np.testing.assert_allclose(out[0].numpy(), want, rtol=1e-10, atol=1e-12)
    for got, s in zip(out[1:], states):
        np.testing.assert_allclose(got.numpy(), s, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(out[0]._keras_mask.numpy(), mask)  # the output sequence keeps the mask
    assert out[1]._keras_mask is None
    # behaviour, independently of the reference: padding at the end is the same as a shorter input
    short = layer(x[:1, :3])
    np.testing.assert_allclose(out[0].numpy()[0, 2:], np.repeat(short[0].numpy()[0, -1:], 3, 0), rtol=1e-12)
    np.testing.assert_allclose(out[1].numpy()[0], short[1].numpy()[0], rtol=1e-12)
    # ... and padding in front gives zero outputs there, then the run over the rest
    rest = layer(x[1:2, 2:])
    assert not out[0].numpy()[1, :2].any()
    np.testing.assert_allclose(out[0].numpy()[1, 2:], rest[0].numpy()[0], rtol=1e-12)
    # an explicit mask= argument does the same
    np.testing.assert_allclose(layer(x, mask=mask)[0].numpy(), want, rtol=1e-12)


def test_mask_from_embedding_and_in_sequential_model():
    ids = np.array([[3, 1, 2, 0, 0], [4, 0, 0, 0, 0]])
    emb = L.Embedding(10, 3, mask_zero=True)
    lstm = L.LSTM(4, return_sequences=True)
    y = lstm(emb(ids))
    np.testing.assert_array_equal(y._keras_mask.numpy(), ids != 0)
    y = y.numpy()
    np.testing.assert_allclose(y[0, 3:], np.repeat(y[0, 2:3], 2, 0))
    np.testing.assert_allclose(y[1, 1:], np.repeat(y[1, :1], 4, 0))
    model = tf.keras.Sequential([tf.keras.Input((None,), dtype="int32"), L.Embedding(10, 3, mask_zero=True),
                                 L.Bidirectional(L.GRU(4)), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(ids, np.ones((2, 1)), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    # both directions skip the padding: the result is the one for the unpadded sequence
    np.testing.assert_allclose(model(ids[:1]).numpy(), model(ids[:1, :3]).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(ids[1:]).numpy(), model(ids[1:, :1]).numpy(), rtol=1e-5, atol=1e-6)


# -- dropout ---------------------------------------------------------------------------------------------
def test_dropout_only_in_training_and_one_mask_for_all_steps():
    # identity kernel, no recurrence, linear: every output step is x_t times the input dropout mask
    layer = L.SimpleRNN(6, activation=None, use_bias=False, dropout=0.5, return_sequences=True,
                        kernel_initializer="identity", recurrent_initializer="zeros")
    x = np.ones((4, 5, 6), "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    np.testing.assert_array_equal(y, np.repeat(y[:, :1], 5, 1))  # the same mask at every step
    assert not np.array_equal(layer(x, training=True).numpy(), y)  # a new mask for each call


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_dropout_changes_training_output_only(name):
    x = rand(3, 4, 2, seed=8).astype("float32")
    layer = getattr(L, name)(8, dropout=0.3, recurrent_dropout=0.4, seed=1)
    base = getattr(L, name)(8)
    base(x)
    layer(x)
    layer.set_weights(base.get_weights())
    np.testing.assert_allclose(layer(x).numpy(), base(x).numpy(), rtol=1e-6)
    assert not np.allclose(layer(x, training=True).numpy(), base(x).numpy())
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in grads)


# -- gradients (finite differences, float64) ----------------------------------------------------------------
@pytest.mark.parametrize("name,kwargs", [
    ("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}),
    ("LSTM", {"go_backwards": True, "return_sequences": True})])
def test_gradients_by_finite_differences(name, kwargs):
    x = rand(2, 3, 2, seed=9)
    layer = make(name, 2, **kwargs)
    layer(x)
    randomize(layer, seed=3)
    check_gradients(layer, x, rtol=1e-5, atol=1e-7)


def test_gradients_through_masked_steps_and_bidirectional():
    x = rand(2, 3, 2, seed=10)
    # an explicit mask: with Masking, a finite-difference step at a padding value would unmask it
    mask = tf.constant([[True, True, False], [False, True, True]])
    layer = L.Bidirectional(make("LSTM", 2, return_sequences=True), merge_mode="sum", dtype="float64")
    layer(x)
    randomize(layer, seed=4)

    class Masked(L.Layer):
        def __init__(self):
            super().__init__(dtype="float64")
            self.inner = layer

        def call(self, inputs, training=None):
            return self.inner(inputs, mask=mask, training=training)

    check_gradients(Masked(), x, rtol=1e-5, atol=1e-7)


# -- the standard layer checks (shapes, symbolic call, config round trip, a training step) -------------
@pytest.mark.parametrize("factory,shape,n_weights", [
    (lambda: L.SimpleRNN(3), (2, 3), 3),
    (lambda: L.LSTM(3, return_sequences=True, go_backwards=True), (2, 4, 3), 3),
    (lambda: L.GRU(3, return_state=True), [(2, 3), (2, 3)], 3),
    (lambda: L.LSTM(3, return_state=True, dropout=0.2, recurrent_dropout=0.2), [(2, 3)] * 3, 3),
    (lambda: L.GRU(3, reset_after=False, use_bias=False), (2, 3), 2),
    (lambda: L.RNN(L.GRUCell(3), return_sequences=True), (2, 4, 3), 3),
    (lambda: L.RNN([L.SimpleRNNCell(3), L.LSTMCell(2)]), (2, 2), 6),
])
def test_check_layer_recurrent(factory, shape, n_weights):
    x = rand(2, 4, 5, seed=11).astype("float32")
    check_layer(factory, x, shape, expected_num_weights=n_weights, expected_num_trainable=n_weights)


def test_stateful_and_bad_inputs_raise_clear_errors():
    for cls in (L.LSTM, L.GRU, L.SimpleRNN):
        with pytest.raises(ValueError, match="stateful=True is not supported"):
            cls(3, stateful=True)
    with pytest.raises(ValueError, match="stateful"):
        L.RNN(L.LSTMCell(3), stateful=True)
    with pytest.raises(ValueError, match="ndim=3"):
        L.LSTM(3)(tf.zeros((2, 5)))
    with pytest.raises(ValueError, match="units"):
        L.GRU(0)
    with pytest.raises(ValueError, match="state_size"):
        L.RNN(L.Dense(3))


# -- Bidirectional ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(merge_mode):
    x = rand(2, 4, 3, seed=12)
    layer = L.Bidirectional(make("GRU", 3, return_sequences=True), merge_mode=merge_mode)
    layer(x)
    w = randomize(layer)
    assert layer.forward_layer.name.startswith("forward_") and layer.backward_layer.go_backwards
    fwd, _ = reference(gru_step, x, w[:3], [np.zeros((2, 3))])
    bwd, _ = reference(gru_step, x, w[3:], [np.zeros((2, 3))], go_backwards=True)
    bwd = bwd[:, ::-1]  # back in input order
    want = {"concat": np.concatenate([fwd, bwd], -1), "sum": fwd + bwd, "mul": fwd * bwd,
            "ave": (fwd + bwd) / 2, None: [fwd, bwd]}[merge_mode]
    out = layer(x)
    if merge_mode is None:
        assert len(out) == 2
        for o, e in zip(out, want):
            np.testing.assert_allclose(o.numpy(), e, rtol=1e-10)
    else:
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-10)


def test_bidirectional_return_state_backward_layer_and_initial_state():
    x = rand(2, 4, 3, seed=13)
    backward = make("LSTM", 3, go_backwards=True, return_state=True, activation="relu")
    layer = L.Bidirectional(make("LSTM", 3, return_state=True), backward_layer=backward, dtype="float64")
    out = layer(x)
    assert [tuple(o.shape) for o in out] == [(2, 6), (2, 3), (2, 3), (2, 3), (2, 3)]
    assert layer.backward_layer is backward and len(layer.weights) == 6
    w = randomize(layer)
    init = [rand(2, 3, seed=20 + i) for i in range(4)]
    fwd, fs = reference(lstm_step, x, w[:3], init[:2])
    out = layer(x, initial_state=[tf.constant(s) for s in init])
    np.testing.assert_allclose(out[0].numpy()[:, :3], fwd[:, -1], rtol=1e-10)
    np.testing.assert_allclose(out[2].numpy(), fs[1], rtol=1e-10)
    with pytest.raises(ValueError, match="go_backwards"):
        L.Bidirectional(L.LSTM(3), backward_layer=L.LSTM(3))
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.LSTM(3), merge_mode="max")


def test_bidirectional_masked_sequence_outputs_zero_on_padding():
    x = rand(2, 4, 2, seed=14)
    x[0, 2:] = 0
    layer = L.Bidirectional(make("SimpleRNN", 3, return_sequences=True), dtype="float64")
    out = layer(L.Masking(dtype="float64")(x))
    assert not out.numpy()[0, 2:].any()          # Keras: zero_output_for_mask when returning sequences
    np.testing.assert_allclose(out.numpy()[0, :2], layer(x[:1, :2]).numpy()[0], rtol=1e-12)
    np.testing.assert_array_equal(out._keras_mask.numpy(), np.any(x != 0, -1))


@pytest.mark.parametrize("factory,shape,n_weights", [
    (lambda: L.Bidirectional(L.LSTM(3, return_sequences=True)), (2, 4, 6), 6),
    (lambda: L.Bidirectional(L.GRU(3), merge_mode=None), [(2, 3), (2, 3)], 6),
    (lambda: L.Bidirectional(L.SimpleRNN(3, return_state=True), merge_mode="ave"), [(2, 3)] * 3, 6),
])
def test_check_layer_bidirectional(factory, shape, n_weights):
    x = rand(2, 4, 5, seed=15).astype("float32")
    check_layer(factory, x, shape, expected_num_weights=n_weights, expected_num_trainable=n_weights)


# -- TimeDistributed ------------------------------------------------------------------------------------------
def test_time_distributed_dense_equals_dense_on_each_step():
    x = rand(3, 4, 5, seed=16)
    layer = L.TimeDistributed(L.Dense(2, activation="tanh", dtype="float64"))  # dtype: the inner layer's
    y = layer(x).numpy()
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(y, np.tanh(x @ kernel + bias), rtol=1e-12)
    for t in range(4):
        np.testing.assert_allclose(y[:, t], layer.layer(x[:, t]).numpy(), rtol=1e-12)
    check_gradients(layer, rand(2, 2, 5, seed=17), rtol=1e-6)


def test_time_distributed_shapes_masks_and_errors():
    x = np.ones((2, 3, 4, 5), "float32")
    assert L.TimeDistributed(L.Dense(6))(x).shape == (2, 3, 4, 6)
    assert tuple(L.TimeDistributed(L.Dense(6)).compute_output_shape((None, 3, 4, 5))) == (None, 3, 4, 6)
    masked = L.TimeDistributed(L.Dense(2))(L.Masking()(np.array([[[1.0], [0.0]]], "float32")))
    np.testing.assert_array_equal(masked._keras_mask.numpy(), [[True, False]])
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        L.TimeDistributed(L.Dense(2))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="Layer instance"):
        L.TimeDistributed(lambda t: t)


def test_check_layer_time_distributed():
    x = rand(2, 4, 5, seed=18).astype("float32")
    check_layer(lambda: L.TimeDistributed(L.Dense(3)), x, (2, 4, 3), expected_num_weights=2,
                expected_num_trainable=2)
