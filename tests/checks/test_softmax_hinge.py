"""Do the hidden checks of 07_softmax_hinge pass the reference, fail each named mutant, and pass
correct answers written differently?"""
import math

import numpy as np
from scipy.special import logsumexp
from scipy.special import softmax as scipy_softmax

from autograder.reference import softmax_hinge as ref
from tests.support.proofs import accepts_each, assert_fails, assert_passes, rejects_each

A = "07_softmax_hinge"


# ---- correct answers written differently -------------------------------------------------

def one_hot_eye(y, num_classes):
    return np.eye(num_classes)[y]


def one_hot_compare(y, num_classes):
    return (np.asarray(y)[:, None] == np.arange(num_classes)).astype(float)


def softmax_scipy(S):
    return scipy_softmax(S, axis=1)


def softmax_logsumexp(S):
    return np.exp(S - logsumexp(S, axis=1, keepdims=True))


def softmax_rows_loop(S):
    out = []
    for row in S:
        top = max(row)
        exps = [math.exp(s - top) for s in row]
        total = sum(exps)
        out.append([e / total for e in exps])
    return np.array(out)


def softmax_transpose_trick(S):
    shifted = S.T - S.max(axis=1)
    return (np.exp(shifted) / np.exp(shifted).sum(axis=0)).T


def ce_loop(S, y):
    N, C = S.shape
    total = 0.0
    dS = np.zeros((N, C))
    for i in range(N):
        top = max(S[i])
        exps = [math.exp(s - top) for s in S[i]]
        z = sum(exps)
        total += -(S[i][y[i]] - top - math.log(z))
        for j in range(C):
            dS[i, j] = (exps[j] / z - (1.0 if j == y[i] else 0.0)) / N
    return total / N, dS


def hinge_subtract_margin(S, y, margin=1.0):
    N = S.shape[0]
    rows = np.arange(N)
    m = np.maximum(0, S - S[rows, y].reshape(-1, 1) + margin)
    loss = (m.sum() - N * margin) / N
    mask = (S - S[rows, y].reshape(-1, 1) + margin > 0).astype(float)
    mask[rows, y] = 0
    mask[rows, y] = -mask.sum(axis=1)
    return loss, mask / N


def hinge_loop(S, y, margin=1.0):
    N, C = S.shape
    loss = 0.0
    dS = np.zeros((N, C))
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            violation = S[i, j] - S[i, y[i]] + margin
            if violation > 0:
                loss += violation
                dS[i, j] += 1.0 / N
                dS[i, y[i]] -= 1.0 / N
    return loss / N, dS


# helpers the dependent answers call (replaced by the reference during the check)

def one_hot(y, num_classes):
    return np.eye(num_classes)[y]


def softmax(S):
    return scipy_softmax(S, axis=1)


def softmax_cross_entropy_logaddexp(S, y):
    N, C = S.shape
    log_norm = np.logaddexp.reduce(S, axis=1)
    loss = float(np.mean(log_norm - S[np.arange(N), y]))
    P = np.exp(S - log_norm[:, None])
    P[np.arange(N), y] -= 1.0
    return loss, P / N


def softmax_cross_entropy_max_plus_log(S, y):
    m = S.max(axis=1)
    lse = m + np.log(np.exp(S - m[:, None]).sum(axis=1))
    N = len(y)
    Y = np.zeros_like(S)
    Y[np.arange(N), y] = 1.0
    return float(np.sum(lse - S[np.arange(N), y]) / N), (np.exp(S - lse[:, None]) - Y) / N


def hinge_loss_counting_ties(S, y, margin=1.0):
    N = S.shape[0]
    rows = np.arange(N)
    margins = S - S[rows, y][:, None] + margin
    margins[rows, y] = -np.inf
    loss = float(np.sum(np.maximum(margins, 0.0)) / N)
    active = (margins >= 0).astype(float)
    active[rows, y] = -active.sum(axis=1)
    return loss, active / N


# ---- named mutants (self-contained: the hidden reference is out of reach in the checker) --

