"""Weight-scale explorer: a log slider sets the std of every weight of a 10-layer network,
buttons pick the activation; the figure shows each layer's activation histogram and spread."""
import functools

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from threadpoolctl import ThreadpoolController

from course import is_grading
from course.widgets.activation_stats import RANGES, layer_statistics, verdict
from course.widgets.redraw import canvas_png, timed_redraw

BINS = 40
FLAT_WORDS = {"tanh": "with |a| > 0.9", "sigmoid": "below 0.05 or above 0.95",
              "relu": "of the units dead"}


_blas = functools.lru_cache(maxsize=None)(ThreadpoolController)  # one lookup: each costs ms


def layer_activations(random_init, activation, scale, depth=10, width=100, n=200, seed=0):
    """Activations of every hidden layer of a random deep net on standard-normal inputs.

    Args:
        random_init: function(layer_sizes, scale, rng) -> params dict {"W1", "b1", ...}.
        activation: elementwise function; scale: float standard deviation of the weights.
        depth, width, n: ints, layers, units per layer and input examples; seed: int.

    Returns:
        list of depth arrays (n, width), the activations of layers 1 .. depth.
    """
    rng = np.random.default_rng(seed)
    params = random_init([width] * (depth + 1), scale, rng)
    A = rng.standard_normal((n, width))
    layers = []
    with _blas().limit(limits=1, user_api="blas"):  # small products: threads only slow down
        for k in range(1, depth + 1):
            A = np.asarray(activation(A @ params[f"W{k}"] + params[f"b{k}"]), dtype=float)
            layers.append(A)
    return layers


def diagnose(name, layers):
    """The verdict on a deep net's activations (see `verdict`)."""
    stats = layer_statistics(name, layers)
    return verdict(name, stats["spread"], stats["flat"])


def summarize(name, layers):
    """What the figure shows of one network: histograms, spreads, flat shares and a verdict.

    Args:
        name: activation name, a key of RANGES; layers: list of (n, width) activations.

    Returns:
        dict: "heights" (depth, BINS) histograms with peak 0.9 (outliers in the edge bins,
        relu's zeros left out), "spread" and "flat" (depth,), "verdict" str.
    """
    low, high = RANGES[name]
    heights = np.zeros((len(layers), BINS))
    for k, A in enumerate(layers):
        values = A[A > 0] if name == "relu" else A  # relu's zeros would dwarf the rest
        counts, _ = np.histogram(np.clip(values, low, high), bins=BINS, range=(low, high))
        heights[k] = 0.9 * counts / max(counts.max(), 1)
    stats = layer_statistics(name, layers)
    return {"heights": heights, "spread": np.maximum(stats["spread"], 1e-12),
            "flat": stats["flat"], "verdict": verdict(name, stats["spread"], stats["flat"])}


def _figure(depth):
    """A reusable figure whose moving parts (stairs, flat shares, curve, label) are drawn
    over a cached background, so that a redraw renders only what changes."""
    figure = Figure(figsize=(7.5, 3.2), dpi=80)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
    edges = np.linspace(0.0, 1.0, BINS + 1)
    stairs = [left.stairs(np.full(BINS, float(k)), edges, baseline=k, fill=True,
                          color=f"C{k % 10}", animated=True) for k in range(depth)]
    flats = [left.text(0.5, (k + 0.4) / depth, "", transform=left.transAxes, ha="center",
                       va="center", fontsize=7, animated=True,
                       bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})
             for k in range(depth)]
    left.set(ylim=(0, depth), ylabel="layer")
    left.set_yticks(np.arange(depth) + 0.4, [str(k + 1) for k in range(depth)])
    (curve,) = right.semilogy(np.arange(1, depth + 1), np.ones(depth), "o-", color="k", ms=3,
                              animated=True)
    right.set(xlabel="layer", ylabel="spread across inputs", ylim=(1e-8, 1e8),
              xticks=[1, 4, 7, 10])
    right.grid(True, alpha=0.3)
    label = right.set_title("", fontsize=9, animated=True)
    return {"figure": figure, "left": left, "stairs": stairs, "curve": curve, "label": label,
            "flats": flats, "backgrounds": {}}


