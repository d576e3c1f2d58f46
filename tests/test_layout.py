"""The layout rules of DESIGN.md: numpy stays in the backend; `import cornu` is fast and light."""
import pathlib
import re
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cornu"
# DESIGN.md: numpy imports live in backend/, with an exception for file I/O in data/ and saving/
ALLOWED = ("backend/", "data/", "saving/")
NUMPY_IMPORT = re.compile(r"^\s*(import numpy\b|from numpy\b)", re.MULTILINE)


def test_numpy_is_imported_only_in_the_backend():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(ALLOWED):
            continue
        text = path.read_text(encoding="utf-8")
        for match in NUMPY_IMPORT.finditer(text):
            line = text[:match.start()].count("\n") + 1
            offenders.append(f"cornu/{relative}:{line}: {match.group(1)}")
    assert not offenders, ("numpy imported outside cornu/backend/ (ask the backend for `xp`):\n"
                           + "\n".join(offenders))


def test_the_grep_catches_imports():
    assert NUMPY_IMPORT.search("import numpy as np\n")
    assert NUMPY_IMPORT.search("def f():\n    from numpy import zeros\n")
    assert not NUMPY_IMPORT.search("import numpyish\nx = 'numpy'\n")


_PROBE = """
import sys, time
start = time.perf_counter()
import cornu
elapsed = time.perf_counter() - start
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'cupy', 'scipy', 'torch', 'tensorflow', 'jax'})
print(f"{elapsed}|{','.join(heavy)}")
"""


def _import_once():
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60)
    seconds, heavy = out.stdout.strip().splitlines()[-1].split("|")
    return float(seconds), heavy


def test_import_is_fast_and_light():
    # median of 5 fresh interpreters; a busy machine gets two more tries, a real regression fails all 3
    medians = []
    for _ in range(3):
        runs = [_import_once() for _ in range(5)]
        heavy = {h for _, h in runs if h}
        assert not heavy, f"`import cornu` imported heavy optional modules: {heavy}"
        medians.append(statistics.median(seconds for seconds, _ in runs))
        if medians[-1] < 0.25:
            return
    raise AssertionError(f"`import cornu` took {min(medians):.3f} s (best median of 5 runs, "
                         f"3 tries: {[round(m, 3) for m in medians]}); the budget is 0.25 s")
