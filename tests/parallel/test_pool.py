"""The local worker pool: every job gets exactly one status, whatever its worker does."""
import os
import time

from autograder import status as status_record
from autograder.parallel.pool import run_pool


def jobs(*students):
    return [{"assignment": "a", "student": s} for s in students]


def graded(job):
    return {"assignment": job["assignment"], "student": job["student"], "state": "graded",
            "pid": os.getpid(), "blas": os.environ.get("OPENBLAS_NUM_THREADS")}


def run(tmp_path, work, students, workers=2, **options):
    statuses = []
    options.setdefault("job_timeout", 30)
    options.setdefault("on_timeout", lambda job: {**job, "state": "failed", "pid": None})
    options.setdefault("on_error", status_record.error)
    run_pool(jobs(*students), workers, work, statuses.append,
             log_path_of=lambda job: tmp_path / "logs" / f"{job['student']}.log", **options)
    return {s["student"]: s for s in statuses}


def test_each_job_graded_once_by_reused_and_recycled_workers(tmp_path):
    students = [f"s{i}" for i in range(7)]
    statuses = run(tmp_path, graded, students, workers=2, recycle_after=2,
                   environment={"OPENBLAS_NUM_THREADS": "1"})
    assert sorted(statuses) == students
    assert {s["state"] for s in statuses.values()} == {"graded"}
    assert {s["blas"] for s in statuses.values()} == {"1"}
    per_process = {}
    for status in statuses.values():
        per_process.setdefault(status["pid"], []).append(status["student"])
    assert max(len(done) for done in per_process.values()) == 2, per_process
    assert len(per_process) == 4 and os.getpid() not in per_process


def test_a_worker_that_dies_costs_only_its_job(tmp_path):
    def dies_on_b(job):
        if job["student"] == "b":
            os._exit(7)
        return graded(job)
    statuses = run(tmp_path, dies_on_b, ["a", "b", "c", "d"], workers=1)
    assert statuses["b"]["state"] == "error"
    assert "exit code 7" in statuses["b"]["reason"]
    assert [statuses[s]["state"] for s in "acd"] == ["graded"] * 3


def test_a_job_past_its_time_limit_is_stopped_and_the_rest_graded(tmp_path):
    def hangs_on_b(job):
        if job["student"] == "b":
            child = os.fork()
            if child == 0:
                time.sleep(600)
                os._exit(0)
            (tmp_path / "grandchild").write_text(str(child))
            time.sleep(600)
        return graded(job)
    started = time.monotonic()
    statuses = run(tmp_path, hangs_on_b, ["a", "b", "c"], workers=1, job_timeout=2)
    assert time.monotonic() - started < 60
    assert statuses["b"]["state"] == "failed"
    assert [statuses[s]["state"] for s in "ac"] == ["graded"] * 2
    grandchild = int((tmp_path / "grandchild").read_text())
    time.sleep(0.5)
    assert not _alive(grandchild), "the stopped job's own processes were left running"


def test_a_job_that_raises_gets_an_error_status_and_its_output_is_logged(tmp_path):
    def raises_on_a(job):
        print(f"grading {job['student']}")
        if job["student"] == "a":
            raise RuntimeError("gradebook unreachable")
        return graded(job)
    statuses = run(tmp_path, raises_on_a, ["a", "b"], workers=1)
    assert statuses["a"]["state"] == "error" and "gradebook unreachable" in \
        statuses["a"]["reason"]
    assert statuses["b"]["state"] == "graded"
    assert (tmp_path / "logs" / "b.log").read_text() == "grading b\n"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
