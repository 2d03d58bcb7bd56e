"""Learning-rate explorer: a log-scale slider that retrains and redraws the loss curve.

The student's `train_logistic_regression` is passed in and called with the slider's
learning rate; faint curves at fixed rates (from the same function) show where slow,
good and unstable training lie. A checkbox applies the update with the wrong sign,
W := W + α ∂L/∂W, by training with the learning rate negated.
"""
import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course import is_grading
from course.widgets.redraw import canvas_png, timed_redraw

REFERENCE_RATES = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
STYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))
GRADING_NOTE = "Learning-rate explorer: not shown while the notebook is being graded."


def grid_rates(low=-3.0, high=2.0, step=0.125):
    """The slider's learning rates, 10**low ... 10**high in steps of `step` decades."""
    return tuple(10.0 ** np.round(np.arange(low, high + step / 2, step), 6))


def verdict(losses, best, initial=np.log(2.0)):
    """A few words on a loss curve, read against the best final cost on the slider's grid.

    Args:
        losses: (epochs,) full-data costs after each epoch, starting from `initial`.
        best: float, the lowest final cost of any learning rate on the grid.
        initial: float, the cost before training (log 2 for w = 0, b = 0).

    Returns:
        str: "diverging" when the cost ends above where it started. Otherwise, with the
        achievable drop `initial - best` as the unit: "too large" when the cost jumps up by
        more than 10 % of it between two epochs and its last five epochs average more than
        5 % above the best; "large" when it jumps that much but still ends near the best
        (SGD's noise at a bold rate); "too small" when it ends more than 10 % above the best;
        else "about right".
    """
    losses = np.asarray(losses, dtype=float)
    if not np.all(np.isfinite(losses)) or losses[-1] > initial + 0.01:
        return "the loss goes up: diverging"
    drop = max(initial - best, 1e-12)
    rise = max(np.max(np.diff(losses), initial=0.0), losses[0] - initial) / drop
    tail = (np.mean(losses[-5:]) - best) / drop
    behind = (losses[-1] - best) / drop
    if rise > 0.1 and tail > 0.05:
        return f"the loss jumps around and stays {tail:.0%} of the drop above the best: too large"
    if rise > 0.1:
        return "large: it gets near the best cost, but the loss jumps around"
    if behind > 0.1:
        return f"still {behind:.0%} of the achievable drop above the best: too small"
    return "about right: close to the best final cost of any rate"


class UnexpectedResult(Exception):
    """The trainer returned something other than (w, b, losses) with one loss per epoch."""


class _Curves:
    """Loss curves of the student's trainer, one training run per learning rate, cached."""

    def __init__(self, train, X, y, epochs, batch_size, seed):
        self.train, self.X, self.y = train, X, y
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.cache = {}

    def losses(self, lr):
        if lr not in self.cache:
            result = self.train(self.X, self.y, lr, self.epochs, self.batch_size,
                                np.random.default_rng(self.seed))
            losses = np.asarray(result[2], dtype=float).reshape(-1)
            if losses.shape != (self.epochs,):
                raise UnexpectedResult(f"it returned {losses.size} losses for {self.epochs} "
                                       "epochs; expected one per epoch")
            self.cache[lr] = losses
        return self.cache[lr]

    def best(self):
        """The lowest finite final cost over the slider's grid (each rate trained once)."""
        finals = [self.losses(rate)[-1] for rate in grid_rates()]
        return min((final for final in finals if np.isfinite(final)), default=np.log(2.0))


