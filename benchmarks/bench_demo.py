"""Wall time of `make demo` on a fresh clone, split by phase, and of a second run.

    python benchmarks/bench_demo.py [--clone DIR] [--keep]

Clones this repository's HEAD into DIR (default: a new folder under the home
directory; not under /tmp, which every jail replaces with its own), times
`make .venv/.instructor` (install), then runs the demo twice in the clone,
each time split into build, grade, feedback and export. Prints one row per run.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("install", "build", "grade", "feedback", "export")
RUN_DEMO = """
import json, sys
from autograder.apps.demo import prepare_environment, run
from autograder.course import assignments
from rich.console import Console
prepare_environment()
seconds, statuses = run(assignments(), console=Console(file=sys.stderr))
assert all(s["state"] == "graded" for s in statuses), statuses
print(json.dumps(seconds))
"""


def make_environment(clone):
    """The variables the Makefile exports, for the clone."""
    scratch = clone / ".jupyter-scratch"
    env = dict(os.environ, PYTHONPATH=str(clone),
               PATH=os.pathsep.join([str(clone / ".venv" / "bin"), os.environ["PATH"]]),
               JUPYTER_CONFIG_DIR=str(scratch / "config"),
               JUPYTER_DATA_DIR=str(scratch / "data"),
               JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
               IPYTHONDIR=str(scratch / "ipython"), MPLCONFIGDIR=str(scratch / "matplotlib"))
    return env


def timed_demo(clone):
    """{phase: seconds} of one demo run in the clone."""
    result = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", RUN_DEMO],
                            cwd=clone, env=make_environment(clone), check=True,
                            stdout=subprocess.PIPE, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def row(name, seconds):
    cells = "  ".join(f"{phase} {seconds.get(phase, 0.0):5.1f}" for phase in PHASES)
    return f"{name:<7} total {sum(seconds.values()):5.1f} s   {cells}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clone", type=Path, default=None,
                        help="folder to clone into (must not exist)")
    parser.add_argument("--keep", action="store_true", help="keep the clone afterwards")
    args = parser.parse_args(argv)
    clone = args.clone or Path(tempfile.mkdtemp(prefix="nn-course-bench-demo-",
                                                dir=Path.home())) / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    try:
        start = time.perf_counter()
        subprocess.run(["make", "-s", ".venv/.instructor"], cwd=clone, check=True,
                       env={k: v for k, v in os.environ.items() if k != "MAKEFLAGS"})
        first = {"install": time.perf_counter() - start, **timed_demo(clone)}
        again = timed_demo(clone)
        print(f"demo on a fresh clone, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.2f}")
        print(row("fresh", first))
        print(row("again", again))
    finally:
        if not args.keep:
            shutil.rmtree(clone.parent if args.clone is None else clone, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
