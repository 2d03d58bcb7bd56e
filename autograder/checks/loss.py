"""Hidden checks for 01_loss."""
import numpy as np

from autograder.checks.base import Case, check_cases, use_reference
from autograder.reference import loss as ref


def _labels(rng, n):
    return rng.integers(0, 2, size=n).astype(float)


def _probabilities(rng, n):
    return rng.uniform(0.01, 0.99, size=n)


def check_neuron(neuron):
    rng = np.random.default_rng(1101)
    cases = [
        Case("the notes' example x = [2, 3, -1], w = [.9, .2, .3], b = .5",
             (np.array([2.0, 3.0, -1.0]), np.array([0.9, 0.2, 0.3]), 0.5)),
        Case("x, w of length 7 and b = -1.3", (rng.normal(size=7), rng.normal(size=7), -1.3)),
        Case("x, w of length 1 and b = 0", (np.array([4.0]), np.array([-2.5]), 0.0)),
    ]
    mistakes = {
        "without the bias b": lambda x, w, b: float(np.dot(x, w)),
        "subtracting the bias instead of adding it": lambda x, w, b: float(np.dot(x, w) - b),
        "adding the bias to every product before summing":
            lambda x, w, b: float(np.sum(x * w + b)),
    }
    check_cases("neuron", neuron, ref.neuron, cases, mistakes)


def check_sigmoid(sigmoid):
    rng = np.random.default_rng(1102)
    cases = [
        Case("z = 0.0 (a Python float)", (0.0,)),
        Case("z = 2.0 (a Python float)", (2.0,)),
        Case("z of shape (6,), standard normal", (rng.normal(size=6),)),
        Case("z of shape (3, 4), values in [-8, 8]", (rng.uniform(-8, 8, size=(3, 4)),)),
        Case("z of shape (2, 3, 2)", (rng.normal(scale=3, size=(2, 3, 2)),)),
        Case("z = [-1e4, -800, -40, 0, 40, 800, 1e4] (large magnitudes)",
             (np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4]),)),
        Case("z of shape (50,), values in [-1e4, 1e4]", (rng.uniform(-1e4, 1e4, size=50),)),
    ]
    mistakes = {
        "with e^{+z} instead of e^{-z} in the denominator": lambda z: 1 / (1 + np.exp(z)),
        "computing e^{-z} / (1 + e^{-z}), which is 1 - σ(z)":
            lambda z: np.exp(-z) / (1 + np.exp(-z)),
        "using tanh instead of the sigmoid": lambda z: np.tanh(z),
    }
    with np.errstate(all="ignore"):
        check_cases("sigmoid", sigmoid, ref.sigmoid, cases, mistakes, atol=1e-10,
                    forbid_warnings=True)


def check_predict_proba(predict_proba):
    rng = np.random.default_rng(1103)
    use_reference(predict_proba, sigmoid=ref.sigmoid)
    cases = [
        Case("X of shape (5, 3), w of shape (3,), b = 0.4",
             (rng.normal(size=(5, 3)), rng.normal(size=3), 0.4)),
        Case("X of shape (1, 4) (a single example), b = -2.0",
             (rng.normal(size=(1, 4)), rng.normal(size=4), -2.0)),
        Case("X of shape (8, 1), b = 0", (rng.normal(size=(8, 1)), np.array([3.0]), 0.0)),
        Case("X of shape (6, 2) with scores up to ±1e3",
             (rng.normal(scale=100, size=(6, 2)), np.array([5.0, -5.0]), 1.0)),
    ]
    mistakes = {
        "adding b after the sigmoid instead of before":
            lambda X, w, b: ref.sigmoid(X @ w) + b,
        "leaving out the bias b": lambda X, w, b: ref.sigmoid(X @ w),
        "returning the scores X @ w + b without the sigmoid": lambda X, w, b: X @ w + b,
    }
    check_cases("predict_proba", predict_proba, ref.predict_proba, cases, mistakes)


def check_binary_cross_entropy(binary_cross_entropy):
    rng = np.random.default_rng(1104)
    edges_y = np.array([1.0, 0.0, 1.0, 0.0])
    edges_hat = np.array([1.0, 0.0, 0.0, 1.0])
    cases = [
        Case("y = [1, 0], ŷ = [0.9, 0.2]", (np.array([1.0, 0.0]), np.array([0.9, 0.2]))),
        Case("12 random labels and probabilities", (_labels(rng, 12), _probabilities(rng, 12))),
        Case("ŷ of exactly 0 and 1: y = [1, 0, 1, 0], ŷ = [1, 0, 0, 1]",
             (edges_y, edges_hat), rtol=1e-3),
        Case("a single example y = [0], ŷ = [0.7]", (np.array([0.0]), np.array([0.7]))),
    ]
    mistakes = {
        "without the minus sign": lambda y, p: -ref.binary_cross_entropy(y, p),
        "with y and ŷ swapped inside the logarithms":
            lambda y, p: -p * np.log(np.clip(y, 1e-12, 1)) - (1 - p) * np.log(
                np.clip(1 - y, 1e-12, 1)),
        "averaging over the batch (this function returns one loss per example)":
            lambda y, p: float(np.mean(ref.binary_cross_entropy(y, p))),
        "using only the −y·log ŷ term": lambda y, p: -y * np.log(np.clip(p, 1e-12, 1)),
    }
    with np.errstate(all="ignore"):
        check_cases("binary_cross_entropy", binary_cross_entropy, ref.binary_cross_entropy,
                    cases, mistakes)


def check_cost(cost):
    rng = np.random.default_rng(1105)
    use_reference(cost, binary_cross_entropy=ref.binary_cross_entropy)
    cases = [
        Case("y = [1, 0], ŷ = [0.9, 0.2]", (np.array([1.0, 0.0]), np.array([0.9, 0.2]))),
        Case("20 random labels and probabilities", (_labels(rng, 20), _probabilities(rng, 20))),
        Case("ŷ of exactly 0 and 1: y = [1, 0, 1], ŷ = [1, 0, 0]",
             (np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])), rtol=1e-3),
        Case("7 examples, all labels 1", (np.ones(7), _probabilities(rng, 7))),
    ]
    mistakes = {
        "with the sum where the mean belongs":
            lambda y, p: float(np.sum(ref.binary_cross_entropy(y, p))),
        "without the minus sign": lambda y, p: -ref.cost(y, p),
        "returning the per-example losses instead of their mean":
            lambda y, p: ref.binary_cross_entropy(y, p),
    }
    check_cases("cost", cost, ref.cost, cases, mistakes)


def check_mse(mse):
    rng = np.random.default_rng(1106)
    cases = [
        Case("y = [1, 0], ŷ = [0.5, 0.5]", (np.array([1.0, 0.0]), np.array([0.5, 0.5]))),
        Case("15 random targets and predictions",
             (rng.normal(size=15), rng.normal(size=15))),
        Case("a single example y = [3], ŷ = [1]", (np.array([3.0]), np.array([1.0]))),
    ]
    mistakes = {
        "without the factor ½": lambda y, p: float(np.mean((y - p) ** 2)),
        "with the sum where the mean belongs": lambda y, p: float(np.sum(0.5 * (y - p) ** 2)),
        "with |y − ŷ| instead of its square": lambda y, p: float(np.mean(0.5 * np.abs(y - p))),
        "squaring the mean error instead of averaging the squared errors":
            lambda y, p: float(0.5 * np.mean(y - p) ** 2),
    }
    check_cases("mse", mse, ref.mse, cases, mistakes)
