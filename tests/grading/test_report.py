"""Does the class report name the common mistakes, and does feedback show the checks' words?"""
import csv

import pytest

from tests.support.graded_class import ASSIGNMENT

pytestmark = pytest.mark.nbgrader


def test_report_files_histogram_and_misconceptions(graded_class):
    root, statuses = graded_class
    from autograder.report import write_reports
    folder = write_reports(root, ASSIGNMENT)
    assert (folder / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(open(folder / "misconceptions.csv")))
    named = {r["misconception"]: r for r in rows}
    graded = sum(s["state"] == "graded" for s in statuses.values())
    assert "cost: with the sum where the mean belongs" in named
    assert float(named["cost: with the sum where the mean belongs"]["share_of_class"]) == \
        pytest.approx(1 / graded, abs=1e-3)
    assert "mse loops forever or is far too slow" in named
    students = {r["student"]: r for r in csv.DictReader(open(folder / "students.csv"))}
    assert students["notjson"]["state"] == "failed" and students["notjson"]["score"] == ""
    assert "rebinds np.allclose" in students["cheater"]["cheating"]
    assert students["perfect"]["cheating"] == ""


def test_feedback_shows_each_hidden_checks_message(graded_class):
    """generate_feedback on our gradebook: the HTML has the CheckFailed text, no hidden source."""
    root, _ = graded_class
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder.course import load_config
    config = load_config(root)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert api.generate_feedback(ASSIGNMENT, "buggy")["success"]
    html = (root / "feedback" / "buggy" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "this is what you get with the sum where the mean belongs" in html
    assert "BEGIN HIDDEN TESTS" not in html and "AssertionError" not in html
