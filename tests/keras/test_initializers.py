"""Initializers: Keras's defaults and fan rules, checked by the statistics of large draws; seeding;
orthogonality; get / serialize / deserialize."""
import math

import numpy as np
import pytest

import cornu as tf
from cornu.keras import initializers as I

SHAPE = (300, 200)  # 60,000 draws: sample mean/std within ~1% of the truth
FAN_IN, FAN_OUT = 300, 200


def draw(init, shape=SHAPE, dtype=None):
    out = init(shape, dtype=dtype) if dtype is not None else init(shape)
    assert isinstance(out, tf.Tensor)
    assert tuple(out.shape) == tuple(shape)
    return out.numpy().astype(np.float64)


def check_normal(x, std, truncated=False, mean=0.0):
    assert abs(x.mean() - mean) < 4 * std / math.sqrt(x.size) + 1e-12
    assert x.std() == pytest.approx(std, rel=0.02)
    if truncated:
        assert np.abs(x - mean).max() <= 2 * std / 0.87962566103423978 + 1e-6  # two *untruncated* stddevs


def check_uniform(x, limit):
    assert x.min() >= -limit and x.max() <= limit
    assert x.min() < -0.99 * limit and x.max() > 0.99 * limit
    assert x.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)
    assert abs(x.mean()) < 4 * limit / math.sqrt(3 * x.size)


def test_constant_initializers():
    assert np.all(draw(I.Zeros(), (3, 4)) == 0)
    assert np.all(draw(I.Ones(), (3, 4)) == 1)
    assert np.all(draw(I.Constant(2.5), (2, 2)) == 2.5)
    assert I.Constant().value == 0.0
    np.testing.assert_array_equal(draw(I.Constant([1.0, 2.0, 3.0]), (2, 3)), [[1, 2, 3], [1, 2, 3]])
    assert I.Zeros()((2,), dtype="int32").dtype == tf.int32
    assert I.Ones()((2,), dtype=tf.float64).dtype == tf.float64
    assert I.Constant(0.1)((1,), dtype="float64").numpy()[0] == 0.1  # exact in float64
    assert I.Constant(2.7)((2,), dtype="int32").numpy().tolist() == [2, 2]
    assert I.Zeros()(()).shape == ()


def test_identity():
    np.testing.assert_array_equal(draw(I.Identity(), (3, 3)), np.eye(3))
    np.testing.assert_array_equal(draw(I.Identity(gain=2.0), (2, 4)), 2 * np.eye(2, 4))
    with pytest.raises(ValueError, match="2D"):
        I.Identity()((2, 2, 2))


def test_random_normal_uniform_truncated_defaults():
    x = draw(I.RandomNormal(seed=1))
    check_normal(x, 0.05)
    check_normal(draw(I.RandomNormal(mean=1.0, stddev=2.0, seed=1)), 2.0, mean=1.0)
    check_uniform(draw(I.RandomUniform(seed=1)), 0.05)
    x = draw(I.RandomUniform(minval=0.0, maxval=3.0, seed=1))
    assert x.min() >= 0.0 and x.max() < 3.0 and x.mean() == pytest.approx(1.5, abs=0.02)
    x = draw(I.TruncatedNormal(seed=1))
    assert np.abs(x).max() <= 0.1 + 1e-7  # redrawn beyond two stddevs
    assert x.std() == pytest.approx(0.05 * 0.87962566103423978, rel=0.02)


def test_compute_fans():
    assert I.compute_fans(()) == (1, 1)
    assert I.compute_fans((7,)) == (7, 7)
    assert I.compute_fans((3, 5)) == (3, 5)
    assert I.compute_fans((3, 3, 16, 32)) == (3 * 3 * 16, 3 * 3 * 32)  # conv kernel: field * channels
    assert I.compute_fans((5, 4, 8)) == (20, 40)


@pytest.mark.parametrize("mode,n", [("fan_in", FAN_IN), ("fan_out", FAN_OUT), ("fan_avg", (FAN_IN + FAN_OUT) / 2)])
@pytest.mark.parametrize("scale", [1.0, 2.5])
def test_variance_scaling(mode, n, scale):
    std = math.sqrt(scale / n)
    # truncated_normal: Keras divides by 0.8796... so the *truncated* draws have the intended std
    check_normal(draw(I.VarianceScaling(scale, mode, "truncated_normal", seed=2)), std, truncated=True)
    check_normal(draw(I.VarianceScaling(scale, mode, "untruncated_normal", seed=2)), std)
    check_uniform(draw(I.VarianceScaling(scale, mode, "uniform", seed=2)), math.sqrt(3 * scale / n))


