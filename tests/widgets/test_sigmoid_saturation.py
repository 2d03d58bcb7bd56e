"""Does the sigmoid-saturation explorer redraw when a slider moves, stay fast, and show a plain
note instead of a traceback or a computation where it should?"""
import numpy as np
import pytest

from autograder.reference.gradients import sigmoid_grad
from autograder.reference.loss import sigmoid
from course.widgets.sigmoid_saturation import GRADING_NOTE, neuron_stack, stack_reading, \
    sigmoid_saturation_explorer


def parts(box):
    (weight, bias), note, image = box.children[0].children, box.children[1], box.children[2]
    return weight, bias, note, image


def test_slider_and_figure_carry_their_css_classes(monkeypatch):
    """Can a browser test find the main slider and the figure by their CSS classes?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    weight, bias, _, image = parts(sigmoid_saturation_explorer(sigmoid, sigmoid_grad))
    assert "sigmoid-saturation-slider" in weight._dom_classes and weight.readout
    assert "sigmoid-saturation-figure" in image._dom_classes
    assert bias.readout and weight.description == "w" and bias.description == "b"


def test_moving_either_slider_redraws_the_figure(monkeypatch):
    """Do a new weight and a new bias each change the image, and is every redraw timed?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    box = sigmoid_saturation_explorer(sigmoid, sigmoid_grad)
    weight, bias, note, image = parts(box)
    first = bytes(image.value)
    assert first.startswith(b"\x89PNG") and note.value == ""
    weight.value = 6.0
    second = bytes(image.value)
    assert second != first
    bias.value = -3.0
    assert bytes(image.value) not in (first, second)
    assert len(box.redraw_seconds) == 3


def test_redraws_are_fast_after_the_first(monkeypatch):
    """Is the median redraw well under 0.15 s once the static curves are drawn?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    box = sigmoid_saturation_explorer(sigmoid, sigmoid_grad)
    weight = parts(box)[0]
    for value in (-8.0, -2.0, 0.5, 3.0, 9.5):
        weight.value = value
    assert np.median(box.redraw_seconds[1:]) < 0.15


def test_the_stack_multiplies_slopes_that_vanish_when_saturated():
    """Does the stack chain z_k = w·a_(k-1) + b, and are its slopes tiny once |z| is large?"""
    z, slopes = neuron_stack(sigmoid, sigmoid_grad, w=2.0, b=-1.0, x=1.0, depth=3)
    a1 = sigmoid(1.0)
    assert np.isclose(z[0], 1.0) and np.isclose(z[1], 2.0 * a1 - 1.0)
    assert np.allclose(slopes, sigmoid_grad(z))
    _, saturated = neuron_stack(sigmoid, sigmoid_grad, w=9.0, b=1.0, depth=10)
    assert np.all(saturated < 0.25) and np.prod(saturated) < 1e-30


def test_unimplemented_sigmoid_grad_shows_a_note(monkeypatch):
    """Does a sigmoid_grad that raises NotImplementedError give a clear note naming it?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)

    def sigmoid_grad(z):
        raise NotImplementedError()

    box = sigmoid_saturation_explorer(sigmoid, sigmoid_grad)
    _, _, note, image = parts(box)
    assert "sigmoid_grad is not implemented yet" in note.value
    assert image.layout.display == "none"


def test_while_grading_the_explorer_is_a_one_line_note(monkeypatch):
    """Does nbgrader see a one-line note and no computation at all?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    def sigmoid(z):
        raise AssertionError("must not compute while grading")

    note = sigmoid_saturation_explorer(sigmoid, sigmoid)
    assert note.value == GRADING_NOTE and "\n" not in note.value


@pytest.mark.parametrize("w, b, word", [
    (10.0, -7.0, "grows"), (1.0, 0.0, "shrinks"), (4.0, 0.0, "shrinks"), (-3.0, 1.0, "shrinks"),
    (10.0, 5.0, "vanishes"), (10.0, -9.9, "vanishes"),
])
def test_the_reading_counts_the_weights_part(w, b, word):
    """Is the chain at w = 10, b = -7, whose Π|w·σ′| reaches 5.8, said to grow (the weights
    make up for σ′ ≤ 1/4), while |w| ≤ 4 can only shrink and saturated units vanish?"""
    z, slopes = neuron_stack(sigmoid, sigmoid_grad, w, b)
    assert stack_reading(w, slopes).startswith(word)
    if (w, b) == (10.0, -7.0):
        assert np.prod(np.abs(w * slopes)) == pytest.approx(5.8, abs=0.05)
        assert np.prod(slopes) < 1e-8


def test_the_y_range_shows_a_weighted_product_above_1(monkeypatch):
    """Does the right panel reach above 5.8 and down to the 0.25ᵏ ceiling after 10 neurons,
    with a y label?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    from course.widgets.sigmoid_saturation import _Plot
    right = _Plot(sigmoid, sigmoid_grad, 10).figure.axes[1]
    low, high = right.get_ylim()
    assert high >= 10 and low <= 0.25 ** 10 and right.get_ylabel()
