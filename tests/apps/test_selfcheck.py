"""Does the self-check give the class grader's per-function verdicts, points and messages?

The class: the three demo students of 01_loss (autograder.apps.demo) and a notebook with faults
(an endless loop, a crash, a killed kernel, a half-done part, a deleted test cell),
autograded with the nbgrader CLI in a temporary course. Each notebook is also copied to a
learner's folder (one under another name) and self-checked there; both use a 5 s per-cell
limit so that the endless loop costs seconds, not a minute.
"""
import contextlib
import hashlib
import io
import os
import subprocess
import sys

import nbformat
import pytest

from autograder.apps import selfcheck
from autograder.course import ROOT, tool_environment
from autograder.fakes import BUGS, Bug, answered, with_bug
from autograder.report import failed_checks
from tests.support.courses import new_course

A = "01_loss"
TIMEOUT = 5
LEARNER_FILES = {"demo-perfect": "perfect/01_loss.ipynb",
                 "demo-untouched": "untouched/01_loss.ipynb",
                 "demo-buggy": "my work/attempt (copy).ipynb",
                 "faults": "faults/01_loss.ipynb"}


def _release():
    return nbformat.read(ROOT / "release" / A / f"{A}.ipynb", as_version=4)


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def faulty(perfect):
    """Top-level endless loop after neuron, predict_proba crashes, a 'try it' cell kills the
    kernel, mse left as the stub, test_cost deleted."""
    notebook = with_bug(perfect, Bug("neuron", "    return z",
                                     "    return z\n\n\nwhile True:\n    pass", "loop"))
    notebook = with_bug(notebook, Bug("predict_proba", "    return y_hat",
                                      "    raise ValueError('crash')\n    return y_hat", ""))
    stub = next(c.source for c in _release().cells if _grade_id(c) == "mse")
    ids = [_grade_id(c) for c in notebook.cells]
    try_cost = next(c for c in notebook.cells[ids.index("cost") + 1:]
                    if c.cell_type == "code" and not _grade_id(c))
    try_cost.source = "import os\nos._exit(1)"
    notebook.cells[ids.index("mse")].source = stub
    notebook.cells = [c for c in notebook.cells if _grade_id(c) != "test_cost"]
    return notebook


def class_notebooks():
    perfect = answered(ROOT / "release" / A / f"{A}.ipynb", ROOT / "source" / A / f"{A}.ipynb")
    return {"demo-perfect": perfect, "demo-untouched": _release(),
            "demo-buggy": with_bug(perfect, BUGS[A]), "faults": faulty(perfect)}


def _fingerprint(folder):
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in folder.iterdir()}


def _class_results(course):
    from nbgrader.api import Gradebook
    results = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in LEARNER_FILES:
            submission = gradebook.find_submission_notebook(A, A, student)
            cells = {g.name: (g.score, g.max_score) for g in submission.grades
                     if g.cell.cell_type == "code"}
            messages = failed_checks(course / "autograded" / student / A / f"{A}.ipynb")
            results[student] = (cells, submission.score, messages)
    return results


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(class grader's results, self-check reports, printed reports, learner folders)."""
    course = new_course(tmp_path_factory, "class", ("nbgrader_config.py", f"source/{A}"))
    learner = tmp_path_factory.mktemp("learner")
    for student, notebook in class_notebooks().items():
        (course / "submitted" / student / A).mkdir(parents=True)
        nbformat.write(notebook, course / "submitted" / student / A / f"{A}.ipynb")
        copy = learner / LEARNER_FILES[student]
        copy.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, copy)
    nbgrader = f"{sys.executable} -m nbgrader"
    with open(course / "class.log", "w") as log:
        class_run = subprocess.Popen(  # runs alongside the self-checks
            f"{nbgrader} generate_assignment {A} && {nbgrader} autograde {A} "
            f"--Execute.timeout={TIMEOUT}", shell=True, cwd=course,
            env=tool_environment(ROOT), stdout=log, stderr=subprocess.STDOUT)
    before = {s: _fingerprint((learner / f).parent) for s, f in LEARNER_FILES.items()}
    by_path, printed = {}, {}
    original = selfcheck.check_notebook

    def recording(path, *args, **kwargs):
        by_path[str(path)] = original(path, *args, **kwargs)
        return by_path[str(path)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selfcheck, "check_notebook", recording)
        for student, name in LEARNER_FILES.items():
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = selfcheck.main([str(learner / name), "--timeout", str(TIMEOUT)])
            assert code == 0, out.getvalue()
            printed[student] = out.getvalue()
    reports = {s: by_path[str(learner / name)] for s, name in LEARNER_FILES.items()}
    assert class_run.wait(timeout=600) == 0, (course / "class.log").read_text()[-3000:]
    return _class_results(course), reports, printed, before, learner


