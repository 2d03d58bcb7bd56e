"""The demo class: three submissions per assignment, graded in the jail, with feedback and grades.

    python -m autograder.demo [--workers N] [assignment ...]

Students: `demo-perfect` (every answer right), `demo-untouched` (the release
as handed out) and `demo-buggy` (one typical mistake per assignment). The
committed release/ and solutions/ are used as they are; only an assignment
whose source/ no longer makes them is rebuilt. The class grader
(autograder.classgrade) grades the submissions in its jailed workers and skips
those already graded and unchanged, so a second run only reads the gradebook
(nbgrader's SQLite default in the course root). Feedback goes to
feedback/<student>/<id>/ and the grades to grades.csv.
"""
import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from rich.console import Console
from rich.table import Table

from autograder.build import ROOT, assignments, build_release, build_solution, \
    solution_cell_source, solution_notebook, tool_environment, toolkit_source, \
    write_toolkit

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


def cell_scores(assignment, student, root=ROOT):
    """{grade_id: (score, max_score)} of a student's autograded cells (None if missing)."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        try:
            submission = gradebook.find_submission_notebook(assignment, assignment, student)
        except MissingEntry:
            return None
        return {grade.name: (grade.score, grade.max_score) for grade in submission.grades
                if grade.cell.cell_type == "code"}


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


# -- the phases ---------------------------------------------------------------------------------
def nbgrader_api(root=ROOT, release_directory=None):
    """nbgrader's API on the course at `root` (optionally generating into another folder)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder.jobs import load_config
    config = load_config(root)
    if release_directory is not None:
        config.CourseDirectory.release_directory = str(release_directory)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def stale_parts(assignment, api, root=ROOT):
    """Which of toolkit, release, solutions no longer match source/ (as the drift tests judge).

    The assignment is generated into the scratch folder .classgrade/release, which
    also registers it in the gradebook, and compared file by file with release/;
    the solution notebook's cells are compared with what the source makes of them.
    """
    stale = []
    toolkit = root / "source" / assignment / "toolkit.py"
    if (toolkit.read_text() if toolkit.exists() else None) != toolkit_source(assignment):
        stale.append("toolkit")
    result = api.generate_assignment(assignment, force=True)
    if not result.get("success"):
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n"
                           f"{result.get('error')}")
    fresh = Path(api.coursedir.release_directory) / assignment
    if _files(fresh) != _files(root / "release" / assignment):
        stale.append("release")
    solution = root / "solutions" / assignment / f"{assignment}.ipynb"
    expected = solution_notebook(root / "source" / assignment / f"{assignment}.ipynb")
    if not solution.exists() or [c.source for c in nbformat.read(solution, as_version=4).cells] \
            != [c.source for c in expected.cells]:
        stale.append("solutions")
    return stale


def build_stale(selected, console, root=ROOT):
    """Rebuild only what source/ no longer makes; return {assignment: parts rebuilt}."""
    api = nbgrader_api(root, root / ".classgrade" / "release")
    rebuilt = {}
    for assignment in selected:
        stale = stale_parts(assignment, api, root)
        if not stale:
            continue
        console.print(f"rebuilding {assignment}: {', '.join(stale)} out of date with source/")
        write_toolkit(assignment, root)
        if "release" in stale:
            build_release(assignment, root)
        if "solutions" in stale or "toolkit" in stale:
            build_solution(assignment, root)
        rebuilt[assignment] = stale
    return rebuilt


def grade_demo_class(selected, workers, root=ROOT):
    """Write the demo submissions and grade them with the class grader (jailed workers)."""
    from autograder.classgrade import grade_class

    for assignment in selected:
        write_submissions(assignment, root)
    return grade_class(root, selected, workers=workers, progress=True)


def stale_feedback(assignment, root=ROOT):
    """Students of `assignment` whose feedback is missing or older than their graded notebook."""
    stale = []
    for graded in sorted((root / "autograded").glob(f"*/{assignment}/*.ipynb")):
        student = graded.parent.parent.name
        feedback = root / "feedback" / student / assignment / f"{graded.stem}.html"
        if student not in stale and (not feedback.exists() or
                                     feedback.stat().st_mtime < graded.stat().st_mtime):
            stale.append(student)
    return stale


