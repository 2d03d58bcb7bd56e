"""Autograde step: each test cell scored from the trusted checker's records alone, never from the kernel.

Runs right after ResilientExecute, which hands on the records of every cell it ran. A test cell
passes only if every hidden check its (trusted, restored) source calls ran in that cell and
passed; the kernel's own errors and values are replaced by the checker's messages. The records
go to the notebook's metadata, "autograder" → "checks".
"""
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import cells
from autograder.pipeline import METADATA_KEY
from autograder.pipeline.resilient_execute import CHECK_CALL, CHECK_RECORDS
from autograder.sandbox.check_service import CheckRecord

DID_NOT_RUN = "did not run"


def called_checks(cell):
    """Names of the functions whose hidden checks the cell's hidden tests call, in order."""
    return list(dict.fromkeys(function for _, function in
                              CHECK_CALL.findall(cells.hidden_tests(cell.source))))


def verdicts(cell, name, records):
    """One CheckRecord per function the test cell checks: its first failure, else its pass.

    records: [CheckRecord] the checker made while the cell ran.
    """
    settled = []
    for function in called_checks(cell):
        mine = [r for r in records if r.function == function]
        if not mine:
            mine = [CheckRecord(name, function, False, DID_NOT_RUN,
                                f"the hidden check of {function} did not run in this cell "
                                "(something in the notebook stopped or replaced it)")]
        failed = [r for r in mine if not r.passed]
        settled.append(failed[0] if failed else mine[0])
    return settled


def _has_error(cell):
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def _error_output(message):
    return NotebookNode(output_type="error", ename="CheckFailed", evalue=message,
                        traceback=[f"CheckFailed: {message}"])


class TrustedVerdicts(NbGraderPreprocessor):
    """Replace every test cell's outcome by the trusted checker's verdicts."""

    def preprocess(self, nb, resources):
        ran = resources.get(CHECK_RECORDS)
        if ran is None:
            raise RuntimeError("TrustedVerdicts needs ResilientExecute right before it in "
                               "c.Autograde.autograde_preprocessors")
        checks = []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cells.is_grade(cell) or not called_checks(cell):
                continue
            if index not in ran and _has_error(cell):
                continue  # never ran (the kernel died too often): it keeps the error saying so
            settled = verdicts(cell, cells.cell_name(cell, index), ran.get(index, []))
            cell.outputs = [o for o in cell.get("outputs", [])
                            if o.get("output_type") not in ("error", "execute_result")]
            cell.outputs = list(cell.get("outputs", [])) + [
                _error_output(r.message) for r in settled if not r.passed]
            checks += [r.as_dict() for r in settled]
        nb.metadata.setdefault(METADATA_KEY, {})["checks"] = checks
        return nb, resources
