"""Does the reference of 07_softmax_hinge reproduce the notes' worked examples and agree with
independent oracles (SciPy, scikit-learn, loops, numerical gradients)?"""
import inspect
import warnings

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax
from sklearn.metrics import log_loss
from sklearn.preprocessing import OneHotEncoder

from autograder.reference import softmax_hinge as ref
from tests.support.oracles import numerical_gradient

NOTES_HINGE_S = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
NOTES_HINGE_Y = np.array([0, 1, 2])


def hinge_oracle(S, y, margin):
    """Per-example multiclass hinge losses by explicit loops over the notes' formula."""
    return np.array([sum(max(0.0, S[i, j] - S[i, y[i]] + margin)
                         for j in range(S.shape[1]) if j != y[i]) for i in range(S.shape[0])])


def test_softmax_reproduces_the_notes_table():
    """Do the cat/dog/frog/car scores give the notes' exponentials and probabilities?"""
    scores = np.array([[5.1, 3.2, -1.7, -2.0]])
    assert np.round(np.exp(scores), 2).tolist() == [[164.02, 24.53, 0.18, 0.14]]
    assert np.allclose(np.exp(scores)[0, :2], [164.0, 24.5], atol=0.05)
    assert np.round(ref.softmax(scores), 2).tolist() == [[0.87, 0.13, 0.0, 0.0]]


def test_softmax_agrees_with_scipy_and_rows_sum_to_one():
    """Is the reference softmax SciPy's softmax over each row?"""
    rng = np.random.default_rng(0)
    for shape in [(1, 4), (5, 3), (7, 10)]:
        S = rng.normal(scale=4, size=shape)
        P = ref.softmax(S)
        assert np.allclose(P, scipy_softmax(S, axis=1), rtol=1e-12, atol=1e-15)
        assert np.allclose(P.sum(axis=1), 1.0)


def test_softmax_is_finite_without_warnings_for_scores_of_1e4():
    """Does softmax stay finite and silent for scores of size 1e4, rows far apart included?"""
    S = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4 + 1, -1e4 + 3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            P = ref.softmax(S)
    assert np.isfinite(P).all()
    assert np.allclose(P, scipy_softmax(S, axis=1))


def test_softmax_ignores_a_constant_added_to_a_row():
    """Is softmax(S + c) = softmax(S) for a per-row constant c?"""
    rng = np.random.default_rng(1)
    S = rng.normal(size=(4, 5))
    assert np.allclose(ref.softmax(S + rng.normal(scale=100, size=(4, 1))), ref.softmax(S))


def test_one_hot_agrees_with_scikit_learn():
    """Is one_hot scikit-learn's OneHotEncoder with the classes 0 .. C-1?"""
    y = np.array([3, 0, 2, 2, 1])
    encoder = OneHotEncoder(categories=[list(range(6))], sparse_output=False)
    expected = encoder.fit_transform(y.reshape(-1, 1))
    Y = ref.one_hot(y, 6)
    assert Y.dtype == np.float64 and Y.shape == (5, 6)
    assert np.array_equal(Y, expected)


def test_cross_entropy_agrees_with_scikit_learn_log_loss():
    """Is the loss scikit-learn's log_loss of the softmax probabilities?"""
    rng = np.random.default_rng(2)
    S = rng.normal(scale=3, size=(12, 5))
    y = rng.integers(0, 5, size=12)
    loss, _ = ref.softmax_cross_entropy(S, y)
    assert isinstance(loss, float)
    assert loss == pytest.approx(log_loss(y, scipy_softmax(S, axis=1), labels=range(5)),
                                 rel=1e-9)


def test_cross_entropy_of_the_notes_scores():
    """Is the loss of the notes' scores with the right class 'cat' -log 0.868?"""
    loss, dS = ref.softmax_cross_entropy(np.array([[5.1, 3.2, -1.7, -2.0]]), np.array([0]))
    assert loss == pytest.approx(-np.log(scipy_softmax([5.1, 3.2, -1.7, -2.0])[0]))
    assert loss == pytest.approx(0.141, abs=1e-3)
    assert dS.sum() == pytest.approx(0.0, abs=1e-12)


