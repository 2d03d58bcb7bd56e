"""Do the hidden checks of 04_deep_mlp pass the reference, fail each named mutant, and pass
correct answers written differently?"""
import numpy as np
import pytest

from autograder.reference import deep_mlp as ref
from autograder.reference import gradients, loss, sgd
from tests.support.proofs import accepts_each, assert_passes, rejects_each

A = "04_deep_mlp"

# ---- a student's own helpers, the globals their functions look up ------------------------
# The checks replace these by the reference; they are written here the way a student would.

def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)


def cost(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return float(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)))


def init_params(layer_sizes, rng):
    params = {}
    for layer in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[layer - 1], layer_sizes[layer]
        params[f"W{layer}"] = rng.standard_normal((n_in, n_out)) * np.sqrt(1.0 / n_in)
        params[f"b{layer}"] = np.zeros(n_out)
    return params


def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        yield X[order[start:start + batch_size]], y[order[start:start + batch_size]]


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def linear_forward(X, W, b):
    return X @ W + b, (X, W, b)


def linear_backward(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def mlp_forward(X, params):
    A, cache = X, []
    for layer in range(1, len(params) // 2 + 1):
        Z, linear_cache = linear_forward(A, params[f"W{layer}"], params[f"b{layer}"])
        A = sigmoid(Z)
        cache.append((linear_cache, Z, A))
    return A[:, 0], cache


def mlp_backward(y, cache):
    dZ = (cache[-1][2] - y[:, None]) / len(y)
    grads = {}
    for layer in range(len(cache), 0, -1):
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = linear_backward(dZ, cache[layer - 1][0])
        if layer > 1:
            dZ = dA * sigmoid_grad(cache[layer - 2][1])
    return grads


# ---- correct answers written differently -------------------------------------------------

def xor_params_nand(X=None):
    """Hidden OR and NAND, output AND."""
    return {"W1": np.array([[20.0, -20.0], [20.0, -20.0]]), "b1": np.array([-10.0, 30.0]),
            "W2": np.array([[20.0], [20.0]]), "b2": np.array([-30.0])}


def xor_params_three_units():
    """Three hidden units (the third ignored), lists instead of arrays."""
    return {"W1": [[20, 20, 0], [20, 20, 0]], "b1": [-10, -30, 0],
            "W2": [[40], [-40], [0]], "b2": [-20]}


def linear_forward_einsum(X, W, b):
    return np.einsum("nd,dk->nk", X, W) + b[None, :], [X, W, b]


def linear_forward_loops(X, W, b):
    Z = np.zeros((X.shape[0], W.shape[1]))
    for n in range(X.shape[0]):
        for k in range(W.shape[1]):
            Z[n, k] = sum(X[n, d] * W[d, k] for d in range(X.shape[1])) + b[k]
    return Z, (X, W, b)


def linear_backward_loops(dZ, cache):
    X, W, b = cache
    dX = np.zeros_like(X)
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    for n in range(X.shape[0]):
        dX[n] = W @ dZ[n]
        dW += np.outer(X[n], dZ[n])
        db += dZ[n]
    return dX, dW, db


def linear_backward_ones(dZ, cache):
    X, W, _ = cache
    return np.dot(dZ, W.T), np.dot(X.T, dZ), np.ones(len(dZ)) @ dZ


def mlp_forward_inline(X, params):
    """No linear_forward; cache entries as lists; sigmoid from a stable formula."""
    A, cache = X, []
    L = sum(1 for k in params if k.startswith("W"))
    for layer in range(1, L + 1):
        W, b = params["W" + str(layer)], params["b" + str(layer)]
        Z = A @ W + b
        e = np.exp(-np.abs(Z))
        A_next = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))
        cache.append([[A, W, b], Z, A_next])
        A = A_next
    return A.reshape(-1), cache


def mlp_backward_deltas(y, cache):
    """The notes' δ form: δ_L = a_L − y, δ_l = (δ_{l+1} W^T) · a(1 − a)."""
    N = y.shape[0]
    delta = cache[-1][2][:, 0] - y
    delta = delta.reshape(N, 1)
    grads = {}
    for layer in reversed(range(1, len(cache) + 1)):
        (A_prev, W, b), Z, A = cache[layer - 1]
        grads["W" + str(layer)] = A_prev.T @ delta / N
        grads["b" + str(layer)] = delta.sum(axis=0) / N
        if layer > 1:
            delta = (delta @ W.T) * A_prev * (1 - A_prev)
    return grads


