"""The benchmark workloads, one function per (framework, workload), each run in its own process by
benchmarks/run.py. Every function prints one JSON line with its measurements.

    python benchmarks/workloads.py FRAMEWORK WORKLOAD

FRAMEWORK: cornu, torch, torch_compile, keras_tensorflow, keras_jax, numpy_blas
WORKLOAD:  mlp (W1), cnn (W2), small (W3), import (W4: import time; W1's peak memory is in 'mlp')
"""
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

EPOCHS = {"mlp": 3, "cnn": 2}


def mnist():
    from cornu.data.sample import mnist_sample_split
    (x_train, y_train), (x_test, y_test) = mnist_sample_split()
    return ((x_train.astype("float32") / 255.0, y_train.astype("int64")),
            (x_test.astype("float32") / 255.0, y_test.astype("int64")))


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(**values):
    print(json.dumps(values), flush=True)


# -- cornu ----------------------------------------------------------------------------------------
def cornu_model(kind, tf):
    L = tf.keras.layers
    if kind == "mlp":
        layers = [tf.keras.Input((28, 28)), L.Flatten(), L.Dense(512, activation="relu"),
                  L.Dense(512, activation="relu"), L.Dense(10)]
    elif kind == "cnn":
        layers = [tf.keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.Conv2D(64, 3, activation="relu"),
                  L.MaxPooling2D(2), L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10)]
    else:
        layers = [tf.keras.Input((28, 28)), L.Flatten(), L.Dense(100, activation="relu"), L.Dense(10)]
    model = tf.keras.Sequential(layers)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def keras_like(kind, tf, framework):
    (x, y), (xt, yt) = mnist()
    if kind == "cnn":
        x, xt = x[..., None], xt[..., None]
    tf.keras.utils.set_random_seed(0)
    model = cornu_model(kind, tf)
    if kind == "small":
        model.fit(x[:3200], y[:3200], batch_size=32, epochs=1, verbose=0)  # builds and compiles
        start = time.perf_counter()
        model.fit(x[:3200], y[:3200], batch_size=32, epochs=1, verbose=0)
        report(us_per_step=(time.perf_counter() - start) / 100 * 1e6)
        return
    times = []
    for _ in range(EPOCHS[kind]):
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        times.append(time.perf_counter() - start)
    _, accuracy = model.evaluate(xt, yt, verbose=0)
    report(s_per_epoch=min(times[1:]), accuracy=float(accuracy), peak_mib=peak_mib())


def run_cornu(kind):
    start = time.perf_counter()
    import cornu as tf
    if kind == "import":
        report(import_s=time.perf_counter() - start)
        return
    keras_like(kind, tf, "cornu")


def run_keras(kind, backend):
    os.environ["KERAS_BACKEND"] = backend
    start = time.perf_counter()
    import keras
    if kind == "import":
        report(import_s=time.perf_counter() - start)
        return

    class Shim:
        pass
    shim = Shim()
    shim.keras = keras
    keras_like(kind, shim, "keras")


# -- PyTorch --------------------------------------------------------------------------------------
def run_torch(kind, compiled=False):
    start = time.perf_counter()
    import torch
    if kind == "import":
        report(import_s=time.perf_counter() - start)
        return
    import torch.nn as nn
    torch.manual_seed(0)
    (x, y), (xt, yt) = mnist()
    if kind == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                              nn.Linear(512, 10))
    elif kind == "cnn":
        x, xt = x[:, None], xt[:, None]
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))
    else:
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    step_model = torch.compile(model) if compiled else model
    X, Y, XT = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(xt)

    def step(xb, yb):
        optimizer.zero_grad()
        loss = loss_fn(step_model(xb), yb)
        loss.backward()
        optimizer.step()

    if kind == "small":
        for i in range(0, 3200, 32):
            step(X[i:i + 32], Y[i:i + 32])
        start = time.perf_counter()
        for i in range(0, 3200, 32):
            step(X[i:i + 32], Y[i:i + 32])
        report(us_per_step=(time.perf_counter() - start) / 100 * 1e6)
        return
    times = []
    for _ in range(EPOCHS[kind]):
        perm = torch.randperm(len(X))
        start = time.perf_counter()
        for i in range(0, len(X), 128):
            idx = perm[i:i + 128]
            step(X[idx], Y[idx])
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        accuracy = (step_model(XT).argmax(1).numpy() == yt).mean()
    report(s_per_epoch=min(times[1:]), accuracy=float(accuracy), peak_mib=peak_mib())


# -- the BLAS floor ---------------------------------------------------------------------------------
def run_numpy_blas(kind):
    """Only W1's matrix products (forward and backward) in NumPy: the floor no framework beats."""
    import numpy as np
    if kind != "mlp":
        report(skipped=True)
        return
    rng = np.random.default_rng(0)
    sizes = [(784, 512), (512, 512), (512, 10)]
    w = [rng.normal(size=s).astype("float32") for s in sizes]
    x = rng.normal(size=(128, 784)).astype("float32")
    steps = 8000 // 128 + 1

    def epoch():
        for _ in range(steps):
            h1 = x @ w[0]
            h2 = h1 @ w[1]
            out = h2 @ w[2]
            g2 = out @ w[2].T
            g1 = g2 @ w[1].T
            _ = h2.T @ out, h1.T @ g2, x.T @ g1
    epoch()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - start)
    report(s_per_epoch=min(times))


if __name__ == "__main__":
    framework, kind = sys.argv[1], sys.argv[2]
    if framework == "cornu":
        run_cornu(kind)
    elif framework == "torch":
        run_torch(kind)
    elif framework == "torch_compile":
        run_torch(kind, compiled=True)
    elif framework == "keras_tensorflow":
        run_keras(kind, "tensorflow")
    elif framework == "keras_jax":
        run_keras(kind, "jax")
    elif framework == "numpy_blas":
        run_numpy_blas(kind)
    else:
        raise SystemExit(f"unknown framework {framework!r}")
