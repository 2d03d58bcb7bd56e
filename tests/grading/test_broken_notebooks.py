"""Does one student's broken notebook stay that student's problem, with a clear reason?"""
import subprocess
import sys

import pytest

from tests.support.graded_class import ASSIGNMENT, cell_outputs, cell_scores

pytestmark = pytest.mark.nbgrader
FULL = {"test_neuron": 1.0, "test_sigmoid": 2.0, "test_predict_proba": 1.0,
        "test_binary_cross_entropy": 2.0, "test_cost": 1.0, "test_mse": 1.0}


def kinds(status, key):
    return {(f["cell"], f["kind"]) for f in status[key]}


def test_kernel_killed_by_os_exit_is_restarted_and_other_cells_graded(graded_class):
    """os._exit in sigmoid: only sigmoid loses points, and the kernel's death is recorded.

    predict_proba's visible tests kill the kernel too, but its hidden check ran with the
    reference sigmoid and passed: the checker's verdict, not the kernel, decides the cell.
    """
    root, statuses = graded_class
    status = statuses["crash"]
    assert status["state"] == "graded"
    assert cell_scores(root, "crash") == {**FULL, "test_sigmoid": 0.0}
    assert any(kind == "kernel died" for _, kind in kinds(status, "faults"))
    assert "exited with code 3" in " ".join(f["message"] for f in status["faults"])
    messages = [o.get("evalue", "") for o in cell_outputs(root, "crash", "test_sigmoid")]
    assert any("ended the process that ran it" in m for m in messages), messages


def test_segfault_memory_bomb_and_endless_loop_in_one_notebook(graded_class):
    """Segfault, 64 GiB allocation and an endless loop: each recorded, the rest graded."""
    root, statuses = graded_class
    status = statuses["chaos"]
    assert status["state"] == "graded"
    assert cell_scores(root, "chaos") == {**FULL, "test_sigmoid": 0.0, "test_mse": 0.0}
    faults = " ".join(f["message"] for f in status["faults"])
    assert "SIGSEGV" in faults
    assert {kind for _, kind in kinds(status, "faults")} >= {"kernel died", "memory"}
    loop = [o.get("evalue", "") for o in cell_outputs(root, "chaos", "test_mse")]
    assert loop == ["mse did not finish within 20 s on the hidden inputs (an endless loop, "
                    "or far too slow)"], loop


def test_notebook_that_is_not_json_is_failed_with_reason_and_no_grades(graded_class):
    root, statuses = graded_class
    status = statuses["notjson"]
    assert status["state"] == "failed" and "not a valid notebook" in status["reason"]
    assert set(cell_scores(root, "notjson").values()) == {None}


def test_missing_misnamed_and_doubled_notebooks(graded_class):
    """No notebook: failed; a renamed one is graded under its name; a second copy ignored."""
    root, statuses = graded_class
    assert statuses["empty"]["state"] == "failed"
    assert "no notebook" in statuses["empty"]["reason"]
    assert statuses["renamed"]["state"] == "graded" and statuses["renamed"]["score"] == 8
    assert "01_loss-Copy1.ipynb graded as 01_loss.ipynb" in statuses["renamed"]["notes"][0]
    assert statuses["twice"]["score"] == 8
    assert "01_loss (1).ipynb ignored" in statuses["twice"]["notes"][0]


def test_deleted_and_edited_locked_cells_are_restored_and_recorded(graded_class):
    root, statuses = graded_class
    assert cell_scores(root, "deleter") == FULL
    assert ("test_mse", "deleted cell") in kinds(statuses["deleter"], "integrity")
    edited = {cell for cell, kind in kinds(statuses["cheater"], "integrity")
              if kind == "edited locked cell"}
    assert edited == set(FULL)


def test_plain_nbgrader_autograde_uses_the_resilient_executor(graded_class):
    """`nbgrader autograde` with the course config grades the crashing student the same way."""
    root, statuses = graded_class
    result = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT,
                             "--student", "crash", "--force"], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert cell_scores(root, "crash") == {**FULL, "test_sigmoid": 0.0}
