"""Entry point of the hidden test cells: `check(assignment, name, function)`.

A hidden test cell reads

    from autograder.grade import check
    check("01_loss", "sigmoid", sigmoid)

The check runs in a separate process (see `autograder.sandbox`); when it
fails, the cell fails with the check's own message and nothing else: no
hidden-test source, no reference code, no traceback.
"""
import sys

from autograder.harness import CheckFailed
from autograder.sandbox import run_check
from course.testing import install_compact_errors


def _borrowed_from_grader(function):
    module = getattr(function, "__module__", None) or ""
    return module == "autograder" or module.startswith("autograder.")


def check(assignment, name, function):
    """Run the hidden check of `name`; raise CheckFailed with its message if it fails.

    Args:
        assignment: str assignment id, e.g. "01_loss".
        name: str name of the graded function.
        function: the student's function object.

    Returns:
        None (a hidden test cell must not end on a value).
    """
    try:
        _check(assignment, name, function)
    finally:
        _forget_grader_modules()


def _forget_grader_modules():
    """Drop the grader from sys.modules so that notebook code cannot reach it afterwards."""
    for module in [m for m in sys.modules if m == "autograder" or m.startswith("autograder.")]:
        del sys.modules[module]


def _check(assignment, name, function):
    install_compact_errors()
    if not callable(function):
        raise CheckFailed(f"{name} should be a function, but it is a "
                          f"{type(function).__name__}")
    if _borrowed_from_grader(function):
        raise CheckFailed(f"{name} is taken from the hidden autograder package, which "
                          "student code may not use")
    verdict = run_check(assignment, name, function)
    if not verdict.passed:
        raise CheckFailed(verdict.message)
