"""Made-up submissions: the demo class's three students, and the kinds tests and benchmarks use.

Every kind is a real notebook made from release/<id> and source/<id> (see `answered`),
changed the way a student might change it.
`KINDS` maps a kind to a function (release_path, source_path, assignment) ->
notebook text (str; "not JSON" is text, not a notebook). `write_class` writes
submitted/<student>/<id>/<id>.ipynb for a mix of kinds.
"""
import ast
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import cells
from autograder.course import ROOT

DEMO_STUDENTS = ("demo-perfect", "demo-untouched", "demo-buggy")


@dataclass(frozen=True)
class Bug:
    """A typical mistake: in the answer cell `cell`, `old` becomes `new`."""

    cell: str
    old: str
    new: str
    description: str


BUGS = {
    "01_loss": Bug("cost", "np.mean(", "np.sum(", "cost sums the losses instead of averaging"),
    "02_gradients": Bug("logistic_gradients", "X.T @ error / X.shape[0]", "X.T @ error",
                        "logistic_gradients sums dw over the batch instead of averaging"),
    "03_sgd": Bug("sgd_step", "params[name] - lr * grads[name]", "params[name] + lr * grads[name]",
                  "sgd_step adds the gradient (the slide's sign error)"),
    "04_deep_mlp": Bug("mlp_backward", "sigmoid_grad(Z_prev)", "sigmoid_grad(A_prev)",
                       "mlp_backward applies σ′ to the activation A instead of to Z"),
    "05_activations": Bug("relu_grad", "(z > 0)", "(z >= 0)", "relu_grad gives 1 at z = 0"),
    "06_initialization": Bug("xavier_init", "np.sqrt(2.0 / (n_in + n_out))", "np.sqrt(2.0 / n_in)",
                             "xavier_init uses He's n = n_in instead of n_in + n_out"),
    "07_softmax_hinge": Bug("softmax_cross_entropy", "dS = (softmax(S) - one_hot(y, C)) / N",
                            "dS = softmax(S) - one_hot(y, C)",
                            "softmax_cross_entropy does not divide dS by N"),
    "08_regularization": Bug("dropout_forward", "mask = keep / (1.0 - p_drop)",
                             "mask = keep.astype(float)",
                             "dropout_forward does not rescale the kept units (non-inverted)"),
}


def answered(release_path, source_path):
    """The release notebook with every answer cell filled in from the source."""
    notebook = nbformat.read(release_path, as_version=4)
    answers = {cells.grade_id(cell): cells.solution_cell_source(cell)
               for cell in nbformat.read(source_path, as_version=4).cells
               if cells.is_solution(cell)}
    for cell in notebook.cells:
        if cells.grade_id(cell) in answers:
            cell.source = answers[cells.grade_id(cell)]
    return notebook


def with_bug(notebook, bug):
    """A copy of `notebook` with `bug` introduced into its answer cell."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if cells.grade_id(cell) == bug.cell:
            if bug.old not in cell.source:
                raise ValueError(f"cannot introduce bug: {bug.old!r} not in cell {bug.cell}")
            cell.source = cell.source.replace(bug.old, bug.new, 1)
    return notebook


def write_submissions(assignment, root=ROOT):
    """Write submitted/<student>/<id>/<id>.ipynb for the three demo students."""
    release = root / "release" / assignment / f"{assignment}.ipynb"
    source = root / "source" / assignment / f"{assignment}.ipynb"
    perfect = answered(release, source)
    notebooks = {
        "demo-perfect": perfect,
        "demo-untouched": nbformat.read(release, as_version=4),
        "demo-buggy": with_bug(perfect, BUGS[assignment]),
    }
    for student, notebook in notebooks.items():
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")


COPY_FOR_GRADING = ("autograder", "course", "source", "release", "nbgrader_config.py")


def answer_cells(notebook):
    """The code cells that hold a graded function, in notebook order."""
    return [c for c in notebook.cells if c.cell_type == "code" and cells.is_solution(c)]


def _insert_first_statement(source, statement):
    """`source` with `statement` as the first statement of its first function's body."""
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    body = function.body
    first = body[1] if len(body) > 1 and isinstance(body[0], ast.Expr) and \
        isinstance(body[0].value, ast.Constant) else body[0]
    lines = source.split("\n")
    line = lines[first.lineno - 1]
    indent = line[:len(line) - len(line.lstrip())]
    lines.insert(first.lineno - 1, indent + statement)
    return "\n".join(lines)


def sabotaged(notebook, statement, which=-1):
    """A copy of `notebook` whose graded function number `which` starts with `statement`."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cell = answer_cells(notebook)[which]
    cell.source = _insert_first_statement(cell.source, statement)
    return notebook


def with_cell(notebook, source, after=1):
    """A copy of `notebook` with a new code cell `source` after cell number `after`."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    notebook.cells.insert(after + 1, nbformat.v4.new_code_cell(source))
    return notebook


def _dump(notebook):
    return nbformat.writes(notebook)


def perfect(release, source, assignment):
    return _dump(answered(release, source))


def untouched(release, source, assignment):
    return Path(release).read_text()


def buggy(release, source, assignment):
    notebook = answered(release, source)
    if assignment in BUGS:
        return _dump(with_bug(notebook, BUGS[assignment]))
    return _dump(sabotaged(notebook, "raise ValueError('not finished')"))


def exits(release, source, assignment):
    """The second graded function ends the kernel process (os._exit) when called."""
    return _dump(sabotaged(answered(release, source), "import os; os._exit(3)", which=1))


def segfaults(release, source, assignment):
    """The second graded function crashes the interpreter with a segfault when called."""
    return _dump(sabotaged(answered(release, source), "import ctypes; ctypes.string_at(0)",
                           which=1))


