"""Hidden checks for 07_softmax_hinge."""
import numpy as np

from autograder.checks.base import Case, CheckFailed, call_student, check_cases, compare, \
    matches, use_reference
from autograder.reference import softmax_hinge as ref

NOTES_SOFTMAX = np.array([[5.1, 3.2, -1.7, -2.0]])
NOTES_HINGE_S = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
NOTES_HINGE_Y = np.array([0, 1, 2])


def _labels(rng, n, c):
    return rng.integers(0, c, size=n)


def _softmax_axis0(S):
    e = np.exp(S - np.max(S, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def _global_shift_hint(softmax):
    """A sentence for a softmax that overflows only on rows far below the batch maximum."""
    case = Case("S = [[1e4, 0.0], [-1e4, -1e4 + 1]]", (np.array([[1e4, 0.0], [-1e4, -1e4 + 1]]),))
    try:
        got = np.asarray(call_student("softmax", softmax, case), dtype=float)
    except (CheckFailed, TypeError, ValueError):
        return ""
    if got.shape != (2, 2) or not np.allclose(got[0], [1.0, 0.0]) or np.isfinite(got[1]).all():
        return ""
    return (" On S = [[1e4, 0], [-1e4, -1e4 + 1]] the second row comes back as nan or inf: this "
            "is what you get subtracting the maximum of the whole array instead of each row's "
            "maximum (every exponent of the second row is then about -2e4, so they all become 0)")


def check_one_hot(one_hot):
    rng = np.random.default_rng(7101)
    cases = [
        Case("y = [0, 2, 1, 2], num_classes = 3", (np.array([0, 2, 1, 2]), 3)),
        Case("y = [1, 0], num_classes = 4 (classes 2 and 3 never occur)",
             (np.array([1, 0]), 4)),
        Case("20 random labels, num_classes = 10", (_labels(rng, 20, 10), 10)),
        Case("a single label y = [4], num_classes = 5", (np.array([4]), 5)),
    ]
    mistakes = {
        "with classes as rows and examples as columns (the transpose)":
            lambda y, c: ref.one_hot(y, c).T,
        "counting the classes from max(y) + 1 instead of using num_classes":
            lambda y, c: ref.one_hot(y, int(np.max(y)) + 1),
        "marking column y - 1 instead of column y":
            lambda y, c: ref.one_hot((np.asarray(y) - 1) % c, c),
    }
    check_cases("one_hot", one_hot, ref.one_hot, cases, mistakes)


def check_softmax(softmax):
    rng = np.random.default_rng(7102)
    cases = [
        Case("the notes' scores [[5.1, 3.2, -1.7, -2.0]] (shape (1, 4))", (NOTES_SOFTMAX.copy(),)),
        Case("S of shape (5, 3), standard normal", (rng.normal(size=(5, 3)),)),
        Case("S of shape (3, 7), values in [-10, 10]", (rng.uniform(-10, 10, size=(3, 7)),)),
        Case("S of shape (4, 2) with equal scores in each row",
             (np.array([[1.0, 1.0], [-3.0, -3.0], [0.0, 0.0], [7.5, 7.5]]),)),
        Case("S = [[1e4, 0, -1e4], [-1e4, -1e4 + 1, -1e4 + 3]] (scores of size 1e4)",
             (np.array([[1e4, 0.0, -1e4], [-1e4, -1e4 + 1, -1e4 + 3]]),)),
        Case("S of shape (6, 4), values in [-1e4, 1e4]", (rng.uniform(-1e4, 1e4, size=(6, 4)),)),
    ]
    mistakes = {
        "normalising each column instead of each row (softmax over axis 0)": _softmax_axis0,
        "dividing by the sum over the whole batch instead of each row's sum":
            lambda S: np.exp(S - np.max(S, axis=1, keepdims=True)) / np.sum(
                np.exp(S - np.max(S, axis=1, keepdims=True))),
        "returning exp(S - max) without dividing by the row sums":
            lambda S: np.exp(S - np.max(S, axis=1, keepdims=True)),
    }
    with np.errstate(all="ignore"):
        try:
            check_cases("softmax", softmax, ref.softmax, cases, mistakes, atol=1e-10,
                        forbid_warnings=True)
        except CheckFailed as failure:
            hint = _global_shift_hint(softmax) if "nan or inf" in str(failure) else ""
            if not hint:
                raise
            raise CheckFailed(f"{failure}.{hint}") from None


def _ce_sum(S, y):
    loss, dS = ref.softmax_cross_entropy(S, y)
    return loss * S.shape[0], dS * S.shape[0]


def _ce_loss_sum(S, y):
    loss, dS = ref.softmax_cross_entropy(S, y)
    return loss * S.shape[0], dS


def _ce_grad_not_divided(S, y):
    loss, dS = ref.softmax_cross_entropy(S, y)
    return loss, dS * S.shape[0]


def _ce_grad_sign(S, y):
    loss, dS = ref.softmax_cross_entropy(S, y)
    return loss, -dS


def _ce_no_minus(S, y):
    loss, dS = ref.softmax_cross_entropy(S, y)
    return -loss, dS


def _ce_axis0(S, y):
    N = S.shape[0]
    P = _softmax_axis0(S)
    loss = float(-np.mean(np.log(P[np.arange(N), y])))
    return loss, (P - ref.one_hot(y, S.shape[1])) / N


def _ce_all_classes(S, y):
    N = S.shape[0]
    P = ref.softmax(S)
    return float(-np.sum(np.log(P)) / N), (P - ref.one_hot(y, S.shape[1])) / N


def _ce_log_of_softmax(S, y):
    N = S.shape[0]
    P = ref.softmax(S)
    return float(-np.mean(np.log(P[np.arange(N), y]))), (P - ref.one_hot(y, S.shape[1])) / N


def _ce_clipped(S, y):
    N = S.shape[0]
    P = ref.softmax(S)
    loss = float(-np.mean(np.log(np.clip(P[np.arange(N), y], 1e-12, 1.0))))
    return loss, (P - ref.one_hot(y, S.shape[1])) / N


_LOG_SUM_EXP = ("use log-sum-exp instead: log p = s_y - m - log Σ exp(s - m), with m the "
                "row's maximum")
_CE_EXTREME = Case("S = [[1e4, 0, -1e4], [0, 1e4, 0], [800, 0, 0]], y = [2, 1, 1] (score gaps "
                   "of 1e4 and 800: the right class's probability underflows to 0)",
                   (np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0], [800.0, 0.0, 0.0]]),
                    np.array([2, 1, 1])))
