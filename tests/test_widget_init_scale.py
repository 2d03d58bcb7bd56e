"""Does the weight-scale explorer redraw when its controls move, tell collapse from explosion,
explain a missing random_init, and stay silent while grading?"""
import ipywidgets as widgets
import numpy as np
import pytest

from autograder.reference.activations import relu, tanh
from autograder.reference.initialization import random_init
from autograder.reference.loss import sigmoid
from course.widgets import init_scale
from course.widgets.init_scale import diagnose, init_scale_explorer, layer_activations

ACTIVATIONS = {"tanh": tanh, "relu": relu, "sigmoid": sigmoid}


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def with_class(box, css_class):
    """The child of `box` carrying `css_class`."""
    return next(w for w in box.children if css_class in w._dom_classes)


def of_type(box, kind):
    return next(w for w in box.children if isinstance(w, kind))


def test_moving_the_slider_redraws_the_figure():
    """Does a slider step change the PNG, and is every redraw timed?"""
    box = init_scale_explorer(random_init, ACTIVATIONS)
    slider, image = with_class(box, "init-scale-slider"), with_class(box, "init-scale-figure")
    assert isinstance(slider, widgets.FloatLogSlider) and slider.readout
    assert image.value[:8] == b"\x89PNG\r\n\x1a\n"
    before = image.value
    slider.value = slider.value * 10 ** slider.step
    assert image.value != before
    assert len(box.redraw_seconds) == 2 and all(s > 0 for s in box.redraw_seconds)


def test_choosing_another_activation_redraws_the_figure():
    """Does switching from tanh to relu change the PNG and the verdict?"""
    box = init_scale_explorer(random_init, ACTIVATIONS)
    image, choice = with_class(box, "init-scale-figure"), of_type(box, widgets.ToggleButtons)
    before = image.value
    choice.value = "relu"
    assert image.value != before
    assert any("relu" in w.value for w in box.children if isinstance(w, widgets.HTML))


def test_revisiting_a_setting_is_served_from_the_cache():
    """Is going back to a slider value both identical and faster than drawing it first?"""
    box = init_scale_explorer(random_init, ACTIVATIONS)
    slider, image = with_class(box, "init-scale-slider"), with_class(box, "init-scale-figure")
    first = image.value
    slider.value = 1.0
    slider.value = 0.1
    assert image.value == first
    assert box.redraw_seconds[-1] < 0.15


@pytest.mark.parametrize("name, scale, word", [
    ("tanh", 0.01, "collapse"), ("tanh", 0.1, "healthy"), ("tanh", 2.0, "saturation"),
    ("relu", 0.05, "collapse"), ("relu", np.sqrt(2 / 100), "healthy"), ("relu", 1.0, "explosion"),
    ("sigmoid", 0.002, "collapse"), ("sigmoid", 0.1, "healthy"), ("sigmoid", 5.0, "saturation"),
])
def test_verdict_names_collapse_healthy_saturation_and_explosion(name, scale, word):
    """Does the verdict of a 10-layer net match what its weight std does to the activations?"""
    layers = layer_activations(random_init, ACTIVATIONS[name], scale)
    assert len(layers) == 10 and layers[0].shape == (200, 100)
    assert diagnose(name, layers).startswith(word)


def test_a_missing_random_init_shows_a_note_instead_of_a_traceback():
    """When random_init raises NotImplementedError, does the widget say so plainly?"""
    def unfinished(layer_sizes, scale, rng):
        raise NotImplementedError()
    box = init_scale_explorer(unfinished, ACTIVATIONS)
    notes = " ".join(w.value for w in box.children if isinstance(w, widgets.HTML))
    assert "random_init is not implemented yet" in notes
    assert with_class(box, "init-scale-figure").value == b""


def test_nothing_is_computed_while_grading(monkeypatch):
    """While nbgrader grades, is the explorer a one-line note that never calls random_init?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    calls = []
    box = init_scale_explorer(lambda *args: calls.append(args), ACTIVATIONS)
    assert isinstance(box, widgets.HTML) and "grading" in box.value and not calls


def test_module_stays_small():
    """Is the widget module under the course's ~200-line budget?"""
    assert len(open(init_scale.__file__).read().splitlines()) < 200


def test_a_broken_random_init_is_reported_in_the_widget():
    """When random_init returns unusable weights, does the widget name the error?"""
    def transposed(layer_sizes, scale, rng):
        params = random_init(layer_sizes[::-1], scale, rng)
        params["W1"] = np.ones((3, 7))
        return params
    box = init_scale_explorer(transposed, ACTIVATIONS)
    notes = " ".join(w.value for w in box.children if isinstance(w, widgets.HTML))
    assert "did not give a usable network" in notes and "ValueError" in notes
