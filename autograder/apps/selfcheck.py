"""Check your own copy of a notebook exactly as the class autograder would grade it.

    python -m autograder.selfcheck path/to/01_loss.ipynb      (or: make check NB=...)

or, inside the notebook itself (save it first; the saved file is checked):

    from autograder.selfcheck import check_notebook
    check_notebook("01_loss.ipynb")

A copy of the notebook is graded as student "self" by the class grader's own job in a
temporary course (autograder/apps/scratch_course.py). The report lists each graded function
with the points nbgrader gave it, a verdict, and the hidden check's record. The learner's
file is only read; nothing is written beside it.

Exit status: 0 when the check ran (whatever the score), 2 when the file is not
a readable notebook of this course, 1 when the grader itself failed.
"""
import argparse
import os
import re
import shutil
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.apps.scratch_course import STUDENT, SelfCheckError, grade_copy
from autograder.cells import nbgrader_meta
from autograder.course import ROOT, assignments
from autograder.limits import STUDENT_SECONDS
from autograder.pipeline.tamper_scan import MARK as NEUTRALISED_MARK
from autograder.status import check_records

PASSED, PARTLY, FAILED = "passed", "partly passed", "failed"
NOT_ATTEMPTED, BY_HAND, NOT_GRADED = "not attempted", "graded by hand", "not graded"
STUB = re.compile(r"^[ \t]*raise NotImplementedError\(\)[ \t]*$", re.MULTILINE)
WRITTEN_STUB = "YOUR ANSWER HERE"
SELF_IMPORT_HINT = (" (this is your self-check cell: while a notebook is graded, autograder "
                    "holds nothing but the checker's client, so this import fails there; "
                    "delete that cell, or use `!python -m autograder.selfcheck`, before you "
                    "hand the notebook in)")
NO_JAIL_NOTE = ("checked without the grading jail (bubblewrap is not installed here): your "
                "code ran with your own permissions; the points are the same")


@dataclass(frozen=True)
class Result:
    """One graded cell: its function, the points nbgrader gave, a verdict and a message."""

    function: str
    grade_id: str
    points: float | None
    max_points: float
    verdict: str
    message: str = ""
    autograded: bool = True


@dataclass(frozen=True)
class Report:
    """What the class autograder would make of one notebook."""

    notebook: Path
    assignment: str
    results: tuple
    notes: tuple = field(default_factory=tuple)
    problem: str = ""
    seconds: float = 0.0

    @property
    def score(self):
        """Autograded points earned, as nbgrader totals them (an ungraded cell counts 0)."""
        return sum(r.points or 0.0 for r in self.results if r.autograded)

    @property
    def max_score(self):
        """Autograded points available (written answers, graded by hand, excluded)."""
        return sum(r.max_points for r in self.results if r.autograded)

    @property
    def verdicts(self):
        """{function: verdict} of every graded cell."""
        return {r.function: r.verdict for r in self.results}

    def __str__(self):
        return format_report(self)

    def __repr__(self):
        return f"<Report {self.assignment}: {self.score:g} / {self.max_score:g} points>"


# ---- which assignment is this? ------------------------------------------------------------

def read_notebook(path):
    """The learner's notebook, parsed; SelfCheckError (exit 2) if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise SelfCheckError(f"{path}: no such file", 2)
    try:
        return nbformat.reads(path.read_bytes().decode("utf-8"), as_version=4)
    except Exception as error:  # noqa: BLE001 - any parse failure means "not a notebook"
        raise SelfCheckError(
            f"{path} is not a readable Jupyter notebook ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'invalid'}). The class grader "
            "could not grade it either: it would get 0 points. Open it in Jupyter to see "
            "whether it is damaged, or start again from a fresh copy of the release.", 2) from None


def grade_ids(notebook):
    """The nbgrader grade ids carried by the cells of `notebook`."""
    return {cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def _distinctive_ids(root):
    """{assignment: grade ids that no other assignment uses}."""
    ids = {a: grade_ids(nbformat.read(root / "source" / a / f"{a}.ipynb", as_version=4))
           for a in assignments(root)}
    return {a: {i for i in own if not any(i in ids[b] for b in ids if b != a)}
            for a, own in ids.items()}


def _assignment_from_name(path, known):
    """The assignment whose id starts the file's (or its folder's) name, if any."""
    for name in (path.stem, path.parent.name):
        matches = [a for a in known if name == a or name.startswith(a)]
        if matches:
            return max(matches, key=len)
    return None


def identify(path, notebook, root=ROOT):
    """Assignment id of a notebook: from its cells' grade ids, else from its file name."""
    distinctive = _distinctive_ids(root)
    carried = grade_ids(notebook)
    overlap = {a: len(carried & ids) for a, ids in distinctive.items()}
    best = max(overlap.values(), default=0)
    by_name = _assignment_from_name(Path(path), list(distinctive))
    if best > 0:
        leaders = [a for a, n in overlap.items() if n == best]
        return by_name if by_name in leaders else leaders[0]
    if by_name:
        return by_name
    raise SelfCheckError(
        f"{path} is not one of this course's notebooks: none of its cells carries the "
        f"grade id of an assignment ({', '.join(distinctive) or 'none found'}) and its "
        "name does not start with an assignment id. Pass the assignment explicitly "
        "(--assignment ID) if you are sure.", 2)


