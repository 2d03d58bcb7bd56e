"""Shared test helpers: run hidden checks the way the grader does, across the checker's wire."""
import os
import sys
import tempfile
from pathlib import Path

from collections import namedtuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_SCRATCH = tempfile.mkdtemp(prefix="nn-course-tests-")
for _variable, _folder in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                           ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
                           ("MPLCONFIGDIR", "matplotlib")]:
    os.environ.setdefault(_variable, os.path.join(_SCRATCH, _folder))
os.environ.setdefault("MPLBACKEND", "Agg")

from autograder.grade import CheckFailed, check  # noqa: E402

Verdict = namedtuple("Verdict", "passed message")


def sandbox_verdict(assignment, name, function):
    """The verdict of the hidden check of `name` on `function`.

    As in grading: the trusted checker (here a service in the test process) calls
    `function` in a process forked for the check, in plain data over a socket.
    """
    try:
        check(assignment, name, function)
    except CheckFailed as failure:
        return Verdict(False, str(failure))
    return Verdict(True, f"{name}: all hidden checks passed")


def assert_passes(assignment, name, function):
    """The hidden check accepts `function`."""
    verdict = sandbox_verdict(assignment, name, function)
    assert verdict.passed, f"check of {name} rejected {function.__name__}: {verdict.message}"


def assert_fails(assignment, name, function, mentions=()):
    """The hidden check rejects `function`, and its message mentions each of `mentions`."""
    verdict = sandbox_verdict(assignment, name, function)
    assert not verdict.passed, f"check of {name} accepted the wrong {function.__name__}"
    for text in mentions:
        assert text in verdict.message, (
            f"message for {function.__name__} should mention {text!r}: {verdict.message}")
    return verdict


@pytest.fixture(scope="session")
def root():
    return ROOT


def check_proofs(assignment, correct, mutants):
    """The two parametrised tests that prove an assignment's hidden checks.

    Args:
        assignment: str assignment id.
        correct: list of (function name, correct implementation).
        mutants: list of (function name, wrong implementation, text its message must contain).

    Returns:
        (test_check_accepts_correct_answer, test_check_rejects_mutant), for a test module
        to bind at top level.
    """
    @pytest.mark.parametrize("name, function", correct,
                             ids=lambda v: getattr(v, "__name__", v))
    def test_check_accepts_correct_answer(name, function):
        """Does the check of `name` give full marks to this correct implementation?"""
        assert_passes(assignment, name, function)

    @pytest.mark.parametrize("name, mutant, mentions", mutants,
                             ids=[m[1].__name__ for m in mutants])
    def test_check_rejects_mutant(name, mutant, mentions):
        """Does the check of `name` reject this mutant and name what is wrong?"""
        assert_fails(assignment, name, mutant, mentions=(name, mentions))

    return test_check_accepts_correct_answer, test_check_rejects_mutant
