"""`check_layer`: the standard test every layer should pass (a small Keras `run_layer_test`).

    from tests.keras.layer_harness import check_layer

    out = check_layer(lambda: tf.keras.layers.Dense(3), np.ones((2, 4), "float32"),
                      expected_output_shape=(2, 3), expected_num_weights=2, expected_num_trainable=2)
    np.testing.assert_allclose(out, my_numpy_reference(...))   # values: the test's own job

What it checks, each on a fresh layer from `layer_factory` (a zero-argument callable):

1. eager call on `input_data` (inference mode): the output shape is `expected_output_shape`
   (None entries match anything), and the weight counts are `expected_num_weights` in all, of which
   `expected_num_trainable` trainable;
2. the shape rule path: called on `keras.Input`s with batch size None, the output's shape is the
   expected one with batch None, `compute_output_shape` agrees, and a functional `Model` built from
   that call gives the eager output on `input_data` once it has the same weights;
3. config round trip: `get_config()` is JSON-serializable, `keras.layers.deserialize` rebuilds the
   layer from the JSON'd config (so the class must be exported by keras.layers), the new layer's
   config equals the old one, and with the same weights it gives the same output;
4. one training step: under a GradientTape, `layer(x, training=True)` and the layer's losses give a
   scalar loss whose gradient is finite for every trainable weight (and for the float inputs).

`input_data` is a NumPy array, or a list of arrays for layers called on a list (merge layers). Pass
`custom_objects` when the config names user objects, `training_step=False` for a layer whose output
cannot be differentiated. Returns the eager inference output as NumPy (a list for several outputs).

`check_gradients(layer, input_data, training=False)` is the companion for values: autodiff against
finite differences in float64, w.r.t. the inputs and every trainable weight (see its docstring).
"""
import json

import numpy as np

import cornu as tf


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _numpy(outputs):
    outs = [np.asarray(o.numpy()) for o in _as_list(outputs)]
    return outs if isinstance(outputs, (list, tuple)) else outs[0]


def _check_shape(got, expected, what):
    got, expected = tuple(got), tuple(expected)
    ok = len(got) == len(expected) and all(e is None or g == e for g, e in zip(got, expected))
    assert ok, f"{what}: output shape {got}, expected {expected}"


def _json_roundtrip(config):
    return json.loads(json.dumps(config))


def check_layer(layer_factory, input_data, expected_output_shape=None, *, expected_num_weights,
                expected_num_trainable, custom_objects=None, training_step=True, rtol=1e-5, atol=1e-6):
    """Run the standard layer checks (see the module docstring); returns the inference output."""
    arrays = [np.asarray(a) for a in _as_list(input_data)]
    several = isinstance(input_data, (list, tuple))

    def tensors():
        ts = [tf.constant(a) for a in arrays]
        return ts if several else ts[0]

    # 1. eager call, output shape, weight counts
    layer = layer_factory()
    name = type(layer).__name__
    out = layer(tensors())
    expected_shapes = None
    if expected_output_shape is not None:
        expected_shapes = (expected_output_shape if isinstance(expected_output_shape, list)
                           else [expected_output_shape])
        got = _as_list(out)
        assert len(got) == len(expected_shapes), f"{name}: {len(got)} outputs, expected {len(expected_shapes)}"
        for o, e in zip(got, expected_shapes):
            _check_shape(o.shape, e, f"{name} eager")
    assert len(layer.weights) == expected_num_weights, (
        f"{name}: {len(layer.weights)} weights {[w.name for w in layer.weights]}, expected {expected_num_weights}")
    assert len(layer.trainable_weights) == expected_num_trainable, (
        f"{name}: {len(layer.trainable_weights)} trainable weights, expected {expected_num_trainable}")
    assert len(layer.non_trainable_weights) == expected_num_weights - expected_num_trainable
    layer.count_params()
    reference = _numpy(out)

    # 2. symbolic call (batch None), compute_output_shape, functional model replay
    sym_layer = layer_factory()
    inputs = [tf.keras.Input(batch_shape=(None,) + a.shape[1:], dtype=a.dtype.name) for a in arrays]
    sym_out = sym_layer(inputs if several else inputs[0])
    for i, o in enumerate(_as_list(sym_out)):
        assert isinstance(o, tf.Tensor) and o.shape[0] is None, f"{name}: symbolic output {o!r}"
        if expected_shapes is not None:
            _check_shape(o.shape, (None,) + tuple(expected_shapes[i][1:]), f"{name} symbolic")
    input_shapes = [(None,) + a.shape[1:] for a in arrays]
    rule = sym_layer.compute_output_shape(input_shapes if several else input_shapes[0])
    rule_shapes = rule if isinstance(rule, list) else [rule]
    for r, o in zip(rule_shapes, _as_list(sym_out)):
        assert tuple(r) == tuple(o.shape), f"{name}: compute_output_shape gives {tuple(r)}, call gives {o.shape}"
    model = tf.keras.Model(inputs if several else inputs[0], sym_out)
    sym_layer.set_weights(layer.get_weights())
    replayed = _numpy(model(tensors()))
    for r, e in zip(_as_list(replayed), _as_list(reference)):
        np.testing.assert_allclose(r, e, rtol=rtol, atol=atol, err_msg=f"{name}: functional model output")

    # 3. config round trip
    config = layer.get_config()
    try:
        text = json.dumps(config)
    except TypeError as exc:
        raise AssertionError(f"{name}: get_config() is not JSON-serializable: {exc}\n{config}") from exc
    clone = tf.keras.layers.deserialize({"class_name": name, "config": json.loads(text)},
                                        custom_objects=custom_objects)
    assert type(clone) is type(layer), f"{name}: deserialize gave {type(clone).__name__}"
    assert _json_roundtrip(clone.get_config()) == _json_roundtrip(config), (
        f"{name}: config changed in the round trip:\n{clone.get_config()}\n!=\n{config}")
    clone(tensors())
    clone.set_weights(layer.get_weights())
    for r, e in zip(_as_list(_numpy(clone(tensors()))), _as_list(reference)):
        np.testing.assert_allclose(r, e, rtol=rtol, atol=atol, err_msg=f"{name}: output after from_config")

    # 4. one training step
    if training_step:
        xs = _as_list(tensors())
        float_inputs = [x for x in xs if x.dtype.is_floating]
        rng = np.random.default_rng(0)
        with tf.GradientTape() as tape:
            for x in float_inputs:
                tape.watch(x)
            outs = _as_list(layer(xs if several else xs[0], training=True))
            loss = tf.constant(0.0, dtype=outs[0].dtype)
            for o in outs:
                probe = tf.constant(rng.normal(size=tuple(o.shape)).astype(o.dtype.name))
                loss = loss + tf.reduce_sum(o * probe)
            for extra in layer.losses:
                loss = loss + tf.cast(extra, loss.dtype)
        targets = list(layer.trainable_weights) + float_inputs
        grads = tape.gradient(loss, targets)
        for w, g in zip(layer.trainable_weights, grads):
            assert g is not None, f"{name}: no gradient for trainable weight {w.name}"
            assert np.all(np.isfinite(g.numpy())), f"{name}: non-finite gradient for {w.name}"
            assert tuple(g.shape) == tuple(w.shape), f"{name}: gradient shape {g.shape} for {w.name} {w.shape}"
        for g in grads[len(layer.trainable_weights):]:
            assert g is None or np.all(np.isfinite(g.numpy())), f"{name}: non-finite input gradient"
    return reference