_CE_EXTREME_MISTAKES = {
    "taking the log of softmax(S): where a score gap is large the probability underflows to 0 "
    "and its log is -inf; " + _LOG_SUM_EXP: _ce_log_of_softmax,
    "clipping the probability before the log: the loss stays finite but is wrong for large "
    "score gaps; " + _LOG_SUM_EXP: _ce_clipped,
}


def check_softmax_cross_entropy(softmax_cross_entropy):
    rng = np.random.default_rng(7103)
    use_reference(softmax_cross_entropy, softmax=ref.softmax, one_hot=ref.one_hot)
    cases = [
        Case("the notes' scores [[5.1, 3.2, -1.7, -2.0]], y = [0]",
             (NOTES_SOFTMAX.copy(), np.array([0]))),
        Case("S of shape (5, 3), standard normal, 5 random labels",
             (rng.normal(size=(5, 3)), _labels(rng, 5, 3))),
        Case("S of shape (8, 10), values in [-5, 5], 8 random labels",
             (rng.uniform(-5, 5, size=(8, 10)), _labels(rng, 8, 10))),
        Case("S of shape (4, 4) with every score near 1000",
             (1000.0 + rng.normal(size=(4, 4)), _labels(rng, 4, 4))),
        Case("S of shape (2, 2), y = [1, 1]", (np.array([[2.0, -1.0], [0.5, 0.5]]),
                                               np.array([1, 1]))),
    ]
    mistakes = {
        "with the sum over the batch where the mean belongs (loss and dS)": _ce_sum,
        "with the sum over the batch where the mean belongs (the loss)": _ce_loss_sum,
        "when dS is not divided by N": _ce_grad_not_divided,
        "with the wrong sign of dS (one_hot(y) - softmax(S))": _ce_grad_sign,
        "without the minus sign in -log p": _ce_no_minus,
        "with the softmax over the wrong axis (columns instead of rows)": _ce_axis0,
        "adding up -log p of every class instead of only the right one": _ce_all_classes,
    }
    with np.errstate(all="ignore"):
        check_cases("softmax_cross_entropy", softmax_cross_entropy, ref.softmax_cross_entropy,
                    cases, mistakes)
        check_cases("softmax_cross_entropy", softmax_cross_entropy, ref.softmax_cross_entropy,
                    [_CE_EXTREME], _CE_EXTREME_MISTAKES)


def _hinge_parts(S, y, margin):
    rows = np.arange(S.shape[0])
    violations = np.maximum(0.0, S - S[rows, y][:, None] + margin)
    return rows, violations


def _hinge_with_own_class(S, y, margin=1.0):
    rows, violations = _hinge_parts(S, y, margin)
    N = S.shape[0]
    active = (violations > 0).astype(float)
    active[rows, y] -= np.sum(active, axis=1)
    return float(np.sum(violations) / N), active / N


def _hinge_margin_one(S, y, margin=1.0):
    return ref.hinge_loss(S, y, 1.0)


def _hinge_sum(S, y, margin=1.0):
    loss, dS = ref.hinge_loss(S, y, margin)
    return loss * S.shape[0], dS * S.shape[0]


def _hinge_loss_sum(S, y, margin=1.0):
    loss, dS = ref.hinge_loss(S, y, margin)
    return loss * S.shape[0], dS


def _hinge_grad_not_divided(S, y, margin=1.0):
    loss, dS = ref.hinge_loss(S, y, margin)
    return loss, dS * S.shape[0]


