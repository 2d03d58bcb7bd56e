"""Hidden checks for 06_initialization.

The notebook fixes the order of the random draws (W1 first, each W_l as
rng.standard_normal((n_in, n_out)) * std, nothing else drawn), so the weights
are compared exactly with the reference. Before that, a large network's
weights are measured: when their spread, centre or shape of distribution is
wrong, the message says so in those terms and names the formula that was
used instead, whatever the draw order.
"""
import numpy as np

from autograder.checks.base import Case, CheckFailed, call_student, check_cases, check_draws, \
    describe, use_reference
from autograder.reference import initialization as ref

STD_TOLERANCE = 0.05  # relative; a (100, 50) layer measures its std to about 1 %
UNIFORM_KURTOSIS = -0.6  # excess kurtosis: 0 for a normal, -1.2 for a uniform distribution

# Formulas a weight standard deviation might have been computed with: (label, std(n_in, n_out)).
FORMULAS = [
    ("√(2/(n_in + n_out)), Xavier's formula", lambda i, o: np.sqrt(2.0 / (i + o))),
    ("√(2/n_in), He's formula", lambda i, o: np.sqrt(2.0 / i)),
    ("√(1/n_in), without the factor 2", lambda i, o: np.sqrt(1.0 / i)),
    ("√(1/(n_in + n_out)), without the factor 2", lambda i, o: np.sqrt(1.0 / (i + o))),
    ("√(2/n_out), with n_out where n_in belongs", lambda i, o: np.sqrt(2.0 / o)),
    ("2/(n_in + n_out), the variance instead of its square root, the standard deviation",
     lambda i, o: 2.0 / (i + o)),
    ("2/n_in, the variance instead of its square root, the standard deviation",
     lambda i, o: 2.0 / i),
    ("1, i.e. no scaling at all", lambda i, o: 1.0),
]


def _layer_pairs(layer_sizes):
    return [(layer_sizes[k - 1], layer_sizes[k]) for k in range(1, len(layer_sizes))]


def _expect_structure(name, params, layer_sizes):
    """CheckFailed unless params is a dict of W_l (n_in, n_out) and zero b_l (n_out,)."""
    call = f"{name}({list(layer_sizes)}, ...)"
    if not isinstance(params, dict):
        raise CheckFailed(f"{call}: expected a dict of parameters, got {describe(params)}")
    pairs = _layer_pairs(layer_sizes)
    keys = [f"{p}{k}" for k in range(1, len(pairs) + 1) for p in ("W", "b")]
    got_keys = sorted(str(k) for k in params)
    if got_keys != sorted(keys):
        raise CheckFailed(f"{call}: expected the keys {keys}, got {got_keys}")
    for k, (n_in, n_out) in enumerate(pairs, start=1):
        W, b = params[f"W{k}"], params[f"b{k}"]
        if np.shape(W) != (n_in, n_out):
            raise CheckFailed(f"{call}: W{k} should have shape (n_in, n_out) = ({n_in}, {n_out}) "
                              f"(rows are the inputs of the layer), got shape {np.shape(W)}")
        if np.shape(b) != (n_out,):
            raise CheckFailed(f"{call}: b{k} should have shape (n_out,) = ({n_out},), got "
                              f"shape {np.shape(b)}")
        if not np.all(np.asarray(b, dtype=float) == 0):
            raise CheckFailed(f"{call}: every bias should start at zero, but b{k} is "
                              f"{describe(np.asarray(b, dtype=float))}")


def _moments(W):
    W = np.asarray(W, dtype=float).ravel()
    centred = W - W.mean()
    std = centred.std()
    kurtosis = float(np.mean(centred ** 4) / std ** 4 - 3.0) if std > 0 else 0.0
    return float(W.mean()), float(std), kurtosis


def _matching_formulas(stds, pairs, formulas):
    """Labels of the formulas that give every layer's measured std within tolerance."""
    return [label for label, formula in formulas
            if all(abs(s / formula(i, o) - 1.0) < STD_TOLERANCE for s, (i, o) in zip(stds, pairs))]