@pytest.mark.nbgrader
@pytest.mark.parametrize("student", list(LEARNER_FILES))
def test_same_points_and_verdicts_as_the_class_autograde(graded, student):
    """Does every function get the points and verdict nbgrader's autograde gave it?"""
    classes, reports, _, _, _ = graded
    cells, total, _ = classes[student]
    report = reports[student]
    mine = {r.grade_id: r for r in report.results if r.autograded}
    assert set(mine) == set(cells)
    for grade_id, (score, best) in cells.items():
        result = mine[grade_id]
        assert (result.points, result.max_points) == (score, best), grade_id
        assert (result.verdict == selfcheck.PASSED) == (score == best), grade_id
        if score == 0:
            assert result.verdict in (selfcheck.FAILED, selfcheck.NOT_ATTEMPTED), grade_id
    assert report.score == sum(score for score, _ in cells.values()) == total
    assert report.max_score == sum(best for _, best in cells.values())
    assert report.assignment == A and not report.problem


@pytest.mark.nbgrader
@pytest.mark.parametrize("student", list(LEARNER_FILES))
def test_messages_are_the_checks_own(graded, student):
    """Is a failed function reported with the message the class grader's notebook shows?"""
    classes, reports, printed, _, _ = graded
    _, _, messages = classes[student]
    for result in reports[student].results:
        if result.verdict == selfcheck.FAILED:
            assert result.message.startswith(messages[result.grade_id]), result
    assert f"Score: {reports[student].score:g} / 8" in printed[student]


@pytest.mark.nbgrader
def test_demo_verdicts(graded):
    """Do the demo students get passed / not attempted / the named bug?"""
    _, reports, _, _, _ = graded
    assert set(reports["demo-perfect"].verdicts.values()) == {"passed", "graded by hand"}
    assert set(reports["demo-untouched"].verdicts.values()) == {"not attempted"}
    buggy = reports["demo-buggy"]
    assert [r.function for r in buggy.results if r.verdict == "failed"] == ["cost"]
    assert "expected 0.164252" in buggy.results[4].message and "got 0.3285" in \
        buggy.results[4].message


@pytest.mark.nbgrader
def test_faults_are_reported_like_the_class_grader(graded):
    """Loop, crash, dead kernel, half-done part, deleted test cell: what does the learner see?"""
    _, reports, printed, _, _ = graded
    faults = reports["faults"].verdicts
    assert faults == {"neuron": "passed", "sigmoid": "passed", "predict_proba": "failed",
                      "binary_cross_entropy": "passed", "cost": "passed",
                      "mse": "not attempted", "written_why_log": "graded by hand"}
    crash = next(r for r in reports["faults"].results if r.function == "predict_proba")
    assert "ValueError: crash" in crash.message
    notes = " ".join(reports["faults"].notes)
    assert f"did not finish within {TIMEOUT} s" in notes and "test_cost was deleted" in notes
    assert "kernel died" in notes and "The grader also noticed" in printed["faults"]


