"""Hidden checks for 02_gradients."""
import numpy as np

from autograder.checks.base import Case, CheckFailed, call_student, check_cases, describe, \
    use_reference
from autograder.reference import gradients as ref
from autograder.reference import loss as ref_loss


def check_sigmoid_grad(sigmoid_grad):
    rng = np.random.default_rng(2201)
    use_reference(sigmoid_grad, sigmoid=ref_loss.sigmoid)
    cases = [
        Case("z = 0.0 (a Python float)", (0.0,)),
        Case("z = -1.5 (a Python float)", (-1.5,)),
        Case("z of shape (7,), standard normal", (rng.normal(size=7),)),
        Case("z of shape (3, 4), values in [-8, 8]", (rng.uniform(-8, 8, size=(3, 4)),)),
        Case("z of shape (2, 2, 3)", (rng.normal(scale=3, size=(2, 2, 3)),)),
        Case("z = [-1e4, -800, -40, 0, 40, 800, 1e4] (large magnitudes)",
             (np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4]),)),
    ]
    mistakes = {
        "returning σ(z) itself instead of its derivative": lambda z: ref_loss.sigmoid(z),
        "with σ(z)(1 + σ(z)) instead of σ(z)(1 − σ(z))":
            lambda z: ref_loss.sigmoid(z) * (1 + ref_loss.sigmoid(z)),
        "with 1 − σ(z)² (that is the tanh pattern, not the sigmoid's)":
            lambda z: 1 - ref_loss.sigmoid(z) ** 2,
        "with σ(z)·σ(−z)·σ(z) (one σ too many)":
            lambda z: ref_loss.sigmoid(z) ** 2 * ref_loss.sigmoid(-np.asarray(z, dtype=float)),
    }
    with np.errstate(all="ignore"):
        check_cases("sigmoid_grad", sigmoid_grad, ref.sigmoid_grad, cases, mistakes,
                    atol=1e-10, forbid_warnings=True)


def check_backprop_example(backprop_example):
    rng = np.random.default_rng(2202)
    x, y, z = (float(v) for v in rng.normal(scale=2, size=3))
    cases = [
        Case("the notes' example x = -2, y = 5, z = -4", (-2.0, 5.0, -4.0)),
        Case(f"x = {x:.4f}, y = {y:.4f}, z = {z:.4f}", (x, y, z)),
        Case("x = 1.5, y = 0.5, z = 3.0", (1.5, 0.5, 3.0)),
        Case("x = 0, y = 0, z = 7", (0.0, 0.0, 7.0)),
    ]
    mistakes = {
        "using only the local gradients (∂q/∂x = ∂q/∂y = 1) without multiplying by the "
        "upstream gradient ∂f/∂q = z":
            lambda x, y, z: ((x + y) * z, 1.0, 1.0, x + y),
        "with ∂f/∂z and ∂f/∂x swapped":
            lambda x, y, z: ((x + y) * z, x + y, z, z),
        "computing f = x + y·z instead of (x + y)·z":
            lambda x, y, z: (x + y * z, z, z, x + y),
        "with ∂f/∂z = z instead of q = x + y":
            lambda x, y, z: ((x + y) * z, z, z, z),
    }
    check_cases("backprop_example", backprop_example, ref.backprop_example, cases, mistakes)


def _labels(rng, n):
    return rng.integers(0, 2, size=n).astype(float)


