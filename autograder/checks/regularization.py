"""Hidden checks for 08_regularization."""
import numpy as np

from autograder.checks.base import Case, CheckFailed, call_student, check_cases, check_draws, \
    compare, to_float_array
from autograder.reference import regularization as ref

# Bound at import time, before any student code runs in this process.
_allclose = np.allclose
_isfinite = np.isfinite
_unique = np.unique


def _params(rng, sizes):
    """A params dict {"W1", "b1", ...} for layer sizes, biases non-zero on purpose."""
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(n_in, n_out))
        params[f"b{layer}"] = rng.normal(size=n_out)
    return params


def _weights(params):
    return {k: v for k, v in params.items() if k.startswith("W")}


def _penalty_cases(seed):
    rng = np.random.default_rng(seed)
    with_zeros = _params(rng, [4, 5, 3])
    with_zeros["W1"][rng.random((4, 5)) < 0.4] = 0.0
    return [
        Case("the notes' Θ1 = [1, 0, 0, 0] as W1 of shape (4, 1), b1 = [0.5], λ = 1",
             ({"W1": np.array([[1.0], [0.0], [0.0], [0.0]]), "b1": np.array([0.5])}, 1.0)),
        Case("the notes' Θ2 = [.25, .25, .25, .25] as W1 of shape (4, 1), b1 = [0.5], λ = 1",
             ({"W1": np.full((4, 1), 0.25), "b1": np.array([0.5])}, 1.0)),
        Case("a 2-layer network 5-8-3 with λ = 0.01", (_params(rng, [5, 8, 3]), 0.01)),
        Case("a 3-layer network 4-6-5-2 with λ = 0.3", (_params(rng, [4, 6, 5, 2]), 0.3)),
        Case("a 2-layer network 3-4-2 with λ = 0 (regularization off)",
             (_params(rng, [3, 4, 2]), 0.0)),
        Case("a 2-layer network 4-5-3 with some weights exactly 0, λ = 2.5", (with_zeros, 2.5)),
        Case("a 3-layer network 3-4-4-2 whose keys come in the order b3, W2, b1, W3, W1, b2, "
             "λ = 0.7", (_reordered(_params(rng, [3, 4, 4, 2]), ["b3", "W2", "b1", "W3", "W1",
                                                                   "b2"]), 0.7)),
    ]


def _reordered(params, order):
    return {key: params[key] for key in order}


_BY_POSITION = ("taking every other entry of params as a weight (by position); find the "
                "weights by name, the keys that start with 'W'")


def _by_position(params):
    """The keys a function that trusts the order W1, b1, W2, ... takes for weights."""
    return [key for index, key in enumerate(params) if index % 2 == 0]


def check_l2_penalty(l2_penalty):
    cases = _penalty_cases(8101)
    mistakes = {
        "when the biases are penalised too":
            lambda p, lam: float(lam * sum(np.sum(v ** 2) for v in p.values())),
        "with a factor ½ (λ/2 · Σ W²; this course uses λ · Σ W²)":
            lambda p, lam: 0.5 * ref.l2_penalty(p, lam),
        "without multiplying by λ": lambda p, lam: ref.l2_penalty(p, 1.0),
        "with the norm ‖W‖ instead of its square":
            lambda p, lam: float(lam * sum(np.sqrt(np.sum(v ** 2)) for v in _weights(p).values())),
        "with the mean of W² where the sum belongs":
            lambda p, lam: float(lam * sum(np.mean(v ** 2) for v in _weights(p).values())),
        "penalising only W1": lambda p, lam: float(lam * np.sum(p["W1"] ** 2)),
        _BY_POSITION: lambda p, lam: float(lam * sum(np.sum(p[k] ** 2) for k in _by_position(p))),
    }
    check_cases("l2_penalty", l2_penalty, ref.l2_penalty, cases, mistakes)


