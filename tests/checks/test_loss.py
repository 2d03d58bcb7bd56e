"""Do the hidden checks of 01_loss pass the reference, fail each named mutant, and pass
correct answers written differently?"""
import math

import numpy as np

from autograder.reference import loss as ref
from tests.support.proofs import accepts_each, assert_passes, rejects_each

A = "01_loss"


# ---- correct answers written differently -------------------------------------------------

def neuron_loop(x, w, b):
    total = b
    for xi, wi in zip(x, w):
        total += xi * wi
    return total


def sigmoid_clipped(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def sigmoid_math_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index, value in np.ndenumerate(z):
        out[index] = 1 / (1 + math.exp(-value)) if value >= 0 else math.exp(value) / (1 + math.exp(value))
    return out


def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def predict_proba_loop(X, w, b):
    return np.array([sigmoid_clipped(sum(xi * wi for xi, wi in zip(row, w)) + b) for row in X])


def bce_where(y, y_hat):
    p = np.minimum(np.maximum(y_hat, 1e-12), 1 - 1e-12)
    return np.where(y == 1, -np.log(p), -np.log(1 - p))


def bce_eps_inside_log(y, y_hat):
    return -y * np.log(y_hat + 1e-12) - (1 - y) * np.log(1 - y_hat + 1e-12)


def cost_loop(y, y_hat):
    losses = [(-math.log(max(p, 1e-12)) if t == 1 else -math.log(max(1 - p, 1e-12)))
              for t, p in zip(y, y_hat)]
    return sum(losses) / len(losses)


def cost_zero_d_array(y, y_hat):
    return np.array(np.mean(bce_where(y, y_hat)))


def mse_loop(y, y_hat):
    return sum(0.5 * (a - b) ** 2 for a, b in zip(y, y_hat)) / len(y)


# ---- named mutants: (function name, wrong implementation, text the message must contain) --

def neuron_no_bias(x, w, b):
    return float(np.dot(x, w))


def neuron_minus_bias(x, w, b):
    return float(np.dot(x, w) - b)


def neuron_elementwise(x, w, b):
    return x * w + b


def neuron_hardcoded(x, w, b):
    return 2.6


def sigmoid_sign_flip(z):
    return 1 / (1 + np.exp(np.asarray(z, dtype=float)))


def sigmoid_naive_overflows(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def sigmoid_nan_for_large(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1 + e)


def sigmoid_scalar_only(z):
    return 1 / (1 + math.exp(-z))


def sigmoid_mutates(z):
    z = np.asarray(z, dtype=float)
    np.clip(z, -500, 500, out=z)
    return 1 / (1 + np.exp(-z))


def predict_proba_bias_outside(X, w, b):
    return ref.sigmoid(X @ w) + b


def predict_proba_no_sigmoid(X, w, b):
    return X @ w + b


def predict_proba_column(X, w, b):
    return ref.sigmoid(X @ w.reshape(-1, 1) + b)


def predict_proba_hardcoded(X, w, b):
    return np.array([0.562177, 0.562177, 0.047426])


def bce_unclipped(y, y_hat):
    return -y * np.log(y_hat) - (1 - y) * np.log(1 - y_hat)


def bce_no_minus(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return y * np.log(p) + (1 - y) * np.log(1 - p)


def bce_mean(y, y_hat):
    return float(np.mean(bce_where(y, y_hat)))


def bce_first_term_only(y, y_hat):
    return -y * np.log(np.clip(y_hat, 1e-12, 1))


def cost_sum(y, y_hat):
    return float(np.sum(bce_where(y, y_hat)))


def cost_per_example(y, y_hat):
    return bce_where(y, y_hat)


def cost_no_minus(y, y_hat):
    return -float(np.mean(bce_where(y, y_hat)))


def mse_no_half(y, y_hat):
    return float(np.mean((y - y_hat) ** 2))


def mse_sum(y, y_hat):
    return float(np.sum(0.5 * (y - y_hat) ** 2))


def mse_abs(y, y_hat):
    return float(np.mean(0.5 * np.abs(y - y_hat)))


def cost_keepdims(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p), keepdims=True)


def neuron_as_array(x, w, b):
    return np.array([x @ w + b])


CORRECT = [
    ("neuron", ref.neuron), ("neuron", neuron_loop),
    ("sigmoid", ref.sigmoid), ("sigmoid", sigmoid_clipped), ("sigmoid", sigmoid_math_loop),
    ("sigmoid", sigmoid_tanh),
    ("predict_proba", ref.predict_proba), ("predict_proba", predict_proba_loop),
    ("binary_cross_entropy", ref.binary_cross_entropy), ("binary_cross_entropy", bce_where),
    ("binary_cross_entropy", bce_eps_inside_log),
    ("cost", ref.cost), ("cost", cost_loop), ("cost", cost_zero_d_array),
    ("mse", ref.mse), ("mse", mse_loop),
]

MUTANTS = [
    ("neuron", neuron_no_bias, "without the bias"),
    ("neuron", neuron_minus_bias, "subtracting the bias"),
    ("neuron", neuron_elementwise, "expected shape ()"),
    ("neuron", neuron_hardcoded, "expected"),
    ("sigmoid", sigmoid_sign_flip, "e^{+z}"),
    ("sigmoid", sigmoid_naive_overflows, "overflow"),
    ("sigmoid", sigmoid_nan_for_large, "nan or inf"),
    ("sigmoid", sigmoid_scalar_only, "TypeError"),
    ("sigmoid", sigmoid_mutates, "changed its argument"),
    ("predict_proba", predict_proba_bias_outside, "adding b after the sigmoid"),
    ("predict_proba", predict_proba_no_sigmoid, "without the sigmoid"),
    ("predict_proba", predict_proba_column, "expected shape (5,)"),
    ("predict_proba", predict_proba_hardcoded, "expected shape"),
    ("binary_cross_entropy", bce_unclipped, "nan or inf"),
    ("binary_cross_entropy", bce_no_minus, "without the minus sign"),
    ("binary_cross_entropy", bce_mean, "averaging over the batch"),
    ("binary_cross_entropy", bce_first_term_only, "only the −y·log ŷ term"),
    ("cost", cost_sum, "the sum where the mean belongs"),
    ("cost", cost_per_example, "per-example losses"),
    ("cost", cost_no_minus, "without the minus sign"),
    ("mse", mse_no_half, "without the factor ½"),
    ("mse", mse_sum, "the sum where the mean belongs"),
    ("mse", mse_abs, "|y − ŷ|"),
    ("cost", cost_keepdims, "should be a single float"),
    ("neuron", neuron_as_array, "should be a single float"),
]


test_check_accepts_correct_answer = accepts_each(A, CORRECT)
test_check_rejects_mutant = rejects_each(A, MUTANTS)


def test_dependent_check_uses_reference_for_dependencies():
    """Is cost judged on its own even when the student's binary_cross_entropy is wrong?"""
    namespace = {"np": np}
    exec("def binary_cross_entropy(y, y_hat):\n    return y_hat * 0 + 5.0\n"
         "def cost(y, y_hat):\n    return float(np.mean(binary_cross_entropy(y, y_hat)))\n",
         namespace)
    namespace["cost"].__module__ = __name__
    assert_passes(A, "cost", namespace["cost"])
