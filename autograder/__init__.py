"""Hidden grading for the course: reference implementation, checks, instructor commands.

Stays with the instructor; never part of what students receive. While nbgrader
executes a notebook, only the hidden test cells may import this package: an
import from any other notebook code (an answer cell, a function it defines)
fails, so a submission can neither borrow the reference nor tamper with the
checks.
"""
import linecache
import os
import re
import sys

_CELL_FILE = re.compile(r"ipykernel_\d+[/\\]\d+\.py$|^<ipython-input-")
_HIDDEN_MARKER = "### BEGIN HIDDEN TESTS"


def _importing_cell_source():
    """Source of the innermost notebook cell on the call stack, or None outside notebooks."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if _CELL_FILE.search(filename):
            return "".join(linecache.getlines(filename))
        frame = frame.f_back
    return None


def _refuse_student_import():
    if not os.environ.get("NBGRADER_EXECUTION"):
        return
    source = _importing_cell_source()
    if source is not None and _HIDDEN_MARKER not in source:
        raise ImportError("the hidden autograder package is not available to notebook code")


_refuse_student_import()
