"""Reference for 06_initialization: zero, small random, Xavier and He initialisation."""
import numpy as np


def zeros_init(layer_sizes):
    """Parameters of an MLP with every weight and bias set to zero.

    Args:
        layer_sizes: list of L + 1 ints [D, H1, ..., HL], inputs first.

    Returns:
        params: dict {"W1": (D, H1), "b1": (H1,), ..., "WL": (H(L-1), HL), "bL": (HL,)}.
    """
    params = {}
    for layer in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[layer - 1], layer_sizes[layer]
        params[f"W{layer}"] = np.zeros((n_in, n_out))
        params[f"b{layer}"] = np.zeros(n_out)
    return params


def random_init(layer_sizes, scale, rng):
    """Parameters with normal weights of standard deviation `scale` and zero biases.

    Draws W1 first, then W2, ..., each as rng.standard_normal((n_in, n_out)) * scale.

    Args:
        layer_sizes: list of L + 1 ints [D, H1, ..., HL].
        scale: float standard deviation of every weight.
        rng: np.random.Generator.

    Returns:
        params: dict {"W1": (D, H1), "b1": (H1,), ...}.
    """
    params = {}
    for layer in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[layer - 1], layer_sizes[layer]
        params[f"W{layer}"] = rng.standard_normal((n_in, n_out)) * scale
        params[f"b{layer}"] = np.zeros(n_out)
    return params


def xavier_init(layer_sizes, rng):
    """Xavier initialisation: weights with std sqrt(2 / (n_in + n_out)), zero biases.

    Draws W1 first, then W2, ..., each as rng.standard_normal((n_in, n_out)) * std.

    Args:
        layer_sizes: list of L + 1 ints [D, H1, ..., HL].
        rng: np.random.Generator.

    Returns:
        params: dict {"W1": (D, H1), "b1": (H1,), ...}.
    """
    params = {}
    for layer in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[layer - 1], layer_sizes[layer]
        std = np.sqrt(2.0 / (n_in + n_out))
        params[f"W{layer}"] = rng.standard_normal((n_in, n_out)) * std
        params[f"b{layer}"] = np.zeros(n_out)
    return params


def he_init(layer_sizes, rng):
    """He initialisation: weights with std sqrt(2 / n_in), zero biases.

    Draws W1 first, then W2, ..., each as rng.standard_normal((n_in, n_out)) * std.

    Args:
        layer_sizes: list of L + 1 ints [D, H1, ..., HL].
        rng: np.random.Generator.

    Returns:
        params: dict {"W1": (D, H1), "b1": (H1,), ...}.
    """
    params = {}
    for layer in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[layer - 1], layer_sizes[layer]
        std = np.sqrt(2.0 / n_in)
        params[f"W{layer}"] = rng.standard_normal((n_in, n_out)) * std
        params[f"b{layer}"] = np.zeros(n_out)
    return params


def symmetric_units(W):
    """Whether every unit of a layer has the same incoming weights.

    Column j of W holds the weights into unit j; the units are symmetric when
    all columns are equal up to floating-point rounding (np.allclose).

    Args:
        W: (n_in, n_out) weight matrix.

    Returns:
        bool, True when all columns of W are equal.
    """
    return bool(np.allclose(W, W[:, :1]))
