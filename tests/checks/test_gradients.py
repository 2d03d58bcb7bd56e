"""Do the hidden checks of 02_gradients pass the reference, fail each named mutant, and pass
correct answers written differently?"""
import inspect
import math

import numpy as np

from autograder.reference import gradients as ref
from tests.support.proofs import accepts_each, assert_passes, rejects_each

A = "02_gradients"


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def _predict_proba(X, w, b):
    return _sigmoid(X @ w + b)


def as_student(function):
    """The reference function as a student has it: its own source, in a namespace where
    the toolkit's sigmoid and predict_proba are plain functions of this module."""
    namespace = {"np": np, "sigmoid": _sigmoid, "predict_proba": _predict_proba}
    exec(inspect.getsource(function), namespace)
    copy = namespace[function.__name__]
    copy.__module__ = __name__
    return copy


# ---- correct answers written differently -------------------------------------------------

def sigmoid_grad_direct(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return e / (1.0 + e) ** 2


def sigmoid_grad_clipped(z):
    s = _sigmoid(z)
    return s - s * s


def sigmoid_grad_math_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index, value in np.ndenumerate(z):
        e = math.exp(-abs(value))
        out[index] = e / (1 + e) ** 2
    return out


def backprop_example_list(x, y, z):
    q = x + y
    return [q * z, z, z, q]


def backprop_example_numpy(x, y, z):
    x, y, z = np.float64(x), np.float64(y), np.float64(z)
    q = x + y
    f = q * z
    upstream = np.float64(1.0)
    dfdq, dfdz = upstream * z, upstream * q
    return f, dfdq * 1, dfdq * 1, dfdz


def logistic_gradients_loop(X, y, w, b):
    n, d = X.shape
    dw = np.zeros(d)
    db = 0.0
    for i in range(n):
        err = _sigmoid(X[i] @ w + b) - y[i]
        dw += err * X[i]
        db += err
    return dw / n, db / n


def numerical_gradient_nditer(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        plus = f(x)
        x[ix] = old - h
        minus = f(x)
        x[ix] = old
        grad[ix] = (plus - minus) / (2 * h)
        it.iternext()
    return grad


def numerical_gradient_copies(f, x, h=1e-5):
    grad = np.empty(x.shape)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h
        step = step.reshape(x.shape)
        grad.flat[i] = f(x + step) / (2 * h) - f(x - step) / (2 * h)
    return grad


def numerical_gradient_flat_inplace(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in range(x.size):
        saved = x.flat[i]
        x.flat[i] = saved + h
        up = f(x)
        x.flat[i] = saved - h
        down = f(x)
        x.flat[i] = saved
        grad.flat[i] = (up - down) / (2 * h)
    return grad


def relative_error_loop(a, b):
    a, b = np.atleast_1d(a).ravel(), np.atleast_1d(b).ravel()
    worst = 0.0
    for u, v in zip(a, b):
        worst = max(worst, abs(u - v) / max(1e-8, abs(u) + abs(v)))
    return worst


def relative_error_where(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    denominator = np.abs(a) + np.abs(b)
    denominator = np.where(denominator < 1e-8, 1e-8, denominator)
    return np.max(np.abs(a - b) / denominator)


# ---- named mutants -----------------------------------------------------------------------

def sigmoid_grad_naive(z):
    e = np.exp(-np.asarray(z, dtype=float))
    return e / (1 + e) ** 2


def sigmoid_grad_naive_sigmoid(z):
    s = 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
    return s * (1 - s)


def sigmoid_grad_returns_sigmoid(z):
    return _sigmoid(z)


def sigmoid_grad_tanh_pattern(z):
    return 1 - _sigmoid(z) ** 2


def sigmoid_grad_plus(z):
    s = _sigmoid(z)
    return s * (1 + s)


def backprop_local_only(x, y, z):
    return (x + y) * z, 1.0, 1.0, x + y


def backprop_swapped(x, y, z):
    return (x + y) * z, x + y, z, z


def backprop_precedence(x, y, z):
    return x + y * z, z, z, x + y


def backprop_three_values(x, y, z):
    return z, z, x + y


def logistic_sign_flip(X, y, w, b):
    err = y - _predict_proba(X, w, b)
    return X.T @ err / len(y), float(np.mean(err))


def logistic_sum(X, y, w, b):
    err = _predict_proba(X, w, b) - y
    return X.T @ err, float(np.sum(err))


def logistic_db_sum(X, y, w, b):
    err = _predict_proba(X, w, b) - y
    return X.T @ err / len(y), float(np.sum(err))


def logistic_scores(X, y, w, b):
    err = X @ w + b - y
    return X.T @ err / len(y), float(np.mean(err))


def logistic_column(X, y, w, b):
    err = _predict_proba(X, w, b) - y
    return X.T @ err[:, None] / len(y), float(np.mean(err))


def numerical_forward(f, x, h=1e-5):
    grad = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - fx) / h
        x[i] = old
    return grad


def numerical_over_h(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / h
    return grad


def numerical_ignores_h(f, x, h=1e-5):
    return numerical_gradient_nditer(f, x, 1e-5)


def numerical_flat(f, x, h=1e-5):
    return numerical_gradient_flat_inplace(f, x, h).ravel()


def numerical_not_restored(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numerical_rounding_drift(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        minus = f(x)
        x[i] += h
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numerical_one_dimensional(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def relative_mean(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def relative_norms(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b)))


def relative_no_floor(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))


def relative_abs_of_sum(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))


def relative_not_divided(a, b):
    return float(np.max(np.abs(np.subtract(a, b))))


def logistic_gradients_mean_axis(X, y, w, b):
    err = _predict_proba(X, w, b) - y
    return np.mean(err[:, None] * X, axis=0), np.array([np.mean(err)])


CORRECT = [
    ("sigmoid_grad", as_student(ref.sigmoid_grad)), ("sigmoid_grad", sigmoid_grad_direct),
    ("sigmoid_grad", sigmoid_grad_clipped), ("sigmoid_grad", sigmoid_grad_math_loop),
    ("backprop_example", as_student(ref.backprop_example)),
    ("backprop_example", backprop_example_list),
    ("backprop_example", backprop_example_numpy),
    ("logistic_gradients", as_student(ref.logistic_gradients)),
    ("logistic_gradients", logistic_gradients_loop),
    ("numerical_gradient", as_student(ref.numerical_gradient)),
    ("numerical_gradient", numerical_gradient_nditer),
    ("numerical_gradient", numerical_gradient_copies),
    ("numerical_gradient", numerical_gradient_flat_inplace),
    ("relative_error", as_student(ref.relative_error)), ("relative_error", relative_error_loop),
    ("relative_error", relative_error_where),
]

MUTANTS = [
    ("sigmoid_grad", sigmoid_grad_naive, "nan or inf"),
    ("sigmoid_grad", sigmoid_grad_naive_sigmoid, "NumPy warned"),
    ("sigmoid_grad", sigmoid_grad_returns_sigmoid, "σ(z) itself"),
    ("sigmoid_grad", sigmoid_grad_tanh_pattern, "1 − σ(z)²"),
    ("sigmoid_grad", sigmoid_grad_plus, "σ(z)(1 + σ(z))"),
    ("backprop_example", backprop_local_only, "only the local gradients"),
    ("backprop_example", backprop_swapped, "swapped"),
    ("backprop_example", backprop_precedence, "f = x + y·z"),
    ("backprop_example", backprop_three_values, "expected 4 values"),
    ("logistic_gradients", logistic_sign_flip, "(y − ŷ) instead of (ŷ − y)"),
    ("logistic_gradients", logistic_sum, "the sum over the batch where the mean belongs"),
    ("logistic_gradients", logistic_db_sum, "db summed"),
    ("logistic_gradients", logistic_scores, "scores X @ w + b"),
    ("logistic_gradients", logistic_column, "expected shape"),
    ("numerical_gradient", numerical_forward, "forward differences"),
    ("numerical_gradient", numerical_over_h, "dividing by h instead of 2h"),
    ("numerical_gradient", numerical_ignores_h, "ignoring the argument h"),
    ("numerical_gradient", numerical_flat, "flat array"),
    ("numerical_gradient", numerical_not_restored, "put every entry of x back"),
    ("numerical_gradient", numerical_rounding_drift, "changed by rounding"),
    ("numerical_gradient", numerical_one_dimensional, "expected"),
    ("relative_error", relative_mean, "mean over entries"),
    ("relative_error", relative_norms, "norms"),
    ("relative_error", relative_no_floor, "nan or inf"),
    ("relative_error", relative_abs_of_sum, "|a + b|"),
    ("relative_error", relative_not_divided, "without dividing"),
    ("logistic_gradients", logistic_gradients_mean_axis, "should be a single float"),
]


test_check_accepts_correct_answer = accepts_each(A, CORRECT)
test_check_rejects_mutant = rejects_each(A, MUTANTS)


def test_logistic_gradients_is_judged_with_the_reference_predict_proba():
    """Is logistic_gradients judged on its own even when predict_proba in its namespace is
    wrong?"""
    namespace = {"np": np}
    exec("def predict_proba(X, w, b):\n    return X[:, 0] * 0 + 0.5\n"
         "def logistic_gradients(X, y, w, b):\n"
         "    err = predict_proba(X, w, b) - y\n"
         "    return X.T @ err / len(y), float(np.mean(err))\n", namespace)
    namespace["logistic_gradients"].__module__ = __name__
    assert_passes(A, "logistic_gradients", namespace["logistic_gradients"])
