"""Do the hidden checks of 08_regularization pass the reference, fail each named mutant, and
pass correct answers written differently?"""
import numpy as np

from autograder.reference import regularization as ref
from tests.support.proofs import accepts_each, rejects_each

A = "08_regularization"


# ---- correct answers written differently -------------------------------------------------

def l2_penalty_loop(params, lam):
    total = 0.0
    for name in params:
        if name[0] == "W":
            for value in np.ravel(params[name]):
                total += value * value
    return lam * total


def l2_penalty_frobenius(params, lam):
    return lam * sum(np.linalg.norm(W) ** 2 for k, W in params.items() if k.startswith("W"))


def l2_grad_loop(params, lam):
    grads = {}
    for name, value in params.items():
        grads[name] = 2 * lam * value if name.startswith("W") else 0 * value
    return grads


def l2_grad_copy_then_scale(params, lam):
    grads = {k: np.array(v, dtype=float, copy=True) for k, v in params.items()}
    for k in grads:
        if k.startswith("W"):
            grads[k] *= 2 * lam
        else:
            grads[k][...] = 0.0
    return grads


def l1_penalty_loop(params, lam):
    return lam * sum(abs(v) for k in params if k.startswith("W") for v in np.ravel(params[k]))


def l1_grad_where(params, lam):
    out = {}
    for k, W in params.items():
        if k.startswith("W"):
            out[k] = lam * np.where(W > 0, 1.0, np.where(W < 0, -1.0, 0.0))
        else:
            out[k] = np.zeros(np.shape(W))
    return out


def dropout_forward_where(X, p_drop, rng, train=True):
    if not train:
        return X, np.ones(X.shape)
    keep = rng.random(X.shape) >= p_drop
    mask = np.where(keep, 1.0 / (1.0 - p_drop), 0.0)
    return np.where(keep, X / (1.0 - p_drop), 0.0), mask


def dropout_forward_uniform(X, p_drop, rng, train=True):
    out, mask = X.copy(), np.ones_like(X)
    if train:
        keep = rng.uniform(size=X.shape) >= p_drop
        mask = keep.astype(float) / (1 - p_drop)
        out = X * keep / (1 - p_drop)
    return out, mask


def dropout_backward_where(dout, mask):
    return np.where(mask != 0, dout * mask, 0.0)


def l2_prefers_by_computing():
    x = np.ones(4)
    theta1, theta2 = np.array([1.0, 0, 0, 0]), np.full(4, 0.25)
    assert theta1 @ x == theta2 @ x == 1
    return "theta1" if theta1 @ theta1 < theta2 @ theta2 else "theta2"


def dropout_forward_same_object_at_test_time(X, p_drop, rng, train=True):
    if train:
        mask = (rng.random(X.shape) >= p_drop) * (1.0 / (1.0 - p_drop))
        return X * mask, mask
    return X, np.ones(X.shape)


# ---- named mutants: (function name, wrong implementation, text the message must contain) --

def l2_penalty_with_biases(params, lam):
    return lam * sum(np.sum(v ** 2) for v in params.values())


def l2_penalty_half(params, lam):
    return 0.5 * lam * sum(np.sum(v ** 2) for k, v in params.items() if k.startswith("W"))


def l2_penalty_no_lam(params, lam):
    return sum(np.sum(v ** 2) for k, v in params.items() if k.startswith("W"))


def l2_penalty_norm(params, lam):
    return lam * sum(np.linalg.norm(v) for k, v in params.items() if k.startswith("W"))


def l2_grad_no_two(params, lam):
    return {k: lam * v if k.startswith("W") else np.zeros_like(v) for k, v in params.items()}


def l2_grad_biases(params, lam):
    return {k: 2 * lam * v for k, v in params.items()}


def l2_grad_no_bias_keys(params, lam):
    return {k: 2 * lam * v for k, v in params.items() if k.startswith("W")}


def l2_grad_mutates(params, lam):
    for k in params:
        params[k] = 2 * lam * params[k] if k.startswith("W") else np.zeros_like(params[k])
    return params


def l2_grad_scalar_bias(params, lam):
    return {k: 2 * lam * v if k.startswith("W") else 0.0 for k, v in params.items()}


