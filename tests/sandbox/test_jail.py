"""Does grading refuse to run student code unjailed, unless told to, and then say so everywhere?"""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.sandbox import jail
from autograder.builder import build_release
from autograder.course import tool_environment
from autograder.fakes import answered

from tests.support.courses import ROOT, new_course
from tests.support.nbgrader_runs import run_nbgrader, scores, submit

A = "01_loss"


def environment_without_bwrap(course):
    """The grading environment with a PATH on which bubblewrap cannot be found."""
    env = tool_environment(course)
    env["PATH"] = str(Path(sys.executable).parent)
    return env


def test_the_reason_names_what_to_install(monkeypatch):
    """Without bwrap on PATH, is there one line that says to install bubblewrap?"""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    reason = jail.unavailable_reason()
    assert reason and "\n" not in reason and "apt-get install bubblewrap" in reason
    assert "--no-jail" in reason


def test_the_jail_command_binds_nothing_of_the_course(tmp_path):
    """Are the course root, autograder/, source/ and the gradebook absent from the jail?"""
    args = jail.command("01_loss", None, None, toolkit=None)
    bound = [args[i + 1] for i, a in enumerate(args) if a in ("--bind", "--ro-bind")]
    root = str(ROOT)
    allowed = (str(jail.CLIENT_PACKAGE), os.path.join(root, "course"))
    for path in bound:
        assert not path.startswith(root) or path.startswith(allowed) or \
            path.startswith(sys.prefix), path
    assert "--bind" not in args and "--unshare-all" in args and "--die-with-parent" in args


def test_files_copied_into_a_new_jail_land_in_the_jail_not_on_the_host():
    """Once wait_until_set_up returns, does /proc/<init>/root lead into the jail every time?

    Before bwrap's last pivot_root that path is the host's root (or bwrap's staging root):
    a scratch copy made too early would write the student's files onto the grading host.
    """
    landed_on_host, missing_in_jail = [], []
    for attempt in range(30):
        name = f"race-probe-{os.getpid()}-{attempt}"
        payload = ["--", sys.executable, "-c",
                   "import os, sys, time; time.sleep(0.3); "
                   f"sys.exit(0 if os.path.isfile('{jail.HOME}/{name}/probe') else 3)"]
        process = subprocess.Popen(jail.command(name, None, None, None) + payload,
                                   preexec_fn=jail.preexec(jail.Limits()))
        init = jail.first_child(process.pid)
        assert init is not None and jail.wait_until_set_up(init)
        try:
            Path(f"/proc/{init}/root{jail.HOME}/{name}/probe").write_text("x")
        except OSError:
            missing_in_jail.append(attempt)
        if Path(f"{jail.HOME}/{name}").exists():
            landed_on_host.append(attempt)
        if process.wait(timeout=30) != 0 and attempt not in missing_in_jail:
            missing_in_jail.append(attempt)
    assert not landed_on_host, f"copies on the host's {jail.HOME} at attempts {landed_on_host}"
    assert not missing_in_jail, f"the jail did not see its file at attempts {missing_in_jail}"


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    course = new_course(tmp_path_factory, "jail-switch")
    build_release(A, course)
    release = course / "release" / A / f"{A}.ipynb"
    submit(course, "perfect", A, answered(release, course / "source" / A / f"{A}.ipynb"))
    return course


@pytest.mark.nbgrader
def test_plain_nbgrader_refuses_without_bubblewrap(small_class):
    """Does `nbgrader autograde` stop with the one line, and record no grade?"""
    result = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", A],
                            cwd=small_class, env=environment_without_bwrap(small_class),
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "refusing to grade: bubblewrap (bwrap) is not installed" in result.stderr
    assert not (small_class / "autograded" / "perfect" / A / f"{A}.ipynb").exists()


@pytest.mark.nbgrader
def test_the_class_grader_refuses_without_bubblewrap(small_class):
    """Does the class grader exit with status 2 and the one line before grading anything?"""
    result = subprocess.run([sys.executable, "-m", "autograder.classgrade", A, "--no-report"],
                            cwd=small_class, env=environment_without_bwrap(small_class),
                            capture_output=True, text=True)
    assert result.returncode == 2 and "refusing to grade" in result.stdout
    assert "apt-get install bubblewrap" in result.stdout.replace("\n", " ")


@pytest.mark.nbgrader
def test_no_jail_grades_and_marks_every_row(small_class):
    """With --no-jail, are the grades right and the status and export rows marked?"""
    result = subprocess.run([sys.executable, "-m", "autograder.classgrade", A, "--no-report",
                             "--no-jail", "--force"], cwd=small_class,
                            env=environment_without_bwrap(small_class), capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    got = scores(small_class, A, "perfect")
    assert all(score == best for score, best in got.values()), got
    status = json.loads((small_class / "reports" / A / "status" / "perfect.json").read_text())
    assert status["isolation"] == "none"
    exported = run_nbgrader(small_class, "export", "--to", "grades.csv")
    assert exported.returncode == 0, exported.stderr[-2000:]
    rows = list(csv.DictReader(open(small_class / "grades.csv")))
    assert rows and all("graded without isolation" in row["flags"] for row in rows)


@pytest.mark.nbgrader
def test_a_jailed_grade_records_its_checks_and_isolation(small_class):
    """Does a jailed run write one passed record per hidden check, and isolation "jail"?"""
    result = run_nbgrader(small_class, "autograde", A, "--force")
    assert result.returncode == 0, result.stderr[-2000:]
    notebook = nbformat.read(small_class / "autograded" / "perfect" / A / f"{A}.ipynb",
                             as_version=4)
    meta = notebook.metadata["autograder"]
    assert meta["isolation"] == "jail"
    assert sorted(r["function"] for r in meta["checks"]) == sorted(
        ["neuron", "sigmoid", "predict_proba", "binary_cross_entropy", "cost", "mse"])
    assert all(r["passed"] and r["kind"] == "passed" for r in meta["checks"])
