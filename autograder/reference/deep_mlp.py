"""Reference for 04_deep_mlp: layers, a deep sigmoid MLP, its backward pass and its training."""
import numpy as np

from autograder.reference.loss import cost, sigmoid
from autograder.reference.sgd import minibatches, sgd_step


def xor_params():
    """-> {"W1" (2, 2), "b1" (2,), "W2" (2, 1), "b2" (1,)}: hidden OR and AND neurons,
    output OR AND NOT AND."""
    return {"W1": np.array([[20.0, 20.0], [20.0, 20.0]]), "b1": np.array([-10.0, -30.0]),
            "W2": np.array([[20.0], [-20.0]]), "b2": np.array([-10.0])}


def linear_forward(X, W, b):
    """X: (N, D_in), W: (D_in, D_out), b: (D_out,) -> (Z (N, D_out), cache (X, W, b))."""
    return X @ W + b, (X, W, b)


def linear_backward(dZ, cache):
    """dZ: (N, D_out), cache (X, W, b) -> (dX (N, D_in), dW (D_in, D_out), db (D_out,))."""
    X, W, _ = cache
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def num_layers(params):
    """Number of layers L of a params dict {"W1", "b1", ..., "WL", "bL"}."""
    return len(params) // 2


def mlp_forward(X, params):
    """X: (N, D), params {"W1", "b1", ..., "WL", "bL"} with WL: (H, 1) ->
    (y_hat (N,), cache): cache[l - 1] = (linear cache (A_{l-1}, W_l, b_l), Z_l, A_l)."""
    A = X
    cache = []
    for layer in range(1, num_layers(params) + 1):
        Z, linear_cache = linear_forward(A, params[f"W{layer}"], params[f"b{layer}"])
        A = sigmoid(Z)
        cache.append((linear_cache, Z, A))
    return A[:, 0], cache


def mlp_backward(y, cache):
    """y: (N,), cache of mlp_forward -> grads {"W1", "b1", ..., "WL", "bL"} of the mean
    binary cross-entropy."""
    y_hat = cache[-1][2][:, 0]
    dZ = ((y_hat - y) / y.shape[0])[:, None]
    grads = {}
    for layer in range(len(cache), 0, -1):
        linear_cache, _, _ = cache[layer - 1]
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = linear_backward(dZ, linear_cache)
        if layer > 1:
            A = cache[layer - 2][2]
            dZ = dA * A * (1.0 - A)
    return grads


def init_params(layer_sizes, rng):
    """layer_sizes [D, H1, ..., 1], rng -> params with W_l = standard normal · sqrt(1 / n_in),
    drawn layer by layer, and zero biases."""
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.standard_normal((n_in, n_out)) * np.sqrt(1.0 / n_in)
        params[f"b{layer}"] = np.zeros(n_out)
    return params


def train_mlp(X, y, layer_sizes, lr, epochs, batch_size, rng):
    """Minibatch SGD on the mean binary cross-entropy of a sigmoid MLP.

    Draws init_params(layer_sizes, rng) first, then shuffles every epoch with
    minibatches(X, y, batch_size, rng). Returns (params, losses (epochs,)), where
    losses[e] is the cost on all of X after epoch e.
    """
    params = init_params(layer_sizes, rng)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            _, cache = mlp_forward(X_b, params)
            params = sgd_step(params, mlp_backward(y_b, cache), lr)
        losses[epoch] = cost(y, mlp_forward(X, params)[0])
    return params, losses
