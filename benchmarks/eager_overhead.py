"""Per-op eager dispatch overhead: cornu vs the raw NumPy call, with and without a recording tape,
beside PyTorch eager when it is installed.

    python benchmarks/eager_overhead.py [--number N]

For each small-array op it prints microseconds per call for NumPy, cornu, cornu under a
GradientTape (inputs watched, so every op is recorded), PyTorch, and PyTorch with requires_grad,
plus cornu's overhead over NumPy and the ratio of that overhead to PyTorch's time per call.
"""
import argparse
import timeit

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import cornu as tf


def _best(fn, number, repeat=5):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def workloads():
    rng = np.random.default_rng(0)
    small = rng.random((8, 8), dtype=np.float32)
    mat = rng.random((32, 32), dtype=np.float32)
    return {
        "add (8x8)": (small, lambda x: x + x, lambda t: t + t, lambda t: t + t),
        "matmul (32x32)": (mat, lambda x: x @ x, lambda t: t @ t, lambda t: t @ t),
        "relu (8x8)": (small, lambda x: np.maximum(x, 0), tf.nn.relu, None),
        "reduce_sum (8x8)": (small, lambda x: x.sum(), tf.reduce_sum, None),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rows = []
    for name, (array, np_fn, cornu_fn, torch_fn) in workloads().items():
        t_np = _best(lambda: np_fn(array), args.number)
        x = tf.constant(array)
        t_cornu = _best(lambda: cornu_fn(x), args.number)
        def taped_block():
            # a fresh tape per 100 ops, as in a training step: records do not pile up without bound
            with tf.GradientTape() as tape:
                tape.watch(x)
                for _ in range(100):
                    cornu_fn(x)
        t_tape = _best(taped_block, max(args.number // 100, 1)) / 100
        t_torch = t_torch_grad = float("nan")
        if torch is not None:
            tx = torch.from_numpy(array.copy())
            torch_op = torch_fn or {"relu (8x8)": torch.relu, "reduce_sum (8x8)": torch.sum}[name]
            with torch.no_grad():
                t_torch = _best(lambda: torch_op(tx), args.number)
            tg = tx.clone().requires_grad_(True)
            t_torch_grad = _best(lambda: torch_op(tg), args.number // 4)
        rows.append((name, t_np, t_cornu, t_tape, t_torch, t_torch_grad))
    print(f"{'op':18s} {'numpy':>7s} {'cornu':>7s} {'+tape':>7s} {'torch':>7s} {'+grad':>7s} "
          f"{'cornu overhead':>15s} {'overhead/torch':>15s} {'taped/torch+grad':>17s}")
    for name, t_np, t_cornu, t_tape, t_torch, t_torch_grad in rows:
        overhead, taped = t_cornu - t_np, t_tape - t_np
        print(f"{name:18s} {t_np:7.2f} {t_cornu:7.2f} {t_tape:7.2f} {t_torch:7.2f} {t_torch_grad:7.2f} "
              f"{overhead:13.2f}us {overhead / t_torch:14.2f}x {taped / t_torch_grad:16.2f}x")
    print("\nmicroseconds per call (best of 5 repeats); 'overhead' = cornu - numpy, 'taped' = cornu+tape - numpy;"
          "\ntorch: eager, 1 thread (its whole time per call is dispatch overhead at these sizes)")


if __name__ == "__main__":
    main()