def _feedback_job(job):
    """(assignment, student or None): nbgrader's generate_feedback; its error text or None."""
    assignment, student, root = job
    result = nbgrader_api(root).generate_feedback(assignment, student_id=student, force=True)
    return None if result.get("success") else \
        f"nbgrader generate_feedback {assignment} failed:\n{result.get('error')}"


def write_feedback(selected, root=ROOT, processes=None):
    """nbgrader's generate_feedback for every demo submission graded since its last feedback.

    Assignments are spread over `processes` (default: one per core).
    """
    jobs = []
    for assignment in selected:
        stale = stale_feedback(assignment, root)
        everyone = len(stale) == len(STUDENTS)
        jobs += [(assignment, None, root)] if everyone else \
            [(assignment, student, root) for student in stale]
    if not jobs:
        return
    processes = min(processes or os.cpu_count() or 1, len(jobs))
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
        errors = [error for error in pool.map(_feedback_job, jobs) if error]
    if errors:
        raise RuntimeError(errors[0])


def export_grades(root=ROOT):
    """Write grades.csv with the course's export plugin (what `nbgrader export` runs)."""
    from nbgrader.apps import ExportApp
    from nbgrader.coursedir import CourseDirectory

    from autograder.export import StatusCsvExportPlugin
    from autograder.jobs import load_config
    config = load_config(root)
    app = ExportApp(config=config, coursedir=CourseDirectory(config=config), log_level="WARN")
    plugin = StatusCsvExportPlugin(parent=app, to=str(root / "grades.csv"))
    with Gradebook(app.coursedir.db_url, app.coursedir.course_id) as gradebook:
        plugin.export(gradebook)
    return root / "grades.csv"


@contextmanager
def timed(seconds, phase):
    """Add the wall time of the block to seconds[phase]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[phase] = seconds.get(phase, 0.0) + time.perf_counter() - start


def prepare_environment(root=ROOT):
    """This venv's tools first on PATH, the course importable, scratch folders made.

    The scratch folders named by JUPYTER_*_DIR, IPYTHONDIR and MPLCONFIGDIR (the
    Makefile points them into .jupyter-scratch/) are created before anything
    imports IPython or matplotlib, so neither falls back to a temporary folder.
    """
    os.environ.update(tool_environment(root))
    sys.path[:0] = [] if str(root) in sys.path else [str(root)]
    for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                     "IPYTHONDIR", "MPLCONFIGDIR"):
        if os.environ.get(variable):
            Path(os.environ[variable]).mkdir(parents=True, exist_ok=True)


def run(selected, workers=None, console=None, root=ROOT):
    """The whole demo; returns ({phase: seconds}, statuses)."""
    console = console or Console(width=132)
    seconds = {}
    with timed(seconds, "build"):
        build_stale(selected, console, root)
    with timed(seconds, "grade"):
        statuses = grade_demo_class(selected, workers or os.cpu_count() or 1, root)
    with timed(seconds, "feedback"):
        write_feedback(selected, root)
    with timed(seconds, "export"):
        export_grades(root)
    return seconds, statuses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="ids to include (default: all)")
    parser.add_argument("--workers", type=int, default=None,
                        help="parallel grading processes (default: number of cores)")
    args = parser.parse_args(argv)
    prepare_environment()
    from autograder import jail

    console = Console(width=132)
    selected = args.assignments or assignments()
    unknown = [a for a in selected if a not in assignments()]
    if unknown:
        console.print(f"[red]no such assignment: {', '.join(unknown)}[/red]")
        return 2
    reason = jail.unavailable_reason()
    if reason:
        console.print(f"[red]refusing to grade: {reason}[/red]")
        return 2
    seconds, statuses = run(selected, args.workers, console)
    console.print(score_table(selected))
    problems = [s for s in statuses if s["state"] != "graded"]
    for status in problems:
        reason = (status.get("reason") or "").strip().splitlines()[-1:] or [""]
        console.print(f"{status['state']}: {status['assignment']}/{status['student']}: "
                      f"{reason[0]}")
    console.print("feedback: feedback/<student>/<assignment>/  grades: grades.csv  "
                  f"({sum(seconds.values()):.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
