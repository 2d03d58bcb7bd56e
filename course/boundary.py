"""Decision boundaries of binary classifiers on 2-D inputs."""
import matplotlib.pyplot as plt
import numpy as np


def _grid(X, margin, resolution):
    """A (resolution, resolution) grid covering the points of X plus a margin."""
    low = X.min(axis=0) - margin
    high = X.max(axis=0) + margin
    xs = np.linspace(low[0], high[0], resolution)
    ys = np.linspace(low[1], high[1], resolution)
    return np.meshgrid(xs, ys)


def plot_decision_boundary(predict, X, y, ax=None, resolution=100, margin=0.5):
    """Shade a classifier's predicted probability over the plane and draw its 0.5 contour.

    Args:
        predict: function mapping an (M, 2) array of points to (M,) probabilities of label 1.
        X: (N, 2) inputs to scatter.
        y: (N,) labels in {0, 1}.
        ax: Axes to draw on, or None for a new figure.
        resolution: int, grid points per axis.
        margin: float, how far the grid extends beyond the data.

    Returns:
        The Axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    grid_x, grid_y = _grid(np.asarray(X, dtype=float), margin, resolution)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    probabilities = np.asarray(predict(points), dtype=float).reshape(grid_x.shape)
    shading = ax.contourf(grid_x, grid_y, probabilities, levels=np.linspace(0, 1, 11),
                          cmap="RdBu_r", alpha=0.35)
    ax.contour(grid_x, grid_y, probabilities, levels=[0.5], colors="k", linewidths=1.5)
    for label, marker, color in [(0, "o", "tab:blue"), (1, "s", "tab:red")]:
        rows = np.asarray(y) == label
        ax.scatter(X[rows, 0], X[rows, 1], marker=marker, s=18, color=color,
                   edgecolor="k", linewidth=0.4, label=f"y = {label}")
    ax.figure.colorbar(shading, ax=ax, label="predicted P(y = 1)")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper left", fontsize="small")
    return ax
