"""Are the source, release and solution notebooks well formed, leak-free and up to date?"""
import ast
import re

import nbformat
import pytest

from autograder.course import ROOT, assignments
from autograder.builder import build_release, solution_notebook, toolkit_source
from autograder.checks import find_check
from tests.support.courses import copy_course

ALL = assignments()
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.DOTALL)
SOLUTION = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.DOTALL)
TEST_HELPERS = {"expect_close", "expect_shape", "expect_true", "check"}

# The student-facing contract: graded functions and their parameters, per assignment.
CONTRACT = {
    "01_loss": {"neuron": "x, w, b", "sigmoid": "z", "predict_proba": "X, w, b",
                "binary_cross_entropy": "y, y_hat", "cost": "y, y_hat", "mse": "y, y_hat"},
    "02_gradients": {"sigmoid_grad": "z", "backprop_example": "x, y, z",
                     "logistic_gradients": "X, y, w, b", "numerical_gradient": "f, x, h",
                     "relative_error": "a, b"},
    "03_sgd": {"sgd_step": "params, grads, lr", "minibatches": "X, y, batch_size, rng",
               "train_logistic_regression": "X, y, lr, epochs, batch_size, rng",
               "accuracy": "y_true, y_pred"},
    "04_deep_mlp": {"xor_params": "", "linear_forward": "X, W, b",
                    "linear_backward": "dZ, cache", "mlp_forward": "X, params",
                    "mlp_backward": "y, cache",
                    "train_mlp": "X, y, layer_sizes, lr, epochs, batch_size, rng"},
    "05_activations": {"step": "z", "relu": "z", "relu_grad": "z", "leaky_relu": "z, alpha",
                       "leaky_relu_grad": "z, alpha", "tanh": "z", "tanh_grad": "z",
                       "collapse_linear": "W1, b1, W2, b2",
                       "layer_gradient_norms": "depth, width, activation, rng"},
    "06_initialization": {"zeros_init": "layer_sizes", "random_init": "layer_sizes, scale, rng",
                          "xavier_init": "layer_sizes, rng", "he_init": "layer_sizes, rng",
                          "symmetric_units": "W"},
    "07_softmax_hinge": {"one_hot": "y, num_classes", "softmax": "S",
                         "softmax_cross_entropy": "S, y", "hinge_loss": "S, y, margin"},
    "08_regularization": {"l2_penalty": "params, lam", "l2_grad": "params, lam",
                          "l1_penalty": "params, lam", "l1_grad": "params, lam",
                          "dropout_forward": "X, p_drop, rng, train",
                          "dropout_backward": "dout, mask", "l2_prefers": ""},
}


def read(path):
    return nbformat.read(path, as_version=4)


def source_path(assignment):
    return ROOT / "source" / assignment / f"{assignment}.ipynb"


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def answer_cells(notebook):
    return [c for c in notebook.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]


def test_every_assignment_of_the_contract_has_a_source_notebook():
    """Is there a source notebook for every assignment id we have started?"""
    assert "01_loss" in ALL
    assert set(ALL) <= set(CONTRACT)


@pytest.mark.parametrize("assignment", ALL)
def test_source_notebook_is_stored_without_outputs(assignment):
    """Is every code cell of the source notebook free of outputs and execution counts?"""
    for cell in read(source_path(assignment)).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("assignment", ALL)
def test_answer_cells_match_the_contract(assignment):
    """Does each answer cell define exactly one graded function with the contract's signature?"""
    defined = {}
    for cell in answer_cells(read(source_path(assignment))):
        functions = [n for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)]
        assert len(functions) == 1, f"{nbgrader_meta(cell)['grade_id']}: one function per cell"
        function = functions[0]
        assert function.name == nbgrader_meta(cell)["grade_id"]
        assert ast.get_docstring(function), f"{function.name} needs a docstring"
        defined[function.name] = ", ".join(a.arg for a in function.args.args)
    assert defined == CONTRACT[assignment]


@pytest.mark.parametrize("assignment", ALL)
def test_each_graded_function_has_a_locked_test_cell_with_a_hidden_check(assignment):
    """Is every answer followed by a locked test cell with points that calls its hidden check?"""
    notebook = read(source_path(assignment))
    cells = notebook.cells
    for index, cell in enumerate(cells):
        meta = nbgrader_meta(cell)
        if not (cell.cell_type == "code" and meta.get("solution")):
            continue
        name = meta["grade_id"]
        tests = [c for c in cells[index:] if nbgrader_meta(c).get("grade_id") == f"test_{name}"]
        assert len(tests) == 1, f"no test_{name} cell after {name}"
        test = tests[0]
        test_meta = nbgrader_meta(test)
        assert test_meta["grade"] and test_meta["locked"] and test_meta["points"] > 0
        assert test.source.startswith("#"), "a test cell's first line says what it checks"
        hidden = HIDDEN.search(test.source)
        assert hidden, f"test_{name} has no hidden tests"
        assert f'check("{assignment}", "{name}", {name})' in hidden.group(1)
        find_check(assignment, name)
        visible = ast.parse(HIDDEN.sub("", test.source)).body
        assert visible and all(
            isinstance(node, ast.With) and
            getattr(node.items[0].context_expr.func, "id", None) == "visible_tests"
            for node in visible), \
            f"test_{name}: the visible tests go in one `with visible_tests():` block, so " \
            "that during autograding only the hidden check decides the cell's score"


