"""Hidden checks, one module per assignment, one `check_<function>` per graded function.

Each check receives the student's function, runs it on the cases it builds
and raises `autograder.checks.base.CheckFailed` with a message for the student
when something is wrong. A check may set `check_x.timeout` (seconds).
"""
import importlib

from autograder.course import ASSIGNMENTS
from autograder.limits import CHECK_SECONDS


def find_check(assignment, name):
    """The check function for graded function `name` of `assignment`."""
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"unknown assignment {assignment!r}")
    module = importlib.import_module(f"{__name__}.{ASSIGNMENTS[assignment].module}")
    check = getattr(module, f"check_{name}", None)
    if check is None:
        raise KeyError(f"no hidden check for {name!r} in {assignment}")
    return check


def timeout_of(assignment, name):
    """Seconds the check of `name` may run before it is stopped."""
    return float(getattr(find_check(assignment, name), "timeout", CHECK_SECONDS))


def import_all():
    """Import every assignment's checks (before worker processes fork, so each starts warm)."""
    for assignment in ASSIGNMENTS.values():
        importlib.import_module(f"{__name__}.{assignment.module}")
