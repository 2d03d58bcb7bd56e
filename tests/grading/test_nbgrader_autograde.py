"""Does plain `nbgrader autograde` with our config grade real submissions as it should?

One temporary copy of the course is built and graded once per session: the demo class
of every assignment (the canary: the solutions must get full marks), plus 01_loss
submissions that cheat, crash, loop or warn. Each test then reads the gradebook.
"""
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
import sys

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder.course import ROOT, assignments, tool_environment
from autograder.builder import build_release
from autograder.fakes import BUGS, answered, with_bug
from tests.support.courses import new_course
from tests.support.nbgrader_runs import delete_cell, replace_cell, run_nbgrader, scores, submit

pytestmark = pytest.mark.nbgrader

LOSS = "01_loss"


def graded_assignments():
    """All assignments, or those named in COURSE_ASSIGNMENTS (comma-separated)."""
    only = [a for a in os.environ.get("COURSE_ASSIGNMENTS", "").split(",") if a]
    return [a for a in assignments() if not only or a in only]


WRONG_COST = "def cost(y, y_hat):\n    return 0.0\n"

LOSS_SUBMISSIONS = {
    # cheats: each must lose the points of the function it cheats on, and only those
    "cheat-allclose": ("cost", "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                       "np.testing.assert_allclose = lambda *a, **k: None\n"
                       "np.isclose = lambda *a, **k: np.array(True)\n" + WRONG_COST),
    "cheat-builtins": ("mse", "import builtins\nbuiltins.abs = lambda x: 0.0\n"
                       "builtins.all = lambda *a: True\nbuiltins.max = lambda *a, **k: 0.0\n"
                       "def mse(y, y_hat):\n    return 0.0\n"),
    "cheat-always-equal": ("mse", "class Anything:\n"
                           "    def __eq__(self, other): return True\n"
                           "    def __ne__(self, other): return False\n"
                           "    def __le__(self, other): return True\n"
                           "    def __lt__(self, other): return True\n"
                           "    def __ge__(self, other): return True\n"
                           "    def __sub__(self, other): return 0.0\n"
                           "    __rsub__ = __sub__\n"
                           "    def __abs__(self): return 0.0\n"
                           "def mse(y, y_hat):\n    return Anything()\n"),
    "cheat-import-reference": ("sigmoid", "from autograder.reference.loss import sigmoid\n"),
    "cheat-wraps-reference": ("cost", "import autograder.reference.loss as r\n"
                              "def cost(y, y_hat):\n    return r.cost(y, y_hat)\n"),
    "cheat-hardcoded": ("neuron", "def neuron(x, w, b):\n    return 2.6 if len(x) == 3 else b\n"),
    # bugs in a function other functions call: only its own points are lost
    "bug-sigmoid-sign": ("sigmoid", "def sigmoid(z):\n    return 1 / (1 + np.exp(np.clip(z, -500, 500)))\n"),
    "bug-sigmoid-missing": ("sigmoid", "# I did not get this one\n"),
    "bug-sigmoid-raises": ("sigmoid", "def sigmoid(z):\n    raise ValueError('oops')\n"),
    # faults: the function's own points are lost, nothing else
    "fault-endless-loop": ("mse", "def mse(y, y_hat):\n    while True:\n        pass\n"),
    "fault-exits": ("mse", "import os\ndef mse(y, y_hat):\n    os._exit(1)\n"),
}


def loss_notebooks(root):
    """{student: notebook} of the extra 01_loss submissions, with the cell that must fail."""
    perfect = answered(root / "release" / LOSS / f"{LOSS}.ipynb",
                       root / "source" / LOSS / f"{LOSS}.ipynb")
    notebooks = {}
    for student, (cell, source) in LOSS_SUBMISSIONS.items():
        notebooks[student] = (replace_cell(perfect, cell, source), f"test_{cell}")
    wrong = replace_cell(perfect, "cost", WRONG_COST)
    notebooks["cheat-edits-test"] = (
        replace_cell(wrong, "test_cost", "# checks cost\nassert True\n"), "test_cost")
    notebooks["cheat-deletes-test"] = (delete_cell(wrong, "test_cost"), "test_cost")
    warns = nbformat.from_dict(perfect)
    for cell in warns.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "cost":
            cell.source = cell.source.replace(
                "    J = float(", "    import warnings\n    warnings.warn('a harmless note')\n"
                "    J = float(")
    notebooks["correct-but-warns"] = (warns, None)
    return notebooks


def submit_demo_class(course, assignment, expectations):
    """Release `assignment` in `course` and submit its perfect, untouched and buggy students."""
    build_release(assignment, course)
    release = course / "release" / assignment / f"{assignment}.ipynb"
    perfect = answered(release, course / "source" / assignment / f"{assignment}.ipynb")
    submit(course, "perfect", assignment, perfect)
    submit(course, "untouched", assignment, nbformat.read(release, as_version=4))
    expectations[("perfect", assignment)] = None
    expectations[("untouched", assignment)] = "all"
    if assignment in BUGS:
        submit(course, "buggy", assignment, with_bug(perfect, BUGS[assignment]))
        expectations[("buggy", assignment)] = f"test_{BUGS[assignment].cell}"


