"""The demo class: build, fake three submissions per assignment, autograde, report.

    python -m autograder.demo [--no-solutions] [assignment ...]

Students: `demo-perfect` (every answer right), `demo-untouched` (the release
as handed out) and `demo-buggy` (one typical mistake per assignment). The
gradebook is nbgrader's SQLite default in the course root; feedback goes to
feedback/<student>/<id>/ and the grades to grades.csv.
"""
import argparse
import csv
import subprocess
import sys
from dataclasses import dataclass

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from rich.console import Console
from rich.table import Table

from autograder.build import ROOT, assignments, build_release, build_solution, \
    solution_cell_source, tool_environment, write_toolkit

STUDENTS = ("demo-perfect", "demo-untouched", "demo-buggy")


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
    answers = {cell.metadata["nbgrader"]["grade_id"]: solution_cell_source(cell)
               for cell in nbformat.read(source_path, as_version=4).cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def with_bug(notebook, bug):
    """A copy of `notebook` with `bug` introduced into its answer cell."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == bug.cell:
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


def nbgrader(*args, root=ROOT):
    """Run one nbgrader command in the course root; raise if it fails."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root,
                            env=tool_environment(root), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n"
                           f"{result.stderr}")
    return result


def cell_scores(assignment, student, root=ROOT):
    """{grade_id: (score, max_score)} of a student's autograded cells (None if missing)."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        try:
            submission = gradebook.find_submission_notebook(assignment, assignment, student)
        except MissingEntry:
            return None
        return {grade.name: (grade.score, grade.max_score) for grade in submission.grades
                if grade.cell.cell_type == "code"}


def grade(assignment, root=ROOT):
    """Autograde and write feedback for the demo students of one assignment."""
    for student in STUDENTS:
        nbgrader("autograde", assignment, "--student", student, "--force", root=root)
    nbgrader("generate_feedback", assignment, "--force", root=root)


def score_table(selected, root=ROOT):
    """A rich Table of each demo student's autograded score per assignment."""
    table = Table(title="Demo class: autograded points (written answers are graded by hand)")
    table.add_column("assignment")
    for student in STUDENTS:
        table.add_column(student, justify="right")
    table.add_column("cells the buggy student lost")
    for assignment in selected:
        row = [assignment]
        for student in STUDENTS:
            scores = cell_scores(assignment, student, root) or {}
            got = sum(s for s, _ in scores.values())
            best = sum(m for _, m in scores.values())
            row.append(f"{got:g} / {best:g}")
        buggy = cell_scores(assignment, "demo-buggy", root) or {}
        row.append(", ".join(k for k, (s, m) in buggy.items() if s < m))
        table.add_row(*row)
    return table


def export_grades(root=ROOT):
    """Write grades.csv with `nbgrader export`; return its rows."""
    nbgrader("export", "--to", "grades.csv", root=root)
    with open(root / "grades.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="ids to include (default: all)")
    parser.add_argument("--no-solutions", "--no-build", dest="no_solutions", action="store_true",
                        help="do not rebuild solutions/ (the release is always regenerated, "
                             "which also registers the assignment in the gradebook)")
    args = parser.parse_args(argv)
    selected = args.assignments or assignments()
    console = Console(width=132)
    for assignment in selected:
        write_toolkit(assignment)
        build_release(assignment)
        if not args.no_solutions:
            build_solution(assignment)
        write_submissions(assignment)
        console.print(f"autograding {assignment} ...")
        grade(assignment)
    export_grades()
    console.print(score_table(selected))
    console.print("feedback: feedback/<student>/<assignment>/  grades: grades.csv")


if __name__ == "__main__":
    main()
