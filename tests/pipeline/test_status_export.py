"""Plain `nbgrader export` tells a failed or missing submission from a zero."""
import csv
import subprocess
import sys

import pytest

from tests.support.courses import copy_course
from tests.support.graded_class import ASSIGNMENT

pytestmark = pytest.mark.nbgrader


def grade_written_answer(root, student, points):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("written_why_log", ASSIGNMENT, ASSIGNMENT, student)
        grade.manual_score = points
        grade.needs_manual_grade = False  # what formgrader does when a score is saved
        gradebook.db.commit()


@pytest.fixture(scope="module")
def exported(tmp_path_factory, graded_class):
    """{student: row} of grades.csv written by `nbgrader export` in a copy of the class."""
    root, _ = graded_class
    copy = tmp_path_factory.mktemp("export") / "course"
    copy_course(root, copy, parts=None)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbgrader + ["db", "student", "add", "absent"], cwd=copy, check=True,
                   capture_output=True)
    grade_written_answer(copy, "buggy", 1.5)
    result = subprocess.run(nbgrader + ["export"], cwd=copy, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    with open(copy / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["assignment"] for row in rows} == {ASSIGNMENT}
    return {row["student_id"]: row for row in rows}


def test_a_notebook_that_could_not_be_graded_is_not_a_zero(exported):
    row = exported["notjson"]
    assert row["grading_status"] == "not autograded"
    assert "not a valid notebook" in row["note"]
    assert exported["empty"]["grading_status"] == "not autograded"
    assert "no notebook was submitted" in exported["empty"]["note"]


def test_untouched_notebook_is_a_graded_zero_and_absent_student_not_submitted(exported):
    """An unanswered written question scores 0 without manual grading, as nbgrader does."""
    assert exported["untouched"]["grading_status"] == "graded"
    assert float(exported["untouched"]["score"]) == 0.0
    assert exported["absent"]["grading_status"] == "not submitted"
    assert exported["absent"]["timestamp"] == ""


def test_full_marks_and_what_grading_recorded(exported):
    assert float(exported["perfect"]["score"]) == 8.0
    assert exported["perfect"]["grading_status"] == "written answers to grade"
    assert exported["perfect"]["flags"] == ""
    assert "kernel died" in exported["crash"]["flags"]
    assert "tampering reported" in exported["cheater"]["flags"]
    assert float(exported["perfect"]["max_score"]) == 10.0


def test_written_answer_graded_by_hand_completes_the_grading(exported):
    assert exported["buggy"]["grading_status"] == "graded"
    assert float(exported["buggy"]["score"]) == float(exported["buggy"]["raw_score"])
