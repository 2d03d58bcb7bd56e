"""Reference for 05_activations: activation functions, their slopes, and why depth needs them."""
import numpy as np

from autograder.reference.gradients import sigmoid_grad
from autograder.reference.loss import sigmoid


def relu(z):
    """The rectified linear unit max(0, z), elementwise.

    Args:
        z: float or array of any shape.

    Returns:
        Array of the same shape as z: z where z > 0, else 0.
    """
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0)


def relu_grad(z):
    """Derivative of the ReLU, elementwise, taking the value 0 at z = 0.

    Args:
        z: float or array of any shape (the ReLU's input, not its output).

    Returns:
        Array of the same shape as z: 1.0 where z > 0, else 0.0.
    """
    z = np.asarray(z, dtype=float)
    return (z > 0).astype(float)


def tanh(z):
    """The hyperbolic tangent, built from exponentials without overflow.

    Uses tanh(z) = sign(z) · (1 − e^{−2|z|}) / (1 + e^{−2|z|}), whose exponent is never
    positive, so it stays finite (and warning-free) for any |z|.

    Args:
        z: float or array of any shape.

    Returns:
        Array of the same shape as z, every value in [-1, 1].
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-2.0 * np.abs(z))
    return np.sign(z) * (1.0 - e) / (1.0 + e)


def tanh_grad(z):
    """Derivative of tanh, elementwise: 1 − tanh(z)².

    Args:
        z: float or array of any shape (tanh's input).

    Returns:
        Array of the same shape as z, every value in [0, 1].
    """
    t = tanh(z)
    return 1.0 - t * t


def step(z):
    """z: any shape -> 1.0 where z >= 0, else 0.0 (the perceptron's threshold unit)."""
    z = np.asarray(z, dtype=float)
    return (z >= 0).astype(float)


def leaky_relu(z, alpha=0.01):
    """z: any shape, alpha: float -> z where z >= 0, else alpha·z."""
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    """z: any shape, alpha: float -> 1.0 where z > 0, else alpha."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha)


def collapse_linear(W1, b1, W2, b2):
    """W1: (D, H), b1: (H,), W2: (H, C), b2: (C,) -> (W (D, C), b (C,)) of the single layer
    equal to (X @ W1 + b1) @ W2 + b2."""
    return W1 @ W2, b1 @ W2 + b2


def _activation_pair(activation):
    """(g, g') for the name of an activation: "sigmoid", "tanh" or "relu"."""
    pairs = {"sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad),
             "relu": (relu, relu_grad)}
    if activation not in pairs:
        raise ValueError(f"activation must be one of {sorted(pairs)}, got {activation!r}")
    return pairs[activation]


def layer_gradient_norms(depth, width, activation, rng):
    """Frobenius norms of dL/dW of every layer of a random deep network.

    Draws, in this order: X = rng.standard_normal((64, width)), then
    Y = rng.standard_normal((64, width)), then for l = 1..depth
    W_l = rng.standard_normal((width, width)) * sqrt(2 / width). No biases.
    Forward: A_0 = X, Z_l = A_{l-1} @ W_l, A_l = g(Z_l) for every layer (the last too).
    Loss: L = ½ · (1/64) · Σ (A_depth − Y)².

    Returns:
        (depth,) array, entry l-1 = ||dL/dW_l||_F (entry 0: the layer next to the input).
    """
    g, g_prime = _activation_pair(activation)
    n = 64
    X = rng.standard_normal((n, width))
    Y = rng.standard_normal((n, width))
    weights = [rng.standard_normal((width, width)) * np.sqrt(2.0 / width)
               for _ in range(depth)]
    inputs, pre_activations = [], []
    A = X
    for W in weights:
        inputs.append(A)
        Z = A @ W
        pre_activations.append(Z)
        A = g(Z)
    norms = np.empty(depth)
    dA = (A - Y) / n
    for layer in range(depth - 1, -1, -1):
        dZ = dA * g_prime(pre_activations[layer])
        norms[layer] = np.sqrt(np.sum((inputs[layer].T @ dZ) ** 2))
        dA = dZ @ weights[layer].T
    return norms
