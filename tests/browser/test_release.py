"""Does a release notebook tell a student what is wrong in one line, never with a traceback?"""
import re

import nbformat
import pytest

from .explorers import Explorer
from .lab import WIDGETS
from .lab_notebook import new_page, opener

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LOSS = "release/01_loss/01_loss.ipynb"
EXPLORER_CALL = re.compile(r"\b\w+_explorer\(")


def cells_by_grade_id(course_copy, path):
    notebook = nbformat.read(course_copy / path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: (index, cell)
            for index, cell in enumerate(notebook.cells)
            if "grade_id" in cell.metadata.get("nbgrader", {})}


def one_line(messages):
    """The single error message of a cell, checked to be one line without a traceback."""
    assert len(messages) == 1, f"expected one error output, got {messages}"
    text = messages[0].strip()
    assert "\n" not in text and "Traceback" not in text, f"not a one-line message: {text}"
    return text


@pytest.fixture(scope="module")
def loss_release(browser, jupyter_lab):
    """The 01_loss release, untouched, after Run All and running on past each error."""
    with new_page(browser) as page:
        try:
            yield opener(page, jupyter_lab)(LOSS, past_errors=True)
        finally:
            jupyter_lab.delete_sessions()


def test_visible_tests_of_unimplemented_functions_say_so_in_one_line(loss_release, course_copy):
    """Run all (going on after each error): does every visible test cell say, in one line,
    which function is not implemented yet?"""
    tests = {grade_id[len("test_"):]: index
             for grade_id, (index, cell) in cells_by_grade_id(course_copy, LOSS).items()
             if grade_id.startswith("test_") and cell.cell_type == "code"}
    assert len(tests) == 6, tests
    for function, index in tests.items():
        text = one_line(loss_release.error_outputs(index))
        assert re.fullmatch(rf"NotImplementedError: {function}\(\) is not implemented yet: "
                            r"replace `raise NotImplementedError\(\)` .+", text), text


def test_a_wrong_answer_shows_what_was_expected_and_what_came_back(loss_release, course_copy):
    """A student forgets the bias in neuron(): does its visible test say "expected 2.6, got
    2.1" for the notes' example, in one line?"""
    cells = cells_by_grade_id(course_copy, LOSS)
    answer, cell = cells["neuron"]
    test, _ = cells["test_neuron"]
    wrong = cell.source.replace("raise NotImplementedError()", "z = float(np.dot(x, w))")
    loss_release.set_source(answer, wrong)
    loss_release.run_cell(answer)
    assert loss_release.error_outputs(answer) == []
    loss_release.run_cell(test)
    text = one_line(loss_release.error_outputs(test))
    assert text.startswith("TestFailure: neuron(x=[2, 3, -1], w=[0.9, 0.2, 0.3], b=0.5): "), text
    assert re.search(r"expected .*\b2\.6\b.*, got .*\b2\.1\b", text), text


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: w.name)
def test_explorer_shows_a_note_until_the_functions_are_written(widget, course_copy,
                                                               run_notebook, artifacts):
    """In the release, before any function is written: does the explorer's cell show a note
    saying what to implement (or, if it needs none of them, the working explorer) instead of
    a traceback?"""
    path = widget.notebook("release")
    if not (course_copy / path).exists():
        pytest.skip(f"{path} does not exist yet: assignment {widget.assignment} has not been "
                    "built")
    source = nbformat.read(course_copy / path, as_version=4)
    calls = [i for i, cell in enumerate(source.cells)
             if cell.cell_type == "code" and EXPLORER_CALL.search(cell.source)]
    assert calls, f"no cell of {path} calls an explorer"
    notebook = run_notebook(path, past_errors=True)
    for index in calls:
        assert notebook.error_outputs(index) == [], (
            f"cell {index} of {path} shows an error instead of a note")
        text = notebook.output_text(index)
        assert "Traceback" not in text, text
        notebook.cell(index).locator(".jp-OutputArea").screenshot(
            path=str(artifacts / f"{widget.name}-release.png"))
        if not re.search(r"implement", text, re.IGNORECASE):
            # No note: then the explorer must work, on functions the release gives.
            Explorer(notebook, widget.name).wait_shown(timeout=10_000)
            print(f"{widget.name}: works in the release (it needs no student function)")
