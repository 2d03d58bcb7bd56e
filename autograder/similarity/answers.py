"""Each submission's answer cells, one per graded function.

An answer cell is a code cell whose nbgrader metadata has `solution: true`; its function is
the first `def <name>` in it that the released notebook grades. The released cells are the
scaffold (signature, docstring, `raise NotImplementedError()`) everyone starts from.
"""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

DEF = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


@dataclass(frozen=True)
class ClassAnswers:
    """The answers of a class to one assignment.

    Attributes:
        assignment: the assignment id, e.g. "04_deep_mlp".
        functions: the graded functions, in the released notebook's order.
        scaffold: {function: source of its released answer cell}.
        answers: {student: {function: source of that student's answer cell}}; a function
            whose cell is missing is left out.
        unreadable: {student: why no notebook of theirs could be read}.
    """
    assignment: str
    functions: tuple
    scaffold: dict
    answers: dict
    unreadable: dict = field(default_factory=dict)

    @property
    def students(self):
        """Sorted names of the students with a readable notebook."""
        return sorted(self.answers)


def cell_source(cell):
    """A cell's source as one string (nbformat stores a string or a list of lines)."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def solution_cells(notebook):
    """Sources of the code cells marked nbgrader `solution`, in notebook order.

    Args:
        notebook: a notebook as parsed JSON (dict).

    Returns:
        list of str.
    """
    return [cell_source(cell) for cell in notebook.get("cells", [])
            if cell.get("cell_type") == "code"
            and cell.get("metadata", {}).get("nbgrader", {}).get("solution") is True]


def defined_names(source):
    """Names of the functions defined at the top level of `source`, in order (list of str)."""
    return DEF.findall(source)


def answer_cells(notebook, functions=None):
    """{function: source} of a notebook's answer cells.

    Args:
        notebook: a notebook as parsed JSON (dict).
        functions: names to keep (None: every function an answer cell defines first).

    Returns:
        dict {name: source}; where two cells define the same function the first is kept.
    """
    found = {}
    for source in solution_cells(notebook):
        names = [name for name in defined_names(source)
                 if functions is None or name in functions]
        if names and names[0] not in found:
            found[names[0]] = source
    return found


def read_notebook(path):
    """A notebook file parsed as JSON (dict); raises ValueError when it is not a notebook."""
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{Path(path).name} is not readable JSON ({error})") from error
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{Path(path).name} is JSON but not a notebook")
    return notebook


def submitted_notebook(folder, assignment):
    """The notebook a student handed in: <assignment>.ipynb, else the first *.ipynb (or None)."""
    named = Path(folder) / f"{assignment}.ipynb"
    if named.is_file():
        return named
    others = sorted(Path(folder).glob("*.ipynb"))
    return others[0] if others else None


def scaffold_of(release_notebook):
    """(functions, {function: released answer cell}) of the released notebook at this path."""
    cells = answer_cells(read_notebook(release_notebook))
    return tuple(cells), cells


def load_class(root, assignment):
    """Every answer of submitted/<student>/<assignment>/ under the course root `root`.

    Returns:
        ClassAnswers; a student without a readable notebook is listed in `unreadable`.
    """
    root = Path(root)
    functions, scaffold = scaffold_of(root / "release" / assignment / f"{assignment}.ipynb")
    answers, unreadable = {}, {}
    for folder in sorted((root / "submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        path = submitted_notebook(folder, assignment)
        if path is None:
            unreadable[student] = "no notebook handed in"
            continue
        try:
            answers[student] = answer_cells(read_notebook(path), functions)
        except ValueError as error:
            unreadable[student] = str(error)
    return ClassAnswers(assignment, functions, scaffold, answers, unreadable)
