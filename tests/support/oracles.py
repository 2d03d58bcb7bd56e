"""The tests' own oracles for derivatives: centred differences, independent of the reference."""
import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Gradient of a scalar f at every entry of x by centred differences.

    Args:
        f: function of an array shaped like x, returning a float.
        x: array-like point (converted to a float copy; the caller's x is never touched).
        h: float step.

    Returns:
        grad: float array shaped like x, entry i = (f(x + h e_i) - f(x - h e_i)) / (2h).
    """
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        plus = f(x)
        x[index] = saved - h
        minus = f(x)
        x[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def elementwise_derivative(f, x, h=1e-6):
    """Derivative of an elementwise f at every entry of x by centred differences."""
    x = np.asarray(x, dtype=float)
    return (f(x + h) - f(x - h)) / (2 * h)