def mlp_backward_uses_helpers(y, cache):
    """Calls linear_backward and sigmoid_grad, as the notebook suggests."""
    return mlp_backward(y, cache)


def train_mlp_helpers(X, y, layer_sizes, lr, epochs, batch_size, rng):
    params = init_params(layer_sizes, rng)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            _, cache = mlp_forward(X_b, params)
            params = sgd_step(params, mlp_backward(y_b, cache), lr)
        losses[epoch] = cost(y, mlp_forward(X, params)[0])
    return params, losses


def train_mlp_own_loop(X, y, layer_sizes, lr, epochs, batch_size, rng):
    """Own initialisation formula and shuffling, in-place updates of its own copies, a list."""
    params = {}
    for i in range(len(layer_sizes) - 1):
        params[f"W{i + 1}"] = rng.normal(0.0, np.sqrt(1 / layer_sizes[i]),
                                         size=(layer_sizes[i], layer_sizes[i + 1]))
        params[f"b{i + 1}"] = np.zeros(layer_sizes[i + 1])
    losses = []
    N = len(X)
    for _ in range(epochs):
        perm = rng.permutation(N)
        X_s, y_s = X[perm], y[perm]
        for start in range(0, N, batch_size):
            _, cache = mlp_forward(X_s[start:start + batch_size], params)
            grads = mlp_backward(y_s[start:start + batch_size], cache)
            for key in params:
                params[key] -= lr * grads[key]
        losses.append(cost(y, mlp_forward(X, params)[0]))
    return params, losses


def mlp_forward_counts_weights(X, params):
    """Counts the layers by their weight keys and walks them by name."""
    depth = sum(1 for key in params if key.startswith("W"))
    A, cache = X, []
    for layer in range(1, depth + 1):
        W, b = params["W" + str(layer)], params["b" + str(layer)]
        Z = A @ W + b
        cache.append(((A, W, b), Z, 1.0 / (1.0 + np.exp(-Z))))
        A = cache[-1][2]
    return A.reshape(-1), cache


# ---- named mutants -----------------------------------------------------------------------

def xor_params_and_output():
    """Output neuron computes OR AND AND = AND."""
    return {"W1": np.array([[20.0, 20.0], [20.0, 20.0]]), "b1": np.array([-10.0, -30.0]),
            "W2": np.array([[20.0], [20.0]]), "b2": np.array([-30.0])}


def xor_params_weak():
    """Weights 2 instead of 20: right on every input, but not confident enough."""
    return {"W1": np.array([[2.0, 2.0], [2.0, 2.0]]), "b1": np.array([-1.0, -3.0]),
            "W2": np.array([[2.0], [-2.0]]), "b2": np.array([-1.0])}


def xor_params_flat_w2():
    return {"W1": np.array([[20.0, 20.0], [20.0, 20.0]]), "b1": np.array([-10.0, -30.0]),
            "W2": np.array([20.0, -20.0]), "b2": np.array([-10.0])}


def xor_params_missing_key():
    return {"W1": np.ones((2, 2)), "b1": np.zeros(2), "W2": np.ones((2, 1))}


def linear_forward_no_bias(X, W, b):
    return X @ W, (X, W, b)


def linear_forward_caches_z(X, W, b):
    Z = X @ W + b
    return Z, (Z, W, b)


def linear_forward_only_z(X, W, b):
    return X @ W + b


def linear_forward_short_cache(X, W, b):
    return X @ W + b, (X, W)


def linear_backward_divides(dZ, cache):
    X, W, b = cache
    N = len(dZ)
    return dZ @ W.T, X.T @ dZ / N, dZ.sum(axis=0) / N


