"""Grading a class: one job per student and assignment, run by local workers or a Dask cluster.

Already graded, unchanged submissions are skipped; a student is never graded by two processes
at once (autograder.submission); every job leaves its status record (autograder.status).
"""
import fnmatch
import os
import time
import traceback
from pathlib import Path

import nbclient  # noqa: F401 - imported before the workers fork, so each job starts warm
import nbgrader.apps  # noqa: F401
import nbgrader.converters  # noqa: F401
import zmq  # noqa: F401
from jupyter_client import AsyncKernelManager  # noqa: F401
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import autograder.pipeline.inspect_submission  # noqa: F401
import autograder.pipeline.resilient_execute  # noqa: F401
from autograder import checks, status as status_record
from autograder.course import db_url_of
from autograder.gradebook import ensure_assignment
from autograder.limits import STUDENT_SECONDS
from autograder.parallel import warm_kernels
from autograder.parallel.pool import run_pool
from autograder.submission import fingerprint, grade_submission, reset_submission


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
            previous = status_record.read(root, assignment, student)
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
    """Grade one submission (the status record it wrote)."""
    return grade_submission(job)


# -- local: a pool of forked worker processes ---------------------------------------------------
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _log_path(job):
    return Path(job["root"]) / "reports" / job["assignment"] / "logs" / f"{job['student']}.log"


def _stopped(job, student_timeout):
    """Status of a job whose grading ran past `student_timeout`: failed, grades emptied."""
    status = status_record.error(job, f"grading took longer than {student_timeout:g} s and was "
                               "stopped")
    status["state"] = "failed"
    reset_submission(job)
    status_record.write(job["root"], status)
    return status


def run_local(jobs, workers, on_done, student_timeout=STUDENT_SECONDS, refill=None):
    """Grade `jobs` in `workers` local processes (autograder.parallel.pool); on_done(status) each.

    With several workers, a kernel's BLAS gets one thread, so that a job does not
    compete with the others for their cores. Each worker forks its kernels from a
    warm kernel template: in a jail of its own (autograder.sandbox.jailed_template), or
    without the jail a plain one (autograder.parallel.warm_kernels). With `refill` (function
    () -> more jobs, or None for no more) the workers stay up, idle but warm, until it
    returns None (autograder.parallel.pool).
    """
    checks.import_all()
    environment = {variable: os.environ.get(variable, "1") for variable in BLAS_THREADS} \
        if workers > 1 else {}
    run_pool(jobs, workers, _run_job_in_worker, on_done, on_error=status_record.error,
             log_path_of=_log_path,
             on_timeout=lambda job: _stopped(job, student_timeout),
             job_timeout=student_timeout, environment=environment,
             setup=_worker_setup, refill=refill)


def _worker_setup():
    """A worker adopts the kernels it forks from its template (jailed, or plain without the jail)."""
    warm_kernels.enable()


def _run_job_in_worker(job):
    """A local worker's job: its kernels forked from the worker's warm template."""
    status = run_job({**job, "warm_kernels": True})
    warm_kernels.reap_orphans()
    return status


# -- distributed: one dask task per job ---------------------------------------------------------
def run_dask(jobs, scheduler, on_done):
    """Run `jobs` on the dask.distributed cluster at `scheduler` (address or Client)."""
    from distributed import Client, as_completed  # the cluster extra: only where it is used

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
                status = status_record.error(job, traceback.format_exc())
            on_done(status)
    finally:
        if client is not scheduler:
            client.close()


def grade_class(root, assignments, workers=None, db_url=None, scheduler=None, force=False,
                student_glob="*", progress=True, student_timeout=STUDENT_SECONDS,
                jail=None):
    """Grade the submissions; return every status (including those skipped as done)."""
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
