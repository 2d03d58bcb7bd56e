"""Does the learning-rate explorer redraw when the slider moves, train only when it must,
and show a plain note instead of a traceback or a computation where it should?"""
import numpy as np
import pytest

from autograder.reference.sgd import train_logistic_regression
from course.data import two_blobs
from course.widgets.learning_rate import (GRADING_NOTE, grid_rates, learning_rate_explorer,
                                          verdict)


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


def test_verdict_names_the_regimes():
    """Are rising, jumping, slow and good loss curves told apart, against the best final
    cost on the grid?"""
    assert "diverging" in verdict([0.7, 1.0, 2.0], best=0.28)
    assert "diverging" in verdict([1.7, 2.9, 1.5], best=0.28)
    assert "too large" in verdict([0.5, 0.4, 0.6, 0.35], best=0.28)
    assert verdict([0.4, 0.29, 0.35, 0.285, 0.29, 0.282], best=0.28).startswith("large")
    assert "too small" in verdict([0.69, 0.688, 0.686], best=0.28)
    assert verdict([0.5, 0.35, 0.3, 0.29], best=0.28).startswith("about right")
    assert verdict([0.5, 0.35, 0.3, 0.2805, 0.2801], best=0.28).startswith("about right")


@pytest.fixture(scope="module")
def grid_curves():
    """The notebook's runs (two_blobs n = 200, 30 epochs, batch 20) at every slider rate."""
    X, y = two_blobs(n=200, seed=0)
    curves = {lr: train_logistic_regression(X, y, lr, 30, 20, np.random.default_rng(0))[2]
              for lr in grid_rates()}
    best = min(losses[-1] for losses in curves.values() if np.isfinite(losses[-1]))
    return curves, best


@pytest.mark.parametrize("lr", [1.0, 1.78, 2.37, 3.16, 4.22, 5.62])
def test_rates_that_reach_the_optimum_fastest_are_not_too_large(grid_curves, lr):
    """Is a rate whose curve ends at the best cost with only SGD's jitter "about right",
    not "too large" as any rise above 1e-3 used to say?"""
    curves, best = grid_curves
    losses = curves[min(curves, key=lambda rate: abs(rate - lr))]
    assert np.any(np.diff(losses) > 1e-4)
    assert verdict(losses, best).startswith("about right")


@pytest.mark.parametrize("lr", [0.001, 0.01, 0.0178, 0.0316])
def test_rates_still_falling_far_above_the_best_are_too_small(grid_curves, lr):
    """Is lr = 0.0178, still falling 0.15 above the best final cost, "too small"?"""
    curves, best = grid_curves
    losses = curves[min(curves, key=lambda rate: abs(rate - lr))]
    assert "too small" in verdict(losses, best)


@pytest.mark.parametrize("lr, word", [(10.0, "large"), (17.8, "too large"), (31.6, "too large"),
                                      (-0.1, "diverging")])
def test_rates_that_jump_or_climb_are_named(grid_curves, lr, word):
    """Are the jumping rates above 10 and the wrong-sign rule still flagged?"""
    curves, best = grid_curves
    if lr > 0:
        losses = curves[min(curves, key=lambda rate: abs(rate - lr))]
    else:
        X, y = two_blobs(n=200, seed=0)
        losses = train_logistic_regression(X, y, lr, 30, 20, np.random.default_rng(0))[2]
    text = verdict(losses, best)
    assert text.startswith(word) if word == "large" else word in text


def test_every_reference_curve_has_a_legend_entry(data, monkeypatch):
    """Does the figure's legend name each reference rate and the log 2 line?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    from course.widgets.learning_rate import REFERENCE_RATES, _Curves, _Plot
    plot = _Plot(_Curves(train_logistic_regression, *data, 30, 20, 0))
    labels = [text.get_text() for text in plot.axes.get_legend().get_texts()]
    assert all(f"lr = {rate:g}" in labels for rate in REFERENCE_RATES)
    assert any("log 2" in label for label in labels)