def linear_backward_db_mean(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, X.T @ dZ, dZ.mean(axis=0)


def linear_backward_dw_transposed(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)


def linear_backward_db_axis(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=1)


def mlp_forward_no_output_sigmoid(X, params):
    y_hat, cache = mlp_forward(X, params)
    return cache[-1][1][:, 0], cache


def mlp_forward_column(X, params):
    _, cache = mlp_forward(X, params)
    return cache[-1][2], cache


def mlp_forward_two_layers(X, params):
    return mlp_forward(X, {k: params[k] for k in ("W1", "b1", "W2", "b2")})


def mlp_forward_cache_without_z(X, params):
    y_hat, cache = mlp_forward(X, params)
    return y_hat, [(c[0], c[2]) for c in cache]


def mlp_backward_sum(y, cache):
    grads = mlp_backward(y, cache)
    return {k: v * len(y) for k, v in grads.items()}


def mlp_backward_grad_of_a(y, cache):
    dZ = (cache[-1][2] - y[:, None]) / len(y)
    grads = {}
    for layer in range(len(cache), 0, -1):
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = linear_backward(dZ, cache[layer - 1][0])
        if layer > 1:
            dZ = dA * sigmoid_grad(cache[layer - 2][2])
    return grads


def mlp_backward_no_hidden_grad(y, cache):
    dZ = (cache[-1][2] - y[:, None]) / len(y)
    grads = {}
    for layer in range(len(cache), 0, -1):
        dZ, grads[f"W{layer}"], grads[f"b{layer}"] = linear_backward(dZ, cache[layer - 1][0])
    return grads


def mlp_backward_sign(y, cache):
    grads = mlp_backward(y, cache)
    return {k: -v for k, v in grads.items()}


def mlp_backward_broadcast(y, cache):
    dZ = (cache[-1][2] - y) / len(y)
    grads = {}
    for layer in range(len(cache), 0, -1):
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = linear_backward(dZ, cache[layer - 1][0])
        if layer > 1:
            dZ = dA * sigmoid_grad(cache[layer - 2][1])
    return grads


def mlp_backward_last_layer_only(y, cache):
    grads = mlp_backward(y, cache)
    L = len(cache)
    return {k: (v if k.endswith(str(L)) else np.zeros_like(v)) for k, v in grads.items()}


def train_mlp_full_batch(X, y, layer_sizes, lr, epochs, batch_size, rng):
    return train_mlp_helpers(X, y, layer_sizes, lr, epochs, len(X), rng)


def train_mlp_no_shuffle(X, y, layer_sizes, lr, epochs, batch_size, rng):
    params = init_params(layer_sizes, rng)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        for start in range(0, len(X), batch_size):
            _, cache = mlp_forward(X[start:start + batch_size], params)
            params = sgd_step(params, mlp_backward(y[start:start + batch_size], cache), lr)
        losses[epoch] = cost(y, mlp_forward(X, params)[0])
    return params, losses


def train_mlp_batch_losses(X, y, layer_sizes, lr, epochs, batch_size, rng):
    params = init_params(layer_sizes, rng)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        seen = []
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            y_hat, cache = mlp_forward(X_b, params)
            seen.append(cost(y_b, y_hat))
            params = sgd_step(params, mlp_backward(y_b, cache), lr)
        losses[epoch] = np.mean(seen)
    return params, losses


def train_mlp_ascent(X, y, layer_sizes, lr, epochs, batch_size, rng):
    return train_mlp_helpers(X, y, layer_sizes, -lr, epochs, batch_size, rng)


def train_mlp_zero_init(X, y, layer_sizes, lr, epochs, batch_size, rng):
    params = {k: np.zeros_like(v) for k, v in init_params(layer_sizes, rng).items()}
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            _, cache = mlp_forward(X_b, params)
            params = sgd_step(params, mlp_backward(y_b, cache), lr)
        losses[epoch] = cost(y, mlp_forward(X, params)[0])
    return params, losses


def train_mlp_reinit(X, y, layer_sizes, lr, epochs, batch_size, rng):
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        params = init_params(layer_sizes, rng)
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            _, cache = mlp_forward(X_b, params)
            params = sgd_step(params, mlp_backward(y_b, cache), lr)
        losses[epoch] = cost(y, mlp_forward(X, params)[0])
    return params, losses


def train_mlp_last_batch_only(X, y, layer_sizes, lr, epochs, batch_size, rng):
    params = init_params(layer_sizes, rng)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        batches = list(minibatches(X, y, batch_size, rng))
        X_b, y_b = batches[-1]
        _, cache = mlp_forward(X_b, params)
        params = sgd_step(params, mlp_backward(y_b, cache), lr)
        losses[epoch] = cost(y, mlp_forward(X, params)[0])
    return params, losses


def train_mlp_mutates(X, y, layer_sizes, lr, epochs, batch_size, rng):
    X -= X.mean(axis=0)
    return train_mlp_helpers(X, y, layer_sizes, lr, epochs, batch_size, rng)


def train_mlp_shuffle_first(X, y, layer_sizes, lr, epochs, batch_size, rng):
    """Draws an (unused) shuffle before initialising."""
    rng.permutation(len(X))
    return train_mlp_helpers(X, y, layer_sizes, lr, epochs, batch_size, rng)


def mlp_forward_squeezed(X, params):
    y_hat, cache = mlp_forward(X, params)
    return np.squeeze(y_hat), cache


def mlp_forward_sorted_keys(X, params):
    A, cache = X, []
    weights = sorted(key for key in params if key.startswith("W"))
    for W_key in weights:
        Z, linear_cache = linear_forward(A, params[W_key], params["b" + W_key[1:]])
        A = sigmoid(Z)
        cache.append((linear_cache, Z, A))
    return A[:, 0], cache


def mlp_forward_by_position(X, params):
    values = list(params.values())
    A, cache = X, []
    for W, b in zip(values[0::2], values[1::2]):
        Z, linear_cache = linear_forward(A, W, b)
        A = sigmoid(Z)
        cache.append((linear_cache, Z, A))
    return A[:, 0], cache


def train_mlp_own_generator(X, y, layer_sizes, lr, epochs, batch_size, rng):
    params = init_params(layer_sizes, rng)
    shuffler = np.random.default_rng(0)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, shuffler):
            params = sgd_step(params, mlp_backward(y_b, mlp_forward(X_b, params)[1]), lr)
        losses[epoch] = cost(y, mlp_forward(X, params)[0])
    return params, losses


