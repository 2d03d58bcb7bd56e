"""Does the reference of 06_initialization follow the notes' formulas, and do Xavier and He
keep a deep network's activations at a steady scale while zero init stays symmetric?"""
import numpy as np
import pytest
from scipy import stats

from autograder.reference import initialization as ref
from tests.support.oracles import numerical_gradient

SIZES = [300, 200, 100]


@pytest.mark.parametrize("init", ["zeros_init", "random_init", "xavier_init", "he_init"])
def test_params_have_the_conventional_keys_shapes_and_zero_biases(init):
    """Does every initialiser return W_l (n_in, n_out) and zero b_l (n_out,) in float64?"""
    rng = np.random.default_rng(0)
    args = {"zeros_init": (), "random_init": (0.1, rng)}.get(init, (rng,))
    params = getattr(ref, init)([4, 8, 8, 3], *args)
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for k, (n_in, n_out) in enumerate([(4, 8), (8, 8), (8, 3)], start=1):
        assert params[f"W{k}"].shape == (n_in, n_out) and params[f"W{k}"].dtype == np.float64
        assert params[f"b{k}"].shape == (n_out,) and not params[f"b{k}"].any()


@pytest.mark.parametrize("init, std", [
    ("xavier_init", lambda i, o: np.sqrt(2.0 / (i + o))),
    ("he_init", lambda i, o: np.sqrt(2.0 / i)),
])
def test_weights_are_normal_with_the_notes_standard_deviation(init, std):
    """Are the weights N(0, std²) with the notes' n (n_in + n_out for Xavier, n_in for He)?"""
    params = getattr(ref, init)(SIZES, np.random.default_rng(1))
    for k, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        W = params[f"W{k}"].ravel() / std(n_in, n_out)
        assert abs(W.mean()) < 0.02 and W.std() == pytest.approx(1.0, rel=0.02)
        assert stats.kstest(W, "norm").pvalue > 1e-3


def test_random_init_has_standard_deviation_scale():
    """Does random_init draw N(0, scale²) weights?"""
    params = ref.random_init(SIZES, 0.05, np.random.default_rng(2))
    assert params["W1"].std() == pytest.approx(0.05, rel=0.02)
    assert stats.kstest(params["W1"].ravel() / 0.05, "norm").pvalue > 1e-3


def test_draw_order_is_w1_first_and_nothing_else():
    """Are the weights exactly rng.standard_normal((n_in, n_out)) * std, W1 first?"""
    rng = np.random.default_rng(3)
    W1 = rng.standard_normal((5, 4)) * np.sqrt(2 / 5)
    W2 = rng.standard_normal((4, 2)) * np.sqrt(2 / 4)
    params = ref.he_init([5, 4, 2], np.random.default_rng(3))
    assert np.array_equal(params["W1"], W1) and np.array_equal(params["W2"], W2)


def _activation_stds(init, activation, depth=10, width=256, seed=4):
    rng = np.random.default_rng(seed)
    params = init([width] * (depth + 1), rng)
    A = rng.standard_normal((500, width))
    stds = []
    for k in range(1, depth + 1):
        A = activation(A @ params[f"W{k}"] + params[f"b{k}"])
        stds.append(np.sqrt(np.mean(A ** 2)))
    return np.array(stds)


def test_he_keeps_relu_activations_at_a_steady_scale():
    """Through 10 ReLU layers, do He weights keep the activations' scale within a factor 2,
    while Xavier's (smaller for equal widths) shrink them and std 1 blows them up?"""
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    he = _activation_stds(ref.he_init, relu)
    assert 0.5 < he[-1] / he[0] < 2.0
    xavier = _activation_stds(ref.xavier_init, relu)
    assert xavier[-1] / xavier[0] < 0.1
    big = _activation_stds(lambda s, r: ref.random_init(s, 1.0, r), relu)
    assert big[-1] / big[0] > 1e6


def test_xavier_keeps_tanh_activations_alive_and_tiny_weights_collapse_them():
    """Through 10 tanh layers, do Xavier weights keep a usable spread while std 0.01 collapses
    it towards zero and std 1 saturates most units?"""
    xavier = _activation_stds(ref.xavier_init, np.tanh)
    assert xavier[-1] > 0.2
    tiny = _activation_stds(lambda s, r: ref.random_init(s, 0.01, r), np.tanh)
    assert tiny[-1] < 1e-6
    rng = np.random.default_rng(5)
    params = ref.random_init([256] * 3, 1.0, rng)
    A = np.tanh(np.tanh(rng.standard_normal((500, 256)) @ params["W1"]) @ params["W2"])
    assert np.mean(np.abs(A) > 0.99) > 0.5


def _two_layer_loss(W1, W2, X, y):
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    p = sigmoid(sigmoid(X @ W1) @ W2).ravel()
    return np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))


def _train(W1, W2, X, y, steps=30, lr=1.0):
    for _ in range(steps):
        dW1 = numerical_gradient(lambda w: _two_layer_loss(w, W2, X, y), W1)
        dW2 = numerical_gradient(lambda w: _two_layer_loss(W1, w, X, y), W2)
        W1, W2 = W1 - lr * dW1, W2 - lr * dW2
    return W1, W2


def test_zero_init_stays_symmetric_under_gradient_descent_and_random_init_does_not():
    """Trained by (numerical) gradient descent, do zero weights keep every hidden unit
    identical, while small random weights give different units?"""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(20, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    W1, W2 = _train(np.zeros((3, 4)), np.zeros((4, 1)), X, y)
    assert np.abs(W1).max() > 1e-3
    assert ref.symmetric_units(W1) is True
    W1, W2 = _train(rng.normal(scale=0.1, size=(3, 4)), rng.normal(scale=0.1, size=(4, 1)), X, y)
    assert ref.symmetric_units(W1) is False


def test_symmetric_units_compares_columns_up_to_rounding():
    """Is a matrix symmetric exactly when its columns agree up to rounding?"""
    column = np.array([[0.3], [-1.2], [2.0]])
    W = np.tile(column, (1, 4))
    assert ref.symmetric_units(W) and ref.symmetric_units(W + 1e-14)
    W[1, 2] += 1e-3
    assert not ref.symmetric_units(W)
    assert not ref.symmetric_units(np.tile([[1.0, 2.0, 3.0]], (3, 1)))
    assert ref.symmetric_units(np.ones((2, 1)))