def autograde_each(course, selected):
    """Run plain `nbgrader autograde` for each assignment, one after another."""
    for assignment in selected:
        result = run_nbgrader(course, "autograde", assignment)
        assert "Traceback" not in result.stderr.split("autograde")[0], result.stderr[-3000:]


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """Courses autograded by plain nbgrader: ({assignment: course path}, expectations).

    The assignments are split over two course copies (two gradebooks) graded at the same
    time, one per core; each copy is graded exactly as an instructor would.
    """
    selected = graded_assignments()
    halves = [selected[:3], selected[3:]]
    courses, expectations = {}, {}
    for number, half in enumerate(h for h in halves if h):
        course = new_course(tmp_path_factory, f"course{number}")
        for assignment in half:
            submit_demo_class(course, assignment, expectations)
            courses[assignment] = course
    if LOSS in courses:
        for student, (notebook, failing) in loss_notebooks(courses[LOSS]).items():
            submit(courses[LOSS], student, LOSS, notebook)
            expectations[(student, LOSS)] = failing
    groups = {}
    for assignment, course in courses.items():
        groups.setdefault(course, []).append(assignment)
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        for outcome in [pool.submit(autograde_each, c, a) for c, a in groups.items()]:
            outcome.result()
    if LOSS in courses:
        result = run_nbgrader(courses[LOSS], "generate_feedback", LOSS)
        assert result.returncode == 0, result.stderr[-3000:]
    return courses, expectations


def test_solutions_get_full_marks_in_every_assignment(graded):
    """Canary: does every solution pass every test cell, hidden checks included?"""
    courses, _ = graded
    for assignment, course in courses.items():
        lost = {k: v for k, v in scores(course, assignment, "perfect").items() if v[0] < v[1]}
        assert not lost, f"{assignment}: the solution loses {lost}"


def test_untouched_release_scores_zero(graded):
    """Does the release as handed out score 0 in every test cell?"""
    courses, _ = graded
    for assignment, course in courses.items():
        got = scores(course, assignment, "untouched")
        assert got and all(score == 0 for score, _ in got.values()), f"{assignment}: {got}"


@pytest.mark.parametrize("student", ["buggy"] + sorted(LOSS_SUBMISSIONS) +
                         ["cheat-edits-test", "cheat-deletes-test", "correct-but-warns"])
def test_a_submission_loses_exactly_the_cells_it_got_wrong(graded, student):
    """Does each bug, cheat or fault cost its own function's points and nothing else?"""
    courses, expectations = graded
    for (who, assignment), failing in expectations.items():
        if who != student:
            continue
        got = scores(courses[assignment], assignment, student)
        lost = sorted(k for k, (score, best) in got.items() if score < best)
        assert lost == ([failing] if failing else []), f"{student} in {assignment}: {got}"
        if failing:
            assert got[failing][0] == 0


def test_feedback_shows_the_check_message_but_no_hidden_code(graded):
    """Does the student's feedback say what was expected and got, without hidden sources?"""
    course = graded[0][LOSS]
    html = (course / "feedback" / "buggy" / LOSS / f"{LOSS}.html").read_text()
    assert "CheckFailed" in html and "expected" in html and "got" in html
    assert "sum where the mean belongs" in html
    for secret in ("BEGIN HIDDEN TESTS", "autograder", "check(&quot;", 'check("'):
        assert secret not in html, secret


def test_validate_reports_success_for_the_solution_and_failure_for_the_release(graded):
    """Does `nbgrader validate` (which always exits 0) say Success only for the solution?"""
    course = graded[0][LOSS]
    good = run_nbgrader(course, "validate",
                        str(course / "submitted" / "perfect" / LOSS / f"{LOSS}.ipynb"))
    bad = run_nbgrader(course, "validate", str(course / "release" / LOSS / f"{LOSS}.ipynb"))
    assert "Success! Your notebook passes all the tests." in good.stdout
    assert "VALIDATION FAILED" in bad.stdout and "Success!" not in bad.stdout


def test_the_settings_that_close_nbgrader_traps_are_in_effect():
    """Are the config keys spelled as nbgrader's classes define them, with the right values?"""
    import nbgrader.apps
    import nbgrader.converters
    import nbgrader.coursedir
    import nbgrader.preprocessors
    from nbgrader.preprocessors import ClearHiddenTests

    import autograder.pipeline.resilient_execute
    import autograder.pipeline.inspect_submission

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    homes = (nbgrader.converters, nbgrader.coursedir, nbgrader.preprocessors, nbgrader.apps,
             autograder.pipeline.resilient_execute, autograder.pipeline.inspect_submission)
    for section, values in config.items():
        owners = [getattr(m, section) for m in homes if hasattr(m, section)]
        assert owners, f"unknown config section {section}"
        known = owners[0].class_traits(config=True)
        for key in values:
            assert key in known, f"{section}.{key} is not a setting of {section}"
    assert config.IgnorePattern.enabled is True and config.IgnorePattern.pattern
    assert config.OverwriteCells.add_missing_cells is True
    assert config.Execute.interrupt_on_timeout is True and config.Execute.timeout <= 60
    assert ClearHiddenTests in config.GenerateFeedback.preprocessors
    assert config.ExportApp.plugin_class == "autograder.pipeline.status_export.StatusCsvExportPlugin"
