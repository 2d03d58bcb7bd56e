"""Is the 05_activations reference right: the notes' definitions and independent oracles?"""
import math

import numpy as np
import pytest

from autograder.reference import activations as ref
from tests.support.oracles import elementwise_derivative, numerical_gradient


Z_AWAY_FROM_KINKS = np.array([-7.0, -2.5, -0.3, 0.2, 1.1, 4.0])


def test_step_is_the_perceptrons_heaviside_with_one_at_zero():
    """Is step(z) the notes' heaviside: 0 for z < 0 and 1 for z >= 0?"""
    z = np.array([-3.0, -1e-12, 0.0, 1e-12, 5.0])
    assert np.array_equal(ref.step(z), np.heaviside(z, 1.0))
    assert ref.step(0.0) == 1.0


def test_relu_is_max_of_zero_and_z_from_the_notes():
    """Does relu give ReLU(0) = 0, ReLU(z) = z for z > 0 and 0 for z < 0?"""
    z = np.array([-4.0, -0.5, 0.0, 0.5, 4.0])
    assert np.array_equal(ref.relu(z), [0.0, 0.0, 0.0, 0.5, 4.0])
    assert np.array_equal(ref.relu(z), [max(0.0, v) for v in z])


@pytest.mark.parametrize("function, derivative", [
    (ref.relu, ref.relu_grad), (ref.tanh, ref.tanh_grad),
    (ref.leaky_relu, ref.leaky_relu_grad),
    (lambda z: ref.leaky_relu(z, 0.2), lambda z: ref.leaky_relu_grad(z, 0.2))])
def test_each_derivative_matches_centred_differences(function, derivative):
    """Does every *_grad equal the slope of its function, away from the kink at 0?"""
    assert np.allclose(derivative(Z_AWAY_FROM_KINKS),
                       elementwise_derivative(function, Z_AWAY_FROM_KINKS), atol=1e-8)


def test_derivatives_at_zero_follow_the_stated_convention():
    """Are the ReLU and leaky ReLU slopes at z = 0 those of the left side (0 and alpha)?"""
    assert ref.relu_grad(0.0) == 0.0
    assert ref.leaky_relu_grad(0.0) == 0.01
    assert ref.leaky_relu_grad(np.array([0.0]), alpha=0.3)[0] == 0.3


def test_leaky_relu_matches_the_notes_cases():
    """Is leaky_relu z for z >= 0 and alpha·z below, with LReLU(0) = 0?"""
    z = np.array([-10.0, -1.0, 0.0, 2.0])
    assert np.allclose(ref.leaky_relu(z), [-0.1, -0.01, 0.0, 2.0], rtol=0, atol=1e-15)
    assert np.allclose(ref.leaky_relu(z, alpha=0.5), [-5.0, -0.5, 0.0, 2.0])


def test_tanh_matches_math_tanh_and_the_notes_limits():
    """Does tanh equal math.tanh, with tanh(0) = 0 and limits ±1?"""
    z = np.linspace(-25, 25, 201)
    assert np.max(np.abs(ref.tanh(z) - np.array([math.tanh(v) for v in z]))) < 1e-15
    assert ref.tanh(0.0) == 0.0
    assert ref.tanh(1e4) == 1.0 and ref.tanh(-1e4) == -1.0


def test_tanh_is_twice_a_sigmoid_minus_one():
    """Does tanh(z) = 2σ(2z) − 1, the form the notes give?"""
    z = np.linspace(-6, 6, 25)
    sigmoid = 1 / (1 + np.exp(-2 * z))
    assert np.allclose(ref.tanh(z), 2 * sigmoid - 1, atol=1e-14)


