"""Small plotting helpers; each takes `ax=None` and returns the Axes it drew on."""
import matplotlib.pyplot as plt
import numpy as np


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.5))
    return ax


def plot_function(f, low, high, label=None, ax=None, num=400, xlabel="z", ylabel=None,
                  **style):
    """Plot y = f(x) for x in [low, high], with labelled axes.

    Args:
        f: function of a (num,) array returning a (num,) array.
        low, high: floats, the x range.
        label: str legend entry.
        ax: Axes to draw on, or None for a new figure.
        xlabel: str x-axis label; ylabel: str y-axis label (default: `label`), set only
            while the Axes has none, so a second curve keeps the first one's labels.
        style: keyword arguments for Axes.plot (ls, lw, color, ...).

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    x = np.linspace(low, high, num)
    ax.plot(x, f(x), label=label, **style)
    if not ax.get_xlabel():
        ax.set_xlabel(xlabel)
    if not ax.get_ylabel() and (ylabel or label):
        ax.set_ylabel(ylabel or label)
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    if label:
        ax.legend()
    return ax


def plot_curves(x, curves, xlabel="", ylabel="", ax=None, logy=False):
    """Plot several named curves over the same x.

    Args:
        x: (M,) shared x values.
        curves: dict {label: (M,) y values}.
        xlabel, ylabel: axis labels.
        ax: Axes to draw on, or None for a new figure.
        logy: bool, logarithmic y axis.

    Returns:
        The Axes.
    """
    ax = _axes(ax)
    for label, y in curves.items():
        ax.plot(x, y, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax
