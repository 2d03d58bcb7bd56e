"""Grade every submission of a class, in parallel, on top of nbgrader's gradebook.

    python -m autograder.classgrade [assignment ...] [--workers N] [--db-url URL]
                                    [--scheduler ADDRESS] [--force] [--student GLOB]
                                    [--no-jail]

Run it in the course root (where nbgrader_config.py is), after `nbgrader
collect` (or whatever fills submitted/<student>/<id>/). One job per student
and assignment (`autograder.jobs.grade_submission`, nbgrader's own autograde),
run by `--workers` local worker processes (`autograder.workers`; default: the
number of cores) or, with `--scheduler`, by the workers of a dask.distributed
cluster. A student is never
graded by two processes at once. Already graded, unchanged submissions are
skipped (a killed run started again finishes the rest; `--force` regrades).
Every job leaves reports/<id>/status/<student>.json; the class report
(`autograder.report`) is written to reports/<id>/ at the end.

Exit status: 0 when every submission was graded or recorded as failed (a
student's broken notebook is not an error of the grader), 1 when the grader
itself failed for some submission, 2 for bad arguments.
"""
import argparse
import fnmatch
import os
import sys
import time
import traceback
from pathlib import Path

from autograder import jail
from autograder.jobs import db_url_of, fingerprint, grade_submission, load_config, \
    read_status, reset_submission, write_status
from autograder.workers import error_status

DEFAULT_STUDENT_TIMEOUT = 1800


def course_root(path=None):
    """The course root: `path`, else the current directory if it has nbgrader_config.py."""
    if path:
        return Path(path).resolve()
    if (Path.cwd() / "nbgrader_config.py").exists():
        return Path.cwd().resolve()
    return Path(__file__).resolve().parent.parent


def submitted_assignments(root):
    """Assignment ids with at least one submission, in course order."""
    return sorted({p.name for p in (root / "submitted").glob("*/*") if p.is_dir()})


def ensure_assignment(root, assignment, db_url=None):
    """The assignment's notebook names in the gradebook, adding it from source/ if missing.

    A missing assignment is generated with nbgrader's API into a scratch
    release folder, so release/ is left as the build made it.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    url = db_url_of(root, db_url)
    with Gradebook(url) as gradebook:
        try:
            names = [n.name for n in gradebook.find_assignment(assignment).notebooks]
        except MissingEntry:
            names = []
    if names:
        return names
    config = load_config(root, db_url)
    config.CourseDirectory.release_directory = str(root / ".classgrade" / "release")
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    result = api.generate_assignment(assignment, force=True)
    if not result.get("success"):
        raise RuntimeError(f"could not add {assignment} to the gradebook:\n"
                           f"{result.get('error')}")
    with Gradebook(url) as gradebook:
        return [n.name for n in gradebook.find_assignment(assignment).notebooks]


def plan(root, assignments, db_url=None, force=False, student_glob="*", jail=None):
    """(jobs to run, statuses of submissions already graded and unchanged)."""
    jobs, done = [], []
    url = db_url_of(root, db_url)
    for assignment in assignments:
        notebooks = ensure_assignment(root, assignment, db_url)
        for folder in sorted((root / "submitted").glob(f"*/{assignment}")):
            student = folder.parent.name
            if not folder.is_dir() or not fnmatch.fnmatch(student, student_glob):
                continue
            print_ = fingerprint(folder)
            previous = read_status(root, assignment, student)
            if not force and previous and previous.get("fingerprint") == print_ and \
                    previous.get("state") in ("graded", "failed") and \
                    previous.get("db_url") == url:
                done.append(previous)
                continue
            jobs.append({"root": str(root), "assignment": assignment, "student": student,
                         "notebooks": notebooks, "db_url": db_url, "fingerprint": print_,
                         "jail": jail})
    return jobs, done


def run_job(job):
    """Grade one submission and stamp the status with the gradebook it went to."""
    status = grade_submission(job)
    status["db_url"] = db_url_of(job["root"], job.get("db_url"))
    write_status(job["root"], status)
    return status


# -- local: a pool of forked worker processes ---------------------------------------------------
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _preload():
    """Import what every job needs once, before forking, so each job starts warm."""
    import nbclient  # noqa: F401
    import nbgrader.apps  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import zmq  # noqa: F401
    from jupyter_client import AsyncKernelManager  # noqa: F401

    import autograder.faults  # noqa: F401
    import autograder.integrity  # noqa: F401
    from autograder.checks import MODULES, find_check
    for assignment in MODULES:
        try:
            find_check(assignment, "")
        except (KeyError, ImportError):
            pass


def _log_path(job):
    return Path(job["root"]) / "reports" / job["assignment"] / "logs" / f"{job['student']}.log"


def _stopped(job, student_timeout):
    """Status of a job whose grading ran past `student_timeout`: failed, grades emptied."""
    status = error_status(job, f"grading took longer than {student_timeout:g} s and was "
                               "stopped")
    status["state"] = "failed"
    reset_submission(job)
    write_status(job["root"], status)
    return status


def run_local(jobs, workers, on_done, student_timeout=DEFAULT_STUDENT_TIMEOUT):
    """Grade `jobs` in `workers` local processes (autograder.workers); on_done(status) each.

    With several workers, a kernel's BLAS gets one thread, so that a job does not
    compete with the others for their cores. Each worker forks its kernels from a
    warm kernel template: in a jail of its own (autograder.jailed_template), or
    without the jail a plain one (autograder.warm_kernels).
    """
    from autograder.workers import run_pool

    _preload()
    environment = {variable: os.environ.get(variable, "1") for variable in BLAS_THREADS} \
        if workers > 1 else {}
    run_pool(jobs, workers, _run_job_in_worker, on_done, log_path_of=_log_path,
             on_timeout=lambda job: _stopped(job, student_timeout),
             job_timeout=student_timeout, environment=environment,
             setup=_worker_setup)


def _worker_setup():
    """A worker forks its kernels from a template: a jailed one, or without the jail a plain one."""
    from autograder import jailed_template, warm_kernels
    warm_kernels.enable()
    jailed_template.enable()


def _run_job_in_worker(job):
    from autograder.warm_kernels import reap_orphans
    status = run_job(job)
    reap_orphans()
    return status


# -- distributed: one dask task per job ---------------------------------------------------------
def run_dask(jobs, scheduler, on_done):
    """Run `jobs` on the dask.distributed cluster at `scheduler` (address or Client)."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {client.submit(run_job, job, pure=False,
                                 key=f"grade-{job['assignment']}-{job['student']}-"
                                     f"{time.time_ns()}"): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                status = future.result()
            except Exception:  # noqa: BLE001 - a lost worker is a grader error
                status = error_status(job, traceback.format_exc())
            on_done(status)
    finally:
        if client is not scheduler:
            client.close()


