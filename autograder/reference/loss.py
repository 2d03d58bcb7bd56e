"""Reference for 01_loss: a neuron, the sigmoid, and the losses of logistic regression."""
import numpy as np


def neuron(x, w, b):
    """x: (D,), w: (D,), b: float -> float x·w + b."""
    return float(np.dot(x, w) + b)


def sigmoid(z):
    """z: any shape -> σ(z), same shape; stable for |z| up to 1e4 (no overflow)."""
    z = np.asarray(z, dtype=float)
    exp_of_minus_abs = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + exp_of_minus_abs),
                    exp_of_minus_abs / (1.0 + exp_of_minus_abs))


def predict_proba(X, w, b):
    """X: (N, D), w: (D,), b: float -> (N,) probabilities σ(X @ w + b)."""
    return sigmoid(X @ w + b)


def binary_cross_entropy(y, y_hat):
    """y: (N,) in {0, 1}, y_hat: (N,) -> (N,) per-example loss, ŷ clipped to [eps, 1 - eps]."""
    eps = 1e-12
    y_hat = np.clip(y_hat, eps, 1.0 - eps)
    return -y * np.log(y_hat) - (1.0 - y) * np.log(1.0 - y_hat)


def cost(y, y_hat):
    """y: (N,), y_hat: (N,) -> float mean binary cross-entropy."""
    return float(np.mean(binary_cross_entropy(y, y_hat)))


def mse(y, y_hat):
    """y: (N,), y_hat: (N,) -> float mean of ½(y − ŷ)²."""
    return float(np.mean(0.5 * (y - y_hat) ** 2))
