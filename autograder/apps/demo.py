"""The demo class: three submissions per assignment, graded in the jail, with feedback and grades.

    python -m autograder.apps.demo [--workers N] [assignment ...]

Students: `demo-perfect` (every answer right), `demo-untouched` (the release
as handed out) and `demo-buggy` (one typical mistake per assignment). The
committed release/ and solutions/ are used as they are; only an assignment
whose source/ no longer makes them is rebuilt. The class grader
(autograder.apps.classgrade) grades the submissions in its jailed workers and skips
those already graded and unchanged, so a second run only reads the gradebook
(nbgrader's SQLite default in the course root). Feedback goes to
feedback/<student>/<id>/ and the grades to grades.csv.
"""
import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.builder import rebuild_stale
from autograder.class_grading import grade_class
from autograder.course import ROOT, assignments, db_url_of, tool_environment
from autograder.fakes import DEMO_STUDENTS, write_submissions
from autograder.feedback import write_feedback
from autograder.gradebook import submission_cells
from autograder.pipeline.status_export import export_csv
from autograder.sandbox import jail


def score_table(selected, root=ROOT):
    """A rich Table of each demo student's autograded score per assignment."""
    table = Table(title="Demo class: autograded points (written answers are graded by hand)")
    table.add_column("assignment")
    for student in DEMO_STUDENTS:
        table.add_column(student, justify="right")
    table.add_column("cells the buggy student lost")
    db_url = db_url_of(root)
    for assignment in selected:
        row = [assignment]
        for student in DEMO_STUDENTS:
            scores = submission_cells(db_url, assignment, student) or {}
            got = sum(s or 0.0 for s, _ in scores.values())
            best = sum(m for _, m in scores.values())
            row.append(f"{got:g} / {best:g}")
        buggy = submission_cells(db_url, assignment, "demo-buggy") or {}
        row.append(", ".join(k for k, (s, m) in buggy.items() if (s or 0.0) < m))
        table.add_row(*row)
    return table


# -- the phases ---------------------------------------------------------------------------------
def grade_demo_class(selected, workers, root=ROOT):
    """Write the demo submissions and grade them with the class grader (jailed workers)."""
    for assignment in selected:
        write_submissions(assignment, root)
    return grade_class(root, selected, workers=workers, progress=True)


@contextmanager
def timed(seconds, phase):
    """Add the wall time of the block to seconds[phase]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[phase] = seconds.get(phase, 0.0) + time.perf_counter() - start


def prepare_environment(root=ROOT):
    """This venv's tools first on PATH, the course importable, scratch folders made.

    The scratch folders named by JUPYTER_*_DIR, IPYTHONDIR and MPLCONFIGDIR (the
    Makefile points them into .jupyter-scratch/) are created before anything
    imports IPython or matplotlib, so neither falls back to a temporary folder.
    """
    os.environ.update(tool_environment(root))
    sys.path[:0] = [] if str(root) in sys.path else [str(root)]
    for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                     "IPYTHONDIR", "MPLCONFIGDIR"):
        if os.environ.get(variable):
            Path(os.environ[variable]).mkdir(parents=True, exist_ok=True)


def run(selected, workers=None, console=None, root=ROOT):
    """The whole demo; returns ({phase: seconds}, statuses)."""
    console = console or Console(width=132)
    seconds = {}
    with timed(seconds, "build"):
        rebuild_stale(selected, root, on_rebuild=lambda assignment, parts: console.print(
            f"rebuilding {assignment}: {', '.join(parts)} out of date with source/"))
    with timed(seconds, "grade"):
        statuses = grade_demo_class(selected, workers or os.cpu_count() or 1, root)
    with timed(seconds, "feedback"):
        write_feedback(selected, root)
    with timed(seconds, "export"):
        export_csv(root, root / "grades.csv")
    return seconds, statuses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="ids to include (default: all)")
    parser.add_argument("--workers", type=int, default=None,
                        help="parallel grading processes (default: number of cores)")
    args = parser.parse_args(argv)
    prepare_environment()
    console = Console(width=132)
    selected = args.assignments or assignments()
    unknown = [a for a in selected if a not in assignments()]
    if unknown:
        console.print(f"[red]no such assignment: {', '.join(unknown)}[/red]")
        return 2
    reason = jail.unavailable_reason()
    if reason:
        console.print(f"[red]refusing to grade: {reason}[/red]")
        return 2
    seconds, statuses = run(selected, args.workers, console)
    console.print(score_table(selected))
    problems = [s for s in statuses if s["state"] != "graded"]
    for status in problems:
        reason = (status.get("reason") or "").strip().splitlines()[-1:] or [""]
        console.print(f"{status['state']}: {status['assignment']}/{status['student']}: "
                      f"{reason[0]}")
    console.print("feedback: feedback/<student>/<assignment>/  grades: grades.csv  "
                  f"({sum(seconds.values()):.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
