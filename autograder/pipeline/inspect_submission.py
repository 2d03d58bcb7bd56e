"""Sanitize step: record what a student changed in the notebook's structure, before nbgrader repairs it.

Sees the notebook as submitted: a graded cell deleted or stripped of its nbgrader metadata
(nbgrader puts it back), a locked cell edited (nbgrader restores it), a cell that appears
twice. Findings go to the notebook's metadata, "autograder" → "integrity".
"""
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import cells, gradebook
from autograder.pipeline import METADATA_KEY


def _lines(source):
    return [line.rstrip() for line in cells.without_hidden_tests(source).splitlines()
            if line.strip()]


def integrity_findings(notebook, source_cells):
    """Changes of `notebook` against the gradebook's cells.

    Args:
        notebook: the submitted nbformat notebook.
        source_cells: {grade_id: (locked, source, is_graded)} from the gradebook.

    Returns:
        list of {"cell", "kind", "message"}.
    """
    findings, seen = [], {}
    for cell in notebook.cells:
        grade_id = cells.grade_id(cell)
        if grade_id:
            seen[grade_id] = seen.get(grade_id, 0) + 1
    for grade_id, count in seen.items():
        if count > 1:
            findings.append({"cell": grade_id, "kind": "duplicated cell",
                             "message": f"the cell {grade_id} appears {count} times; only "
                                        "the first is graded"})
    for grade_id, (locked, source, graded) in source_cells.items():
        if graded and grade_id not in seen:
            findings.append({"cell": grade_id, "kind": "deleted cell",
                             "message": f"the graded cell {grade_id} was deleted (or its "
                                        "nbgrader metadata removed); the grader put the "
                                        "original back and graded it"})
    for cell in notebook.cells:
        grade_id = cells.grade_id(cell)
        if grade_id in source_cells and source_cells[grade_id][0] and \
                _lines(cell.source) != _lines(source_cells[grade_id][1]):
            findings.append({"cell": grade_id, "kind": "edited locked cell",
                             "message": f"the locked cell {grade_id} was edited; the grader "
                                        "restored the original before running it"})
    return findings


class InspectSubmission(NbGraderPreprocessor):
    """Notes deleted, duplicated and edited locked cells; starts the grading record afresh.

    Whatever a submitted notebook carries under metadata "autograder" is dropped here: only
    the grading steps write that record.
    """

    def preprocess(self, nb, resources):
        nb.metadata[METADATA_KEY] = {}
        record = nb.metadata[METADATA_KEY]  # (a NotebookNode stores a copy of what it is given)
        info = resources.get("nbgrader", {})
        try:
            source = gradebook.source_cells(info["db_url"], info["assignment"], info["notebook"])
        except Exception as error:  # noqa: BLE001 - never stop grading over a record
            self.log.warning("could not inspect the submission: %s", error)
            return nb, resources
        record["integrity"] = integrity_findings(nb, source)
        for finding in record["integrity"]:
            self.log.warning("%s: %s", finding["cell"], finding["message"])
        return nb, resources