def _diagnose(name, params, layer_sizes, expected_std, formula_text, formulas):
    """CheckFailed when the weights' centre, shape or spread is wrong, in statistical terms."""
    pairs = _layer_pairs(layer_sizes)
    call = f"{name}({list(layer_sizes)}, ...)"
    stds = []
    for k, (n_in, n_out) in enumerate(pairs, start=1):
        mean, std, kurtosis = _moments(params[f"W{k}"])
        want = expected_std(n_in, n_out)
        if abs(mean) > 0.1 * want:
            raise CheckFailed(
                f"{call}: the weights should be centred at zero, but W{k} has mean {mean:.4g} "
                f"(its std should be {want:.4g}); rng.random draws from [0, 1), "
                "rng.standard_normal from a normal distribution with mean 0 and std 1")
        if std > 0 and kurtosis < UNIFORM_KURTOSIS:
            half_width = std * np.sqrt(3.0)
            raise CheckFailed(
                f"{call}: W{k} looks uniformly distributed on about [-{half_width:.4g}, "
                f"{half_width:.4g}] (a flat histogram, excess kurtosis {kurtosis:.2f} instead of "
                "about 0); the weights should come from a normal distribution: "
                "rng.standard_normal((n_in, n_out)) * std, not rng.uniform")
        stds.append(std)
    wrong = [(k, s, expected_std(i, o)) for k, (s, (i, o)) in enumerate(zip(stds, pairs), 1)
             if abs(s / expected_std(i, o) - 1.0) >= STD_TOLERANCE]
    if not wrong:
        return
    k, got, want = wrong[0]
    n_in, n_out = pairs[k - 1]
    verdict = "too large" if got > want else "too small"
    message = (f"{call}: the standard deviation of W{k} (n_in = {n_in}, n_out = {n_out}) is "
               f"{got:.4g}, {verdict}: it should be {formula_text} = {want:.4g}")
    others = _matching_formulas(stds, pairs, formulas)
    if others:
        message += f"; {got:.4g} is what you get with std = {others[0]}"
    raise CheckFailed(message)


def _order_hint(name, formula_text):
    return (f"{name}: the weights have the right distribution (mean 0, std {formula_text}, "
            "normal), but not the values the docstring's order of draws gives. Draw only from "
            "the rng argument (not np.random), W1 first, then W2, ..., each as "
            "rng.standard_normal((n_in, n_out)) * std, and draw nothing else (biases are zeros)")


def _check_random_weights(name, student, reference, cases, diagnostic, expected_std,
                          formula_text, formulas, mistakes):
    """Structure on every case, statistics on `diagnostic`, then exact values on every case."""
    for case in [diagnostic] + cases:
        params = call_student(name, student, case)
        _expect_structure(name, params, case.args[0])
        if case is diagnostic:
            _diagnose(name, params, case.args[0], expected_std, formula_text, formulas)
    try:
        check_cases(name, student, reference, cases, mistakes)
    except CheckFailed as failure:
        if " — this is what you get" in str(failure):
            raise
        raise CheckFailed(f"{failure}\n{_order_hint(name, formula_text)}") from None
    check_draws(name, student, reference, cases,
                " (the docstring's draws are W1, W2, ..., each one call "
                "rng.standard_normal((n_in, n_out)), and nothing else: biases are zeros)")


def _rng(seed):
    return np.random.default_rng(seed)


def _reversed_draws(std):
    """An initialiser that draws the last layer first (right distribution, other values)."""
    def init(layer_sizes, *rest):
        rng = rest[-1]
        scale = rest[0] if len(rest) == 2 else None
        params = {}
        for k in reversed(range(1, len(layer_sizes))):
            n_in, n_out = layer_sizes[k - 1], layer_sizes[k]
            s = scale if scale is not None else std(n_in, n_out)
            params[f"W{k}"] = rng.standard_normal((n_in, n_out)) * s
            params[f"b{k}"] = np.zeros(n_out)
        return params
    return init


def _transposed_draws(std):
    """An initialiser that draws (n_out, n_in) and transposes."""
    def init(layer_sizes, *rest):
        rng = rest[-1]
        scale = rest[0] if len(rest) == 2 else None
        params = {}
        for k in range(1, len(layer_sizes)):
            n_in, n_out = layer_sizes[k - 1], layer_sizes[k]
            s = scale if scale is not None else std(n_in, n_out)
            params[f"W{k}"] = (rng.standard_normal((n_out, n_in)) * s).T
            params[f"b{k}"] = np.zeros(n_out)
        return params
    return init


ORDER_MISTAKES = {
    "drawing the layers in reverse order (the docstring fixes W1 first)": _reversed_draws,
    "drawing each W with shape (n_out, n_in) and transposing it (draw "
    "rng.standard_normal((n_in, n_out)) directly)": _transposed_draws,
}


def _weight_cases(seed, with_scale=None):
    sizes = [[2, 3, 1], [4, 8, 8, 3], [64, 32, 10], [5, 1]]
    cases = []
    for offset, layer_sizes in enumerate(sizes):
        scale = () if with_scale is None else (with_scale[offset],)
        what = f"layer_sizes = {layer_sizes}" + (f", scale = {scale[0]}" if scale else "") + \
            f", rng = np.random.default_rng({seed + offset})"
        cases.append(Case(what, (layer_sizes, *scale, _rng(seed + offset))))
    return cases


