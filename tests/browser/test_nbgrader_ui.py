"""Do nbgrader's buttons and pages work in JupyterLab: Validate on a student's notebook, and the
formgrader's list of the demo class's submissions?"""
import re

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.fakes import DEMO_STUDENTS as STUDENTS, answered

from .lab_notebook import click_menu, fresh_workspace_url

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ASSIGNMENT = "01_loss"
RELEASE = f"release/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
FUNCTIONS = ("neuron", "sigmoid", "predict_proba", "binary_cross_entropy", "cost", "mse")


def test_validate_passes_a_finished_notebook(course_copy, run_notebook):
    """A student's release with every answer filled in: does Validate report success?"""
    path = f"answered/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    (course_copy / path).parent.mkdir(parents=True, exist_ok=True)
    notebook = answered(course_copy / RELEASE, course_copy / "source" / ASSIGNMENT /
                        f"{ASSIGNMENT}.ipynb")
    nbformat.write(notebook, course_copy / path)
    passed, text = run_notebook(path, run_all=False).validate()
    assert passed, text
    assert "Success! Your notebook passes all the tests." in text


def test_validate_fails_the_untouched_release(run_notebook):
    """The release as handed out: does Validate fail, naming each unimplemented function in
    one line rather than with a traceback?"""
    passed, text = run_notebook(RELEASE, run_all=False).validate()
    assert not passed, text
    assert "Traceback" not in text, text
    for function in FUNCTIONS:
        assert f"{function}() is not implemented yet" in text, (function, text)


def expected_scores(course):
    """{student: "score / max"} as the formgrader shows them, from the gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: f"{round(s.score, 2):g} / {round(s.max_score, 2):g}"
                for s in gradebook.assignment_submissions(ASSIGNMENT)}


def test_formgrader_lists_the_demo_class_with_scores(demo_class, jupyter_lab, page, artifacts):
    """After `make demo` (here on the course copy): does Nbgrader > Formgrader list the three
    demo students' submissions of 01_loss with the scores in the gradebook?"""
    expected = expected_scores(demo_class)
    assert set(expected) == set(STUDENTS), expected
    page.goto(fresh_workspace_url(jupyter_lab))
    click_menu(page, "Nbgrader", "nbgrader:open-formgrader")
    formgrader = page.frame_locator(".jp-MainAreaWidget iframe")
    row = formgrader.locator("#main-table tr", has_text=ASSIGNMENT)
    row.locator(".num-submissions a").click(timeout=30_000)
    table = formgrader.locator("#main-table")
    for student, score in expected.items():
        cells = table.locator("tr", has=formgrader.locator(".student-id", has_text=re.compile(
            rf"^{re.escape(student)}$")))
        assert cells.locator(".score").inner_text(timeout=30_000) == score, student
    page.screenshot(path=str(artifacts / "formgrader-submissions.png"))
