"""Sigmoid-saturation explorer: sliders for one neuron's weight and bias.

The neuron gets the input x = 1, so its net input is z = w·1 + b. The left panel shows
σ(z) and σ′(z) with the ceiling σ′ ≤ 0.25 and marks the neuron's z; the right panel
chains `depth` such neurons (a_0 = x, z_k = w·a_(k-1) + b, a_k = σ(z_k)) and shows how
the factors σ′(z_k) that backpropagation multiplies together shrink the gradient.
"""
import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course import is_grading
from course.widgets.activation_stats import stack_reading
from course.widgets.redraw import canvas_png, timed_redraw

GRADING_NOTE = "Sigmoid-saturation explorer: not shown while the notebook is being graded."
Z_LIMIT = 10.0
FLOOR = 1e-12
TOP = 10.0


def _values(function, z):
    """`function` applied to a float array, as a float array of the same shape."""
    return np.asarray(function(np.asarray(z, dtype=float)), dtype=float).reshape(np.shape(z))


def neuron_stack(sigmoid, sigmoid_grad, w, b, x=1.0, depth=10):
    """Net inputs and slopes of a chain of identical sigmoid neurons.

    Args:
        sigmoid, sigmoid_grad: elementwise functions of a float array.
        w, b: floats, every neuron's weight and bias.
        x: float input of the first neuron.
        depth: int number of neurons.

    Returns:
        (z, slopes): (depth,) net inputs z_k = w·a_(k-1) + b and (depth,) factors σ′(z_k).
    """
    z = np.empty(depth)
    a = float(x)
    for k in range(depth):
        z[k] = w * a + b
        a = float(_values(sigmoid, z[k:k + 1])[0])
    return z, _values(sigmoid_grad, z)


def _draw_curves(ax, sigmoid, sigmoid_grad):
    """σ and σ′ over z in [-Z_LIMIT, Z_LIMIT], with the ceiling σ′ ≤ 0.25."""
    grid = np.linspace(-Z_LIMIT, Z_LIMIT, 401)
    ax.plot(grid, _values(sigmoid, grid), color="tab:blue", label="σ(z)")
    ax.plot(grid, _values(sigmoid_grad, grid), color="tab:orange", label="σ′(z)")
    ax.axhline(0.25, color="tab:orange", ls="--", lw=0.8)
    ax.text(-Z_LIMIT + 0.3, 0.27, "σ′ ≤ 0.25", color="tab:orange", fontsize=8)
    ax.set(xlim=(-Z_LIMIT, Z_LIMIT), ylim=(-0.03, 1.03), xlabel="net input z",
           ylabel="σ(z) and σ′(z)")
    ax.legend(loc="center left", fontsize=8)


def _draw_stack_axes(ax, depth):
    """Log axes for the products over the stack, with the ceiling 0.25^k."""
    layers = np.arange(1, depth + 1)
    ax.plot(layers, 0.25 ** layers, color="grey", lw=4, alpha=0.35,
            label="ceiling of Π σ′: 0.25ᵏ")
    ax.axhline(1.0, color="k", lw=0.6, alpha=0.5)
    ax.set(yscale="log", ylim=(FLOOR, TOP), xlim=(0.7, depth + 0.3), xticks=layers,
           xlabel="neurons the gradient has passed through, k",
           ylabel="gradient factor after k neurons")


