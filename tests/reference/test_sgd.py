"""Is the reference of 03_sgd right: the update rule of the notes, minibatches that cover
every example once, training that reaches scikit-learn's logistic regression, and
scikit-learn's accuracy?"""
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from autograder.reference import sgd as ref
from autograder.reference.loss import cost, predict_proba
from course.data import two_blobs
from tests.support.oracles import numerical_gradient


def test_sgd_step_subtracts_the_scaled_gradient_into_a_new_dict():
    """Is the update Θ := Θ − α ∂L/∂Θ for every key, leaving params and grads untouched?"""
    params = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": 0.5}
    grads = {"W": np.array([[0.5, -1.0], [0.0, 2.0]]), "b": -1.0}
    kept = {k: np.copy(v) for k, v in params.items()}
    new = ref.sgd_step(params, grads, 0.1)
    np.testing.assert_allclose(new["W"], [[0.95, 2.1], [3.0, 3.8]])
    assert new["b"] == pytest.approx(0.6)
    assert new is not params and new["W"] is not params["W"]
    np.testing.assert_array_equal(params["W"], kept["W"])
    assert params["b"] == kept["b"]


def test_sgd_step_goes_downhill_on_a_quadratic():
    """Does one small step along −∇ lower f(w) = Σ (w − 3)², with ∇ from centred differences?"""
    def f(w):
        return float(np.sum((w - 3.0) ** 2))
    w = np.array([0.0, 5.0, -2.0])
    new = ref.sgd_step({"w": w}, {"w": numerical_gradient(f, w)}, 0.1)["w"]
    assert f(new) < f(w)
    np.testing.assert_allclose(new, w - 0.1 * 2 * (w - 3.0), rtol=1e-6)


@pytest.mark.parametrize("n, batch_size", [(23, 5), (20, 4), (7, 10), (5, 1)])
def test_minibatches_cover_every_example_once_in_shuffled_aligned_batches(n, batch_size):
    """Are all rows used once, in batches of batch_size with a short last one, labels aligned?"""
    X = np.column_stack([np.arange(n), np.arange(n) * 10.0])
    y = np.arange(n) % 2.0
    batches = list(ref.minibatches(X, y, batch_size, np.random.default_rng(0)))
    sizes = [len(y_b) for _, y_b in batches]
    assert sizes == [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    ids = np.concatenate([X_b[:, 0] for X_b, _ in batches]).astype(int)
    assert sorted(ids) == list(range(n))
    for X_b, y_b in batches:
        np.testing.assert_array_equal(y_b, X_b[:, 0] % 2.0)
    again = list(ref.minibatches(X, y, batch_size, np.random.default_rng(0)))
    np.testing.assert_array_equal(np.concatenate([b[0][:, 0] for b in again]), ids)


def test_minibatches_shuffles_differently_each_epoch():
    """Do two epochs drawn from one generator come in different orders?"""
    X, y = np.arange(30.0).reshape(15, 2), np.zeros(15)
    rng = np.random.default_rng(1)
    first = np.concatenate([X_b[:, 0] for X_b, _ in ref.minibatches(X, y, 4, rng)])
    second = np.concatenate([X_b[:, 0] for X_b, _ in ref.minibatches(X, y, 4, rng)])
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, X[:, 0])


def test_full_batch_training_reaches_scikit_learns_logistic_regression():
    """Does long full-batch gradient descent end where scikit-learn's unpenalised fit does?"""
    X, y = two_blobs(n=200, seed=0)
    w, b, losses = ref.train_logistic_regression(X, y, lr=2.0, epochs=3000, batch_size=200,
                                                 rng=np.random.default_rng(0))
    model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(w, model.coef_[0], rtol=1e-4, atol=1e-5)
    assert b == pytest.approx(model.intercept_[0], rel=1e-4, abs=1e-5)
    gradient = numerical_gradient(lambda p: cost(y, predict_proba(X, p[:2], p[2])), np.append(w, b))
    assert np.max(np.abs(gradient)) < 1e-6
    assert np.all(np.diff(losses) <= 1e-12)


def test_losses_are_the_full_data_cost_after_each_epoch():
    """Is losses[e] the cost of the parameters that training for e + 1 epochs returns?"""
    X, y = two_blobs(n=60, seed=3)
    _, _, losses = ref.train_logistic_regression(X, y, 0.5, 4, 7, np.random.default_rng(5))
    assert losses.shape == (4,)
    for epochs in range(1, 5):
        w, b, _ = ref.train_logistic_regression(X, y, 0.5, epochs, 7, np.random.default_rng(5))
        assert losses[epochs - 1] == pytest.approx(cost(y, predict_proba(X, w, b)), abs=1e-12)
    assert losses[0] < np.log(2)


def test_sign_error_of_the_slide_makes_the_loss_grow():
    """Does the slide's rule W := W + α ∂L/∂W (a negative learning rate here) raise the loss?"""
    X, y = two_blobs(n=100, seed=1)
    _, _, losses = ref.train_logistic_regression(X, y, -0.5, 5, 10, np.random.default_rng(0))
    assert losses[0] > np.log(2) and np.all(np.diff(losses) > 0)


def test_accuracy_matches_scikit_learn():
    """Is accuracy the fraction of equal labels, as scikit-learn's accuracy_score?"""
    rng = np.random.default_rng(4)
    y_true, y_pred = rng.integers(0, 3, 40), rng.integers(0, 3, 40)
    assert ref.accuracy(y_true, y_pred) == pytest.approx(accuracy_score(y_true, y_pred))
    assert ref.accuracy(np.array([1.0, 0.0]), np.array([1, 0])) == 1.0
    assert isinstance(ref.accuracy(y_true, y_pred), float)