def check_zeros_init(zeros_init):
    cases = [Case(f"layer_sizes = {sizes}", (sizes,))
             for sizes in ([2, 3, 1], [4, 8, 8, 3], [64, 32, 10], [5, 1])]
    for case in cases:
        _expect_structure("zeros_init", call_student("zeros_init", zeros_init, case),
                          case.args[0])
    check_cases("zeros_init", zeros_init, ref.zeros_init, cases)


def check_random_init(random_init):
    scales = [0.01, 0.5, 0.05, 2.0]
    cases = _weight_cases(6201, scales)
    diagnostic = Case("layer_sizes = [400, 100, 50], scale = 0.05",
                      ([400, 100, 50], 0.05, _rng(6200)))
    formulas = [("scale² (the variance instead of the standard deviation)",
                 lambda i, o: 0.05 ** 2),
                ("1, i.e. the scale argument is not used", lambda i, o: 1.0),
                ("√scale", lambda i, o: np.sqrt(0.05))]
    mistakes = {label: make(None) for label, make in ORDER_MISTAKES.items()}
    _check_random_weights("random_init", random_init, ref.random_init, cases, diagnostic,
                          lambda i, o: 0.05, "scale", formulas, mistakes)


def check_xavier_init(xavier_init):
    use_reference(xavier_init, random_init=ref.random_init, zeros_init=ref.zeros_init)
    std = FORMULAS[0][1]
    diagnostic = Case("layer_sizes = [400, 100, 50]", ([400, 100, 50], _rng(6300)))
    mistakes = {label: make(std) for label, make in ORDER_MISTAKES.items()}
    _check_random_weights("xavier_init", xavier_init, ref.xavier_init, _weight_cases(6301),
                          diagnostic, std, "√(2/(n_in + n_out))", FORMULAS[1:], mistakes)


def check_he_init(he_init):
    use_reference(he_init, random_init=ref.random_init, zeros_init=ref.zeros_init)
    std = FORMULAS[1][1]
    diagnostic = Case("layer_sizes = [400, 100, 50]", ([400, 100, 50], _rng(6400)))
    formulas = [FORMULAS[0]] + FORMULAS[2:]
    mistakes = {label: make(std) for label, make in ORDER_MISTAKES.items()}
    _check_random_weights("he_init", he_init, ref.he_init, _weight_cases(6401), diagnostic,
                          std, "√(2/n_in)", formulas, mistakes)


def check_symmetric_units(symmetric_units):
    rng = np.random.default_rng(6501)
    column = rng.normal(size=(5, 1))
    one_off = np.tile(column, (1, 3))
    one_off[2, 1] += 0.01
    equal_rows = np.tile(rng.normal(size=(1, 4)), (3, 1))
    cases = [
        Case("W of shape (5, 4) whose 4 columns are equal", (np.tile(column, (1, 4)),)),
        Case("W of shape (5, 3) whose columns differ in one entry by 0.01", (one_off,)),
        Case("W of shape (3, 4) whose rows are equal but whose columns differ", (equal_rows,)),
        Case("W of shape (4, 6), standard normal", (rng.normal(size=(4, 6)),)),
        Case("W = zeros of shape (3, 5)", (np.zeros((3, 5)),)),
        Case("W of shape (3, 4) with every entry 0.5", (np.full((3, 4), 0.5),)),
        Case("W of shape (6, 1) (a single unit)", (rng.normal(size=(6, 1)),)),
    ]
    mistakes = {
        "comparing the rows instead of the columns (column j holds unit j's incoming weights)":
            lambda W: bool(np.allclose(W, W[:1, :])),
        "asking whether every entry of W is the same number":
            lambda W: bool(np.allclose(W, W.flat[0])),
        "asking whether W is all zeros": lambda W: bool(np.allclose(W, 0.0)),
    }
    check_cases("symmetric_units", symmetric_units, ref.symmetric_units, cases, mistakes)
    rounded = np.tile(column, (1, 3))
    rounded[1, 2] = np.nextafter(rounded[1, 2], np.inf)
    tie = Case("W of shape (5, 3) whose columns differ by one unit of rounding (about 1e-16): "
               "equal with np.allclose, different with ==; both answers are accepted",
               (rounded,))
    got = call_student("symmetric_units", symmetric_units, tie)
    if not isinstance(got, (bool, np.bool_)):
        raise CheckFailed(f"symmetric_units on {tie.what}: expected a bool, got "
                          f"{type(got).__name__} {describe(got)}")