class _Plot:
    """The figure: σ, σ′ and the ceilings drawn once; the neuron's marks blitted on top."""

    def __init__(self, sigmoid, sigmoid_grad, depth, dpi=80):
        self.figure = Figure(figsize=(8.4, 3.1), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.83, wspace=0.3)
        left, right = self.figure.add_subplot(1, 2, 1), self.figure.add_subplot(1, 2, 2)
        _draw_curves(left, sigmoid, sigmoid_grad)
        _draw_stack_axes(right, depth)
        self.marks, self.axes = self._marks(left, right, depth)
        right.legend(handles=[right.lines[0], self.marks["product"], self.marks["weighted"]],
                     loc="lower left", fontsize=8)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def _marks(self, left, right, depth):
        """The animated artists, and the Axes each belongs to (figure texts have none)."""
        layers, ones = np.arange(1, depth + 1), np.ones(depth)
        marks = {
            "line": left.axvline(0.0, color="k", lw=0.8, animated=True),
            "sigma": left.plot([], [], "o", color="tab:blue", animated=True)[0],
            "slope": left.plot([], [], "o", color="tab:orange", animated=True)[0],
            "product": right.plot(layers, ones, "o-", color="tab:red", ms=4, animated=True,
                                  label="Π σ′(z_k)")[0],
            "weighted": right.plot(layers, ones, ":", color="tab:purple", animated=True,
                                   label="Π |w·σ′(z_k)|")[0],
            "left_title": self.figure.text(0.27, 0.92, "", ha="center", fontsize=9,
                                           animated=True),
            "right_title": self.figure.text(0.76, 0.92, "", ha="center", fontsize=9,
                                            animated=True),
        }
        axes = {"line": left, "sigma": left, "slope": left, "product": right,
                "weighted": right}
        return marks, axes

    def png(self, z, sigma, slopes, w):
        """PNG bytes of the figure for a neuron stack with net inputs z and factors slopes."""
        product = np.maximum(np.cumprod(slopes), FLOOR)
        weighted = np.maximum(np.cumprod(np.abs(w * slopes)), FLOOR)
        shown = float(np.clip(z[0], -Z_LIMIT, Z_LIMIT))
        self.canvas.restore_region(self.background)
        self.marks["line"].set_xdata([shown, shown])
        self.marks["sigma"].set_data([shown], [sigma])
        self.marks["slope"].set_data([shown], [slopes[0]])
        self.marks["product"].set_ydata(product)
        self.marks["weighted"].set_ydata(weighted)
        self.marks["left_title"].set_text(
            f"z = w·x + b = {z[0]:.2f}:  σ(z) = {sigma:.4f},  σ′(z) = {slopes[0]:.4f} "
            f"({slopes[0] / 0.25:.0%} of 0.25)")
        self.marks["right_title"].set_text(
            f"after {len(z)} neurons: Π σ′ = {product[-1]:.1e},  Π |w·σ′| = {weighted[-1]:.1e}")
        for name, artist in self.marks.items():
            if name in self.axes:
                self.axes[name].draw_artist(artist)
            else:
                self.figure.draw_artist(artist)
        return canvas_png(self.canvas)


def _controls():
    weight = widgets.FloatSlider(value=1.0, min=-10.0, max=10.0, step=0.1, description="w",
                                 readout=True, readout_format=".1f", continuous_update=True)
    weight.add_class("sigmoid-saturation-slider")
    bias = widgets.FloatSlider(value=0.0, min=-10.0, max=10.0, step=0.1, description="b",
                               readout=True, readout_format=".1f", continuous_update=True)
    image = widgets.Image(format="png")
    image.add_class("sigmoid-saturation-figure")
    return weight, bias, image


def _failure_note(error):
    name = getattr(error, "function_name", "your function")
    if isinstance(error, NotImplementedError):
        return (f"<b>{name} is not implemented yet</b> (it raised NotImplementedError). "
                "Finish it, run its cell, then run this cell again.")
    return (f"<b>{name} raised {type(error).__name__}</b>: {error}. Fix it, run its cell, "
            "then run this cell again.")


def _named(function, name):
    """`function`, whose errors carry the name of the function that raised them."""
    def call(z):
        try:
            return function(z)
        except Exception as error:
            error.function_name = name
            raise
    return call


def sigmoid_saturation_explorer(sigmoid, sigmoid_grad, x=1.0, depth=10):
    """Sliders for a neuron's w and b showing σ, σ′ and how the gradient vanishes.

    Args:
        sigmoid: elementwise function z -> σ(z) (yours or the toolkit's).
        sigmoid_grad: elementwise function z -> σ′(z).
        x: float input of the neuron (and of the first neuron of the stack).
        depth: int number of neurons in the stack on the right.

    Returns:
        ipywidgets.VBox whose `redraw_seconds` lists the duration of every redraw
        (a one-line HTML note instead while the notebook is being graded).
    """
    if is_grading():
        return widgets.HTML(GRADING_NOTE)
    sigmoid, sigmoid_grad = _named(sigmoid, "sigmoid"), _named(sigmoid_grad, "sigmoid_grad")
    weight, bias, image = _controls()
    note, reading = widgets.HTML(), widgets.HTML()
    reading.add_class("sigmoid-saturation-reading")
    box = widgets.VBox([widgets.HBox([weight, bias]), note, image, reading])
    plots = []

    def draw():
        if not plots:
            plots.append(_Plot(sigmoid, sigmoid_grad, depth))
        z, slopes = neuron_stack(sigmoid, sigmoid_grad, weight.value, bias.value, x, depth)
        sigma = float(_values(sigmoid, z[:1])[0])
        reading.value = (f"<b>The gradient through {depth} neurons</b> "
                         f"{stack_reading(weight.value, slopes)}.")
        return plots[0].png(z, sigma, slopes, weight.value)

    redraw = timed_redraw(box, image, note, draw, _failure_note)
    weight.observe(redraw, names="value")
    bias.observe(redraw, names="value")
    redraw()
    return box
