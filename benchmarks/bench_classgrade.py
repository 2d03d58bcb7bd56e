"""Benchmark: plain sequential `nbgrader autograde` against `python -m autograder.classgrade`.

    python benchmarks/bench_classgrade.py [--students 24] [--workers N] [assignment ...]

Builds a synthetic class (perfect, buggy, untouched, crashing and cheating
submissions, round robin) for every assignment in source/, in three identical
temporary copies of the course with the same gradebook. Grades one with one
`nbgrader autograde <id>` per assignment (jailed, as the course config makes it),
one with the class command (jailed) and one with the class command and
`--no-jail`; checks that every student's cell scores agree, and prints the wall
times, the speedup of the class command over plain nbgrader, the jail's cost per
notebook (jailed against --no-jail, in this same run) and the overhead per
notebook beyond its cells' own execution time (job wall time minus the seconds
spent in cells, as recorded by autograder.pipeline.resilient_execute).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.course import assignments  # noqa: E402
from autograder.fakes import copy_course, write_class  # noqa: E402

MIX = ["perfect", "buggy", "untouched", "exits", "cheats_numpy", "perfect", "buggy",
       "exits_at_top", "cheats_grader", "memory_bomb", "perfect", "deletes_test"]


def scores(root, assignment_ids):
    """{(assignment, student): {grade_id: score}} from a course's gradebook."""
    from nbgrader.api import Gradebook
    result = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for assignment in assignment_ids:
            for submission in gradebook.assignment_submissions(assignment):
                result[(assignment, submission.student.id)] = {
                    g.name: g.score if g.auto_score is not None else None
                    for nb in submission.notebooks for g in nb.grades
                    if g.cell.cell_type == "code"}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("assignments", nargs="*", help="ids (default: every assignment)")
    args = parser.parse_args(argv)
    ids = args.assignments or assignments(ROOT)
    scratch = Path(tempfile.mkdtemp(prefix="bench-classgrade-"))
    base = copy_course(ROOT, scratch / "base")
    env = {**os.environ, "PYTHONPATH": str(base),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    for assignment in ids:
        write_class(base, assignment, {f"s{i:03d}": MIX[i % len(MIX)]
                                       for i in range(args.students)})
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from autograder.gradebook import ensure_assignment; "
                    f"[ensure_assignment(Path('{base}'), a) for a in {ids!r}]"],
                   cwd=base, env=env, check=True)
    plain, ours, unjailed = scratch / "plain", scratch / "ours", scratch / "unjailed"
    for copy in (plain, ours, unjailed):
        shutil.copytree(base, copy)
    print(f"class: {args.students} students x {len(ids)} assignments ({', '.join(ids)}), "
          f"{os.cpu_count()} cores")

    started = time.perf_counter()
    for assignment in ids:
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment],
                       cwd=plain, env={**env, "PYTHONPATH": str(plain)},
                       capture_output=True)
    plain_seconds = time.perf_counter() - started

    def classgrade(course, *flags):
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "autograder.classgrade", *ids,
                                 "--workers", str(args.workers), "--no-report", *flags],
                                cwd=course, env={**env, "PYTHONPATH": str(course)},
                                capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:])
        return time.perf_counter() - started

    ours_seconds = classgrade(ours)
    unjailed_seconds = classgrade(unjailed, "--no-jail")

    sys.path.insert(0, str(ours))
    from autograder.status import read as read_status
    overheads, executions = [], []
    for assignment in ids:
        for i in range(args.students):
            status = read_status(ours, assignment, f"s{i:03d}") or {}
            if status.get("seconds") is not None and status.get("state") == "graded":
                overheads.append(status["seconds"] - status.get("execution_seconds", 0.0))
                executions.append(status.get("execution_seconds", 0.0))
    a, b, c = scores(plain, ids), scores(ours, ids), scores(unjailed, ids)
    differ = sorted(key for key in set(a) | set(b) | set(c)
                    if not a.get(key) == b.get(key) == c.get(key))
    notebooks = args.students * len(ids)
    print(f"plain nbgrader autograde (sequential, jailed): {plain_seconds:7.1f} s")
    print(f"autograder.apps.classgrade --workers {args.workers} (jailed):   {ours_seconds:7.1f} s")
    print(f"autograder.apps.classgrade --workers {args.workers} --no-jail:  {unjailed_seconds:7.1f} s")
    print(f"speedup over plain nbgrader: {plain_seconds / ours_seconds:.2f}x  (target >= 2x)")
    print(f"the jail's cost: {(ours_seconds - unjailed_seconds) / notebooks:+.2f} s per notebook "
          f"(jailed / --no-jail wall time: {ours_seconds / unjailed_seconds:.2f}x)")
    if overheads:
        print(f"overhead per notebook beyond its cells' execution: mean "
              f"{sum(overheads) / len(overheads):.2f} s, max {max(overheads):.2f} s "
              f"(cells themselves: mean {sum(executions) / len(executions):.2f} s; "
              f"{len(overheads)} of {notebooks} notebooks; target <= 1 s)")
    print(f"scores: {len(a)} plain / {len(b)} jailed / {len(c)} --no-jail submissions, "
          f"{len(differ)} differ" + (f": {differ[:10]}" if differ else " (identical)"))
    shutil.rmtree(scratch, ignore_errors=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
