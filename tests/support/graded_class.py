"""One class of 01_loss, graded once per session by autograder.class_grading, shared by tests.

The `graded_class` fixture (registered in tests/conftest.py) writes real submissions made
from release/ and source/ (autograder.fakes) into a temporary course and grades them with
two workers; `grade_shared_class()` is the same class for code that is not a fixture.
"""
import functools
import os
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.fakes import write_class, write_submission
from tests.support.courses import ROOT, copy_course

ASSIGNMENT = "01_loss"
CLASS = {
    "perfect": "perfect", "untouched": "untouched", "buggy": "buggy", "crash": "exits",
    "chaos": "chaos", "cheater": "cheater", "borrower": "cheats_reference",
    "hardcoder": "hardcodes", "deleter": "deletes_test", "notjson": "not_json",
}


def course_copy(prefix="classgrade-"):
    """A fresh temporary course (autograder, course, source, release, config), importable."""
    root = copy_course(ROOT, tempfile.mkdtemp(prefix=prefix))
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                          os.environ.get("PATH", "")])
    return root


@functools.cache
def grade_shared_class():
    """(course root, {student: status}) of the shared class, graded on the first call only."""
    # imported here: conftest loads this module in every session, most of which grade nothing
    from autograder.class_grading import grade_class
    root = course_copy()
    write_class(root, ASSIGNMENT, CLASS)
    write_submission(root, ASSIGNMENT, "renamed", "perfect", "01_loss-Copy1.ipynb")
    write_submission(root, ASSIGNMENT, "twice", "perfect")
    write_submission(root, ASSIGNMENT, "twice", "buggy", "01_loss (1).ipynb")
    (root / "submitted" / "empty" / ASSIGNMENT).mkdir(parents=True)
    statuses = grade_class(root, [ASSIGNMENT], workers=2, progress=False)
    return root, {s["student"]: s for s in statuses}


@pytest.fixture(scope="session")
def graded_class():
    """(course root, {student: status}) of the shared class."""
    return grade_shared_class()


def cell_scores(root, student, db_url=None):
    """{grade_id: score or None} of a student's autograded cells, from the gradebook."""
    from nbgrader.api import Gradebook
    url = db_url or f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: g.score if g.auto_score is not None else None
                for g in submission.grades if g.cell.cell_type == "code"}


def cell_outputs(root, student, grade_id):
    """The outputs of one cell of a student's autograded notebook."""
    import nbformat
    notebook = nbformat.read(root / "autograded" / student / ASSIGNMENT /
                             f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.outputs
    raise KeyError(grade_id)