def test_cross_entropy_gradient_matches_numerical_gradient():
    """Does dS equal the centred-difference gradient of the mean loss?"""
    rng = np.random.default_rng(3)
    S = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, size=6)
    _, dS = ref.softmax_cross_entropy(S, y)
    numeric = numerical_gradient(lambda s: ref.softmax_cross_entropy(s, y)[0], S)
    assert np.allclose(dS, numeric, atol=1e-8)


def test_cross_entropy_is_finite_for_huge_scores():
    """Does the loss stay finite when the right class loses by 1e4?"""
    S = np.array([[1e4, -1e4, 0.0]])
    loss, dS = ref.softmax_cross_entropy(S, np.array([1]))
    assert loss == pytest.approx(2e4)
    assert np.isfinite(dS).all()


def test_hinge_loss_reproduces_the_notes_example():
    """Do the notes' three examples give losses 2.9, 0 and 12.9, mean 5.27?"""
    assert np.allclose(hinge_oracle(NOTES_HINGE_S, NOTES_HINGE_Y, 1.0), [2.9, 0.0, 12.9])
    loss, dS = ref.hinge_loss(NOTES_HINGE_S, NOTES_HINGE_Y)
    assert loss == pytest.approx(15.8 / 3)
    assert round(loss, 2) == 5.27
    expected = np.array([[-1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -2.0]]) / 3
    assert np.allclose(dS, expected)


@pytest.mark.parametrize("margin", [0.0, 0.5, 1.0, 2.0])
def test_hinge_loss_agrees_with_a_loop_over_the_formula(margin):
    """Is the loss the mean over examples of the notes' sum over j != y?"""
    rng = np.random.default_rng(4)
    S = rng.normal(scale=2, size=(9, 5))
    y = rng.integers(0, 5, size=9)
    loss, _ = ref.hinge_loss(S, y, margin)
    assert loss == pytest.approx(hinge_oracle(S, y, margin).mean(), rel=1e-12)


def test_hinge_gradient_matches_numerical_gradient():
    """Does dS equal the centred-difference gradient (away from the kinks)?"""
    rng = np.random.default_rng(5)
    S = rng.normal(scale=2, size=(7, 4))
    y = rng.integers(0, 4, size=7)
    _, dS = ref.hinge_loss(S, y, 1.0)
    numeric = numerical_gradient(lambda s: ref.hinge_loss(s, y, 1.0)[0], S)
    assert np.allclose(dS, numeric, atol=1e-6)


def test_hinge_loss_is_zero_once_every_right_class_wins_by_the_margin():
    """Are the loss and gradient exactly zero when every margin is met?"""
    loss, dS = ref.hinge_loss(np.array([[4.0, 1.2, 0.7], [0.1, 3.3, -2.0]]), np.array([0, 1]))
    assert loss == 0.0 and not dS.any()


def test_reference_leaves_inputs_unchanged():
    """Do the reference functions leave S and y as they were?"""
    S, y = NOTES_HINGE_S.copy(), NOTES_HINGE_Y.copy()
    ref.softmax(S), ref.softmax_cross_entropy(S, y), ref.hinge_loss(S, y), ref.one_hot(y, 3)
    assert np.array_equal(S, NOTES_HINGE_S) and np.array_equal(y, NOTES_HINGE_Y)


def test_toolkit_functions_work_from_their_source_alone():
    """Do one_hot, softmax and softmax_cross_entropy run when copied with only numpy?"""
    namespace = {"np": np}
    for name in ["one_hot", "softmax", "softmax_cross_entropy"]:
        exec(inspect.getsource(getattr(ref, name)), namespace)
        assert inspect.getdoc(getattr(ref, name)).count("Returns:") == 1
    loss, _ = namespace["softmax_cross_entropy"](NOTES_HINGE_S, NOTES_HINGE_Y)
    assert loss == pytest.approx(ref.softmax_cross_entropy(NOTES_HINGE_S, NOTES_HINGE_Y)[0])
