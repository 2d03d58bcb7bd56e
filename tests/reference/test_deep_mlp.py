"""Is the 04_deep_mlp reference right: the notes' AND/OR/XOR neurons, numerical gradients and
scikit-learn's MLP as oracles?"""
import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

from autograder.reference import deep_mlp as ref
from course.data import two_moons
from tests.support.oracles import numerical_gradient

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def random_network(rng, sizes, N=5):
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(n_in, n_out))
        params[f"b{layer}"] = rng.normal(size=n_out)
    X = rng.normal(size=(N, sizes[0]))
    y = rng.integers(0, 2, size=N).astype(float)
    return X, y, params


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_the_notes_and_and_or_neurons():
    """Do σ(−30 + 20x1 + 20x2) and σ(−10 + 20x1 + 20x2) give the notes' AND and OR tables?"""
    for (x1, x2) in XOR_X:
        assert round(sigmoid(-30 + 20 * x1 + 20 * x2)) == (x1 and x2)
        assert round(sigmoid(-10 + 20 * x1 + 20 * x2)) == (x1 or x2)


def test_xor_params_compute_xor_confidently():
    """Does the hand-built network output > 0.99 on XOR-true and < 0.01 on XOR-false inputs?"""
    y_hat, _ = ref.mlp_forward(XOR_X, ref.xor_params())
    assert y_hat.shape == (4,)
    assert y_hat[1] > 0.99 and y_hat[2] > 0.99
    assert y_hat[0] < 0.01 and y_hat[3] < 0.01


def test_linear_backward_matches_numerical_gradients():
    """Are dX, dW, db the gradients of sum(G · Z) for Z = X @ W + b and a fixed G = dZ?"""
    rng = np.random.default_rng(0)
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    G = rng.normal(size=(4, 2))
    Z, cache = ref.linear_forward(X, W, b)
    assert np.allclose(Z, X @ W + b) and cache[0] is X and cache[1] is W and cache[2] is b
    dX, dW, db = ref.linear_backward(G, cache)
    assert np.allclose(dX, numerical_gradient(lambda v: np.sum(G * (v @ W + b)), X), atol=1e-8)
    assert np.allclose(dW, numerical_gradient(lambda v: np.sum(G * (X @ v + b)), W), atol=1e-8)
    assert np.allclose(db, numerical_gradient(lambda v: np.sum(G * (X @ W + v)), b), atol=1e-8)


@pytest.mark.parametrize("sizes", [[3, 1], [3, 4, 1], [2, 5, 3, 1], [4, 3, 3, 2, 1],
                                   [2, 2, 4, 3, 2, 1]])
def test_mlp_forward_matches_scikit_learn(sizes):
    """Does mlp_forward give the probabilities of scikit-learn's logistic MLP with the same
    weights?"""
    rng = np.random.default_rng(len(sizes))
    X, _, params = random_network(rng, sizes, N=8)
    model = MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation="logistic",
                          max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, np.arange(8) % 2)
    L = len(sizes) - 1
    model.coefs_ = [params[f"W{layer}"] for layer in range(1, L + 1)]
    model.intercepts_ = [params[f"b{layer}"] for layer in range(1, L + 1)]
    y_hat, cache = ref.mlp_forward(X, params)
    assert np.allclose(y_hat, model.predict_proba(X)[:, 1], rtol=1e-12, atol=1e-14)
    assert len(cache) == L


@pytest.mark.parametrize("sizes", [[3, 1], [3, 4, 1], [2, 5, 3, 1], [4, 3, 3, 2, 1],
                                   [2, 2, 4, 3, 2, 1]])
def test_mlp_backward_matches_numerical_gradients(sizes):
    """Is every gradient of mlp_backward the numerical gradient of the mean cross-entropy?"""
    rng = np.random.default_rng(10 + len(sizes))
    X, y, params = random_network(rng, sizes, N=6)
    _, cache = ref.mlp_forward(X, params)
    grads = ref.mlp_backward(y, cache)
    assert sorted(grads) == sorted(params)

    def loss(key, value):
        return log_loss(y, ref.mlp_forward(X, {**params, key: value})[0], labels=[0, 1])

    for key, value in params.items():
        oracle = numerical_gradient(lambda v: loss(key, v), value)
        assert grads[key].shape == value.shape
        assert np.allclose(grads[key], oracle, rtol=1e-5, atol=1e-9), key


def test_init_params_shapes_scale_and_zero_biases():
    """Does init_params give W_l (n_in, n_out) with std ≈ sqrt(1/n_in) and zero biases?"""
    params = ref.init_params([400, 300, 1], np.random.default_rng(0))
    assert params["W1"].shape == (400, 300) and params["W2"].shape == (300, 1)
    assert abs(params["W1"].std() - math.sqrt(1 / 400)) < 0.002
    assert not params["b1"].any() and not params["b2"].any()


def test_train_mlp_separates_two_moons():
    """With the notebook's settings, does train_mlp reach >= 95 % training accuracy on two
    moons, with falling losses whose last entry is the final cost?"""
    X, y = two_moons()
    before = X.copy()
    params, losses = ref.train_mlp(X, y, [2, 16, 16, 1], 1.0, 300, 16,
                                   np.random.default_rng(0))
    y_hat, _ = ref.mlp_forward(X, params)
    assert np.mean((y_hat > 0.5) == y) >= 0.95
    assert losses.shape == (300,) and losses[-1] < losses[0] / 3
    assert math.isclose(losses[-1], log_loss(y, y_hat), rel_tol=1e-9)
    assert np.array_equal(X, before)


def test_train_mlp_is_reproducible_from_its_rng():
    """Does the same seed give the same parameters and losses?"""
    X, y = two_moons(n=50)
    first = ref.train_mlp(X, y, [2, 3, 1], 0.5, 5, 8, np.random.default_rng(4))
    second = ref.train_mlp(X, y, [2, 3, 1], 0.5, 5, 8, np.random.default_rng(4))
    assert np.array_equal(first[1], second[1])
    assert all(np.array_equal(first[0][k], second[0][k]) for k in first[0])