CORRECT = [
    ("xor_params", ref.xor_params), ("xor_params", xor_params_nand),
    ("xor_params", xor_params_three_units),
    ("linear_forward", ref.linear_forward), ("linear_forward", linear_forward),
    ("linear_forward", linear_forward_einsum), ("linear_forward", linear_forward_loops),
    ("linear_backward", ref.linear_backward), ("linear_backward", linear_backward_loops),
    ("linear_backward", linear_backward_ones),
    ("mlp_forward", ref.mlp_forward), ("mlp_forward", mlp_forward),
    ("mlp_forward", mlp_forward_inline),
    ("mlp_backward", ref.mlp_backward), ("mlp_backward", mlp_backward_deltas),
    ("mlp_backward", mlp_backward_uses_helpers),
    ("train_mlp", ref.train_mlp), ("train_mlp", train_mlp_helpers),
    ("train_mlp", train_mlp_own_loop),
    ("mlp_forward", mlp_forward_counts_weights),
]

MUTANTS = [
    ("xor_params", xor_params_and_output, "it must be above 0.99"),
    ("xor_params", xor_params_weak, "it must be"),
    ("xor_params", xor_params_flat_w2, "must have shape (2, 1)"),
    ("xor_params", xor_params_missing_key, "expected a dict with keys"),
    ("linear_forward", linear_forward_no_bias, "leaving out the bias"),
    ("linear_forward", linear_forward_caches_z, "storing the output Z in the cache"),
    ("linear_forward", linear_forward_only_z, "returning only Z"),
    ("linear_forward", linear_forward_short_cache, "leaves out b"),
    ("linear_backward", linear_backward_divides, "dividing by N"),
    ("linear_backward", linear_backward_db_mean, "averaged over the batch"),
    ("linear_backward", linear_backward_dw_transposed, "dW transposed"),
    ("linear_backward", linear_backward_db_axis, "wrong axis"),
    ("mlp_forward", mlp_forward_no_output_sigmoid, "without the sigmoid on the output layer"),
    ("mlp_forward", mlp_forward_column, "shape (N, 1)"),
    ("mlp_forward", mlp_forward_two_layers, "the depth must be read from params"),
    ("mlp_forward", mlp_forward_cache_without_z, "expected 3 values, got 2"),
    ("mlp_backward", mlp_backward_sum, "without dividing by N"),
    ("mlp_backward", mlp_backward_grad_of_a, "applied to the activation A"),
    ("mlp_backward", mlp_backward_no_hidden_grad, "without σ′ in the hidden layers"),
    ("mlp_backward", mlp_backward_sign, "the sign is flipped"),
    ("mlp_backward", mlp_backward_last_layer_only, "expected"),
    ("mlp_backward", mlp_backward_broadcast, "broadcasts to an (N, N) matrix"),
    ("train_mlp", train_mlp_full_batch, "each epoch has 7 minibatches"),
    ("train_mlp", train_mlp_no_shuffle, "same order"),
    ("train_mlp", train_mlp_batch_losses, "mean of the batches' losses"),
    ("train_mlp", train_mlp_ascent, "adding the gradient"),
    ("train_mlp", train_mlp_zero_init, "all-zero parameters"),
    ("train_mlp", train_mlp_reinit, "initialising the parameters again every epoch"),
    ("train_mlp", train_mlp_last_batch_only, "mlp_backward was called 200 times"),
    ("train_mlp", train_mlp_mutates, "changed its argument number 1"),
    ("train_mlp", train_mlp_shuffle_first, "init_params(layer_sizes, rng) before anything"),
    ("mlp_forward", mlp_forward_squeezed, "squeezing y_hat"),
    ("mlp_forward", mlp_forward_sorted_keys, "not in sorted key order"),
    ("mlp_forward", mlp_forward_by_position, "never by their position in the dict"),
    ("train_mlp", train_mlp_own_generator, "minibatches(X, y, batch_size, rng) once per epoch"),
]


