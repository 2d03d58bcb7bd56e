"""TrustedVerdicts: a test cell's outcome is the trusted checker's records, nothing else."""
import nbformat
import pytest

from autograder.pipeline.resilient_execute import CHECK_RECORDS
from autograder.pipeline.trusted_verdicts import DID_NOT_RUN, TrustedVerdicts
from autograder.sandbox.check_service import CheckRecord

TEST_SOURCE = ("assert sigmoid(0) == 0.5\n### BEGIN HIDDEN TESTS\n"
               "check('01_loss', 'sigmoid', sigmoid)\n### END HIDDEN TESTS")


def notebook(outputs=()):
    cell = nbformat.v4.new_code_cell(TEST_SOURCE, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_sigmoid", "points": 2,
                                 "locked": True, "solution": False}
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), cell])


def errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def test_a_passing_record_clears_what_the_kernel_raised():
    """Is a cell whose check passed left without the error the kernel printed?"""
    raised = nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])
    record = CheckRecord("test_sigmoid", "sigmoid", True, "passed", "sigmoid: all passed")
    nb, _ = TrustedVerdicts().preprocess(notebook([raised]), {CHECK_RECORDS: {1: [record]}})
    assert errors(nb.cells[1]) == [], nb.cells[1].outputs
    assert [r["kind"] for r in nb.metadata["autograder"]["checks"]] == ["passed"]


def test_a_cell_without_its_record_fails_even_if_the_kernel_printed_nothing():
    """Does a test cell that ran but whose check never reached the checker score 0?"""
    nb, _ = TrustedVerdicts().preprocess(notebook(), {CHECK_RECORDS: {1: []}})
    assert [e.ename for e in errors(nb.cells[1])] == ["CheckFailed"]
    assert nb.metadata["autograder"]["checks"][0]["kind"] == DID_NOT_RUN


def test_a_cell_that_never_ran_and_shows_no_error_still_fails():
    """Is a test cell missing from the run's records, with a clean output, failed (not passed)?"""
    nb, _ = TrustedVerdicts().preprocess(notebook(), {CHECK_RECORDS: {}})
    assert [e.ename for e in errors(nb.cells[1])] == ["CheckFailed"]


def test_without_resilient_execute_before_it_the_step_refuses():
    """Without the execute step's records, does it stop rather than trust the kernel?"""
    with pytest.raises(RuntimeError, match="ResilientExecute"):
        TrustedVerdicts().preprocess(notebook(), {})