@pytest.mark.nbgrader
def test_renamed_notebook_is_recognised(graded):
    """Is a notebook saved under another name, in another folder, still checked as 01_loss?"""
    _, reports, _, _, _ = graded
    report = reports["demo-buggy"]
    assert report.notebook.name == "attempt (copy).ipynb" and report.assignment == A


@pytest.mark.nbgrader
def test_learner_files_are_untouched(graded):
    """Are the learner's files byte-identical, with the same mtime, and nothing added?"""
    _, _, _, before, learner = graded
    for student, name in LEARNER_FILES.items():
        assert _fingerprint((learner / name).parent) == before[student], student


# ---- cases that need no grading ----------------------------------------------------------------

def test_invalid_json_is_a_clear_error_with_exit_code_2(tmp_path):
    """Does a damaged notebook give a clear message and exit code 2, untouched?"""
    path = tmp_path / "01_loss.ipynb"
    path.write_bytes(b'{"cells": [{"cell_type": "code", "source": "def neuron(')
    before = path.read_bytes(), path.stat().st_mtime_ns
    result = subprocess.run([sys.executable, "-m", "autograder.selfcheck", str(path)],
                            env=tool_environment(ROOT), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert "is not a readable Jupyter notebook" in result.stderr
    assert "Score" not in result.stdout
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert os.listdir(tmp_path) == ["01_loss.ipynb"]


def test_foreign_notebook_and_missing_file_exit_with_2(tmp_path, capsys):
    """Is a notebook that is not the course's, or a missing file, refused with exit code 2?"""
    foreign = tmp_path / "scratch.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]),
                   foreign)
    assert selfcheck.main([str(foreign)]) == 2
    assert "not one of this course's notebooks" in capsys.readouterr().err
    assert selfcheck.main([str(tmp_path / "nothing.ipynb")]) == 2
    assert selfcheck.main([]) == 2


def test_assignment_is_recognised_from_metadata_or_name(tmp_path):
    """Do grade ids win over the file name, and does the name serve when there are none?"""
    release = _release()
    assert selfcheck.identify(tmp_path / "whatever.ipynb", release) == A
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    assert selfcheck.identify(tmp_path / "01_loss-Copy1.ipynb", bare) == A
    assert selfcheck.identify(tmp_path / A / "mine.ipynb", bare) == A


def test_does_nothing_while_nbgrader_runs_the_notebook(monkeypatch, tmp_path, capsys):
    """Does a check_notebook call left in a notebook stay inert while it is being graded?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert selfcheck.check_notebook(tmp_path / "01_loss.ipynb") is None
    assert selfcheck.main([str(tmp_path / "01_loss.ipynb")]) == 0
    assert "does nothing while nbgrader grades" in capsys.readouterr().out


@pytest.mark.nbgrader
def test_check_from_inside_a_notebook(tmp_path):
    """Does check_notebook work in a Jupyter kernel, printing the report and returning it?"""
    from nbclient import NotebookClient

    target = tmp_path / "01_loss.ipynb"
    nbformat.write(_release(), target)
    code = ("from autograder.selfcheck import check_notebook\n"
            f"report = check_notebook('01_loss.ipynb', timeout={TIMEOUT})\n"
            "print('RESULT', report.score, report.max_score,\n"
            "      sorted(set(report.verdicts.values())))")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    env = tool_environment(ROOT)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute(env=env)
    text = "".join(o.get("text", "") for o in notebook.cells[0].outputs)
    assert "Self-check of 01_loss.ipynb (assignment 01_loss)" in text
    assert "RESULT 0.0 8.0 ['not attempted']" in text
    assert sorted(os.listdir(tmp_path)) == ["01_loss.ipynb"]


def test_a_check_without_the_jail_says_so():
    """Does a self-check graded without the jail (no bubblewrap here) tell the learner?"""
    notebook = nbformat.v4.new_notebook()
    assert selfcheck.NO_JAIL_NOTE in selfcheck._noticed({"isolation": "none"}, notebook)
    assert selfcheck.NO_JAIL_NOTE not in selfcheck._noticed({"isolation": "jail"}, notebook)
