"""Reference for 02_gradients: derivatives, backpropagation and gradient checking."""
import numpy as np

from autograder.reference.loss import predict_proba, sigmoid


def sigmoid_grad(z):
    """Derivative of the sigmoid, elementwise: σ'(z) = σ(z) (1 - σ(z)).

    Args:
        z: float or array of any shape.

    Returns:
        Array of the same shape as z, every value in [0, 0.25]; finite (and
        close to 0) for large |z|.
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def backprop_example(x, y, z):
    """Forward and backward pass through the graph f = (x + y) · z.

    Args:
        x, y, z: floats.

    Returns:
        (f, dfdx, dfdy, dfdz): the value f and its partial derivatives, as floats.
    """
    q = x + y
    f = q * z
    dfdq = z
    dfdz = q
    dfdx = 1.0 * dfdq
    dfdy = 1.0 * dfdq
    return float(f), float(dfdx), float(dfdy), float(dfdz)


def logistic_gradients(X, y, w, b):
    """Gradients of the mean binary cross-entropy of logistic regression.

    Args:
        X: (N, D) inputs, one example per row.
        y: (N,) labels, each 0 or 1.
        w: (D,) weights.
        b: float bias.

    Returns:
        (dw, db): dw (D,) = mean over the batch of (ŷ - y) x, and the float
        db = mean of (ŷ - y), where ŷ = predict_proba(X, w, b).
    """
    error = predict_proba(X, w, b) - y
    dw = X.T @ error / X.shape[0]
    db = float(np.mean(error))
    return dw, db


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference estimate of the gradient of a scalar function.

    Entry i of the result is (f(x + h e_i) - f(x - h e_i)) / (2h), where e_i is
    1 at entry i and 0 elsewhere. x is restored before returning.

    Args:
        f: function taking an array shaped like x and returning a float.
        x: float array of any shape, the point where the gradient is estimated.
        h: float step size.

    Returns:
        grad: array of the same shape as x.
    """
    x = np.asarray(x, dtype=float)
    point = x.copy()
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + h
        f_plus = float(f(point))
        point[index] = original - h
        f_minus = float(f(point))
        point[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a, b):
    """Largest relative difference between two arrays (gradient checking).

    Args:
        a, b: floats or arrays of the same shape.

    Returns:
        float max over entries of |a - b| / max(1e-8, |a| + |b|).
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
