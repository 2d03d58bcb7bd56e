"""Run hidden checks the way the grader does, and prove each check against named answers.

A proof test id reads `<function>-<answer>` (`binary_cross_entropy-bce_mean`), so
`pytest -k binary_cross_entropy` selects every proof of that function's check.
"""
from collections import namedtuple

import pytest

from autograder.grade import CheckFailed, check

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


def proof_ids(cases):
    """`<function>-<answer>` for each (function name, answer, ...) case."""
    return [f"{case[0]}-{case[1].__name__}" for case in cases]


def accepts_each(assignment, correct):
    """The test that every correct answer passes its hidden check.

    Args:
        assignment: str assignment id.
        correct: list of (function name, correct implementation).

    Returns:
        test_check_accepts_correct_answer, for a test module to bind under that name.
    """
    @pytest.mark.parametrize("name, function", correct, ids=proof_ids(correct))
    def test_check_accepts_correct_answer(name, function):
        """Does the check of `name` give full marks to this correct implementation?"""
        assert_passes(assignment, name, function)

    return test_check_accepts_correct_answer


def rejects_each(assignment, mutants):
    """The test that every mutant fails its hidden check with a message naming the mistake.

    Args:
        assignment: str assignment id.
        mutants: list of (function name, wrong implementation, text its message must contain).

    Returns:
        test_check_rejects_mutant, for a test module to bind under that name.
    """
    @pytest.mark.parametrize("name, mutant, mentions", mutants, ids=proof_ids(mutants))
    def test_check_rejects_mutant(name, mutant, mentions):
        """Does the check of `name` reject this mutant and name what is wrong?"""
        assert_fails(assignment, name, mutant, mentions=(name, mentions))

    return test_check_rejects_mutant