def _probabilities(S):
    e = np.exp(S - S.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _one_hot(y, num_classes):
    return np.eye(num_classes)[y]


def one_hot_transposed(y, num_classes):
    return np.eye(num_classes)[y].T


def one_hot_from_max(y, num_classes):
    return np.eye(int(max(y)) + 1)[y]


def one_hot_shifted(y, num_classes):
    return np.eye(num_classes)[np.asarray(y) - 1]


def one_hot_labels(y, num_classes):
    return np.asarray(y, dtype=float)


def softmax_naive(S):
    e = np.exp(S)
    return e / e.sum(axis=1, keepdims=True)


def softmax_axis0(S):
    e = np.exp(S - S.max(axis=0))
    return e / e.sum(axis=0)


def softmax_global_max(S):
    e = np.exp(S - S.max())
    return e / e.sum(axis=1, keepdims=True)


def softmax_total_sum(S):
    e = np.exp(S - S.max(axis=1, keepdims=True))
    return e / e.sum()


def softmax_in_place(S):
    S -= S.max(axis=1, keepdims=True)
    np.exp(S, out=S)
    S /= S.sum(axis=1, keepdims=True)
    return S


def ce_sum(S, y):
    N = S.shape[0]
    P = _probabilities(S)
    return -np.sum(np.log(P[np.arange(N), y])), P - _one_hot(y, S.shape[1])


def ce_grad_not_divided(S, y):
    N = S.shape[0]
    P = _probabilities(S)
    return -np.mean(np.log(P[np.arange(N), y])), P - _one_hot(y, S.shape[1])


def ce_grad_sign(S, y):
    N = S.shape[0]
    P = _probabilities(S)
    return -np.mean(np.log(P[np.arange(N), y])), (_one_hot(y, S.shape[1]) - P) / N


def ce_axis0(S, y):
    N = S.shape[0]
    e = np.exp(S - S.max(axis=0))
    P = e / e.sum(axis=0)
    return -np.mean(np.log(P[np.arange(N), y])), (P - _one_hot(y, S.shape[1])) / N


def ce_unstable(S, y):
    N = S.shape[0]
    e = np.exp(S)
    P = e / e.sum(axis=1, keepdims=True)
    return -np.mean(np.log(P[np.arange(N), y])), (P - _one_hot(y, S.shape[1])) / N


def ce_every_class(S, y):
    N = S.shape[0]
    P = _probabilities(S)
    return -np.sum(np.log(P)) / N, (P - _one_hot(y, S.shape[1])) / N


def ce_no_minus(S, y):
    N = S.shape[0]
    P = _probabilities(S)
    return np.mean(np.log(P[np.arange(N), y])), (P - _one_hot(y, S.shape[1])) / N


def hinge_counts_own_class(S, y, margin=1.0):
    N = S.shape[0]
    m = np.maximum(0, S - S[np.arange(N), y][:, None] + margin)
    mask = (m > 0).astype(float)
    mask[np.arange(N), y] -= mask.sum(axis=1)
    return m.sum() / N, mask / N


def hinge_margin_ignored(S, y, margin=1.0):
    return hinge_loop(S, y, 1.0)


def hinge_sum(S, y, margin=1.0):
    loss, dS = hinge_loop(S, y, margin)
    return loss * S.shape[0], dS * S.shape[0]


def hinge_grad_not_divided(S, y, margin=1.0):
    loss, dS = hinge_loop(S, y, margin)
    return loss, dS * S.shape[0]


def hinge_grad_sign(S, y, margin=1.0):
    loss, dS = hinge_loop(S, y, margin)
    return loss, -dS


def hinge_forgets_right_class(S, y, margin=1.0):
    loss, dS = hinge_loop(S, y, margin)
    dS[np.arange(S.shape[0]), y] = 0
    return loss, dS


def hinge_largest_violation(S, y, margin=1.0):
    N, C = S.shape
    loss, dS = 0.0, np.zeros((N, C))
    for i in range(N):
        others = [j for j in range(C) if j != y[i]]
        j = max(others, key=lambda k: S[i, k])
        violation = S[i, j] - S[i, y[i]] + margin
        if violation > 0:
            loss += violation
            dS[i, j] += 1 / N
            dS[i, y[i]] -= 1 / N
    return loss / N, dS


def one_hot_loop(y, num_classes):
    rows = []
    for label in y:
        row = [0] * num_classes
        row[int(label)] = 1
        rows.append(row)
    return np.array(rows)


def softmax_cross_entropy_log_of_probabilities(S, y):
    N, C = S.shape
    e = np.exp(S - S.max(axis=1, keepdims=True))
    P = e / e.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        loss = float(-np.mean(np.log(P[np.arange(N), y])))
    Y = np.zeros_like(S)
    Y[np.arange(N), y] = 1.0
    return loss, (P - Y) / N


def ce_via_softmax(S, y):
    N = S.shape[0]
    P = softmax(S)
    loss = -np.mean(np.log(P[np.arange(N), y]))
    return loss, (P - one_hot(y, S.shape[1])) / N


def ce_clipped_log(S, y):
    N = S.shape[0]
    P = scipy_softmax(S, axis=1)
    Y = np.eye(S.shape[1])[y]
    loss = -np.sum(Y * np.log(np.clip(P, 1e-12, 1.0))) / N
    return [np.array(loss), (P - Y) / N]


CORRECT = [
    ("one_hot", ref.one_hot), ("one_hot", one_hot_eye),
    ("one_hot", one_hot_compare),
    ("softmax", ref.softmax), ("softmax", softmax_scipy), ("softmax", softmax_logsumexp),
    ("softmax", softmax_rows_loop), ("softmax", softmax_transpose_trick),
    ("softmax_cross_entropy", ref.softmax_cross_entropy),
    ("softmax_cross_entropy", ce_loop),
   
    ("hinge_loss", ref.hinge_loss), ("hinge_loss", hinge_subtract_margin),
    ("hinge_loss", hinge_loop),
    ("softmax_cross_entropy", softmax_cross_entropy_logaddexp),
    ("softmax_cross_entropy", softmax_cross_entropy_max_plus_log),
    ("hinge_loss", hinge_loss_counting_ties),
]

MUTANTS = [
    ("one_hot", one_hot_transposed, "the transpose"),
    ("one_hot", one_hot_from_max, "max(y) + 1"),
    ("one_hot", one_hot_shifted, "column y - 1"),
    ("one_hot", one_hot_labels, "expected shape (4, 3)"),
    ("softmax", softmax_naive, "nan or inf"),
    ("softmax", softmax_axis0, "over axis 0"),
    ("softmax", softmax_global_max, "maximum of the whole array"),
    ("softmax", softmax_total_sum, "sum over the whole batch"),
    ("softmax", softmax_in_place, "changed its argument"),
    ("softmax_cross_entropy", ce_sum, "the sum over the batch where the mean belongs"),
    ("softmax_cross_entropy", ce_grad_not_divided, "dS is not divided by N"),
    ("softmax_cross_entropy", ce_grad_sign, "wrong sign of dS"),
    ("softmax_cross_entropy", ce_axis0, "the wrong axis"),
    ("softmax_cross_entropy", ce_unstable, "nan or inf"),
    ("softmax_cross_entropy", ce_every_class, "every class"),
    ("softmax_cross_entropy", ce_no_minus, "without the minus sign"),
    ("hinge_loss", hinge_counts_own_class, "j = y term"),
    ("hinge_loss", hinge_margin_ignored, "ignoring the margin"),
    ("hinge_loss", hinge_sum, "the sum over the batch where the mean belongs"),
    ("hinge_loss", hinge_grad_not_divided, "dS is not divided by N"),
    ("hinge_loss", hinge_grad_sign, "wrong sign of dS"),
    ("hinge_loss", hinge_forgets_right_class, "at the right class"),
    ("hinge_loss", hinge_largest_violation, "largest violation"),
    ("one_hot", one_hot_loop, "promises float64 values"),
    ("softmax_cross_entropy", softmax_cross_entropy_log_of_probabilities, "taking the log of softmax(S)"),
    ("softmax_cross_entropy", ce_via_softmax, "taking the log of softmax(S)"),
    ("softmax_cross_entropy", ce_clipped_log, "clipping the probability"),
]


test_check_accepts_correct_answer = accepts_each(A, CORRECT)
test_check_rejects_mutant = rejects_each(A, MUTANTS)


def test_softmax_check_rejects_a_right_answer_that_warns():
    """Is a softmax that gives the right numbers but makes NumPy warn still rejected?"""
    def softmax_warns(S):
        with np.errstate(all="warn"):
            np.exp(np.array([1e4]))
        return _probabilities(S)
    assert_fails(A, "softmax", softmax_warns, mentions=("NumPy warned",))


def test_dependent_check_uses_reference_for_dependencies():
    """Is softmax_cross_entropy judged on its own even when the student's softmax is wrong?"""
    namespace = {"np": np}
    exec("def softmax(S):\n    return S * 0 + 0.5\n"
         "def one_hot(y, num_classes):\n    return np.zeros((len(y), num_classes))\n"
         "def softmax_cross_entropy(S, y):\n"
         "    N = S.shape[0]\n"
         "    P = softmax(S)\n"
         "    m = S.max(axis=1)\n"
         "    log_z = m + np.log(np.exp(S - m[:, None]).sum(axis=1))\n"
         "    loss = np.mean(log_z - S[np.arange(N), y])\n"
         "    return loss, (P - one_hot(y, S.shape[1])) / N\n", namespace)
    namespace["softmax_cross_entropy"].__module__ = __name__
    assert_passes(A, "softmax_cross_entropy", namespace["softmax_cross_entropy"])