# ---- reading the verdicts ----------------------------------------------------------------------

def _first_error(cell):
    """(ename, evalue) of the first error output of a code cell, or None."""
    for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
        if output.output_type == "error":
            return output.ename, output.evalue
    return None


def _answer_cells(notebook):
    """{grade_id: cell} of the answer (solution) cells of a notebook."""
    return {nbgrader_meta(c)["grade_id"]: c for c in notebook.cells
            if nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade_id")}


def _code_result(grade_id, points, best, record, answer):
    """The Result of one autograded test cell, from its points and its check record."""
    message = record["message"] if record else ""
    name = grade_id.removeprefix("test_")
    answer_error = _first_error(answer) if answer is not None else None
    if message and answer_error and answer_error[0] != "NotImplementedError":
        message = (f"{message} (the cell that defines {name} itself failed: "
                   f"{answer_error[0]}: {answer_error[1]})")
    if points is None:
        return Result(name, grade_id, None, best, NOT_GRADED,
                      message or "the grader recorded no points for this cell")
    if points >= best:
        return Result(name, grade_id, points, best, PASSED)
    stub = answer is not None and STUB.search(answer.source)
    if points == 0 and (stub or (record or {}).get("kind") == "not attempted"):
        return Result(name, grade_id, points, best, NOT_ATTEMPTED,
                      f"{name} still raises NotImplementedError: replace that line with "
                      "your code")
    return Result(name, grade_id, points, best, PARTLY if points > 0 else FAILED,
                  message or f"the test cell gave {points:g} of {best:g} points")


def _written_result(grade_id, best, cell):
    """The Result of a written answer, which a person grades."""
    if cell is None or cell.source.strip() in ("", WRITTEN_STUB):
        return Result(grade_id, grade_id, None, best, NOT_ATTEMPTED,
                      "no answer written yet", autograded=False)
    return Result(grade_id, grade_id, None, best, BY_HAND,
                  "a person grades written answers; not part of the autograded score",
                  autograded=False)


def _cell_label(name, graded):
    """A grade id as it is; "cell 8" (an index into the graded notebook) by its first line."""
    match = re.fullmatch(r"cell (\d+)", name)
    if not match or int(match.group(1)) >= len(graded.cells):
        return name
    lines = [line for line in graded.cells[int(match.group(1))].source.splitlines()
             if line.strip() and not line.startswith(NEUTRALISED_MARK)]
    return f"the cell starting {(lines or [''])[0][:50]!r}"


def _noticed(status, graded):
    """What the class grader recorded about the notebook besides the points."""
    items = [item for key in ("integrity", "faults", "cheats") for item in status.get(key, [])
             if item.get("kind") != "flagged"]
    lines = list(status.get("notes", [])) + \
        ([NO_JAIL_NOTE] if status.get("isolation") == "none" else []) + [
        f"{_cell_label(item['cell'], graded)}: {item['message']}" for item in items]
    lines = [line + SELF_IMPORT_HINT if "autograder" in line and "selfcheck" in line else line
             for line in lines]
    return tuple(dict.fromkeys(lines))


def _problem(status, errors=()):
    """Why the class grader could not grade the notebook, or ""."""
    if status.get("state") == "graded":
        return ""
    reason = (status.get("reason") or "unknown reason").strip().splitlines()[-1]
    if "Please see the" in reason and errors:
        reason = "; ".join(errors[:3])
    return (f"the class grader could not grade this notebook ({reason}); it would record no "
            "points for it (0 in the export)")


def _graded_cells(course, assignment, cells):
    """[(grade_id, {max_score, cell_type, score})] in the source notebook's order.

    `cells` comes from the gradebook; when grading was stopped before it could be read,
    the source notebook's own metadata stands in (no points).
    """
    source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    graded = [c for c in source.cells if nbgrader_meta(c).get("grade")]
    cells = cells or {nbgrader_meta(c)["grade_id"]: {
        "max_score": float(nbgrader_meta(c).get("points", 0)), "cell_type": c.cell_type,
        "score": None} for c in graded}
    ordered = [nbgrader_meta(c)["grade_id"] for c in graded
               if nbgrader_meta(c)["grade_id"] in cells]
    return [(g, cells[g]) for g in ordered + [g for g in cells if g not in ordered]]


def build_report(path, assignment, course, result, learner, seconds):
    """A Report from the class grader's status and the notebook it graded."""
    if result is None:
        result = {"status": {"state": "failed", "reason": f"grading took longer than "
                                                          f"{STUDENT_SECONDS} s"},
                  "grade_cells": {}}
    status, cells = result["status"], result["grade_cells"]
    graded_file = course / "autograded" / STUDENT / assignment / f"{assignment}.ipynb"
    graded = nbformat.read(graded_file, as_version=4) if graded_file.exists() else learner
    failed = {}
    for record in check_records(graded_file) if graded_file.exists() else []:
        if not record["passed"]:
            failed.setdefault(record["cell"], record)
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in graded.cells}
    answers = _answer_cells(graded)
    problem = _problem(status, result.get("errors", []))
    results = []
    for grade_id, cell in _graded_cells(course, assignment, cells):
        if cell["cell_type"] == "markdown":
            results.append(_written_result(grade_id, cell["max_score"], by_id.get(grade_id)))
            continue
        points = status.get("cells", {}).get(grade_id, cell["score"])
        results.append(_code_result(grade_id, None if problem else points, cell["max_score"],
                                    failed.get(grade_id),
                                    answers.get(grade_id.removeprefix("test_"))))
    return Report(Path(path), assignment, tuple(results), _noticed(status, graded), problem,
                  seconds)