def test_variance_scaling_arguments():
    init = I.VarianceScaling()
    assert (init.scale, init.mode, init.distribution, init.seed) == (1.0, "fan_in", "truncated_normal", None)
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="seed"):
        I.RandomNormal(seed="7")


@pytest.mark.parametrize("cls,kind,scale,mode", [
    (I.GlorotUniform, "uniform", 1.0, "fan_avg"), (I.GlorotNormal, "normal", 1.0, "fan_avg"),
    (I.HeUniform, "uniform", 2.0, "fan_in"), (I.HeNormal, "normal", 2.0, "fan_in"),
    (I.LecunUniform, "uniform", 1.0, "fan_in"), (I.LecunNormal, "normal", 1.0, "fan_in")])
def test_named_variance_scaling(cls, kind, scale, mode):
    n = {"fan_in": FAN_IN, "fan_avg": (FAN_IN + FAN_OUT) / 2}[mode]
    x = draw(cls(seed=3))
    if kind == "uniform":
        check_uniform(x, math.sqrt(3 * scale / n))  # glorot: sqrt(6 / (in + out)), he: sqrt(6 / in)
    else:
        check_normal(x, math.sqrt(scale / n), truncated=True)
    assert cls().get_config() == {"seed": None}
    assert cls(seed=5).get_config() == {"seed": 5}


def test_conv_kernel_uses_receptive_field():
    x = draw(I.HeUniform(seed=0), (3, 3, 64, 32))
    check_uniform(x, math.sqrt(6 / (3 * 3 * 64)))
    x = draw(I.GlorotNormal(seed=0), (5, 5, 32, 64))
    check_normal(x, math.sqrt(2 / (25 * 32 + 25 * 64)), truncated=True)


def test_float64_and_float16():
    x = I.GlorotUniform(seed=0)((4, 5), dtype="float64")
    assert x.dtype == tf.float64
    assert I.RandomNormal(seed=0)((4,), dtype=tf.float16).dtype == tf.float16
    assert I.Orthogonal(seed=0)((4, 4), dtype="float64").dtype == tf.float64
    with pytest.raises(Exception):
        I.RandomNormal()((2,), dtype="int32")


ALL_RANDOM = [I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.VarianceScaling, I.GlorotUniform,
              I.GlorotNormal, I.HeUniform, I.HeNormal, I.LecunUniform, I.LecunNormal, I.Orthogonal]


@pytest.mark.parametrize("cls", ALL_RANDOM, ids=lambda c: c.__name__)
def test_seeded_initializers_repeat(cls):
    a = cls(seed=42)((6, 5)).numpy()
    assert np.array_equal(a, cls(seed=42)((6, 5)).numpy())  # a new instance, same seed
    init = cls(seed=42)
    assert np.array_equal(init((6, 5)).numpy(), init((6, 5)).numpy())  # the same instance, called twice
    assert not np.array_equal(a, cls(seed=43)((6, 5)).numpy())


def test_seeded_initializers_ignore_and_keep_the_global_stream():
    tf.random.set_seed(1)
    a = I.GlorotUniform(seed=7)((3, 3)).numpy()
    tf.random.set_seed(2)
    assert np.array_equal(a, I.GlorotUniform(seed=7)((3, 3)).numpy())
    # a seeded draw in between does not move the program's own random stream
    tf.random.set_seed(5)
    first = tf.random.normal((4,)).numpy()
    tf.random.set_seed(5)
    I.RandomNormal(seed=9)((10,))
    assert np.array_equal(first, tf.random.normal((4,)).numpy())
    tf.random.set_seed(None)


@pytest.mark.parametrize("cls", ALL_RANDOM, ids=lambda c: c.__name__)
def test_unseeded_initializers_follow_the_global_seed(cls):
    tf.random.set_seed(123)
    init = cls()
    a, b = init((5, 4)).numpy(), init((5, 4)).numpy()
    assert not np.array_equal(a, b)  # fresh values on each call
    tf.random.set_seed(123)
    init = cls()
    assert np.array_equal(a, init((5, 4)).numpy()) and np.array_equal(b, init((5, 4)).numpy())
    tf.random.set_seed(None)