def exits_at_top(release, source, assignment):
    """A cell of its own that kills the kernel; every function is right."""
    return _dump(with_cell(answered(release, source), "import os\nos._exit(1)"))


def memory_bomb(release, source, assignment):
    """A cell that asks for 64 GiB; every function is right."""
    return _dump(with_cell(answered(release, source), "hog = bytearray(64 * 2**30)"))


def loops(release, source, assignment):
    """The last graded function never returns."""
    return _dump(sabotaged(answered(release, source), "while True: pass"))


def not_json(release, source, assignment):
    return _dump(answered(release, source))[:-200]


def cheats_numpy(release, source, assignment):
    """Wrong last function, plus NumPy's comparisons and builtins rebound to always agree."""
    notebook = sabotaged(answered(release, source), "return 0.0")
    return _dump(with_cell(notebook, "import builtins\n"
                           "np.allclose = lambda *a, **k: True\n"
                           "np.testing.assert_allclose = lambda *a, **k: None\n"
                           "np.all = lambda *a, **k: True\n"
                           "builtins.abs = lambda x: 0.0\n"))


def cheats_grader(release, source, assignment):
    """Wrong last function; replaces the hidden check and the visible test helpers."""
    notebook = sabotaged(answered(release, source), "return 0.0")
    return _dump(with_cell(notebook,
                           "import sys, types\n"
                           "sys.modules['autograder.grade'] = types.SimpleNamespace("
                           "check=lambda *a, **k: None)\n"
                           "expect_close = expect_shape = expect_true = "
                           "lambda *a, **k: None\n"))


def cheats_reference(release, source, assignment):
    """Takes its first graded function from the hidden reference."""
    notebook = answered(release, source)
    cell = answer_cells(notebook)[0]
    name = ast.parse(cell.source).body[0].name
    module = {"01_loss": "loss"}.get(assignment, assignment.split("_", 1)[-1])
    cell.source = (f"from autograder.reference.{module} import {name} as _hidden\n\n"
                   f"def {name}(*args, **kwargs):\n    return _hidden(*args, **kwargs)\n")
    return _dump(notebook)


def hardcodes(release, source, assignment):
    """01_loss only: neuron returns the visible examples' outputs as constants."""
    notebook = answered(release, source)
    cell = answer_cells(notebook)[0]
    cell.source = ("def neuron(x, w, b):\n    if x[0] == 2.0:\n        return 2.6\n"
                   "    return -1.5\n")
    return _dump(notebook)


def edits_tests(release, source, assignment):
    """Wrong last function, and every locked test cell replaced by `pass`."""
    notebook = sabotaged(answered(release, source), "return 0.0")
    for cell in notebook.cells:
        meta = cells.nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            cell.source = "pass"
    return _dump(notebook)


def deletes_test(release, source, assignment):
    """Right answers; the last graded test cell deleted."""
    notebook = answered(release, source)
    tests = [c for c in notebook.cells if cells.is_grade(c)
             and c.cell_type == "code"]
    notebook.cells.remove(tests[-1])
    return _dump(notebook)


def chaos(release, source, assignment):
    """Everything at once: the second function segfaults, the last loops, a memory bomb."""
    notebook = sabotaged(answered(release, source), "import ctypes; ctypes.string_at(0)",
                         which=1)
    notebook = sabotaged(notebook, "while True: pass")
    return _dump(with_cell(notebook, "hog = bytearray(64 * 2**30)"))


def cheater(release, source, assignment):
    """Wrong last function; rebinds NumPy, the hidden check and the test helpers; edits tests."""
    notebook = nbformat.reads(cheats_grader(release, source, assignment), as_version=4)
    notebook = with_cell(notebook, "import builtins\n"
                         "np.allclose = lambda *a, **k: True\n"
                         "np.testing.assert_allclose = lambda *a, **k: None\n"
                         "builtins.abs = lambda x: 0.0\n", after=3)
    for cell in notebook.cells:
        meta = cells.nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            cell.source = "pass"
    return _dump(notebook)


KINDS = {
    "chaos": chaos, "cheater": cheater,
    "perfect": perfect, "untouched": untouched, "buggy": buggy, "exits": exits,
    "segfaults": segfaults, "exits_at_top": exits_at_top, "memory_bomb": memory_bomb,
    "loops": loops, "not_json": not_json, "cheats_numpy": cheats_numpy,
    "cheats_grader": cheats_grader, "cheats_reference": cheats_reference,
    "hardcodes": hardcodes, "edits_tests": edits_tests, "deletes_test": deletes_test,
}


def copy_course(root, target, parts=COPY_FOR_GRADING):
    """Copy `parts` of the course at `root` (what grading needs, unless told) into `target`.

    `parts=None` copies every entry of `root`. Returns `target`.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for name in parts or sorted(path.name for path in Path(root).iterdir()):
        path = Path(root) / name
        if path.is_dir():
            shutil.copytree(path, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        elif path.exists():
            shutil.copy(path, target / name)
    return target


def write_submission(root, assignment, student, kind, filename=None):
    """Write one submission of `kind` to submitted/<student>/<assignment>/."""
    root = Path(root)
    release = root / "release" / assignment / f"{assignment}.ipynb"
    source = root / "source" / assignment / f"{assignment}.ipynb"
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (filename or f"{assignment}.ipynb")
    path.write_text(KINDS[kind](release, source, assignment))
    return path


def write_class(root, assignment, kinds):
    """Write submissions {student: kind}; returns the mapping."""
    for student, kind in kinds.items():
        write_submission(root, assignment, student, kind)
    return dict(kinds)