def l1_penalty_with_biases(params, lam):
    return lam * sum(np.sum(np.abs(v)) for v in params.values())


def l1_penalty_no_abs(params, lam):
    return lam * sum(np.sum(v) for k, v in params.items() if k.startswith("W"))


def l1_penalty_squares(params, lam):
    return lam * sum(np.sum(v ** 2) for k, v in params.items() if k.startswith("W"))


def l1_grad_biases(params, lam):
    return {k: lam * np.sign(v) for k, v in params.items()}


def l1_grad_pm_at_zero(params, lam):
    return {k: np.where(v >= 0, lam, -lam) if k.startswith("W") else np.zeros_like(v)
            for k, v in params.items()}


def l1_grad_l2_style(params, lam):
    return {k: lam * v if k.startswith("W") else np.zeros_like(v) for k, v in params.items()}


def l1_grad_no_lam(params, lam):
    return {k: np.sign(v) if k.startswith("W") else np.zeros_like(v) for k, v in params.items()}


def dropout_not_inverted(X, p_drop, rng, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    mask = (rng.random(X.shape) >= p_drop).astype(float)
    return X * mask, mask


def dropout_keep_with_p(X, p_drop, rng, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    mask = (rng.random(X.shape) < p_drop) / (1 - p_drop)
    return X * mask, mask


def dropout_at_test_time(X, p_drop, rng, train=True):
    mask = (rng.random(X.shape) >= p_drop) / (1 - p_drop)
    return X * mask, mask


def dropout_no_mask(X, p_drop, rng, train=True):
    if not train:
        return X.copy()
    return X * (rng.random(X.shape) >= p_drop) / (1 - p_drop)


def dropout_mutates(X, p_drop, rng, train=True):
    mask = np.ones_like(X)
    if train:
        mask = (rng.random(X.shape) >= p_drop) / (1 - p_drop)
        X *= mask
    return X, mask


def dropout_unscaled_mask(X, p_drop, rng, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    keep = (rng.random(X.shape) >= p_drop).astype(float)
    return X * keep / (1 - p_drop), keep


def dropout_times_keep_prob(X, p_drop, rng, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    mask = (rng.random(X.shape) >= p_drop) * (1 - p_drop)
    return X * mask, mask


def dropout_less_than(X, p_drop, rng, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    mask = (rng.random(X.shape) < 1 - p_drop) / (1 - p_drop)
    return X * mask, mask


def dropout_binomial(X, p_drop, rng, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    mask = rng.binomial(1, 1 - p_drop, size=X.shape) / (1 - p_drop)
    return X * mask, mask


def dropout_global_random(X, p_drop, rng, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    mask = (np.random.rand(*X.shape) >= p_drop) / (1 - p_drop)
    return X * mask, mask


def dropout_backward_identity(dout, mask):
    return dout


def dropout_backward_pattern(dout, mask):
    return dout * (mask > 0)


def dropout_backward_divide(dout, mask):
    with np.errstate(all="ignore"):
        return dout / mask


def l2_prefers_theta1():
    return "theta1"


def l2_prefers_capital():
    return "Theta2"


def l2_prefers_number():
    return 2


def l2_penalty_by_position(params, lam):
    weights = list(params.values())[0::2]
    return lam * sum(np.sum(W ** 2) for W in weights)


def l2_grad_by_position(params, lam):
    grads = {}
    for index, (key, value) in enumerate(params.items()):
        grads[key] = 2 * lam * value if index % 2 == 0 else np.zeros_like(value)
    return grads


def l1_penalty_by_position(params, lam):
    values = list(params.values())
    return lam * sum(np.abs(values[i]).sum() for i in range(0, len(values), 2))


def l1_grad_by_position(params, lam):
    keys = list(params)
    return {k: lam * np.sign(params[k]) if keys.index(k) % 2 == 0 else 0 * params[k]
            for k in keys}


def dropout_draws_at_test_time(X, p_drop, rng, train=True):
    keep = rng.random(X.shape) >= p_drop
    if not train:
        return X.copy(), np.ones_like(X)
    mask = keep / (1 - p_drop)
    return X * mask, mask


def dropout_draws_twice(X, p_drop, rng, train=True):
    if not train:
        return X.copy(), np.ones_like(X)
    mask = (rng.random(X.shape) >= p_drop) / (1 - p_drop)
    rng.random()  # a stray draw: the caller's random stream moves on
    return X * mask, mask


CORRECT = [
    ("l2_penalty", ref.l2_penalty), ("l2_penalty", l2_penalty_loop),
    ("l2_penalty", l2_penalty_frobenius),
    ("l2_grad", ref.l2_grad), ("l2_grad", l2_grad_loop), ("l2_grad", l2_grad_copy_then_scale),
    ("l1_penalty", ref.l1_penalty), ("l1_penalty", l1_penalty_loop),
    ("l1_grad", ref.l1_grad), ("l1_grad", l1_grad_where),
    ("dropout_forward", ref.dropout_forward), ("dropout_forward", dropout_forward_where),
    ("dropout_forward", dropout_forward_uniform),
    ("dropout_backward", ref.dropout_backward), ("dropout_backward", dropout_backward_where),
    ("l2_prefers", ref.l2_prefers), ("l2_prefers", l2_prefers_by_computing),
    ("dropout_forward", dropout_forward_same_object_at_test_time),
]

MUTANTS = [
    ("l2_penalty", l2_penalty_with_biases, "biases are penalised"),
    ("l2_penalty", l2_penalty_half, "factor ½"),
    ("l2_penalty", l2_penalty_no_lam, "without multiplying by λ"),
    ("l2_penalty", l2_penalty_norm, "the norm ‖W‖"),
    ("l2_grad", l2_grad_no_two, "without the factor 2"),
    ("l2_grad", l2_grad_biases, "biases are penalised"),
    ("l2_grad", l2_grad_no_bias_keys, "leaving the bias keys out"),
    ("l2_grad", l2_grad_mutates, "changed its argument"),
    ("l2_grad", l2_grad_scalar_bias, "expected shape (1,)"),
    ("l1_penalty", l1_penalty_with_biases, "biases are penalised"),
    ("l1_penalty", l1_penalty_no_abs, "without the absolute value"),
    ("l1_penalty", l1_penalty_squares, "L2 penalty"),
    ("l1_grad", l1_grad_biases, "biases are penalised"),
    ("l1_grad", l1_grad_pm_at_zero, "exactly 0"),
    ("l1_grad", l1_grad_l2_style, "λ·W"),
    ("l1_grad", l1_grad_no_lam, "without multiplying by λ"),
    ("dropout_forward", dropout_not_inverted, "non-inverted dropout"),
    ("dropout_forward", dropout_keep_with_p, "dropping with probability 1 − p_drop"),
    ("dropout_forward", dropout_at_test_time, "applying dropout at test time"),
    ("dropout_forward", dropout_no_mask, "expected the pair (out, mask)"),
    ("dropout_forward", dropout_mutates, "changed its argument"),
    ("dropout_forward", dropout_unscaled_mask, "the mask holds 0/1"),
    ("dropout_forward", dropout_times_keep_prob, "multiplied by 1 − p_drop"),
    ("dropout_forward", dropout_less_than, "rng.random(X.shape) < 1 − p_drop"),
    ("dropout_forward", dropout_binomial, "right statistics"),
    ("dropout_forward", dropout_global_random, "never np.random"),
    ("dropout_backward", dropout_backward_identity, "returning dout unchanged"),
    ("dropout_backward", dropout_backward_pattern, "0/1 pattern"),
    ("dropout_backward", dropout_backward_divide, "dividing by the mask"),
    ("l2_prefers", l2_prefers_theta1, "smaller penalty"),
    ("l2_prefers", l2_prefers_capital, "'theta1' or 'theta2'"),
    ("l2_prefers", l2_prefers_number, "'theta1' or 'theta2'"),
    ("l2_penalty", l2_penalty_by_position, "by position"),
    ("l2_grad", l2_grad_by_position, "by position"),
    ("l1_penalty", l1_penalty_by_position, "by position"),
    ("l1_grad", l1_grad_by_position, "by position"),
    ("dropout_forward", dropout_draws_at_test_time, "although nothing should be drawn"),
    ("dropout_forward", dropout_draws_twice, "not exactly what is prescribed"),
]


test_check_accepts_correct_answer = accepts_each(A, CORRECT)
test_check_rejects_mutant = rejects_each(A, MUTANTS)