def check_l2_grad(l2_grad):
    cases = _penalty_cases(8102)
    mistakes = {
        "without the factor 2 (λW is the gradient of λ/2 · Σ W², not of λ · Σ W²)":
            lambda p, lam: {k: (lam * v if k.startswith("W") else np.zeros_like(v))
                            for k, v in p.items()},
        "when the biases are penalised too (their gradient must be 0)":
            lambda p, lam: {k: 2 * lam * v for k, v in p.items()},
        "leaving the bias keys out (the dict needs every key of params)":
            lambda p, lam: {k: 2 * lam * v for k, v in _weights(p).items()},
        "with a minus sign (−2λW)":
            lambda p, lam: {k: (-2 * lam * v if k.startswith("W") else np.zeros_like(v))
                            for k, v in p.items()},
        "returning updated weights W − 2λW instead of the gradient":
            lambda p, lam: {k: (v - 2 * lam * v if k.startswith("W") else np.zeros_like(v))
                            for k, v in p.items()},
        _BY_POSITION: lambda p, lam: {k: (2 * lam * v if k in _by_position(p) else
                                          np.zeros_like(v)) for k, v in p.items()},
    }
    check_cases("l2_grad", l2_grad, ref.l2_grad, cases, mistakes)


def check_l1_penalty(l1_penalty):
    cases = _penalty_cases(8103)
    mistakes = {
        "when the biases are penalised too":
            lambda p, lam: float(lam * sum(np.sum(np.abs(v)) for v in p.values())),
        "without the absolute value (λ · Σ W)":
            lambda p, lam: float(lam * sum(np.sum(v) for v in _weights(p).values())),
        "with squares (that is the L2 penalty)": lambda p, lam: ref.l2_penalty(p, lam),
        "without multiplying by λ": lambda p, lam: ref.l1_penalty(p, 1.0),
        "with the mean of |W| where the sum belongs":
            lambda p, lam: float(lam * sum(np.mean(np.abs(v)) for v in _weights(p).values())),
        _BY_POSITION: lambda p, lam: float(lam * sum(np.sum(np.abs(p[k]))
                                                     for k in _by_position(p))),
    }
    check_cases("l1_penalty", l1_penalty, ref.l1_penalty, cases, mistakes)


def check_l1_grad(l1_grad):
    cases = _penalty_cases(8104)
    mistakes = {
        "when the biases are penalised too (their gradient must be 0)":
            lambda p, lam: {k: lam * np.sign(v) for k, v in p.items()},
        "giving ±λ where a weight is exactly 0 (np.sign(0) is 0, and so is the gradient there)":
            lambda p, lam: {k: (np.where(v >= 0, lam, -lam) if k.startswith("W")
                                else np.zeros_like(v)) for k, v in p.items()},
        "with λ·W (the gradient of L2 without its 2) instead of λ·sign(W)":
            lambda p, lam: {k: (lam * v if k.startswith("W") else np.zeros_like(v))
                            for k, v in p.items()},
        "with 2λ·sign(W) (the 2 belongs to the L2 gradient only)":
            lambda p, lam: {k: (2 * lam * np.sign(v) if k.startswith("W") else np.zeros_like(v))
                            for k, v in p.items()},
        "leaving the bias keys out (the dict needs every key of params)":
            lambda p, lam: {k: lam * np.sign(v) for k, v in _weights(p).items()},
        "without multiplying by λ": lambda p, lam: ref.l1_grad(p, 1.0),
        _BY_POSITION: lambda p, lam: {k: (lam * np.sign(v) if k in _by_position(p) else
                                          np.zeros_like(v)) for k, v in p.items()},
    }
    check_cases("l1_grad", l1_grad, ref.l1_grad, cases, mistakes)


# ---- dropout ---------------------------------------------------------------------------

_DRAW_HINT = ("draw the mask exactly as the docstring says, with one call "
              "keep = rng.random(X.shape) >= p_drop on the rng argument (never np.random), "
              "so that the same rng gives the same mask")


def _pair(result, what):
    """The (out, mask) pair a dropout_forward call returned, as float arrays."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"dropout_forward on {what}: expected the pair (out, mask), got "
                          f"{type(result).__name__}; return both, the mask is needed by "
                          "dropout_backward")
    return (to_float_array(result[0], f"dropout_forward on {what}: out"),
            to_float_array(result[1], f"dropout_forward on {what}: mask"))


def _close(a, b, tol):
    return abs(a - b) <= tol


def _dropout_sample(dropout_forward, X, p_drop, seed, what):
    """(out, mask) of the student's dropout_forward on X, checked for shape and finiteness."""
    case = Case(what, (X, p_drop, np.random.default_rng(seed)))
    out, mask = _pair(call_student("dropout_forward", dropout_forward, case), what)
    for name, value in (("out", out), ("mask", mask)):
        if value.shape != X.shape:
            raise CheckFailed(f"dropout_forward on {what}: {name} should have the shape of X "
                              f"{X.shape}, got {value.shape}")
        if not _isfinite(value).all():
            raise CheckFailed(f"dropout_forward on {what}: {name} holds nan or inf")
    return out, mask