def check_logistic_gradients(logistic_gradients):
    rng = np.random.default_rng(2203)
    use_reference(logistic_gradients, predict_proba=ref_loss.predict_proba,
                  sigmoid=ref_loss.sigmoid)
    cases = [
        Case("X of shape (6, 3), random y, w and b = 0.3",
             (rng.normal(size=(6, 3)), _labels(rng, 6), rng.normal(size=3), 0.3)),
        Case("X of shape (1, 4) (a single example), b = -1.0",
             (rng.normal(size=(1, 4)), np.array([1.0]), rng.normal(size=4), -1.0)),
        Case("X of shape (25, 2), w = 0, b = 0",
             (rng.normal(size=(25, 2)), _labels(rng, 25), np.zeros(2), 0.0)),
        Case("X of shape (10, 1), all labels 0, b = 2.0",
             (rng.normal(size=(10, 1)), np.zeros(10), np.array([1.5]), 2.0)),
    ]

    def sign_flipped(X, y, w, b):
        dw, db = ref.logistic_gradients(X, y, w, b)
        return -dw, -db

    def summed(X, y, w, b):
        dw, db = ref.logistic_gradients(X, y, w, b)
        return dw * X.shape[0], db * X.shape[0]

    def db_summed(X, y, w, b):
        dw, db = ref.logistic_gradients(X, y, w, b)
        return dw, db * X.shape[0]

    def dw_summed(X, y, w, b):
        dw, db = ref.logistic_gradients(X, y, w, b)
        return dw * X.shape[0], db

    def without_sigmoid(X, y, w, b):
        error = X @ w + b - y
        return X.T @ error / X.shape[0], float(np.mean(error))

    mistakes = {
        "with (y − ŷ) instead of (ŷ − y) (the sign of the gradient is flipped)": sign_flipped,
        "with the sum over the batch where the mean belongs": summed,
        "with db summed over the batch instead of averaged": db_summed,
        "with dw summed over the batch instead of averaged": dw_summed,
        "using the scores X @ w + b in place of the probabilities ŷ": without_sigmoid,
    }
    check_cases("logistic_gradients", logistic_gradients, ref.logistic_gradients, cases,
                mistakes)


# ---- numerical_gradient --------------------------------------------------------------------

def _sum_of_cubes(x):
    return float(np.sum(x ** 3))


def _sum_of_sines(x):
    return float(np.sum(np.sin(x)))


def _quadratic_form(W):
    """Depends on the shape of W: (3, 4) only."""
    A = np.arange(1.0, 7.0).reshape(2, 3) / 4.0
    return float(np.sum((A @ W) ** 2) + W[0, 1] * W[2, 3])


def _weird_3d(T):
    return float(np.sum(np.exp(0.3 * T)) + T[1, 0, 1] ** 2)


