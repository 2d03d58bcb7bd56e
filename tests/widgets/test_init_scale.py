"""Does the weight-scale explorer redraw when its controls move, tell collapse from explosion,
explain a missing random_init, and stay silent while grading?"""
import ipywidgets as widgets
import numpy as np
import pytest

from autograder.reference.activations import relu, tanh
from autograder.reference.initialization import random_init
from autograder.reference.loss import sigmoid
from course.widgets import init_scale
from course.widgets.activation_stats import layer_statistics, verdict
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
    ("sigmoid", 0.002, "collapse"), ("sigmoid", 0.1, "collapse"), ("sigmoid", 5.0, "saturation"),
])
def test_verdict_names_collapse_healthy_saturation_and_explosion(name, scale, word):
    """Does the verdict of a 10-layer net match what its weight std does to the activations?"""
    layers = layer_activations(random_init, ACTIVATIONS[name], scale)
    assert len(layers) == 10 and layers[0].shape == (200, 100)
    assert diagnose(name, layers).startswith(word)


@pytest.mark.parametrize("scale", [0.02, 0.05, 0.1, 0.2, 0.3, 0.5])
def test_a_sigmoid_net_is_never_called_healthy(scale):
    """Is a sigmoid net whose last layer no longer depends on its input (per-unit spread
    across inputs about 4e-7 at Xavier's 0.1) a collapse, not "healthy", at every std the
    old verdict called healthy?"""
    layers = layer_activations(random_init, sigmoid, scale)
    assert not diagnose("sigmoid", layers).startswith("healthy")
    if scale == 0.1:
        spread = layer_statistics("sigmoid", layers)["spread"]
        assert spread[-1] < 1e-5 < 0.1 < spread[0]


@pytest.mark.parametrize("scale, share", [(0.16, 0.13), (0.2, 0.31), (0.25, 0.46)])
def test_tanh_with_many_units_near_plus_or_minus_one_is_saturation(scale, share):
    """Are tanh nets at 1.6-2.5 x Xavier, with 13 %, 31 % and 46 % of the last layer beyond
    |a| > 0.9, called saturated (tanh at std 0.2 on width 100 is not healthy)?"""
    layers = layer_activations(random_init, tanh, scale)
    flat = layer_statistics("tanh", layers)["flat"]
    assert abs(flat[-1] - share) < 0.02
    assert diagnose("tanh", layers).startswith("saturation")


@pytest.mark.parametrize("name, scale, word", [
    ("tanh", 0.079, "shrinking"), ("tanh", 0.089, "shrinking"), ("relu", 0.178, "growing"),
    ("relu", 0.2, "growing"), ("relu", 0.25, "explosion"),
])
def test_verdicts_change_gradually_with_the_spread_relative_to_layer_1(name, scale, word):
    """Is 0.8 x Xavier for tanh a shrinking spread rather than "every unit outputs the same
    value", and a ReLU net whose spread grows several-fold not "healthy"?"""
    assert diagnose(name, layer_activations(random_init, ACTIVATIONS[name], scale)).startswith(
        word)


@pytest.mark.parametrize("spread, flat, word", [
    ([0.6, 4e-7], [0.0, 0.0], "collapse"), ([0.6, 0.05], [0.0, 0.0], "shrinking"),
    ([0.6, 0.3], [0.0, 0.05], "healthy"), ([0.6, 0.5], [0.3, 0.31], "saturation"),
    ([1.0, 3.0], [0.0, 0.0], "growing"), ([1.0, 50.0], [0.0, 0.0], "explosion"),
])
def test_verdict_reads_the_last_layer_against_the_first(spread, flat, word):
    """Is the verdict a pure function of the per-layer spreads and flat shares?"""
    assert verdict("tanh", np.array(spread), np.array(flat)).startswith(word)


def test_relu_dead_units_do_not_count_as_saturation():
    """Does a ReLU net with dead units get a verdict from its spread alone?"""
    assert verdict("relu", np.array([1.0, 0.9]), np.array([0.2, 0.5])).startswith("healthy")


def test_statistics_measure_across_inputs_not_across_units():
    """Does a layer whose units differ but never vary with the input have zero spread?"""
    constant = np.tile(np.linspace(0.1, 0.9, 50), (20, 1))
    stats = layer_statistics("sigmoid", [constant])
    assert stats["spread"][0] < 1e-12 and constant.std() > 0.2
    assert stats["flat"][0] == pytest.approx(np.mean(np.abs(2 * constant - 1) > 0.9))


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
