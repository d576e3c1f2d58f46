"""Input-pipeline throughput: map + shuffle + batch + prefetch over the MNIST sample (10,000 images),
cornu.data beside tf.data when TensorFlow is installed.

    python benchmarks/data_pipeline.py [--epochs N] [--batch-size B] [--buffer S]

Each pipeline is iterated `epochs` times (one epoch = the 10,000 images once); it prints the best
epoch's elements/s and batches/s for each variant, and cornu's speed as a fraction of tf.data's
(1.0 = as fast). TensorFlow is optional: without it only cornu's figures are printed.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cornu as cn  # noqa: E402
import cornu.data  # noqa: E402,F401
from cornu.data.sample import load_mnist_sample  # noqa: E402


def pipeline(lib, images, labels, parallel, prefetch, batch_size, buffer):
    """The same pipeline in cornu.data or tf.data (`lib` is the framework module)."""
    autotune = lib.data.AUTOTUNE

    def normalize(image, label):
        return lib.cast(image, lib.float32) / 255.0, lib.cast(label, lib.int32)
    ds = lib.data.Dataset.from_tensor_slices((images, labels))
    ds = ds.map(normalize, num_parallel_calls=autotune if parallel else None)
    ds = ds.shuffle(buffer, seed=0).batch(batch_size)
    if prefetch:
        ds = ds.prefetch(autotune)
    return ds


def best_epoch(ds, epochs):
    best, batches = float("inf"), 0
    for _ in range(epochs):
        start = time.perf_counter()
        batches = sum(1 for _ in ds)
        best = min(best, time.perf_counter() - start)
    return best, batches


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--buffer", type=int, default=10000)
    args = parser.parse_args()
    images, labels = load_mnist_sample()
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow
    except ImportError:
        tensorflow = None
    variants = [("map+shuffle+batch", False, False), ("map+shuffle+batch+prefetch", False, True),
                ("map(AUTOTUNE)+shuffle+batch+prefetch", True, True)]
    print(f"MNIST sample: {len(images)} images {images.shape[1:]}, batch {args.batch_size}, shuffle buffer "
          f"{args.buffer}, best of {args.epochs} epochs; {os.cpu_count()} CPU cores")
    header = f"{'pipeline':40s} {'cornu el/s':>11s} {'cornu b/s':>10s}"
    if tensorflow is not None:
        header += f" {'tf.data el/s':>13s} {'tf.data b/s':>12s} {'cornu/tf':>9s}"
    print(header)
    for name, parallel, prefetch in variants:
        seconds, batches = best_epoch(pipeline(cn, images, labels, parallel, prefetch, args.batch_size,
                                               args.buffer), args.epochs)
        line = f"{name:40s} {len(images) / seconds:11.0f} {batches / seconds:10.1f}"
        if tensorflow is not None:
            tf_seconds, tf_batches = best_epoch(pipeline(tensorflow, images, labels, parallel, prefetch,
                                                         args.batch_size, args.buffer), args.epochs)
            line += (f" {len(images) / tf_seconds:13.0f} {tf_batches / tf_seconds:12.1f} "
                     f"{tf_seconds / seconds:9.2f}")
        print(line)
    if tensorflow is None:
        print("(TensorFlow is not installed: tf.data's figures are skipped)")


if __name__ == "__main__":
    main()