def _forward(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    base = f(x.copy())
    for index in np.ndindex(x.shape):
        moved = x.copy()
        moved[index] += h
        grad[index] = (f(moved) - base) / h
    return grad


def _half_step(f, x, h=1e-5):
    return 2.0 * ref.numerical_gradient(f, x, h)


def _default_step(f, x, h=1e-5):
    return ref.numerical_gradient(f, x)


def _flat(f, x, h=1e-5):
    return ref.numerical_gradient(f, x, h).ravel()


def _restore_check(numerical_gradient):
    """Fail with a specific message when x comes back changed, even by rounding."""
    x = np.array([0.1, 0.7, -1.3, 2.9, 1e-3, 0.3])
    case = Case("f(x) = Σ sin(x) at x = [0.1, 0.7, -1.3, 2.9, 0.001, 0.3], h = 1e-5",
                (_sum_of_sines, x), {"h": 1e-5})
    try:
        call_student("numerical_gradient", numerical_gradient, case)
    except CheckFailed as failure:
        if "changed its argument" not in str(failure):
            raise
        changed = x.copy()
        try:
            numerical_gradient(_sum_of_sines, changed, h=1e-5)
        except Exception:  # noqa: BLE001 - the first message is the one that matters
            changed = None
        if isinstance(changed, np.ndarray) and changed.shape == x.shape and \
                np.allclose(changed, x, rtol=0, atol=1e-9):
            raise CheckFailed(
                "numerical_gradient left x changed by rounding (some entries came back "
                f"off by up to {float(np.max(np.abs(changed - x))):.1e} on "
                f"x = {describe(x)}): adding h and subtracting "
                "it again does not always give back the exact original number. Save the "
                "original value of each entry and put that value back.") from None
        raise CheckFailed(f"{failure} — numerical_gradient must put every entry of x back "
                          "to its original value before it returns.") from None


def check_numerical_gradient(numerical_gradient):
    rng = np.random.default_rng(2204)
    _restore_check(numerical_gradient)
    cases = [
        Case("f(x) = Σ x³ at x of shape (5,), with h = 1e-3 passed explicitly",
             (_sum_of_cubes, rng.uniform(-2, 2, size=5)), {"h": 1e-3}, atol=1e-7, rtol=1e-6),
        Case("f(x) = Σ sin(x) at x of shape (4,), with a large step h = 0.5",
             (_sum_of_sines, rng.uniform(-3, 3, size=4)), {"h": 0.5}, atol=1e-7, rtol=1e-6),
        Case("f(x) = Σ sin(x) at x of shape (6,), default h",
             (_sum_of_sines, rng.uniform(-3, 3, size=6)), {}, atol=1e-6, rtol=1e-5),
        Case("f(W) = Σ (A W)² + W[0, 1]·W[2, 3] at W of shape (3, 4), h = 1e-4",
             (_quadratic_form, rng.normal(size=(3, 4))), {"h": 1e-4}, atol=1e-6, rtol=1e-5),
        Case("f(T) = Σ exp(0.3 T) + T[1, 0, 1]² at T of shape (2, 3, 2), h = 0.1",
             (_weird_3d, rng.normal(size=(2, 3, 2))), {"h": 0.1}, atol=1e-7, rtol=1e-6),
        Case("f(x) = Σ x³ at x of shape (1,), h = 0.01 passed by position",
             (_sum_of_cubes, np.array([1.5]), 0.01), {}, atol=1e-7, rtol=1e-6),
    ]
    mistakes = {
        "with forward differences (f(x + h) − f(x)) / h instead of centred ones":
            _forward,
        "dividing by h instead of 2h": _half_step,
        "ignoring the argument h (always using the default step)": _default_step,
        "returning a flat array instead of one shaped like x": _flat,
    }
    check_cases("numerical_gradient", numerical_gradient, ref.numerical_gradient, cases,
                mistakes)


# ---- relative_error ------------------------------------------------------------------------

def check_relative_error(relative_error):
    rng = np.random.default_rng(2205)
    a = rng.normal(size=(3, 4))
    near = a + rng.normal(scale=1e-7, size=(3, 4))
    cases = [
        Case("a = 1.0, b = 1.1 (Python floats)", (1.0, 1.1)),
        Case("a = [1, 2, 3], b = [1, 2, 4]",
             (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))),
        Case("a and b of shape (3, 4), nearly equal", (a, near), atol=1e-14, rtol=1e-5),
        Case("a and b of shape (6,), unrelated", (rng.normal(size=6), rng.normal(size=6))),
        Case("a = [0, 0, 1e-10], b = [0, 0, -1e-10] (tiny and zero entries)",
             (np.array([0.0, 0.0, 1e-10]), np.array([0.0, 0.0, -1e-10]))),
        Case("a = b = [0, 0] (both zero)", (np.zeros(2), np.zeros(2))),
        Case("a = [10, 0.001], b = [10.1, 0.002] (a large and a small entry)",
             (np.array([10.0, 0.001]), np.array([10.1, 0.002]))),
    ]

    def floor(value):
        return np.maximum(1e-8, value)

    mistakes = {
        "with the mean over entries where the maximum belongs":
            lambda a, b: float(np.mean(np.abs(a - b) / floor(np.abs(a) + np.abs(b)))),
        "with |a + b| in the denominator instead of |a| + |b|":
            lambda a, b: float(np.max(np.abs(a - b) / floor(np.abs(np.add(a, b))))),
        "with max(|a|, |b|) in the denominator instead of |a| + |b|":
            lambda a, b: float(np.max(np.abs(a - b) / floor(np.maximum(np.abs(a), np.abs(b))))),
        "using norms ‖a − b‖ / (‖a‖ + ‖b‖) instead of the largest entrywise ratio":
            lambda a, b: float(np.linalg.norm(np.subtract(a, b)) / max(
                1e-8, np.linalg.norm(a) + np.linalg.norm(b))),
        "without the 1e-8 floor in the denominator":
            lambda a, b: float(np.max(np.abs(np.subtract(a, b)) / (np.abs(a) + np.abs(b)))),
        "returning the absolute difference max |a − b| without dividing":
            lambda a, b: float(np.max(np.abs(np.subtract(a, b)))),
    }
    with np.errstate(all="ignore"):
        check_cases("relative_error", relative_error, ref.relative_error, cases, mistakes)
