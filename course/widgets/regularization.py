"""λ explorer: train and validation curves of an over-fitting network as the L2 strength grows.

Every run of the slider's grid is trained, and its figure rendered, once, when the explorer
is built; moving the slider only swaps PNGs, so a redraw takes milliseconds.
"""
import io
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits

from course import is_grading

LAMS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
CURVES = ("train_loss", "val_loss", "train_acc", "val_acc")
GRADING_NOTE = "λ explorer: not computed while the notebook is being graded."


def lam_label(lam):
    """Slider readout of a λ value: '0 (off)' for 0, else e.g. '0.003'."""
    return "0 (off)" if lam == 0 else f"{lam:g}"


def accuracy_title(lam, train_acc, val_acc):
    """The figure's title: both final accuracies in whole percent and their gap, computed
    from the rounded numbers so that the three agree and a gap below half a point is "0%".
    """
    train, val = round(100 * float(train_acc)), round(100 * float(val_acc))
    gap = f"{train - val:+d}%" if train != val else "0%"
    return (f"λ = {lam_label(lam)}: final accuracy {train}% training, {val}% validation "
            f"(gap {gap})")


def train_all(run, lams):
    """{λ: history} for every λ of the grid, with one BLAS thread (fastest for small nets).

    Args:
        run: function λ -> dict of (epochs,) arrays with the keys of CURVES.
        lams: sequence of floats.
    """
    with threadpool_limits(limits=1):
        return {lam: {key: np.asarray(value, dtype=float) for key, value in run(lam).items()}
                for lam in lams}


def _new_figure(histories):
    """Figure with a loss and an accuracy panel, fixed limits; returns (fig, lines dict)."""
    fig = Figure(figsize=(8.0, 3.0), dpi=80)
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = np.arange(1, len(next(iter(histories.values()))["train_loss"]) + 1)
    top = max(float(np.nanmax(h["val_loss"][np.isfinite(h["val_loss"])], initial=1.0))
              for h in histories.values())
    lines = {}
    for ax, kind in ((loss_ax, "loss"), (acc_ax, "acc")):
        if 0.0 in histories:
            ax.plot(epochs, histories[0.0][f"val_{kind}"], color="0.75", lw=1,
                    label="validation, λ = 0")
        lines[f"train_{kind}"], = ax.plot(epochs, epochs * 0.0, color="C0", label="training")
        lines[f"val_{kind}"], = ax.plot(epochs, epochs * 0.0, color="C1", label="validation")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    loss_ax.set_ylim(0, min(top, 3.0) * 1.05)
    loss_ax.set_ylabel("cross-entropy (no penalty)")
    acc_ax.set_ylim(0, 1.02)
    acc_ax.set_ylabel("accuracy")
    acc_ax.legend(loc="lower right", fontsize=8)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.86, wspace=0.28)
    return fig, lines


def _render(fig, lines, history, lam):
    """PNG bytes of the figure showing `history`, the run with strength `lam`."""
    for key, line in lines.items():
        line.set_ydata(history[key])
    fig.suptitle(accuracy_title(lam, history["train_acc"][-1], history["val_acc"][-1]),
                 fontsize=10)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def _note(text):
    """A box holding one line of text in place of the explorer."""
    box = widgets.VBox([widgets.HTML(f"<b>λ explorer:</b> {text}")])
    box.redraw_seconds = []
    return box


def _unimplemented(error):
    """Name of the function whose NotImplementedError stopped training, e.g. 'l2_grad()'."""
    traceback = error.__traceback__
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return f"{traceback.tb_frame.f_code.co_name}()"


def _slider(lams):
    """The λ slider over the grid, with readouts such as '0 (off)' and '0.003'."""
    slider = widgets.SelectionSlider(options=[(lam_label(lam), lam) for lam in lams],
                                     index=0, description="λ", readout=True,
                                     continuous_update=True,
                                     layout=widgets.Layout(width="480px"))
    slider.add_class("regularization-slider")
    return slider


def regularization_explorer(run, lams=LAMS):
    """A λ slider that shows the train and validation curves of the run with that λ.

    Args:
        run: function λ -> history dict of (epochs,) arrays "train_loss", "val_loss",
            "train_acc", "val_acc" (e.g. the notebook's train_regularized on fixed data).
        lams: increasing floats, the slider's grid (0 = no regularization).

    Returns:
        ipywidgets VBox (slider above the figure) with a list `redraw_seconds`, or a note
        while grading or if a function `run` needs is not implemented yet.
    """
    if is_grading():
        return widgets.HTML(GRADING_NOTE)
    try:
        histories = train_all(run, lams)
    except NotImplementedError as error:
        return _note(f"{_unimplemented(error)} is not implemented yet. Implement the "
                     "functions above first, then run this cell again.")
    fig, lines = _new_figure(histories)
    slider = _slider(lams)
    pngs = {lam: _render(fig, lines, histories[lam], lam) for lam in lams}
    image = widgets.Image(format="png", value=pngs[lams[0]])
    image.add_class("regularization-figure")
    box = widgets.VBox([slider, image])
    box.redraw_seconds = []

    def redraw(change):
        start = time.perf_counter()
        image.value = pngs[change["new"]]
        box.redraw_seconds.append(time.perf_counter() - start)

    slider.observe(redraw, names="value")
    return box