def check_gradients(layer, input_data, training=False, rtol=1e-5, atol=1e-6, wrt_inputs=True):
    """Finite-difference check, in float64, of a layer's gradients (build the layer with
    dtype='float64' and pass float64 data).

    W.r.t. the float inputs: the full Jacobian, autodiff against central differences
    (`tf.test.compute_gradient`, as tests/gradcheck.py does for ops). W.r.t. each trainable weight: the
    gradient of a fixed random projection `sum(output * probe)`, against central differences of that
    scalar with the weight moved one element at a time (the weights are restored afterwards).
    Call the layer once first (to build it) and keep inputs small: the cost grows with their size.
    """
    arrays = [np.asarray(a) for a in _as_list(input_data)]
    several = isinstance(input_data, (list, tuple))
    xs = [tf.constant(a) for a in arrays]

    def run(*inputs):
        return layer(list(inputs) if several else inputs[0], training=training)

    if wrt_inputs:
        for i, x in enumerate(xs):
            if not x.dtype.is_floating:
                continue
            assert x.dtype == tf.float64, "check_gradients needs float64 inputs"

            def f_i(xi, i=i):
                args = list(xs)
                args[i] = xi
                return run(*args)
            theory, numeric = tf.test.compute_gradient(f_i, [x])
            np.testing.assert_allclose(theory[0], numeric[0], rtol=rtol, atol=atol,
                                       err_msg=f"{layer.name}: gradient w.r.t. input {i}")
    out = run(*xs)
    probe = tf.constant(np.random.default_rng(3).normal(size=tuple(out.shape)))

    def scalar():
        return float(tf.reduce_sum(run(*xs) * probe).numpy())

    for w in layer.trainable_weights:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(run(*xs) * probe)
        theory = tape.gradient(loss, w)
        assert theory is not None, f"{layer.name}: no gradient for {w.name}"
        theory = theory.numpy().reshape(-1)
        base = w.numpy()
        numeric = np.zeros(base.size)
        step = 1e-6
        for k in range(base.size):
            values = []
            for sign in (1, -1):
                moved = base.copy().reshape(-1)
                moved[k] += sign * step
                w.assign(moved.reshape(base.shape))
                values.append(scalar())
            numeric[k] = (values[0] - values[1]) / (2 * step)
        w.assign(base)
        np.testing.assert_allclose(theory, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"{layer.name}: gradient w.r.t. weight {w.name}")
