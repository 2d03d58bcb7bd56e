"""Plain nbgrader on a temporary course: submit a notebook, run a command, read the scores."""
import subprocess
import sys

import nbformat

from autograder import cells
from autograder.course import tool_environment
from autograder.gradebook import submission_cells


def replace_cell(notebook, grade_id, source):
    """A copy of `notebook` whose cell `grade_id` has the new source."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if cells.grade_id(cell) == grade_id:
            cell.source = source
    return notebook


def delete_cell(notebook, grade_id):
    """A copy of `notebook` without its cell `grade_id`."""
    notebook = nbformat.from_dict(notebook)
    notebook.cells = [c for c in notebook.cells if cells.grade_id(c) != grade_id]
    return notebook


def run_nbgrader(course, *args):
    """`nbgrader <args>` in `course` (its CompletedProcess, output captured)."""
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course,
                          env=tool_environment(course), capture_output=True, text=True)


def submit(course, student, assignment, notebook):
    """Write `notebook` as the student's submission of `assignment`."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / f"{assignment}.ipynb")


def scores(course, assignment, student):
    """{grade_id: (score, max_score)} of the student's code cells in the course's gradebook."""
    return submission_cells(f"sqlite:///{course / 'gradebook.db'}", assignment, student)