# -- the command --------------------------------------------------------------------------------
def summary_table(statuses):
    """A rich Table: per assignment, graded / failed / errors, mean score and flags."""
    from rich.table import Table

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
                      str(sum(bool([c for c in s.get("cheats", []) if c["kind"] !=
                                    "flagged"]) for s in group)),
                      str(sum(bool(s.get("faults")) for s in group)))
    return table


def grade_class(root, assignments, workers=None, db_url=None, scheduler=None, force=False,
                student_glob="*", progress=True, student_timeout=DEFAULT_STUDENT_TIMEOUT,
                jail=None):
    """Grade the submissions; return every status (including those skipped as done)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, \
        TimeElapsedColumn

    jobs, done = plan(root, assignments, db_url, force, student_glob, jail)
    statuses = list(done)
    columns = [TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}")]
    with Progress(*columns, disable=not progress) as bar:
        task = bar.add_task("", total=len(jobs))

        def on_done(status):
            statuses.append(status)
            bar.update(task, advance=1, description=f"{status['assignment']}/"
                                                    f"{status['student']}: {status['state']}")
        if scheduler is not None:
            run_dask(jobs, scheduler, on_done)
        else:
            run_local(jobs, workers or os.cpu_count() or 1, on_done, student_timeout)
    return statuses


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
    parser.add_argument("--student-timeout", type=float, default=DEFAULT_STUDENT_TIMEOUT,
                        help="seconds one student's grading may take (local workers)")
    parser.add_argument("--no-report", action="store_true", help="skip the class report")
    parser.add_argument("--no-jail", action="store_true", help="run student code without the "
                        "bubblewrap jail (every status and export row says so)")
    args = parser.parse_args(argv)
    from rich.console import Console

    console = Console()
    root = course_root(args.root)
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                          os.environ.get("PATH", "")])
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(root), os.environ.get("PYTHONPATH", "")] if p)
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
        from autograder.report import write_reports
        for assignment in assignments:
            folder = write_reports(root, assignment, args.db_url)
            console.print(f"report: {folder.relative_to(root)}/")
    console.print(f"graded in {time.perf_counter() - started:.1f} s")
    return 1 if any(s["state"] == "error" for s in statuses) else 0


if __name__ == "__main__":
    sys.exit(main())
