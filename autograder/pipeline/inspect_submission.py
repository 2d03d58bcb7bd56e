"""Record what a student changed in the notebook's structure, before nbgrader repairs it.

Runs first in the autograde's sanitizing step (see nbgrader_config.py), so it
sees the notebook as submitted: a graded cell that was deleted or lost its
nbgrader metadata (nbgrader re-inserts it, `OverwriteCells.add_missing_cells`),
a locked test cell whose text was edited (nbgrader restores it), a cell that
appears twice. The findings go to the notebook's metadata under
"autograder" → "integrity" and from there into the class report.
"""
import re

from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[^\n]*\n?",
                          re.MULTILINE | re.DOTALL)


def _lines(source):
    return [line.rstrip() for line in HIDDEN_BLOCK.sub("", source).splitlines()
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
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
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
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in source_cells and source_cells[grade_id][0] and \
                _lines(cell.source) != _lines(source_cells[grade_id][1]):
            findings.append({"cell": grade_id, "kind": "edited locked cell",
                             "message": f"the locked cell {grade_id} was edited; the grader "
                                        "restored the original before running it"})
    return findings


class InspectSubmission(NbGraderPreprocessor):
    """Sanitize-step preprocessor: notes deleted, duplicated and edited locked cells."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        try:
            from nbgrader.api import Gradebook
            with Gradebook(info["db_url"]) as gradebook:
                notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
                graded = {cell.name for cell in notebook.grade_cells}
                cells = {cell.name: (cell.locked, cell.source, cell.name in graded)
                         for cell in notebook.source_cells}
        except Exception as error:  # noqa: BLE001 - never stop grading over a record
            self.log.warning("could not inspect the submission: %s", error)
            return nb, resources
        record = nb.metadata.setdefault("autograder", {})
        record["integrity"] = integrity_findings(nb, cells)
        for finding in record["integrity"]:
            self.log.warning("%s: %s", finding["cell"], finding["message"])
        return nb, resources
