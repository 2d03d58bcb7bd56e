"""How long does the weight-scale explorer take per redraw? Moves its slider through the whole
range for each activation (first visits compute and draw, revisits come from the cache).

    python benchmarks/bench_init_scale.py
"""
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.reference.activations import relu, tanh  # noqa: E402
from autograder.reference.initialization import random_init  # noqa: E402
from autograder.reference.loss import sigmoid  # noqa: E402
from course.widgets.init_scale import init_scale_explorer  # noqa: E402

GOAL_SECONDS = 0.15


def find(box, kind):
    """The first child widget of `box` of type name `kind`."""
    return next(w for w in box.children if type(w).__name__ == kind)


def sweep(box, slider, choice):
    """Visit every slider position for every activation; return the redraw times."""
    values = 10.0 ** np.arange(slider.min, slider.max + 1e-9, slider.step)
    start = len(box.redraw_seconds)
    for name in choice.options:
        choice.value = name
        for value in values:
            slider.value = float(value)
    return box.redraw_seconds[start:]


def report(label, seconds):
    ms = [1000 * s for s in seconds]
    print(f"{label:<28} {len(ms):4d} redraws  median {statistics.median(ms):6.1f} ms  "
          f"max {max(ms):6.1f} ms  (goal < {1000 * GOAL_SECONDS:.0f} ms)")


def main():
    box = init_scale_explorer(random_init, {"tanh": tanh, "relu": relu, "sigmoid": sigmoid})
    slider, choice = find(box, "FloatLogSlider"), find(box, "ToggleButtons")
    report("first visit (compute + draw)", sweep(box, slider, choice))
    report("revisit (cached)", sweep(box, slider, choice))


if __name__ == "__main__":
    main()
