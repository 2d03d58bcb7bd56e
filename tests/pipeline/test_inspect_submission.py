"""InspectSubmission: what a submitted notebook says about its own grading is thrown away."""
import nbformat

from autograder.pipeline.inspect_submission import InspectSubmission


def test_a_forged_grading_record_in_the_submission_is_dropped():
    """Does metadata "autograder" written by the student vanish before any step reads it?"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    notebook.metadata["autograder"] = {
        "checks": [{"cell": "test_cost", "function": "cost", "passed": True, "kind": "passed"}],
        "isolation": "jail", "integrity": [], "faults": []}
    result, _ = InspectSubmission().preprocess(notebook, {"nbgrader": {}})
    assert dict(result.metadata["autograder"]) == {}, result.metadata["autograder"]
