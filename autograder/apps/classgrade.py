"""Grade every submission of a class, in parallel, on top of nbgrader's gradebook.

    python -m autograder.classgrade [assignment ...] [--workers N] [--db-url URL]
                                    [--scheduler ADDRESS] [--force] [--student GLOB]
                                    [--no-jail]

Run it in the course root (where nbgrader_config.py is), after `nbgrader
collect` (or whatever fills submitted/<student>/<id>/). One job per student
and assignment (nbgrader's own autograde, autograder.class_grading), run by `--workers` local
worker processes (default: the number of cores) or, with `--scheduler`, by the workers of
a dask.distributed cluster. A student is never
graded by two processes at once. Already graded, unchanged submissions are
skipped (a killed run started again finishes the rest; `--force` regrades).
Every job leaves reports/<id>/status/<student>.json; the class report
(`autograder.report`) is written to reports/<id>/ at the end.

Exit status: 0 when every submission was graded or recorded as failed (a
student's broken notebook is not an error of the grader), 1 when the grader
itself failed for some submission, 2 for bad arguments.
"""
import argparse
import os
import sys
import time

from rich.console import Console
from rich.table import Table

from autograder.class_grading import grade_class
from autograder.course import course_root, submitted_assignments, tool_environment
from autograder.limits import STUDENT_SECONDS
from autograder.report import write_reports
from autograder.sandbox import jail
from autograder.status import reported_cheats


def summary_table(statuses):
    """A rich Table: per assignment, graded / failed / errors, mean score and flags."""
    table = Table(title="Class grading")
    for column in ("assignment", "submissions", "graded", "failed", "grader errors",
                   "mean score", "flagged for cheating", "kernel faults"):
        table.add_column(column, justify="left" if column == "assignment" else "right")
    by_assignment = {}
    for status in statuses:
        by_assignment.setdefault(status["assignment"], []).append(status)
    for assignment, group in sorted(by_assignment.items()):
        scores = [s["score"] for s in group if s["state"] == "graded"]
        best = next((s["max_score"] for s in group if s.get("max_score")), 0) or 0
        mean = f"{sum(scores) / len(scores):.2f} / {best:g}" if scores else "-"
        table.add_row(assignment, str(len(group)),
                      str(sum(s["state"] == "graded" for s in group)),
                      str(sum(s["state"] == "failed" for s in group)),
                      str(sum(s["state"] == "error" for s in group)), mean,
                      str(sum(bool(reported_cheats(s)) for s in group)),
                      str(sum(bool(s.get("faults")) for s in group)))
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="ids to grade (default: every "
                        "assignment with submissions)")
    parser.add_argument("--workers", type=int, default=None,
                        help="parallel grading processes (default: number of cores)")
    parser.add_argument("--db-url", default=None, help="gradebook URL (default: the course's, "
                        "sqlite:///gradebook.db), e.g. postgresql://user@host/gradebook")
    parser.add_argument("--scheduler", default=None,
                        help="address of a dask.distributed scheduler to grade on")
    parser.add_argument("--force", action="store_true", help="regrade unchanged submissions")
    parser.add_argument("--student", default="*", help="only students matching this glob")
    parser.add_argument("--root", default=None, help="course root (default: current directory)")
    parser.add_argument("--student-timeout", type=float, default=STUDENT_SECONDS,
                        help="seconds one student's grading may take (local workers)")
    parser.add_argument("--no-report", action="store_true", help="skip the class report")
    parser.add_argument("--no-jail", action="store_true", help="run student code without the "
                        "bubblewrap jail (every status and export row says so)")
    args = parser.parse_args(argv)
    console = Console()
    root = course_root(args.root)
    os.environ.update(tool_environment(root))
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    assignments = args.assignments or submitted_assignments(root)
    unknown = [a for a in assignments if not (root / "source" / a).is_dir()]
    if unknown or not assignments:
        console.print(f"[red]no such assignment: {', '.join(unknown)}[/red]" if unknown else
                      "[red]nothing submitted[/red]")
        return 2
    if not args.no_jail and args.scheduler is None:
        reason = jail.unavailable_reason()
        if reason:
            console.print(f"[red]refusing to grade: {reason}[/red]")
            return 2
    started = time.perf_counter()
    statuses = grade_class(root, assignments, args.workers, args.db_url, args.scheduler,
                           args.force, args.student, progress=True,
                           student_timeout=args.student_timeout,
                           jail=False if args.no_jail else None)
    console.print(summary_table(statuses))
    for status in statuses:
        if status["state"] != "graded":
            console.print(f"{status['state']}: {status['assignment']}/{status['student']}: "
                          f"{status['reason'].strip().splitlines()[-1] if status['reason'] else ''}")
    if not args.no_report:
        for assignment in assignments:
            folder = write_reports(root, assignment, args.db_url)
            console.print(f"report: {folder.relative_to(root)}/")
    console.print(f"graded in {time.perf_counter() - started:.1f} s")
    return 1 if any(s["state"] == "error" for s in statuses) else 0


if __name__ == "__main__":
    sys.exit(main())
