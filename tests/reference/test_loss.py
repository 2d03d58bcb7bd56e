"""Is the 01_loss reference right: the notes' worked examples and independent oracles?"""
import math

import numpy as np
from sklearn.metrics import log_loss

from autograder.reference import loss as ref


def test_neuron_matches_the_notes_example():
    """Does .9·2 + .2·3 + .3·(−1) + .5 give 2.6?"""
    assert math.isclose(ref.neuron(np.array([2.0, 3.0, -1.0]), np.array([0.9, 0.2, 0.3]), 0.5),
                        2.6, rel_tol=1e-12)


def test_sigmoid_matches_math_exp_and_stays_finite_without_warnings():
    """Does sigmoid equal 1/(1+e^−z) where that is finite, and stay quiet up to |z| = 1e4?"""
    z = np.linspace(-30, 30, 121)
    oracle = np.array([1.0 / (1.0 + math.exp(-v)) for v in z])
    assert np.max(np.abs(ref.sigmoid(z) - oracle)) < 1e-15
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        extreme = ref.sigmoid(np.array([-1e4, -745.0, 745.0, 1e4]))
    assert np.all(np.isfinite(extreme)) and extreme[0] == 0.0 and extreme[-1] == 1.0


def test_sigmoid_keeps_the_shape_of_its_input():
    """Does sigmoid work elementwise on any shape, scalars included?"""
    assert ref.sigmoid(0.0) == 0.5
    assert ref.sigmoid(np.zeros((2, 3, 4))).shape == (2, 3, 4)


def test_cost_equals_scikit_learn_log_loss():
    """Is the mean binary cross-entropy what scikit-learn's log_loss computes?"""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 50).astype(float)
    y_hat = rng.uniform(0.001, 0.999, 50)
    assert math.isclose(ref.cost(y, y_hat), log_loss(y, y_hat), rel_tol=1e-12)


def test_binary_cross_entropy_is_the_negative_log_likelihood():
    """Is each loss −log of ŷ^y (1−ŷ)^(1−y), the notes' quantity to maximise?"""
    y = np.array([1.0, 0.0, 1.0, 0.0])
    y_hat = np.array([0.9, 0.2, 0.3, 0.6])
    likelihood = y_hat ** y * (1 - y_hat) ** (1 - y)
    assert np.allclose(ref.binary_cross_entropy(y, y_hat), -np.log(likelihood), rtol=1e-13)


def test_binary_cross_entropy_is_finite_at_zero_and_one():
    """Does clipping at 1e-12 keep the loss finite (≈ 27.63 at worst) for ŷ of 0 and 1?"""
    losses = ref.binary_cross_entropy(np.array([1.0, 0.0, 1.0, 0.0]),
                                      np.array([1.0, 0.0, 0.0, 1.0]))
    assert np.all(np.isfinite(losses))
    assert losses[0] < 1e-11 and losses[1] < 1e-11
    assert abs(losses[2] - 27.631021) < 1e-5 and abs(losses[3] - 27.631) < 1e-3


def test_mse_is_half_the_mean_squared_error():
    """Is mse the mean of ½(y − ŷ)², checked against a plain loop?"""
    rng = np.random.default_rng(1)
    y, y_hat = rng.normal(size=9), rng.normal(size=9)
    oracle = sum(0.5 * (a - b) ** 2 for a, b in zip(y, y_hat)) / 9
    assert math.isclose(ref.mse(y, y_hat), oracle, rel_tol=1e-12)