test_check_accepts_correct_answer = accepts_each(A, CORRECT)
test_check_rejects_mutant = rejects_each(A, MUTANTS)


def _notebook(source):
    """The functions a student's notebook defines, from its source."""
    namespace = {"np": np, "__name__": __name__}
    exec(source, namespace)
    return namespace


BROKEN_LAYERS = '''
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
def sigmoid_grad(z):
    return sigmoid(z) * (1 - sigmoid(z))
def linear_forward(X, W, b):
    return X @ W, (X, W, b)
def linear_backward(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, X.T @ dZ / len(dZ), dZ.mean(axis=0)
def mlp_forward(X, params):
    A, cache = X, []
    for layer in range(1, len(params) // 2 + 1):
        Z, linear_cache = linear_forward(A, params[f"W{layer}"], params[f"b{layer}"])
        A = sigmoid(Z)
        cache.append((linear_cache, Z, A))
    return A[:, 0], cache
def mlp_backward(y, cache):
    dZ = (cache[-1][2] - y[:, None]) / len(y)
    grads = {}
    for layer in range(len(cache), 0, -1):
        dA, grads[f"W{layer}"], grads[f"b{layer}"] = linear_backward(dZ, cache[layer - 1][0])
        if layer > 1:
            dZ = dA * sigmoid_grad(cache[layer - 2][1])
    return grads
def init_params(layer_sizes, rng):
    return {}
def train_mlp(X, y, layer_sizes, lr, epochs, batch_size, rng):
    params = init_params(layer_sizes, rng)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            _, cache = mlp_forward(X[rows], params)
            grads = mlp_backward(y[rows], cache)
            params = {k: params[k] - lr * grads[k] for k in params}
        losses[epoch] = float(np.mean((mlp_forward(X, params)[0] - y) ** 2))
    return params, losses
'''


@pytest.mark.parametrize("name", ["mlp_forward", "mlp_backward"])
def test_layer_mistakes_cost_only_the_layer_functions(name):
    """Are mlp_forward and mlp_backward judged with the reference layers when the student's
    linear_forward and linear_backward are wrong?"""
    assert_passes(A, name, _notebook(BROKEN_LAYERS)[name])


def test_train_mlp_is_judged_with_the_reference_network():
    """Is train_mlp judged with the reference network and init_params when the student's own
    layers, init_params and loss bookkeeping helpers are wrong?"""
    source = BROKEN_LAYERS.replace(
        "float(np.mean((mlp_forward(X, params)[0] - y) ** 2))",
        "cost(y, mlp_forward(X, params)[0])") + '''
def cost(y, y_hat):
    return 0.0
'''
    assert_passes(A, "train_mlp", _notebook(source)["train_mlp"])
