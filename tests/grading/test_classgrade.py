"""Does the class command grade everyone once, resume after a kill (leaving no process
behind), and replace stale grades?"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.fakes import write_submission
from tests.support.graded_class import ASSIGNMENT, CLASS, cell_scores, course_copy

pytestmark = pytest.mark.nbgrader


def descendants(pid):
    """Every process below `pid` (workers, kernels' jails and what runs in them)."""
    import psutil
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def jailed_kernels(pid):
    return [p for p in descendants(pid) if p.name() == "bwrap"]


def alive(processes):
    """Command lines of the processes still running (zombies count as gone)."""
    import psutil
    found = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(" ".join(process.cmdline())[:200])
        except psutil.NoSuchProcess:
            pass
    return found


def all_scores(root, students):
    return {s: cell_scores(root, s) for s in students}


def test_every_submission_has_a_status_and_only_the_students_notebooks_fail(graded_class):
    root, statuses = graded_class
    assert set(statuses) == set(CLASS) | {"renamed", "twice", "empty"}
    assert {s for s, v in statuses.items() if v["state"] != "graded"} == {"notjson", "empty"}
    assert statuses["perfect"]["score"] == 8 and statuses["untouched"]["score"] == 0
    assert statuses["buggy"]["score"] == 7
    for student in statuses:
        saved = json.loads((root / "reports" / ASSIGNMENT / "status" /
                            f"{student}.json").read_text())
        assert saved["state"] == statuses[student]["state"]


def test_grading_again_changes_nothing(graded_class):
    """Second run: unchanged submissions are skipped; --force regrades to the same gradebook."""
    from autograder.class_grading import grade_class
    root, statuses = graded_class
    before = all_scores(root, ["perfect", "buggy", "notjson"])
    again = grade_class(root, [ASSIGNMENT], workers=2, progress=False)
    assert len(again) == len(statuses)
    assert all(s.get("seconds") == statuses[s["student"]].get("seconds") for s in again)
    grade_class(root, [ASSIGNMENT], workers=2, progress=False, force=True,
                student_glob="[bn]*")
    assert all_scores(root, ["perfect", "buggy", "notjson"]) == before


def test_killed_run_resumes_without_duplicates_and_failed_regrade_clears_old_grades(graded_class):
    import shutil
    root = course_copy("classgrade-resume-")
    shutil.copy(graded_class[0] / "gradebook.db", root / "gradebook.db")  # skips generating
    for student, kind in (("a1", "perfect"), ("a2", "buggy")):
        write_submission(root, ASSIGNMENT, student, kind)
    command = [sys.executable, "-m", "autograder.classgrade", ASSIGNMENT, "--workers", "1",
               "--no-report"]
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    status_dir = root / "reports" / ASSIGNMENT / "status"
    deadline = time.monotonic() + 120
    while not list(status_dir.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    while not jailed_kernels(run.pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # killed while a2's kernel runs
    started = descendants(run.pid)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert [p.stem for p in status_dir.glob("*.json")] == ["a1"]
    deadline = time.monotonic() + 15
    left = alive(started)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = alive(started)
    assert not left, f"processes outlived the killed run: {left}"
    finished = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stdout[-3000:]
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        graded = [s.student.id for s in gradebook.assignment_submissions(ASSIGNMENT)]
        assert sorted(s for s in graded if s.startswith("a")) == ["a1", "a2"]
    assert sum(cell_scores(root, "a1").values()) == 8
    write_submission(root, ASSIGNMENT, "a1", "not_json")
    regraded = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    assert regraded.returncode == 0
    assert set(cell_scores(root, "a1").values()) == {None}
    assert sum(cell_scores(root, "a2").values()) == 7
