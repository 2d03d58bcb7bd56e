"""Does the λ explorer of 08_regularization redraw, explain missing functions, stay quiet
while grading, and does the notebook's experiment really over-fit without regularization?"""
import nbformat
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from autograder.course import ROOT
from autograder.builder import toolkit_source
from autograder.reference import regularization as ref
from course.data import digits
from course.widgets import regularization as widget

EPOCHS = 30


def fake_run(lam):
    """Curves shaped like a real run: the gap between training and validation shrinks with λ."""
    t = np.linspace(0.0, 1.0, EPOCHS)
    return {"train_loss": 2.0 * np.exp(-5 * t) + 10 * lam,
            "val_loss": 0.6 + 0.3 * t / (1 + 100 * lam),
            "train_acc": 1.0 - 0.7 * np.exp(-5 * t) - lam,
            "val_acc": 0.8 - 0.1 * t / (1 + 100 * lam)}


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def test_slider_and_figure_carry_their_css_classes():
    """Are the slider and the image marked with the classes the browser tests look for?"""
    box = widget.regularization_explorer(fake_run)
    slider, image = box.children
    assert "regularization-slider" in slider._dom_classes
    assert "regularization-figure" in image._dom_classes
    assert slider.value == 0.0 and slider.label == "0 (off)"
    assert [value for _, value in slider.options] == list(widget.LAMS)


def test_moving_the_slider_changes_the_image_and_records_the_redraw_time():
    """Does every slider move show another PNG and append its duration to redraw_seconds?"""
    box = widget.regularization_explorer(fake_run)
    slider, image = box.children
    seen = [bytes(image.value)]
    for value in widget.LAMS[1:]:
        slider.value = value
        seen.append(bytes(image.value))
    assert all(png.startswith(b"\x89PNG") for png in seen)
    assert len(set(seen)) == len(widget.LAMS)
    assert len(box.redraw_seconds) == len(widget.LAMS) - 1
    assert max(box.redraw_seconds) < 0.15


def test_explorer_trains_each_lambda_once():
    """Is every λ of the grid trained exactly once, however often the slider visits it?"""
    calls = []
    box = widget.regularization_explorer(lambda lam: calls.append(lam) or fake_run(lam))
    slider = box.children[0]
    for value in list(widget.LAMS) * 2:
        slider.value = value
    assert sorted(calls) == sorted(widget.LAMS)


def test_unimplemented_function_gives_a_note_instead_of_a_traceback():
    """When the student's l2_grad still raises NotImplementedError, does the explorer say so?"""
    def l2_grad(params, lam):
        raise NotImplementedError()

    def run(lam):
        if lam > 0:
            l2_grad({}, lam)
        return fake_run(lam)

    box = widget.regularization_explorer(run)
    assert len(box.children) == 1
    assert "l2_grad() is not implemented yet" in box.children[0].value
    assert box.redraw_seconds == []


def test_explorer_computes_nothing_while_grading(monkeypatch):
    """While nbgrader runs the notebook, is the explorer a one-line note and no run trained?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    calls = []
    note = widget.regularization_explorer(lambda lam: calls.append(lam) or fake_run(lam))
    assert note.value == widget.GRADING_NOTE and calls == []


def notebook_training_code():
    """The notebook's given training code, run with the toolkit and the reference answers."""
    namespace = {"np": np, "digits": digits}
    exec(toolkit_source("08_regularization"), namespace)
    for name in ("l2_grad", "dropout_forward", "dropout_backward"):
        namespace[name] = getattr(ref, name)
    notebook = nbformat.read(ROOT / "source" / "08_regularization" / "08_regularization.ipynb",
                             as_version=4)
    given = [c for c in notebook.cells
             if c.metadata.get("nbgrader", {}).get("grade_id") == "given_mlp"]
    exec(given[0].source, namespace)
    return namespace


def test_the_notebooks_network_over_fits_and_regularization_narrows_the_gap():
    """Without regularization does training accuracy reach 100 % while validation accuracy
    falls from its peak, and do L2 (λ = 0.01) and dropout (0.5) narrow the accuracy gap?"""
    code = notebook_training_code()
    data = code["small_digits"]()
    with threadpool_limits(limits=1):
        plain = code["train_regularized"](data)
        regularized = [code["train_regularized"](data, lam=0.01),
                       code["train_regularized"](data, p_drop=0.5)]
        too_much = code["train_regularized"](data, lam=0.1)
    gap = plain["train_acc"][-1] - plain["val_acc"][-1]
    assert plain["train_acc"][-1] == 1.0 and gap > 0.15
    assert plain["val_acc"].max() - plain["val_acc"][-1] > 0.05
    for history in regularized:
        assert history["train_acc"][-1] - history["val_acc"][-1] < gap - 0.05
        assert history["val_acc"][-1] > plain["val_acc"][-1]
    assert too_much["train_acc"][-1] < 0.5 and too_much["val_acc"][-1] < 0.5


@pytest.mark.parametrize("train, val, gap", [
    (0.90, 0.9033, "(gap 0%)"), (0.90, 0.8990, "(gap 0%)"), (1.0, 0.853, "(gap +15%)"),
    (0.8, 0.82, "(gap -2%)"), (0.856, 0.846, "(gap +1%)"),
])
def test_the_title_never_prints_a_signed_zero_gap(train, val, gap):
    """Is a gap of a third of a point (λ = 0.03) "0%", never "-0%" or "+0%", and does the gap
    equal the difference of the rounded accuracies shown beside it?"""
    title = widget.accuracy_title(0.03, train, val)
    assert title.endswith(gap) and "-0%" not in title and "+0%" not in title
    shown = [int(word.rstrip("%")) for word in title.split() if word[:-1].isdigit()]
    assert gap == "(gap 0%)" or int(gap[5:-2]) == shown[0] - shown[1]