# ---- the command -------------------------------------------------------------------------------

def check_notebook(path, assignment=None, timeout=None, quiet=False):
    """Grade a copy of the notebook at `path` as the class grader would; print the report.

    Args:
        path: str or Path of the learner's .ipynb (its saved state is checked).
        assignment: str id such as "01_loss", or None to recognise it from the notebook.
        timeout: per-cell time limit in seconds, or None for the course's (nbgrader_config.py).
        quiet: do not print (the report is still returned).

    Returns:
        Report, or None when called while nbgrader itself runs the notebook.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        print("check_notebook does nothing while nbgrader grades this notebook.")
        return None
    path = Path(path)
    learner = read_notebook(path)
    assignment = assignment or identify(path, learner)
    if assignment not in assignments(ROOT):
        raise SelfCheckError(f"unknown assignment {assignment!r}; the course has "
                             f"{', '.join(assignments(ROOT))}", 2)
    if not quiet:
        saved = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(path.stat().st_mtime))
        print(f"Checking {path} (saved {saved}) as {assignment}: the class grader runs a copy "
              "of it with the hidden tests; this takes a little while ...", flush=True)
    start = time.perf_counter()
    course = None
    try:
        course, result = grade_copy(path, assignment, timeout)
        report = build_report(path, assignment, course, result, learner,
                              time.perf_counter() - start)
    finally:
        if course is not None:
            shutil.rmtree(course, ignore_errors=True)
    if not quiet:
        print(format_report(report))
    return report


# ---- printing ---------------------------------------------------------------------------------

def _points(result):
    got = "–" if result.points is None else f"{result.points:g}"
    return f"{got} / {result.max_points:g}"


def format_report(report, width=None):
    """The report as a text table: function, points, verdict, message."""
    width = width or max(80, min(shutil.get_terminal_size((110, 20)).columns, 140))
    rows = [("function", "points", "verdict", "message")] + [
        (r.function, _points(r), r.verdict, r.message or "-") for r in report.results]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    indent = sum(widths) + 6
    lines = [f"Self-check of {report.notebook} (assignment {report.assignment})", ""]
    if report.problem:
        lines += textwrap.wrap("PROBLEM: " + report.problem, width) + [""]
    for row in rows:
        head = "  ".join(text.ljust(w) if i != 1 else text.rjust(w)
                         for i, (text, w) in enumerate(zip(row, widths)))
        wrapped = textwrap.wrap(row[3], max(30, width - indent)) or [""]
        lines.append(f"{head}  {wrapped[0]}")
        lines += [" " * indent + more for more in wrapped[1:]]
    lines += ["", f"Score: {report.score:g} / {report.max_score:g} autograded points, as the "
                  "class grader would give them."]
    written = sum(r.max_points for r in report.results if not r.autograded)
    if written:
        lines.append(f"Written answers ({written:g} points) are graded by hand and are not "
                     "included.")
    if report.notes:
        lines += ["", "The grader also noticed:"]
        for note in report.notes:
            lines += textwrap.wrap(note, width, initial_indent="  - ", subsequent_indent="    ")
    lines.append(f"(checked in {report.seconds:.0f} s; your notebook was not changed)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m autograder.selfcheck", description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", help="path of your .ipynb")
    parser.add_argument("--assignment", help="assignment id, if it cannot be recognised")
    parser.add_argument("--timeout", type=int, help="per-cell time limit in seconds "
                        "(default: the class grader's)")
    args = parser.parse_args(argv)
    if not args.notebook:
        parser.print_usage(sys.stderr)
        print("give the notebook to check, e.g. make check NB=release/01_loss/01_loss.ipynb",
              file=sys.stderr)
        return 2
    try:
        check_notebook(args.notebook, args.assignment, args.timeout)
    except SelfCheckError as error:
        print(f"selfcheck: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
