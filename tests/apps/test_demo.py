"""Tests for `make demo` on one assignment: the table, quiet output, idempotent reruns."""
import hashlib
import os
import subprocess
import sys

import pytest

from autograder.course import tool_environment
from tests.support.courses import ROOT, copy_course

A = "01_loss"
COPIED = ("autograder", "course", "source", "release", "solutions", "nbgrader_config.py")


def digest(root, parts=("source", "release", "solutions", "course", "autograder")):
    """One hash over the files a demo run must leave as they were."""
    hashed = hashlib.sha256()
    for part in parts:
        for path in sorted((root / part).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                hashed.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return hashed.hexdigest()


def run_demo(course):
    scratch = course / ".jupyter-scratch"
    env = dict(tool_environment(course), JUPYTER_CONFIG_DIR=str(scratch / "config"),
               JUPYTER_DATA_DIR=str(scratch / "data"),
               JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
               IPYTHONDIR=str(scratch / "ipython"), MPLCONFIGDIR=str(scratch / "matplotlib"),
               COLUMNS="132")
    env.pop("MPLBACKEND", None)
    return subprocess.run([sys.executable, "-m", "autograder.apps.demo", A], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)


def table_row(output):
    rows = [line for line in output.splitlines() if A in line and "│" in line]
    assert len(rows) == 1, f"expected one table row for {A}, got {rows!r} in:\n{output}"
    return rows[0]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    course = copy_course(ROOT, tmp_path_factory.mktemp("demo") / "course", COPIED)
    before = digest(course)
    first = run_demo(course)
    feedback = course / "feedback" / "demo-buggy" / A / f"{A}.html"
    graded = course / "autograded" / "demo-buggy" / A / f"{A}.ipynb"
    stamps = (feedback.stat().st_mtime_ns, graded.stat().st_mtime_ns) \
        if feedback.exists() and graded.exists() else None
    second = run_demo(course)
    again = (feedback.stat().st_mtime_ns, graded.stat().st_mtime_ns) \
        if feedback.exists() and graded.exists() else None
    return course, before, first, second, stamps, again


@pytest.mark.nbgrader
def test_the_demo_prints_the_expected_table(two_runs):
    """Does the perfect student get 8/8, the untouched 0/8, the buggy one lose only test_cost?"""
    _, _, first, _, _, _ = two_runs
    assert first.returncode == 0, first.stdout + first.stderr
    cells = [cell.strip() for cell in table_row(first.stdout).split("│")[1:-1]]
    assert cells == [A, "8 / 8", "0 / 8", "7 / 8", "test_cost"], cells


@pytest.mark.nbgrader
def test_the_demo_prints_no_warnings(two_runs):
    """Is every line of the first run's output the progress, the table or the closing line?"""
    _, _, first, _, _, _ = two_runs
    noisy = [line for line in (first.stdout + first.stderr).splitlines()
             if "warn" in line.lower() or "deprecat" in line.lower()
             or "without encryption" in line]
    assert not noisy, f"expected no warning lines, got {noisy}"


@pytest.mark.nbgrader
def test_a_second_run_gives_the_same_table_and_redoes_nothing(two_runs):
    """Same table, no notebook regraded, no feedback rewritten, tracked files unchanged?"""
    course, before, first, second, stamps, again = two_runs
    assert second.returncode == 0, second.stdout + second.stderr
    assert table_row(second.stdout) == table_row(first.stdout)
    assert stamps is not None, "the first run wrote no feedback or graded notebook"
    assert again == stamps, "the second run regraded or rewrote feedback of an unchanged student"
    assert digest(course) == before, "the demo changed source/, release/, solutions/ or code"
