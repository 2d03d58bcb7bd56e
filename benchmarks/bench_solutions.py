"""How long does each solution notebook take to execute top to bottom, and the whole course?

    python benchmarks/bench_solutions.py

Goals: under 20 s per notebook and under 90 s for the course. Prints the measured
seconds of each notebook, the total, and each as a ratio of its goal, from one run.
"""
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.course import assignments  # noqa: E402
from autograder.builder import execute, solution_notebook  # noqa: E402

NOTEBOOK_GOAL_SECONDS = 20.0
COURSE_GOAL_SECONDS = 90.0


def time_notebook(assignment):
    """Seconds to execute the solution of one assignment in a scratch copy of its folder."""
    notebook = solution_notebook(ROOT / "source" / assignment / f"{assignment}.ipynb")
    with tempfile.TemporaryDirectory() as scratch:
        toolkit = ROOT / "source" / assignment / "toolkit.py"
        if toolkit.exists():
            (Path(scratch) / "toolkit.py").write_text(toolkit.read_text())
        start = time.perf_counter()
        execute(nbformat.from_dict(notebook), scratch)
        return time.perf_counter() - start


def main():
    total = 0.0
    print(f"{'assignment':<20} {'seconds':>8} {'/ goal':>8}")
    for assignment in assignments():
        seconds = time_notebook(assignment)
        total += seconds
        print(f"{assignment:<20} {seconds:8.1f} {seconds / NOTEBOOK_GOAL_SECONDS:8.2f}")
    print(f"{'whole course':<20} {total:8.1f} {total / COURSE_GOAL_SECONDS:8.2f}")


if __name__ == "__main__":
    main()