@pytest.mark.parametrize("assignment", ALL)
def test_every_answer_cell_is_followed_by_collapsed_hints(assignment):
    """Can a stuck student open one or two hints under every answer cell, collapsed?"""
    cells = read(source_path(assignment)).cells
    for index, cell in enumerate(cells):
        if cell.cell_type == "code" and nbgrader_meta(cell).get("solution"):
            following = cells[index + 1]
            assert following.cell_type == "markdown", nbgrader_meta(cell)["grade_id"]
            assert 1 <= following.source.count("<details>") <= 2, nbgrader_meta(cell)["grade_id"]


@pytest.mark.parametrize("assignment", ALL)
def test_test_cells_end_on_no_value(assignment):
    """Does every graded test cell end on a statement, never on a value nbgrader would score?"""
    for cell in read(source_path(assignment)).cells:
        meta = nbgrader_meta(cell)
        if not (meta.get("grade") and cell.cell_type == "code"):
            continue
        last = ast.parse(cell.source).body[-1]
        if isinstance(last, ast.Expr):
            assert isinstance(last.value, ast.Call) and \
                getattr(last.value.func, "id", None) in TEST_HELPERS, \
                f"{meta['grade_id']} ends on an expression: {ast.unparse(last)}"


@pytest.mark.parametrize("assignment", ALL)
def test_every_graded_cell_has_points_and_ids_are_unique(assignment):
    """Do all graded cells carry points, with no grade id used twice?"""
    ids = []
    for cell in read(source_path(assignment)).cells:
        meta = nbgrader_meta(cell)
        if meta:
            ids.append(meta["grade_id"])
            if meta.get("grade"):
                assert meta.get("points", 0) > 0, meta["grade_id"]
    assert len(ids) == len(set(ids))
    written = [c for c in read(source_path(assignment)).cells
               if c.cell_type == "markdown" and nbgrader_meta(c).get("grade")]
    assert len(written) >= 1, "every assignment has a written question graded by hand"


@pytest.mark.parametrize("assignment", ALL)
def test_release_leaks_no_solution_hidden_test_or_grader(assignment):
    """Does the release hold no solution code, no hidden test and no mention of the grader?"""
    source = read(source_path(assignment))
    secret_lines = set()
    for cell in source.cells:
        for block in SOLUTION.findall(cell.source) + HIDDEN.findall(cell.source):
            secret_lines |= {line.strip() for line in block.splitlines() if len(line.strip()) > 6}
        if cell.cell_type == "markdown" and nbgrader_meta(cell).get("solution"):
            secret_lines |= {line.strip() for line in cell.source.splitlines()
                             if len(line.strip()) > 20}
    folder = ROOT / "release" / assignment
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, "the release is missing"
    for path in files:
        text = path.read_text()
        assert "autograder" not in text.lower(), f"{path} mentions the grader"
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    release_lines = {line.strip() for cell in read(folder / f"{assignment}.ipynb").cells
                     for line in cell.source.splitlines()}
    leaked = sorted(secret_lines & release_lines)
    assert not leaked, f"solution or hidden-test lines in the release: {leaked[:5]}"


@pytest.mark.parametrize("assignment", ALL)
def test_committed_solutions_and_toolkits_match_the_source(assignment):
    """Were solutions/ and the toolkit regenerated after the last change to source/?"""
    expected = solution_notebook(source_path(assignment))
    committed = read(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    assert [c.source for c in committed.cells] == [c.source for c in expected.cells], \
        "solutions/ is stale: run `python -m autograder.apps.build`"
    toolkit = ROOT / "source" / assignment / "toolkit.py"
    text = toolkit_source(assignment)
    assert (toolkit.read_text() if toolkit.exists() else None) == text, "toolkit.py is stale"


@pytest.mark.parametrize("assignment", ALL)
def test_solutions_are_executed_without_errors(assignment):
    """Can a learner read every solution's outputs, with no error in them?"""
    notebook = read(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    code = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count for c in code), "solutions/ is not executed"
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:80]


@pytest.mark.nbgrader
def test_committed_release_is_what_nbgrader_generates(tmp_path):
    """Is release/ exactly what `nbgrader generate_assignment` makes of source/ today?"""
    course = copy_course(ROOT, tmp_path / "course", ("nbgrader_config.py", "source"))
    for assignment in ALL:
        build_release(assignment, course)
        for fresh in (course / "release" / assignment).rglob("*"):
            if fresh.is_file():
                committed = ROOT / "release" / assignment / fresh.relative_to(
                    course / "release" / assignment)
                assert committed.exists(), f"{committed} is missing: rebuild release/"
                assert fresh.read_bytes() == committed.read_bytes(), \
                    f"{committed} is stale: run `python -m autograder.apps.build`"
