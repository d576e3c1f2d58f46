"""Benchmark driver: the same workloads on cornu and, when installed, PyTorch (eager and
torch.compile) and Keras 3 (TensorFlow and JAX backends), each in its own process, one at a time,
several repeats; writes the medians and the ratios to cornu into benchmarks/RESULTS.md.

    python benchmarks/run.py [--repeats 3] [--workloads mlp cnn small import] [--frameworks ...]

W1 'mlp': Flatten-Dense(512)-Dense(512)-Dense(10), Adam 1e-3, batch 128, 8,000 MNIST sample images:
   seconds per epoch (best epoch after the first), test accuracy on the last 2,000, peak memory.
W2 'cnn': Conv2D(32,3)-Conv2D(64,3)-MaxPooling2D-Flatten-Dense(128)-Dense(10), same protocol.
W3 'small': Flatten-Dense(100)-Dense(10), batch 32: microseconds per training step.
W4 'import': seconds to import the framework in a fresh process.
The BLAS floor for W1 is the time of just its matrix products in NumPy.
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMEWORKS = {
    "cornu": None, "numpy_blas": None, "torch": "torch", "torch_compile": "torch",
    "keras_tensorflow": "tensorflow", "keras_jax": "jax",
}
METRIC = {"mlp": "s_per_epoch", "cnn": "s_per_epoch", "small": "us_per_step", "import": "import_s"}


def available(framework):
    module = FRAMEWORKS[framework]
    if module is None:
        return True
    if framework.startswith("keras") and importlib.util.find_spec("keras") is None:
        return False
    return importlib.util.find_spec(module) is not None


def measure(framework, workload, repeats, timeout):
    results = []
    for _ in range(repeats):
        try:
            proc = subprocess.run([sys.executable, os.path.join(HERE, "workloads.py"), framework, workload],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout}s"}
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        if proc.returncode != 0 or not lines:
            return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:200]}
        results.append(json.loads(lines[-1]))
    if any(r.get("skipped") for r in results):
        return None
    keys = {k for r in results for k in r}
    return {k: statistics.median(r[k] for r in results if k in r) for k in keys}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workloads", nargs="+", default=["mlp", "cnn", "small", "import"])
    parser.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS))
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args()
    table = {}
    for workload in args.workloads:
        for framework in args.frameworks:
            if not available(framework):
                continue
            result = measure(framework, workload, args.repeats, args.timeout)
            if result is not None:
                table[(workload, framework)] = result
                print(workload, framework, result, flush=True)
    write(table, args)


def write(table, args):
    lines = ["# Benchmark results", "",
             f"`python benchmarks/run.py --repeats {args.repeats}` on {os.cpu_count()} cores, "
             f"{time.strftime('%Y-%m-%d')}; medians of {args.repeats} runs, each in a fresh process. "
             "Ratio = cornu / other (below 1: cornu is faster or smaller).", ""]
    for workload in args.workloads:
        metric = METRIC[workload]
        rows = {f: r for (w, f), r in table.items() if w == workload}
        if not rows:
            continue
        base = rows.get("cornu", {}).get(metric)
        lines += [f"## {workload} ({metric})", "", "| framework | " + metric + " | cornu / this | accuracy | peak MiB |",
                  "| --- | --- | --- | --- | --- |"]
        for framework, r in rows.items():
            if "error" in r:
                lines.append(f"| {framework} | error: {r['error']} | | | |")
                continue
            value = r.get(metric)
            ratio = f"{base / value:.2f}" if base and value else ""
            acc = f"{r['accuracy']:.4f}" if "accuracy" in r else ""
            mem = f"{r['peak_mib']:.0f}" if "peak_mib" in r else ""
            lines.append(f"| {framework} | {value:.4g} | {ratio} | {acc} | {mem} |")
        lines.append("")
    with open(args.output, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
