"""One class, graded once per test session by `autograder.apps.classgrade`, shared by the tests.

Imported (not a conftest): the first test that asks for `graded_class()` builds a
temporary copy of the course, writes real submissions made from release/01_loss
and source/01_loss (autograder.fakes) and grades them with two workers.
"""
import functools
import os
import sys
import tempfile
from pathlib import Path

from autograder.fakes import copy_course, write_class, write_submission

ROOT = Path(__file__).resolve().parent.parent
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


@functools.lru_cache(maxsize=None)
def graded_class():
    """(course root, {student: status}) of the shared class, graded once."""
    from autograder.class_grading import grade_class
    root = course_copy()
    write_class(root, ASSIGNMENT, CLASS)
    write_submission(root, ASSIGNMENT, "renamed", "perfect", "01_loss-Copy1.ipynb")
    write_submission(root, ASSIGNMENT, "twice", "perfect")
    write_submission(root, ASSIGNMENT, "twice", "buggy", "01_loss (1).ipynb")
    (root / "submitted" / "empty" / ASSIGNMENT).mkdir(parents=True)
    statuses = grade_class(root, [ASSIGNMENT], workers=2, progress=False)
    return root, {s["student"]: s for s in statuses}


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
