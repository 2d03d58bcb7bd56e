"""Does tampering earn nothing, and is it named? Unit scans, then real graded submissions."""
import pytest

from autograder.pipeline.tamper_scan import FLAGGED, HARDCODED, NEUTRALISED, hardcoded_findings, \
    neutralise, scan_source
from autograder.pipeline.tamper_scan import TAMPERING as REPORTED
from tests.support.graded_class import cell_outputs, cell_scores
from tests.support.graded_class import grade_shared_class as graded_class

TAMPERING = [
    "np.allclose = lambda *a, **k: True",
    "np.testing.assert_allclose = lambda *a, **k: None",
    "import builtins\nbuiltins.abs = lambda x: 0",
    "import sys\nsys.modules['autograder.grade'] = None",
    "from autograder.reference.loss import sigmoid",
    "import autograder.grade as g",
    "setattr(np, 'allclose', print)",
    "exec('np.allclose = print')",
    "import sys\nf = sys._getframe(1).f_locals",
    "expect_close = lambda *a, **k: None",
    "import multiprocessing\nmultiprocessing.get_context = lambda *a: None",
]
HONEST = [
    "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n    return 1 / (1 + np.exp(-z))",
    "def f(X):\n    out = np.stack([X, X])\n    return out.sum(axis=0)",
    "import numpy as np\nfrom numpy import linalg\nx = np.abs(-1.5)",
]


@pytest.mark.parametrize("source", TAMPERING)
def test_tampering_is_neutralised(source):
    findings = scan_source(source, protected={"expect_close"})
    assert any(f.kind == NEUTRALISED for f in findings), findings
    assert "removed by the autograder" in neutralise(source, findings)


@pytest.mark.parametrize("source", HONEST)
def test_honest_code_is_not_flagged(source):
    assert scan_source(source, protected={"expect_close"}) == []


def test_os_exit_is_only_flagged():
    assert [f.kind for f in scan_source("import os\nos._exit(1)")] == [FLAGGED]


def test_hard_coded_visible_output_is_flagged():
    source = "def neuron(x, w, b):\n    if x[0] == 2.0:\n        return 2.6\n    return -1.5"
    assert {f.kind for f in hardcoded_findings(source, {2.6, -1.5})} == {HARDCODED}


@pytest.mark.nbgrader
def test_rebinding_numpy_builtins_and_the_check_earns_nothing():
    """Rebound NumPy, builtins, a fake hidden check and helpers: nothing scores, all reported.

    The fake check never reaches the trusted checker, so each test cell it replaced
    scores 0 with the reason; the scan reports the tampering without touching the code.
    """
    root, statuses = graded_class()
    scores = cell_scores(root, "cheater")
    assert set(scores.values()) == {0.0}, scores
    messages = {c["message"] for c in statuses["cheater"]["cheats"]
                if c["kind"] == REPORTED}
    assert {"rebinds np.allclose", "rebinds np.testing.assert_allclose",
            "rebinds builtins.abs", "writes into sys.modules",
            "rebinds the test helper expect_close"} <= messages
    assert any("did not run" in o.get("evalue", "") for o in
               cell_outputs(root, "cheater", "test_mse"))


@pytest.mark.nbgrader
def test_importing_the_hidden_reference_earns_nothing():
    root, statuses = graded_class()
    assert cell_scores(root, "borrower")["test_neuron"] == 0.0
    assert any("imports the hidden package autograder.reference" in c["message"]
               for c in statuses["borrower"]["cheats"])


@pytest.mark.nbgrader
def test_hard_coding_the_visible_examples_earns_nothing_and_is_flagged():
    root, statuses = graded_class()
    assert cell_scores(root, "hardcoder")["test_neuron"] == 0.0
    assert {c["kind"] for c in statuses["hardcoder"]["cheats"]} == {HARDCODED}


@pytest.mark.nbgrader
def test_honest_students_are_not_flagged():
    root, statuses = graded_class()
    for student in ("perfect", "untouched", "buggy"):
        assert statuses[student]["cheats"] == [], student
