"""Does the learning-rate explorer redraw when the slider moves, train only when it must,
and show a plain note instead of a traceback or a computation where it should?"""
import numpy as np
import pytest

from autograder.reference.sgd import train_logistic_regression
from course.data import two_blobs
from course.widgets.learning_rate import GRADING_NOTE, learning_rate_explorer, verdict


@pytest.fixture(scope="module")
def data():
    return two_blobs(n=120, seed=0)


def parts(box):
    (slider, ascent), note, image = box.children[0].children, box.children[1], box.children[2]
    return slider, ascent, note, image


def test_slider_and_figure_carry_their_css_classes(data, monkeypatch):
    """Can a browser test find the slider and the figure by their CSS classes?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    slider, _, _, image = parts(learning_rate_explorer(train_logistic_regression, *data))
    assert "learning-rate-slider" in slider._dom_classes and slider.readout
    assert "learning-rate-figure" in image._dom_classes
    assert slider.min == -3 and slider.max == 2


def test_moving_the_slider_or_the_sign_redraws_the_figure(data, monkeypatch):
    """Do a new learning rate and the wrong-sign checkbox each change the image, and is
    every redraw timed?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    box = learning_rate_explorer(train_logistic_regression, *data)
    slider, ascent, note, image = parts(box)
    first = bytes(image.value)
    assert first.startswith(b"\x89PNG") and note.value == ""
    slider.value = 30.0
    second = bytes(image.value)
    assert second != first
    ascent.value = True
    assert bytes(image.value) not in (first, second)
    assert len(box.redraw_seconds) == 3


def test_a_redraw_trains_at_most_once(data, monkeypatch):
    """Does moving the slider train only at the new rate (reference curves and rates seen
    before come from the cache), which is what keeps a redraw fast?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    rates = []

    def counting_train(X, y, lr, epochs, batch_size, rng):
        rates.append(lr)
        return train_logistic_regression(X, y, lr, epochs, batch_size, rng)

    box = learning_rate_explorer(counting_train, *data)
    slider = parts(box)[0]
    after_first_draw = len(rates)
    slider.value = 3.0
    assert len(rates) == after_first_draw + 1 and rates[-1] == 3.0
    slider.value = 0.1
    slider.value = 3.0
    assert len(rates) == after_first_draw + 1
    assert len(box.redraw_seconds) == 4


def test_unimplemented_trainer_shows_a_note(data, monkeypatch):
    """Does a train_logistic_regression that raises NotImplementedError give a clear note?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)

    def train_logistic_regression(X, y, lr, epochs, batch_size, rng):
        raise NotImplementedError()

    box = learning_rate_explorer(train_logistic_regression, *data)
    _, _, note, image = parts(box)
    assert "not implemented yet" in note.value
    assert image.layout.display == "none"


def test_losses_of_the_wrong_length_give_a_note(data, monkeypatch):
    """Does a trainer that records a loss per batch get a note saying so, not a traceback?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)

    def train_logistic_regression(X, y, lr, epochs, batch_size, rng):
        return np.zeros(2), 0.0, np.full(epochs * 6, 0.5)

    note = parts(learning_rate_explorer(train_logistic_regression, *data))[2]
    assert "losses" in note.value and "one per epoch" in note.value


def test_while_grading_the_explorer_is_a_one_line_note(data, monkeypatch):
    """Does nbgrader see a one-line note and no training at all?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    def train_logistic_regression(X, y, lr, epochs, batch_size, rng):
        raise AssertionError("must not train while grading")

    note = learning_rate_explorer(train_logistic_regression, *data)
    assert note.value == GRADING_NOTE and "\n" not in note.value


def test_verdict_names_the_three_regimes():
    """Are rising, jumping, slow and good loss curves told apart?"""
    assert "diverging" in verdict([0.7, 1.0, 2.0])
    assert "diverging" in verdict([1.7, 2.9, 1.5])
    assert "too large" in verdict([0.5, 0.4, 0.6, 0.35])
    assert "too small" in verdict([0.69, 0.688, 0.686])
    assert verdict([0.5, 0.35, 0.3, 0.29]) == "about right"