def _check_kept_fraction(fraction, p_drop, prefix):
    if _close(fraction, 1 - p_drop, 0.01):
        return
    if _close(fraction, p_drop, 0.01):
        raise CheckFailed(f"{prefix}: it kept {fraction:.1%} of the units (about p_drop), "
                          "which is dropping with probability 1 − p_drop. p_drop is the "
                          "probability of DROPPING a unit, so keep each one with probability "
                          "1 − p_drop")
    raise CheckFailed(f"{prefix}: it kept {fraction:.1%} of the units; each unit should be "
                      f"kept with probability 1 − p_drop = {1 - p_drop:g}")


def _check_scale(scale, p_drop, prefix):
    expected = 1.0 / (1.0 - p_drop)
    if _allclose(scale, expected, rtol=1e-6, atol=0):
        return
    if _allclose(scale, 1.0):
        raise CheckFailed(f"{prefix}: kept units are not rescaled — non-inverted dropout. "
                          f"Divide the kept units by 1 − p_drop (here multiply by "
                          f"{expected:g}) so the mean activation is the same in training "
                          "and at test time")
    if _allclose(scale, 1.0 - p_drop):
        raise CheckFailed(f"{prefix}: kept units are multiplied by 1 − p_drop; they must be "
                          f"divided by it (scaled by {expected:g})")
    raise CheckFailed(f"{prefix}: kept units should be X / (1 − p_drop) = {expected:g}·X, got "
                      f"factors between {scale.min():g} and {scale.max():g}")


def _check_mask_matches(out, X, mask, prefix):
    if _allclose(out, X * mask, rtol=1e-6, atol=0):
        return
    if set(_unique(mask).tolist()) <= {0.0, 1.0}:
        raise CheckFailed(f"{prefix}: the mask holds 0/1 but out is rescaled; return the "
                          "scaled mask keep / (1 − p_drop), so that out = X * mask and "
                          "dropout_backward can use it directly")
    raise CheckFailed(f"{prefix}: out should equal X * mask, with the mask holding 0 for "
                      "dropped units and 1 / (1 − p_drop) for kept ones")


def _check_dropout_statistics(dropout_forward, X, p_drop, seed):
    """Kept fraction, scale of kept units, mean preserved, out = X * mask."""
    what = f"X of shape {X.shape} (values in [0.5, 1.5]) with p_drop = {p_drop}"
    prefix = f"dropout_forward on {what}"
    out, mask = _dropout_sample(dropout_forward, X, p_drop, seed, what)
    kept = out != 0
    _check_kept_fraction(float(kept.mean()), p_drop, prefix)
    _check_scale(out[kept] / X[kept], p_drop, prefix)
    if not _close(float(out.mean()), float(X.mean()), 0.02 * float(X.mean())):
        raise CheckFailed(f"{prefix}: the mean of out is {out.mean():.4f} but the mean of X "
                          f"is {X.mean():.4f}; inverted dropout keeps the mean")
    _check_mask_matches(out, X, mask, prefix)


def _test_time_mistake(X, p_drop, rng, train=True):
    keep = rng.random(np.shape(X)) >= p_drop
    return X * keep / (1 - p_drop), keep / (1 - p_drop)


def _check_dropout_test_time(dropout_forward, rng):
    """A pair comes back, and with train=False out is X and the mask all ones."""
    cases = [
        Case("X of shape (4, 6) with p_drop = 0.5 and train=False",
             (rng.normal(size=(4, 6)), 0.5, np.random.default_rng(1)), {"train": False}),
        Case("X of shape (3, 2, 5) with p_drop = 0.3 and train=False",
             (rng.normal(size=(3, 2, 5)), 0.3, np.random.default_rng(2)), {"train": False}),
    ]
    training = Case("X of shape (4, 6) with p_drop = 0.5",
                    (cases[0].args[0], 0.5, np.random.default_rng(1)))
    for case in (cases[0], training):
        _pair(call_student("dropout_forward", dropout_forward, case), case.what)
    check_cases("dropout_forward", dropout_forward, ref.dropout_forward, cases,
                {"applying dropout at test time too (with train=False, out must be X and the "
                 "mask all ones)": _test_time_mistake})
    check_draws("dropout_forward", dropout_forward, ref.dropout_forward, cases,
                " (with train=False the docstring says rng is not used)")


