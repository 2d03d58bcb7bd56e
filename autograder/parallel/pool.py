"""Local worker processes for the class grading: each grades one submission at a time.

Workers are forked once the grading command has imported what a job needs, and grade job
after job; a worker is replaced by a fresh fork after `recycle_after` jobs. A worker that
dies, or a job past `job_timeout` (its worker killed with all its processes), gives its job
the status `on_error` or `on_timeout` returns, and a fresh worker takes the next job.
"""
import multiprocessing
import os
import sys
import time
import traceback
from collections import deque
from multiprocessing.connection import wait
from pathlib import Path

import psutil

from autograder.limits import RECYCLE_AFTER


def kill_tree(pid):
    """SIGKILL a process and every process below it."""
    try:
        parent = psutil.Process(pid)
        processes = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def _log_to(path):
    """Send this process's stdout and stderr (file descriptors 1 and 2) to `path`."""
    sys.stdout.flush()
    sys.stderr.flush()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


def _serve(connection, work, on_error, log_path_of, environment, setup):
    """Body of a worker: run work(job) for each job received, send back its status."""
    os.environ.update(environment)
    if setup is not None:
        setup()
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        _log_to(log_path_of(job))
        try:
            status = work(job)
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            connection.send(on_error(job, traceback.format_exc()))
            if not isinstance(error, Exception):
                break
        else:
            connection.send(status)
    connection.close()
    os._exit(0)


class _Worker:
    """The parent's handle on one worker process and the job it is grading."""

    def __init__(self, context, work, on_error, log_path_of, environment, setup):
        self.connection, child_end = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, daemon=False, args=(
            child_end, work, on_error, log_path_of, environment, setup))
        self.process.start()
        child_end.close()
        self.job, self.started, self.jobs_done = None, None, 0

    def give(self, job):
        self.job, self.started = job, time.monotonic()
        self.connection.send(job)

    def finish(self):
        """The status of the current job (or None if the worker died first)."""
        try:
            status = self.connection.recv()
        except (EOFError, OSError):
            return None
        self.job, self.started = None, None
        self.jobs_done += 1
        return status

    def retire(self):
        """Ask the worker to stop; kill it if it does not."""
        try:
            self.connection.send(None)
        except OSError:
            pass
        self.process.join(5)
        self.kill()

    def kill(self):
        kill_tree(self.process.pid)
        self.process.join(5)
        self.connection.close()


def run_pool(jobs, workers, work, on_done, *, on_error, log_path_of, on_timeout, job_timeout,
             environment=None, setup=None, recycle_after=RECYCLE_AFTER, refill=None):
    """Run work(job) for every job in at most `workers` forked worker processes.

    Args:
        jobs: list of job dicts ("assignment", "student", ...), picklable.
        workers: int, processes grading at once.
        work: function job -> status dict, run in a worker.
        on_done: function status -> None, called in this process for every job.
        on_error: function (job, reason) -> status of a job that raised or whose worker died.
        log_path_of: function job -> Path of the file that gets the job's output.
        on_timeout: function job -> status of a job stopped after `job_timeout` s.
        environment: dict of variables set in every worker.
        setup: function () -> None, called once in every new worker before its first job.
        recycle_after: int, jobs a worker grades before a fresh fork replaces it.
        refill: function () -> list of more jobs, or None for no more; asked at least once a
            second and after every finished job. With it, the pool (its idle workers warm)
            lasts until refill returns None and no job is left.
    """
    context = multiprocessing.get_context("fork")
    pending, pool = deque(jobs), []
    finished = refill is None

    def start_worker():
        worker = _Worker(context, work, on_error, log_path_of, environment or {}, setup)
        pool.append(worker)
        return worker

    try:
        while pending or any(w.job is not None for w in pool) or not finished:
            if not finished:
                more = refill()
                finished = more is None
                pending.extend(more or ())
            for worker in [w for w in pool if w.job is None]:
                if pending:
                    worker.give(pending.popleft())
            while pending and len(pool) < workers:
                start_worker().give(pending.popleft())
            busy = [w for w in pool if w.job is not None]
            ready = wait([w.connection for w in busy], timeout=1.0)
            for worker in busy:
                job = worker.job
                if worker.connection in ready:
                    status = worker.finish()
                    if status is None:
                        worker.process.join(5)
                        status = on_error(job, "the grading process ended with exit code "
                                              f"{worker.process.exitcode} before reporting")
                        worker.kill()
                        pool.remove(worker)
                    elif worker.jobs_done >= recycle_after:
                        worker.retire()
                        pool.remove(worker)
                    on_done(status)
                elif time.monotonic() - worker.started > job_timeout:
                    worker.kill()
                    pool.remove(worker)
                    on_done(on_timeout(job))
    finally:
        for worker in pool:
            worker.retire()
