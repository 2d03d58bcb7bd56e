"""Reference for 08_regularization: weight penalties, inverted dropout, what L2 prefers."""
import numpy as np


def _is_weight(name):
    """True for the keys of weight matrices ("W1", "W2", ...), False for biases."""
    return str(name).startswith("W")


def l2_penalty(params, lam):
    """params: dict of arrays, lam: float -> float λ·Σ W² over the weight matrices only."""
    total = sum(float(np.sum(np.square(value))) for name, value in params.items()
                if _is_weight(name))
    return float(lam * total)


def l2_grad(params, lam):
    """params: dict, lam: float -> new dict, same keys: 2λW for weights, zeros for biases."""
    return {name: 2.0 * lam * np.asarray(value, dtype=float) if _is_weight(name)
            else np.zeros_like(value, dtype=float)
            for name, value in params.items()}


def l1_penalty(params, lam):
    """params: dict of arrays, lam: float -> float λ·Σ |W| over the weight matrices only."""
    total = sum(float(np.sum(np.abs(value))) for name, value in params.items()
                if _is_weight(name))
    return float(lam * total)


def l1_grad(params, lam):
    """params: dict, lam: float -> new dict, same keys: λ·sign(W) (0 where W = 0), zero biases."""
    return {name: lam * np.sign(np.asarray(value, dtype=float)) if _is_weight(name)
            else np.zeros_like(value, dtype=float)
            for name, value in params.items()}


def dropout_forward(X, p_drop, rng, train=True):
    """Inverted dropout.

    X: any shape, p_drop in [0, 1), rng: Generator -> (out, mask), both shaped like X.
    Training: keep = rng.random(X.shape) >= p_drop (one draw), mask = keep / (1 - p_drop),
    out = X * mask. Not training: out = a copy of X, mask = ones; rng is not used.
    """
    X = np.asarray(X, dtype=float)
    if not train:
        return X.copy(), np.ones_like(X)
    keep = rng.random(X.shape) >= p_drop
    mask = keep / (1.0 - p_drop)
    return X * mask, mask


def dropout_backward(dout, mask):
    """dout: upstream gradient, mask: the mask dropout_forward returned -> dout * mask."""
    return np.asarray(dout, dtype=float) * mask


def l2_prefers():
    """Which of Θ1 = [1, 0, 0, 0] and Θ2 = [.25, .25, .25, .25] the L2 penalty prefers."""
    theta1 = np.array([1.0, 0.0, 0.0, 0.0])
    theta2 = np.array([0.25, 0.25, 0.25, 0.25])
    return "theta1" if np.sum(theta1 ** 2) < np.sum(theta2 ** 2) else "theta2"
