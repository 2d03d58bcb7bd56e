"""Benchmark of the λ explorer of 08_regularization: build time and redraw times.

    python benchmarks/bench_regularization.py

Runs the notebook's own given training code (its `given_mlp` cell) with the reference
answers, builds the explorer outside Jupyter, moves the slider through its whole range
twice and prints the times (every figure is rendered while the explorer is built).
Goal: every redraw under 0.15 s; building (training every λ of the grid) a few seconds.
"""
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.pop("NBGRADER_EXECUTION", None)

from autograder.builder import toolkit_source  # noqa: E402
from autograder.reference import regularization as ref  # noqa: E402
from course.data import digits  # noqa: E402
from course.widgets.regularization import regularization_explorer  # noqa: E402

ASSIGNMENT = "08_regularization"


def notebook_namespace():
    """Names the notebook's given training code sees: toolkit, data, reference answers."""
    namespace = {"np": np, "digits": digits}
    exec(toolkit_source(ASSIGNMENT), namespace)  # noqa: S102 - our own generated code
    for name in ("l2_grad", "dropout_forward", "dropout_backward"):
        namespace[name] = getattr(ref, name)
    notebook = nbformat.read(ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    given = [c for c in notebook.cells
             if c.metadata.get("nbgrader", {}).get("grade_id") == "given_mlp"]
    exec(given[0].source, namespace)  # noqa: S102
    return namespace


def main():
    namespace = notebook_namespace()
    data = namespace["small_digits"]()
    start, cpu_start = time.perf_counter(), time.process_time()
    box = regularization_explorer(lambda lam: namespace["train_regularized"](data, lam=lam))
    build_seconds, build_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    slider = box.children[0]
    values = [value for _, value in slider.options]
    for _ in range(2):
        for value in values[1:] + values[::-1][1:]:
            slider.value = value
    times = box.redraw_seconds
    print(f"built (trained and rendered {len(values)} runs) in {build_seconds:.2f} s "
          f"({build_cpu:.2f} s of CPU; load average {os.getloadavg()[0]:.1f})")
    print(f"{len(times)} redraws: median {statistics.median(times) * 1000:.2f} ms, "
          f"max {max(times) * 1000:.2f} ms")
    return 0 if max(times) < 0.15 else 1


if __name__ == "__main__":
    sys.exit(main())