@pytest.mark.parametrize("shape", [(40, 25), (25, 40), (7, 7), (3, 3, 4, 8), (2, 3, 20)])
def test_orthogonal(shape):
    q = I.Orthogonal(seed=4)(shape, dtype="float64").numpy()
    assert q.shape == shape
    flat = q.reshape(-1, shape[-1])
    rows, cols = flat.shape
    gram = flat.T @ flat if rows >= cols else flat @ flat.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-10)
    q2 = I.Orthogonal(gain=3.0, seed=4)(shape, dtype="float64").numpy()
    np.testing.assert_allclose(q2, 3.0 * q, atol=1e-12)
    q32 = I.Orthogonal(seed=4)(shape).numpy()
    assert q32.dtype == np.float32
    np.testing.assert_allclose(q32, q, atol=1e-6)


def test_orthogonal_is_the_qr_of_the_normal_draw():
    # Keras: q, r = qr(normal draw); q *= sign(diag(r)) -- compare with NumPy's QR of the same draw
    tf.random.set_seed(11)
    q = I.Orthogonal()((30, 12), dtype="float64").numpy()
    tf.random.set_seed(11)
    a = tf.random.normal((30, 12), dtype=tf.float64).numpy()
    ref_q, ref_r = np.linalg.qr(a)
    ref_q *= np.sign(np.diag(ref_r))
    np.testing.assert_allclose(q, ref_q, atol=1e-10)
    tf.random.set_seed(None)
    with pytest.raises(ValueError, match="two-dimensional"):
        I.Orthogonal()((5,))


NAMES = {"zeros": I.Zeros, "ones": I.Ones, "constant": I.Constant, "identity": I.Identity,
         "random_normal": I.RandomNormal, "random_uniform": I.RandomUniform,
         "truncated_normal": I.TruncatedNormal, "variance_scaling": I.VarianceScaling,
         "glorot_uniform": I.GlorotUniform, "glorot_normal": I.GlorotNormal, "he_uniform": I.HeUniform,
         "he_normal": I.HeNormal, "lecun_uniform": I.LecunUniform, "lecun_normal": I.LecunNormal,
         "orthogonal": I.Orthogonal, "uniform": I.RandomUniform, "normal": I.RandomNormal,
         "GlorotUniform": I.GlorotUniform, "Zeros": I.Zeros, "Orthogonal": I.Orthogonal,
         "OrthogonalInitializer": I.Orthogonal}


def test_get():
    for name, cls in NAMES.items():
        assert type(I.get(name)) is cls, name
    assert I.get(None) is None
    init = I.HeNormal(seed=1)
    assert I.get(init) is init
    assert type(I.get(I.Ones)) is I.Ones

    def custom(shape, dtype=None):
        return tf.zeros(shape)

    assert I.get(custom) is custom
    assert I.get({"class_name": "RandomNormal", "config": {"stddev": 2.0}}).stddev == 2.0
    with pytest.raises(ValueError, match="Unknown initializer"):
        I.get("glorot_uniformm")
    with pytest.raises(ValueError, match="Could not interpret"):
        I.get(3)


def test_serialization_round_trip():
    objects = [I.Zeros(), I.Ones(), I.Constant(3.0), I.Constant([1.0, 2.0]), I.Identity(2.0),
               I.RandomNormal(0.1, 0.2, seed=3), I.RandomUniform(-1.0, 1.0, seed=3),
               I.TruncatedNormal(stddev=0.3), I.VarianceScaling(2.0, "fan_out", "uniform", seed=1),
               I.GlorotUniform(seed=2), I.GlorotNormal(), I.HeUniform(), I.HeNormal(), I.LecunUniform(),
               I.LecunNormal(), I.Orthogonal(gain=0.5, seed=1)]
    for obj in objects:
        data = I.serialize(obj)
        assert data["module"] == "keras.initializers" and data["class_name"] == type(obj).__name__
        clone = I.deserialize(data)
        assert type(clone) is type(obj) and clone.get_config() == obj.get_config()
        assert type(obj).from_config(obj.get_config()).get_config() == obj.get_config()
        assert clone.clone().get_config() == obj.get_config()
    assert I.GlorotUniform(seed=2).get_config() == {"seed": 2}
    assert I.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    # tf.keras 2 configs carried a dtype
    assert I.GlorotUniform.from_config({"seed": None, "dtype": "float32"}).seed is None
    seeded = I.deserialize(I.serialize(I.RandomNormal(seed=8)))
    np.testing.assert_array_equal(seeded((3,)).numpy(), I.RandomNormal(seed=8)((3,)).numpy())
