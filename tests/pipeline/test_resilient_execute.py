"""ResilientExecute on small notebooks: every output arrives, a dead kernel is replaced."""
import nbformat
import pytest

from autograder.pipeline.resilient_execute import METADATA_KEY, ResilientExecute

pytestmark = pytest.mark.nbgrader


def run(*sources):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    executed, _ = ResilientExecute(timeout=30).preprocess(notebook, {})
    return executed


def texts(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_first_cell_output_is_captured_right_after_kernel_start():
    """The kernel counts as ready once IOPub is connected: nothing the first cell prints is lost."""
    notebook = run("print('first line')\ndisplay('shown')\n6 * 7")
    outputs = notebook.cells[0].outputs
    assert texts(notebook.cells[0]) == "first line\n"
    assert [o.output_type for o in outputs] == ["stream", "display_data", "execute_result"]
    assert outputs[2]["data"]["text/plain"] == "42"
    assert notebook.metadata["language_info"]["name"] == "python"


def test_dead_kernel_is_replaced_and_earlier_cells_replayed():
    notebook = run("value = 5", "import os; os._exit(4)", "print(value * 2)")
    record = notebook.metadata[METADATA_KEY]
    assert [f["kind"] for f in record["faults"]] == ["kernel died"]
    assert "exited with code 4" in record["faults"][0]["message"]
    assert texts(notebook.cells[2]) == "10\n"
    assert record["kernel_restarts"] == 1
    assert record["replay_seconds"] > 0
    assert record["execution_seconds"] == pytest.approx(
        sum(record["cell_seconds"].values()) + record["replay_seconds"], abs=0.002)