def test_tanh_and_its_derivative_stay_quiet_for_huge_inputs():
    """Do tanh and tanh_grad stay finite, with no warning, for |z| up to 1e4?"""
    z = np.array([-1e4, -800.0, -400.0, 400.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        values, slopes = ref.tanh(z), ref.tanh_grad(z)
    assert np.array_equal(values, np.sign(z)) and np.array_equal(slopes, np.zeros(6))


def test_activations_keep_shape_and_do_not_mutate():
    """Do all activations keep their input's shape and leave it unchanged?"""
    z = np.random.default_rng(0).normal(size=(2, 3, 4))
    before = z.copy()
    for function in (ref.step, ref.relu, ref.relu_grad, ref.leaky_relu, ref.leaky_relu_grad,
                     ref.tanh, ref.tanh_grad):
        assert function(z).shape == z.shape
    assert np.array_equal(z, before)


def test_collapse_linear_equals_the_two_stacked_layers():
    """Is X @ W + b what two layers without activation compute, for any X?"""
    rng = np.random.default_rng(1)
    W1, b1, W2, b2 = (rng.normal(size=(4, 6)), rng.normal(size=6), rng.normal(size=(6, 3)),
                      rng.normal(size=3))
    W, b = ref.collapse_linear(W1, b1, W2, b2)
    X = rng.normal(size=(10, 4))
    assert W.shape == (4, 3) and b.shape == (3,)
    assert np.allclose(X @ W + b, (X @ W1 + b1) @ W2 + b2, atol=1e-12)


def _loss_of_first_weight(depth, width, activation, seed):
    """The loss of layer_gradient_norms' network as a function of W1, built from its docstring."""
    g = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
         "relu": lambda z: np.maximum(z, 0)}[activation]
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((64, width)), rng.standard_normal((64, width))
    Ws = [rng.standard_normal((width, width)) * math.sqrt(2 / width) for _ in range(depth)]

    def loss(layer, W):
        A = X
        for index, weights in enumerate(Ws):
            A = g(A @ (W if index == layer else weights))
        return 0.5 * np.sum((A - Y) ** 2) / 64

    return Ws, loss


@pytest.mark.parametrize("depth, width, activation", [
    (3, 4, "sigmoid"), (2, 5, "tanh"), (4, 3, "relu"), (1, 6, "sigmoid")])
def test_layer_gradient_norms_are_norms_of_numerical_gradients(depth, width, activation):
    """Is each entry the Frobenius norm of dL/dW_l, as centred differences estimate it?"""
    norms = ref.layer_gradient_norms(depth, width, activation, np.random.default_rng(7))
    Ws, loss = _loss_of_first_weight(depth, width, activation, 7)
    oracle = [np.linalg.norm(numerical_gradient(lambda W: loss(layer, W), Ws[layer]))
              for layer in range(depth)]
    assert norms.shape == (depth,)
    assert np.allclose(norms, oracle, rtol=1e-5, atol=1e-12)


def test_sigmoid_gradients_vanish_towards_the_input_and_relu_gradients_do_not():
    """Over 20 seeds of a 10-layer net, do sigmoid's norms shrink by > 100x from the output to
    the input layer, while relu's first-layer norm stays above a tenth of its last?"""
    for seed in range(20):
        sigmoid = ref.layer_gradient_norms(10, 32, "sigmoid", np.random.default_rng(seed))
        relu = ref.layer_gradient_norms(10, 32, "relu", np.random.default_rng(seed))
        assert np.all(np.diff(sigmoid) > 0), "sigmoid norms grow layer by layer to the output"
        assert sigmoid[0] < sigmoid[-1] / 100
        assert relu[0] > relu[-1] / 10


def test_layer_gradient_norms_is_reproducible_and_rejects_unknown_activations():
    """Does the same seed give the same norms, and an unknown name a ValueError?"""
    first = ref.layer_gradient_norms(3, 4, "tanh", np.random.default_rng(3))
    second = ref.layer_gradient_norms(3, 4, "tanh", np.random.default_rng(3))
    assert np.array_equal(first, second)
    with pytest.raises(ValueError):
        ref.layer_gradient_norms(3, 4, "softplus", np.random.default_rng(3))
