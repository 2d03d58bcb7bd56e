"""Redraw times of the learning-rate explorer, built outside Jupyter.

    python benchmarks/bench_learning_rate.py

Moves the slider through its whole range (and flips the sign checkbox once) with the
reference trainer, then prints the median and the maximum redraw time (wall clock, as
the widget records it, and the CPU time of this process, which a busy machine inflates
less). The first draw, which also trains at the faint reference rates, is reported on
its own.
"""
import statistics
import time

import numpy as np

from autograder.reference.sgd import train_logistic_regression
from course.data import two_blobs
from course.widgets.learning_rate import learning_rate_explorer

GOAL_SECONDS = 0.15


def main():
    X, y = two_blobs()
    box = learning_rate_explorer(train_logistic_regression, X, y)
    slider, ascent = box.children[0].children
    moves = [lambda e=e: setattr(slider, "value", 10.0 ** e)
             for e in np.arange(slider.min, slider.max + 1e-9, slider.step)]
    moves.append(lambda: setattr(ascent, "value", True))
    moves += [lambda e=e: setattr(slider, "value", 10.0 ** e) for e in (-1.0, 0.0, 1.5)]
    cpu = []
    for move in moves:
        start = time.process_time()
        move()
        cpu.append(time.process_time() - start)
    first, times = box.redraw_seconds[0], box.redraw_seconds[1:]
    print(f"first draw (with the reference curves): {first * 1000:.0f} ms")
    print(f"{len(times)} redraws: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms wall clock; CPU median "
          f"{statistics.median(cpu) * 1000:.0f} ms, max {max(cpu) * 1000:.0f} ms "
          f"(goal < {GOAL_SECONDS * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
