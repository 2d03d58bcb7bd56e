"""Is the 08_regularization reference right: the notes' worked example and independent
oracles (norms, centred-difference gradients, the statistics of dropout)?"""
import copy
import math

import numpy as np
import pytest

from autograder.reference import regularization as ref
from tests.support.oracles import numerical_gradient


def network(seed, sizes=(4, 6, 5, 3)):
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(n_in, n_out))
        params[f"b{layer}"] = rng.normal(size=n_out)
    return params


def test_l2_prefers_theta2_as_in_the_notes():
    """With x = [1,1,1,1], Θ1 = [1,0,0,0] and Θ2 = [.25,.25,.25,.25] score the same, and L2
    charges Θ1 1 but Θ2 only 0.25, so it prefers Θ2?"""
    x = np.ones(4)
    theta1, theta2 = np.array([1.0, 0.0, 0.0, 0.0]), np.full(4, 0.25)
    assert theta1 @ x == theta2 @ x == 1.0
    assert ref.l2_penalty({"W1": theta1[:, None]}, 1.0) == 1.0
    assert ref.l2_penalty({"W1": theta2[:, None]}, 1.0) == 0.25
    assert ref.l1_penalty({"W1": theta1[:, None]}, 1.0) == ref.l1_penalty(
        {"W1": theta2[:, None]}, 1.0) == 1.0
    assert ref.l2_prefers() == "theta2"


def test_penalties_equal_squared_frobenius_and_entrywise_l1_norms_of_weights_only():
    """Are the penalties λ‖W‖²_F and λ‖W‖₁ summed over the weights, biases left out?"""
    params = network(0)
    weights = [params["W1"], params["W2"], params["W3"]]
    lam = 0.37
    assert math.isclose(ref.l2_penalty(params, lam),
                        lam * sum(np.linalg.norm(W, "fro") ** 2 for W in weights), rel_tol=1e-12)
    assert math.isclose(ref.l1_penalty(params, lam),
                        lam * sum(np.linalg.norm(W.ravel(), 1) for W in weights), rel_tol=1e-12)
    assert ref.l2_penalty(params, 0.0) == 0.0 and ref.l1_penalty(params, 0.0) == 0.0
    assert isinstance(ref.l2_penalty(params, lam), float)


@pytest.mark.parametrize("penalty, grad", [(ref.l2_penalty, ref.l2_grad),
                                           (ref.l1_penalty, ref.l1_grad)])
def test_penalty_gradients_match_centred_differences(penalty, grad):
    """Is each entry of l2_grad / l1_grad the centred-difference slope of its penalty?"""
    params = network(1)
    lam = 0.05
    grads = grad(params, lam)
    assert sorted(grads) == sorted(params)
    for name in params:
        def f(value, name=name):
            return penalty({**params, name: value}, lam)
        numeric = numerical_gradient(f, params[name])
        assert grads[name].shape == params[name].shape
        assert np.max(np.abs(grads[name] - numeric)) < 1e-7, name
    assert all(np.all(grads[k] == 0) for k in params if k.startswith("b"))


def test_l1_grad_is_zero_where_a_weight_is_zero():
    """Does l1_grad use sign(0) = 0, the middle of the subgradient interval [−λ, λ]?"""
    grads = ref.l1_grad({"W1": np.array([[0.0, 2.0], [-3.0, 0.0]]), "b1": np.ones(2)}, 0.5)
    assert np.array_equal(grads["W1"], [[0.0, 0.5], [-0.5, 0.0]])


def test_dropout_keeps_the_right_fraction_and_preserves_the_mean():
    """Does inverted dropout keep about 1 − p of the units, scale them by 1/(1 − p), and keep
    the mean of its input?"""
    rng = np.random.default_rng(2)
    X = rng.uniform(0.5, 1.5, size=(500, 400))
    for p_drop in (0.1, 0.5, 0.8):
        out, mask = ref.dropout_forward(X, p_drop, rng)
        kept = mask != 0
        assert abs(kept.mean() - (1 - p_drop)) < 0.005
        assert np.allclose(mask[kept], 1 / (1 - p_drop)) and np.array_equal(out, X * mask)
        assert abs(out.mean() - X.mean()) < 0.01 * X.mean()


def test_dropout_is_the_identity_at_test_time_and_reproducible_in_training():
    """With train=False is out = X and the mask all ones; with the same seed the same mask?"""
    X = np.random.default_rng(3).normal(size=(6, 7))
    out, mask = ref.dropout_forward(X, 0.4, np.random.default_rng(0), train=False)
    assert np.array_equal(out, X) and np.array_equal(mask, np.ones_like(X))
    first = ref.dropout_forward(X, 0.4, np.random.default_rng(9))
    second = ref.dropout_forward(X, 0.4, np.random.default_rng(9))
    keep = np.random.default_rng(9).random(X.shape) >= 0.4
    assert np.array_equal(first[1], second[1]) and np.array_equal(first[1] != 0, keep)


def test_dropout_backward_is_the_gradient_of_dropout_forward():
    """Is dropout_backward(dout, mask) the centred-difference gradient of
    sum(dout * dropout_forward(X)) with the mask held fixed (the same rng state)?"""
    X = np.random.default_rng(4).normal(size=(3, 5))
    dout = np.random.default_rng(5).normal(size=(3, 5))
    rng = np.random.default_rng(6)
    _, mask = ref.dropout_forward(X, 0.3, copy.deepcopy(rng))

    def f(value):
        out, _ = ref.dropout_forward(value, 0.3, copy.deepcopy(rng))
        return float(np.sum(dout * out))

    numeric = numerical_gradient(f, X)
    assert np.max(np.abs(ref.dropout_backward(dout, mask) - numeric)) < 1e-7


def test_reference_functions_leave_their_inputs_unchanged():
    """Do the penalties, their gradients and dropout leave params and X as they were?"""
    params = network(7)
    before = copy.deepcopy(params)
    for function in (ref.l2_penalty, ref.l2_grad, ref.l1_penalty, ref.l1_grad):
        function(params, 0.2)
    assert all(np.array_equal(params[k], before[k]) for k in before)
    X = np.ones((4, 4))
    ref.dropout_forward(X, 0.5, np.random.default_rng(0))
    out, _ = ref.dropout_forward(X, 0.5, np.random.default_rng(0), train=False)
    out[0, 0] = 5.0
    assert np.array_equal(X, np.ones((4, 4)))