def _hinge_grad_sign(S, y, margin=1.0):
    loss, dS = ref.hinge_loss(S, y, margin)
    return loss, -dS


def _hinge_no_correct_column(S, y, margin=1.0):
    loss, dS = ref.hinge_loss(S, y, margin)
    dS = dS.copy()
    dS[np.arange(S.shape[0]), y] = 0.0
    return loss, dS


def _hinge_max(S, y, margin=1.0):
    rows, violations = _hinge_parts(S, y, margin)
    violations[rows, y] = 0.0
    N = S.shape[0]
    worst = np.argmax(violations, axis=1)
    dS = np.zeros_like(S)
    hit = violations[rows, worst] > 0
    dS[rows[hit], worst[hit]] = 1.0
    dS[rows[hit], y[hit]] -= 1.0
    return float(np.sum(violations[rows, worst]) / N), dS / N


def _hinge_swapped(S, y, margin=1.0):
    rows, _ = _hinge_parts(S, y, margin)
    violations = np.maximum(0.0, S[rows, y][:, None] - S + margin)
    violations[rows, y] = 0.0
    N = S.shape[0]
    active = (violations > 0).astype(float)
    dS = -active
    dS[rows, y] = np.sum(active, axis=1)
    return float(np.sum(violations) / N), dS / N


def check_hinge_loss(hinge_loss):
    rng = np.random.default_rng(7104)
    cases = [
        Case("the notes' scores S = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]], "
             "y = [0, 1, 2]", (NOTES_HINGE_S.copy(), NOTES_HINGE_Y.copy())),
        Case("S of shape (6, 4), standard normal, 6 random labels",
             (rng.normal(size=(6, 4)), _labels(rng, 6, 4))),
        Case("S of shape (10, 5), values in [-3, 3], margin = 0.5",
             (rng.uniform(-3, 3, size=(10, 5)), _labels(rng, 10, 5)), {"margin": 0.5}),
        Case("S of shape (5, 3), values in [-3, 3], margin = 2.0",
             (rng.uniform(-3, 3, size=(5, 3)), _labels(rng, 5, 3)), {"margin": 2.0}),
        Case("S = [[4.0, 1.2, 0.7], [0.1, 3.3, -2.0]], y = [0, 1] "
             "(both right classes win by more than the margin)",
             (np.array([[4.0, 1.2, 0.7], [0.1, 3.3, -2.0]]), np.array([0, 1]))),
        Case("S = [[1e4, 0, -1e4], [-1e4, 1e4, 1e4 - 0.5]], y = [2, 0] (scores of size 1e4)",
             (np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 1e4 - 0.5]]), np.array([2, 0]))),
        Case("a single example S = [[0.3, 2.0, -1.0, 1.9]], y = [3]",
             (np.array([[0.3, 2.0, -1.0, 1.9]]), np.array([3]))),
    ]
    mistakes = {
        "when the j = y term max(0, margin) is counted too": _hinge_with_own_class,
        "ignoring the margin argument (always using 1)": _hinge_margin_one,
        "with the sum over the batch where the mean belongs (loss and dS)": _hinge_sum,
        "with the sum over the batch where the mean belongs (the loss)": _hinge_loss_sum,
        "when dS is not divided by N": _hinge_grad_not_divided,
        "with the wrong sign of dS": _hinge_grad_sign,
        "without the -(number of violations) entry at the right class in dS":
            _hinge_no_correct_column,
        "taking only the largest violation instead of the sum over j != y": _hinge_max,
        "with s_y - s_j where s_j - s_y belongs": _hinge_swapped,
    }
    check_cases("hinge_loss", hinge_loss, ref.hinge_loss, cases, mistakes)
    _check_hinge_ties(hinge_loss)


def _hinge_counting_ties(S, y, margin=1.0):
    """The other right subgradient: a margin met exactly counts as violated."""
    rows = np.arange(S.shape[0])
    margins = S - S[rows, y][:, None] + margin
    active = (margins >= 0).astype(float)
    active[rows, y] = 0.0
    active[rows, y] = -np.sum(active, axis=1)
    loss, _ = ref.hinge_loss(S, y, margin)
    return loss, active / S.shape[0]


def _check_hinge_ties(hinge_loss):
    """Where a margin is met exactly, dS may count it (1) or not (0): both are right."""
    case = Case("S = [[2.0, 1.0, 0.5], [0.0, 1.5, 1.0]], y = [0, 2] (the margins of S[0, 1] "
                "and S[1, 0] are met exactly: the hinge has a kink there)",
                (np.array([[2.0, 1.0, 0.5], [0.0, 1.5, 1.0]]), np.array([0, 2])))
    got = call_student("hinge_loss", hinge_loss, case)
    what = f"hinge_loss on {case.what}"
    counting = _hinge_counting_ties(*case.args)
    if matches(got, counting):
        compare(got, counting, what)
    else:
        compare(got, ref.hinge_loss(*case.args),
                what + " (at a kink, dS may count the met margin or not: both are accepted)")