def _background(parts, name):
    """The figure without its moving parts, for activation `name` (drawn once, then cached)."""
    if name not in parts["backgrounds"]:
        low, high = RANGES[name]
        parts["left"].set(xlim=(low, high), xlabel=f"{name} activation" + (
            " > 0 (values above 3 piled at the right edge)" if name == "relu" else ""))
        canvas = parts["figure"].canvas
        canvas.draw()
        parts["backgrounds"][name] = canvas.copy_from_bbox(parts["figure"].bbox)
    return parts["backgrounds"][name]


def _draw(parts, name, scale, summary):
    """PNG bytes of the reusable figure showing one network's summary."""
    figure, canvas = parts["figure"], parts["figure"].canvas
    canvas.restore_region(_background(parts, name))
    low, high = RANGES[name]
    edges = np.linspace(low, high, BINS + 1)
    for k, patch in enumerate(parts["stairs"]):
        patch.set_data(k + summary["heights"][k], edges, baseline=k)
        figure.draw_artist(patch)
    word = FLAT_WORDS[name]
    for text, share in zip(parts["flats"], summary["flat"]):
        text.set_text(f"{share:.0%} {word}")
        figure.draw_artist(text)
    parts["curve"].set_ydata(summary["spread"])
    parts["label"].set_text(f"weight std {scale:.3g}")
    figure.draw_artist(parts["curve"])
    figure.draw_artist(parts["label"])
    return canvas_png(canvas)


def _failure_note(error):
    if isinstance(error, NotImplementedError):
        return ("<b>random_init is not implemented yet</b>: write it in its section, run that "
                "cell, then run this cell again.")
    return (f"<b>random_init did not give a usable network</b> ({type(error).__name__}: "
            f"{error}); check it against its tests.")


def _controls(activations, width):
    """The explorer's widgets: activation buttons, log slider, verdict, figure and a note."""
    slider = widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.05,
                                    description="weight std", readout_format=".3g")
    slider.add_class("init-scale-slider")
    choice = widgets.ToggleButtons(options=list(activations), description="activation")
    image = widgets.Image(format="png")
    image.add_class("init-scale-figure")
    xavier, he = np.sqrt(1 / width), np.sqrt(2 / width)
    note = widgets.HTML(f"For width {width}: Xavier std √(2/({width} + {width})) = "
                        f"{xavier:.3g}, He std √(2/{width}) = {he:.3g}.")
    return choice, slider, widgets.HTML(), image, note


def init_scale_explorer(random_init, activations, width=100, depth=10):
    """A weight-std slider and activation buttons redrawing a deep net's activation histograms.

    Args:
        random_init: the student's random_init(layer_sizes, scale, rng).
        activations: dict name -> elementwise function, names among "tanh", "sigmoid", "relu".
        width, depth: ints, units per layer and number of layers.

    Returns:
        ipywidgets.VBox with a list attribute `redraw_seconds` (one entry per redraw).
    """
    if is_grading():
        return widgets.HTML("(the weight-scale explorer is not run while grading)")
    choice, slider, verdict, image, note = controls = _controls(activations, width)
    problem = widgets.HTML()
    box = widgets.VBox(list(controls) + [problem])
    parts, cache = _figure(depth), {}

    def picture(name, scale):
        key = (name, round(float(np.log10(scale)), 3))
        if key not in cache:
            summary = summarize(name, layer_activations(random_init, activations[name], scale,
                                                        depth, width))
            cache[key] = (_draw(parts, name, scale, summary), summary["verdict"])
        return cache[key]

    def draw():
        png, text = picture(choice.value, slider.value)
        verdict.value = f"<b>{choice.value}, weight std {slider.value:.3g}</b>: {text}"
        return png

    redraw = timed_redraw(box, image, problem, draw, _failure_note)

    slider.observe(redraw, names="value")
    choice.observe(redraw, names="value")
    redraw()
    return box
