"""Is the reference of 02_gradients right: on the notes' worked examples, against the tests'
own centred differences, against closed-form derivatives and against scikit-learn?"""
import numpy as np
import pytest
from sklearn.metrics import log_loss

from autograder.reference import gradients as ref
from autograder.reference import loss as ref_loss
from tests.support.oracles import numerical_gradient


def test_backprop_example_matches_the_notes():
    """Does f = (x + y)·z at (−2, 5, −4) give f = −12 and gradients (−4, −4, 3)?"""
    assert ref.backprop_example(-2.0, 5.0, -4.0) == (-12.0, -4.0, -4.0, 3.0)


@pytest.mark.parametrize("seed", range(3))
def test_backprop_example_matches_centred_differences(seed):
    """Are the three partial derivatives those of centred differences at random points?"""
    point = np.random.default_rng(seed).normal(scale=3, size=3)
    f, *grads = ref.backprop_example(*point)
    assert f == pytest.approx((point[0] + point[1]) * point[2])
    oracle = numerical_gradient(lambda p: (p[0] + p[1]) * p[2], point)
    np.testing.assert_allclose(grads, oracle, rtol=1e-7, atol=1e-8)


def test_sigmoid_grad_matches_centred_differences_and_its_peak():
    """Is σ' the slope of σ, 0.25 at 0, and finite without warnings for huge |z|?"""
    z = np.linspace(-10, 10, 41)
    oracle = np.array([numerical_gradient(lambda v: float(ref_loss.sigmoid(v[0])), [v])[0]
                       for v in z])
    np.testing.assert_allclose(ref.sigmoid_grad(z), oracle, rtol=1e-6, atol=1e-10)
    assert ref.sigmoid_grad(0.0) == 0.25
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(ref.sigmoid_grad(np.array([-1e4, 1e4])), [0.0, 0.0])


@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (30, 5)])
def test_logistic_gradients_are_the_slope_of_scikit_learns_log_loss(shape):
    """Do dw and db equal centred differences of scikit-learn's mean log loss?"""
    rng = np.random.default_rng(sum(shape))
    X = rng.normal(size=shape)
    y = rng.integers(0, 2, size=shape[0]).astype(float)
    w, b = rng.normal(size=shape[1]), 0.4

    def loss_of(params):
        p = ref_loss.predict_proba(X, params[:-1], params[-1])
        return log_loss(y, p, labels=[0, 1])

    dw, db = ref.logistic_gradients(X, y, w, b)
    oracle = numerical_gradient(loss_of, np.append(w, b))
    assert dw.shape == (shape[1],) and isinstance(db, float)
    np.testing.assert_allclose(np.append(dw, db), oracle, rtol=1e-6, atol=1e-8)


def test_numerical_gradient_matches_closed_forms_on_any_shape():
    """Does numerical_gradient give 2x for Σx², cos x for Σ sin x, and A for Σ A∘W?"""
    rng = np.random.default_rng(5)
    x = rng.normal(size=4)
    np.testing.assert_allclose(ref.numerical_gradient(lambda v: np.sum(v ** 2), x), 2 * x,
                               rtol=1e-7, atol=1e-9)
    T = rng.normal(size=(2, 3, 2))
    np.testing.assert_allclose(ref.numerical_gradient(lambda v: np.sum(np.sin(v)), T),
                               np.cos(T), rtol=1e-7, atol=1e-9)
    A, W = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    grad = ref.numerical_gradient(lambda v: np.sum(A * v), W)
    assert grad.shape == (3, 4)
    np.testing.assert_allclose(grad, A, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_is_centred_and_uses_h():
    """Is the estimate for Σx³ exactly 3x² + h² (centred), for the h passed?"""
    x = np.array([-1.0, 0.5, 2.0])
    for h in (1e-3, 0.1):
        np.testing.assert_allclose(ref.numerical_gradient(lambda v: np.sum(v ** 3), x, h=h),
                                   3 * x ** 2 + h ** 2, rtol=1e-9)


def test_numerical_gradient_leaves_x_exactly_unchanged():
    """Is x bit-for-bit the same after the call, even where x ± h rounds?"""
    x = np.array([[0.1, 0.7], [-1.3, 2.9]])
    kept = x.copy()
    ref.numerical_gradient(lambda v: float(np.sum(v ** 2)), x, h=1e-5)
    np.testing.assert_array_equal(x, kept)


def test_relative_error_follows_its_definition():
    """Is it max |a − b| / max(1e-8, |a| + |b|), 0 for equal inputs, finite for zeros?"""
    assert ref.relative_error(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])) == \
        pytest.approx(1 / 7)
    assert ref.relative_error(1.0, -1.0) == 1.0
    assert ref.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert ref.relative_error(np.array([1e-10]), np.array([-1e-10])) == pytest.approx(0.02)
    assert isinstance(ref.relative_error(np.ones((2, 2)), np.ones((2, 2))), float)


def test_gradient_check_of_logistic_gradients_reaches_the_stated_precision():
    """Does the gradient check the notebook runs give a relative error of about 1e-8 or less?"""
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(50, 3)), rng.integers(0, 2, 50).astype(float), rng.normal(size=3)
    dw, _ = ref.logistic_gradients(X, y, w, 0.1)
    numeric = ref.numerical_gradient(
        lambda v: ref_loss.cost(y, ref_loss.predict_proba(X, v, 0.1)), w)
    assert ref.relative_error(dw, numeric) < 1e-8