def _check_dropout_exact(dropout_forward, rng):
    """The same rng gives the reference's mask (the docstring pins down how it is drawn)."""
    cases = [
        Case("X of shape (5, 8), p_drop = 0.5, rng = default_rng(0)",
             (rng.normal(size=(5, 8)), 0.5, np.random.default_rng(0))),
        Case("X of shape (6, 4), p_drop = 0.2, train=True, rng = default_rng(7)",
             (rng.normal(size=(6, 4)), 0.2, np.random.default_rng(7)), {"train": True}),
        Case("X of shape (10,), p_drop = 0.9, rng = default_rng(3)",
             (rng.normal(size=10), 0.9, np.random.default_rng(3))),
        Case("X of shape (2, 3, 4), p_drop = 0.35, rng = default_rng(11)",
             (rng.normal(size=(2, 3, 4)), 0.35, np.random.default_rng(11))),
        Case("X of shape (3, 5), p_drop = 0 (nothing dropped), rng = default_rng(5)",
             (rng.normal(size=(3, 5)), 0.0, np.random.default_rng(5))),
    ]
    mistakes = {
        "when the mask is drawn as rng.random(X.shape) < 1 − p_drop: it keeps as many units, "
        "but not the same ones; " + _DRAW_HINT:
            lambda X, p, r, train=True: _scaled(X, r.random(np.shape(X)) < 1 - p, p),
        "when the mask is drawn as rng.random(X.shape) > p_drop: use >= as the docstring says":
            lambda X, p, r, train=True: _scaled(X, r.random(np.shape(X)) > p, p),
    }
    try:
        check_cases("dropout_forward", dropout_forward, ref.dropout_forward, cases, mistakes)
    except CheckFailed as failure:
        message = str(failure)
        if "this is what you get" in message or "expected a tuple" in message:
            raise
        raise CheckFailed(f"{message} — your mask has the right statistics, so it is probably "
                          f"drawn in another way: {_DRAW_HINT}.") from None
    check_draws("dropout_forward", dropout_forward, ref.dropout_forward, cases,
                f" ({_DRAW_HINT})")


def check_dropout_forward(dropout_forward):
    rng = np.random.default_rng(8105)
    _check_dropout_test_time(dropout_forward, rng)
    statistics_rng = np.random.default_rng(8106)
    for index, p_drop in enumerate((0.2, 0.75)):
        X = statistics_rng.uniform(0.5, 1.5, size=(400, 250))
        _check_dropout_statistics(dropout_forward, X, p_drop, 10 + index)
    _check_dropout_exact(dropout_forward, rng)


def _scaled(X, keep, p_drop):
    mask = keep / (1.0 - p_drop)
    return X * mask, mask


def check_dropout_backward(dropout_backward):
    rng = np.random.default_rng(8107)
    cases = []
    for shape, p_drop in (((4, 6), 0.5), ((7,), 0.25), ((2, 3, 4), 0.8), ((5, 3), 0.0)):
        _, mask = ref.dropout_forward(np.ones(shape), p_drop, rng)
        cases.append(Case(f"dout of shape {shape} and the mask of dropout with "
                          f"p_drop = {p_drop}", (rng.normal(size=shape), mask)))
    mistakes = {
        "returning dout unchanged (dropped units pass no gradient back)":
            lambda dout, mask: dout.copy(),
        "with the 0/1 pattern mask > 0 and without the 1/(1 − p_drop) scale":
            lambda dout, mask: dout * (mask > 0),
        "dividing by the mask instead of multiplying":
            lambda dout, mask: dout / mask,
    }
    with np.errstate(all="ignore"):
        check_cases("dropout_backward", dropout_backward, ref.dropout_backward, cases, mistakes)


def check_l2_prefers(l2_prefers):
    got = call_student("l2_prefers", l2_prefers, Case("no arguments", ()))
    if not isinstance(got, str) or got not in ("theta1", "theta2"):
        raise CheckFailed(f"l2_prefers() should return the string 'theta1' or 'theta2', got "
                          f"{got!r}")
    if got == "theta1":
        raise CheckFailed("l2_prefers() returned 'theta1', but Θ1 = [1, 0, 0, 0] has "
                          "L2 penalty 1² = 1, larger than that of Θ2 = [.25, .25, .25, .25]; "
                          "the regularizer prefers the weights with the smaller penalty")
    compare(got, ref.l2_prefers(), "l2_prefers()")
