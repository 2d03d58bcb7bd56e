"""nbgrader's cell markers and metadata, read one way everywhere."""
import re

HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[^\n]*\n?",
                          re.MULTILINE | re.DOTALL)
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.MULTILINE)


def nbgrader_meta(cell):
    """The cell's nbgrader metadata (a dict; empty for a cell nbgrader does not know)."""
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def grade_id(cell):
    """The cell's nbgrader grade_id, or None."""
    return nbgrader_meta(cell).get("grade_id")


def cell_name(cell, index):
    """How a message names a cell: its grade_id, else "cell <index>"."""
    return grade_id(cell) or f"cell {index}"


def is_solution(cell):
    """True for an answer cell (nbgrader solution cell)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_grade(cell):
    """True for a graded cell (a test cell, or a written answer graded by hand)."""
    return bool(nbgrader_meta(cell).get("grade"))


def is_locked(cell):
    """True for a cell the student may not edit."""
    return bool(nbgrader_meta(cell).get("locked"))


def without_hidden_tests(source):
    """`source` with its hidden test blocks taken out."""
    return HIDDEN_BLOCK.sub("", source)


def hidden_tests(source):
    """The hidden test blocks of `source`, joined."""
    return "".join(HIDDEN_BLOCK.findall(source))


def solution_cell_source(cell):
    """A cell's source with hidden tests and solution markers taken out."""
    return SOLUTION_MARKER.sub("", without_hidden_tests(cell.source)).strip("\n")
