"""Does the course's gradient-check table read correct gradients as right, including tiny ones,
and wrong ones as wrong?"""
import numpy as np
import pytest

from autograder.reference.gradients import numerical_gradient, relative_error
from course import gradcheck
from course.testing import TestFailure


@pytest.mark.parametrize("error, word", [
    (3e-10, "right"), (9e-8, "right"), (2e-6, "probably right"), (4e-4, "suspicious"),
    (1e-2, "wrong"), (0.9, "wrong"),
])
def test_every_error_has_one_reading(error, word):
    """Is every decade classified, 1e-7 ... 1e-5 included (02 used to leave it open)?"""
    assert gradcheck.reading(error).split(" (")[0] == word


@pytest.mark.parametrize("g", [1e-5, 1e-7, 1e-9])
def test_a_correct_tiny_gradient_is_right(g):
    """f = 0.7 + g·x with the correct gradient g: the relative error is 2e-6 at |g| = 1e-5 and
    about 4e-4 at 1e-7 ... 1e-9, yet the table reads the check as right."""
    x = np.array([0.3, -1.2, 2.0])
    analytic = np.full(3, g)
    numeric = numerical_gradient(lambda v: 0.7 + g * np.sum(v), x)
    error = relative_error(analytic, numeric)
    if g < 1e-6:
        assert error > 1e-5  # the bare relative error would call it suspicious
    assert gradcheck.reading(error, analytic, numeric).startswith(("right", "probably right"))
    gradcheck.expect_gradient(error, "g", analytic, numeric)


def test_a_wrong_tiny_gradient_is_wrong():
    """Does the absolute-error rule still catch a tiny gradient off by a factor of 2?"""
    x = np.array([0.3, -1.2])
    numeric = numerical_gradient(lambda v: 1e-7 * np.sum(v ** 2), x)
    analytic = 2 * 2e-7 * x
    assert np.max(np.abs(analytic)) < gradcheck.TINY
    assert gradcheck.reading(relative_error(analytic, numeric), analytic, numeric).startswith(
        "wrong")
    big = numerical_gradient(lambda v: np.sum(v ** 2), x)
    with pytest.raises(TestFailure, match="wrong"):
        gradcheck.expect_gradient(relative_error(2 * big, big), "2x", 2 * big, big)


def test_the_table_is_stated_once_in_markdown():
    """Does the module carry the table that notebooks show, with its four rows?"""
    rows = [line for line in gradcheck.TABLE.splitlines() if line.startswith("| ")]
    assert len(rows) == 5 and "1e-7" in gradcheck.TABLE and "1e-3" in gradcheck.TABLE


def test_every_gradient_check_in_the_notebooks_is_read_with_the_table():
    """Does every notebook cell that compares gradients by relative error read the number with
    the course's table (`reading` or `expect_gradient`), rather than a threshold of its own?
    The cells that try and test `relative_error` itself, in 02 §5, are the exception."""
    import re

    import nbformat

    from autograder.course import ROOT

    own = ("# Try it: equal arrays", "# Tests for relative_error")
    unread = []
    for path in sorted(ROOT.glob("source/*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            source = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source,
                            flags=re.S)
            if (cell.cell_type != "code" or "relative_error(" not in source
                    or "def relative_error" in source or source.startswith(own)):
                continue
            if "reading(" not in source and "expect_gradient(" not in source:
                unread.append(f"{path.name}: {source.splitlines()[0]}")
    assert not unread, unread
