"""Redraw times of the sigmoid-saturation explorer, built outside Jupyter.

    python benchmarks/bench_sigmoid_saturation.py

Moves the weight slider through its whole range, then the bias slider, with the reference
sigmoid and sigmoid_grad, and prints the median and the maximum redraw time (wall clock,
as a student feels it) and the mean CPU time per redraw (what the machine's other work
cannot inflate). The first draw, which also draws the static curves, is reported on its own.
"""
import statistics
import time

import numpy as np

from autograder.reference.gradients import sigmoid_grad
from autograder.reference.loss import sigmoid
from course.widgets.sigmoid_saturation import sigmoid_saturation_explorer

GOAL_SECONDS = 0.15


def main():
    box = sigmoid_saturation_explorer(sigmoid, sigmoid_grad)
    weight, bias = box.children[0].children
    cpu = time.process_time()
    for value in np.arange(weight.min, weight.max + 1e-9, 0.5):
        weight.value = round(float(value), 1)
    for value in np.arange(bias.min, bias.max + 1e-9, 0.5):
        bias.value = round(float(value), 1)
    cpu = time.process_time() - cpu
    first, times = box.redraw_seconds[0], box.redraw_seconds[1:]
    print(f"first draw (with the static curves): {first * 1000:.0f} ms")
    print(f"{len(times)} redraws: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms, CPU {cpu / len(times) * 1000:.0f} ms per redraw "
          f"(goal < {GOAL_SECONDS * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