class _Plot:
    """The loss figure: faint reference curves drawn once, the current curve blitted on top."""

    def __init__(self, curves, dpi=80):
        self.figure = Figure(figsize=(5.6, 3.2), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.12, right=0.92, bottom=0.15, top=0.9)
        ax = self.figure.add_subplot()
        epochs = np.arange(1, curves.epochs + 1)
        for rate, style in zip(REFERENCE_RATES, STYLES):
            ax.plot(epochs, curves.losses(rate), color="grey", ls=style, alpha=0.7, lw=1,
                    label=f"lr = {rate:g}")
        ax.axhline(np.log(2.0), color="k", ls=":", lw=0.8, label="log 2, the cost at w = 0")
        ax.legend(loc="upper right", fontsize=6.5, ncol=2, framealpha=0.8)
        ax.set(yscale="log", ylim=(0.2, 30), xlim=(1, epochs[-1]), xlabel="epoch",
               ylabel="cost on all the data")
        self.line, = ax.plot(epochs, np.full(epochs.shape, np.nan), lw=2.2, animated=True)
        self.title = self.figure.text(0.5, 0.95, "", ha="center", va="center", fontsize=9,
                                      animated=True)
        self.axes = ax
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def png(self, losses, title, color):
        """PNG bytes of the figure with `losses` as the current curve."""
        self.canvas.restore_region(self.background)
        self.line.set_ydata(losses)
        self.line.set_color(color)
        self.title.set_text(title)
        self.axes.draw_artist(self.line)
        self.figure.draw_artist(self.title)
        return canvas_png(self.canvas)


def render(curves, plot, lr, ascent=False):
    """PNG bytes of the loss curve at `lr` (or at -lr for the wrong-sign rule)."""
    current = curves.losses(-lr if ascent else lr)
    rule = "W := W + α ∂L/∂W" if ascent else "W := W − α ∂L/∂W"
    title = f"lr = {lr:.3g}, {rule}: {verdict(current, curves.best())}"
    return plot.png(current, title, "tab:red" if ascent else "tab:blue")


def _controls():
    slider = widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=2, step=0.125,  # grid_rates
                                    description="lr", readout=True, readout_format=".3g",
                                    continuous_update=True)
    slider.add_class("learning-rate-slider")
    ascent = widgets.Checkbox(value=False, indent=False,
                              description="use the slide's rule W := W + α ∂L/∂W")
    image = widgets.Image(format="png")
    image.add_class("learning-rate-figure")
    return slider, ascent, image


def _failure_note(error):
    if isinstance(error, NotImplementedError):
        return ("<b>train_logistic_regression is not implemented yet</b> (it raised "
                "NotImplementedError). Finish it above, run its cell, then run this cell "
                "again.")
    if isinstance(error, UnexpectedResult):
        return f"<b>train_logistic_regression does not work yet</b>: {error}."
    return (f"<b>train_logistic_regression raised {type(error).__name__}</b>: {error}. "
            "Fix it above, run its cell, then run this cell again.")


def learning_rate_explorer(train_logistic_regression, X, y, epochs=30, batch_size=20, seed=0):
    """A slider over the learning rate that redraws the loss curve of training at that rate.

    Args:
        train_logistic_regression: function (X, y, lr, epochs, batch_size, rng) ->
            (w, b, losses), losses of shape (epochs,).
        X: (N, D) inputs; y: (N,) labels in {0, 1}.
        epochs, batch_size: ints passed to the trainer.
        seed: int; every run starts from np.random.default_rng(seed).

    Returns:
        ipywidgets.VBox whose `redraw_seconds` lists the duration of every redraw
        (a one-line HTML note instead while the notebook is being graded).
    """
    if is_grading():
        return widgets.HTML(GRADING_NOTE)
    slider, ascent, image = _controls()
    note = widgets.HTML()
    box = widgets.VBox([widgets.HBox([slider, ascent]), note, image])
    curves = _Curves(train_logistic_regression, X, y, epochs, batch_size, seed)
    plots = []

    def draw():
        if not plots:
            plots.append(_Plot(curves))
        return render(curves, plots[0], slider.value, ascent.value)

    redraw = timed_redraw(box, image, note, draw, _failure_note)
    slider.observe(redraw, names="value")
    ascent.observe(redraw, names="value")
    redraw()
    return box
