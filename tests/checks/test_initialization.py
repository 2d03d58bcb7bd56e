"""Do the hidden checks of 06_initialization pass the reference, fail each named mutant, and pass
correct answers written differently?"""
import math

import numpy as np

from autograder.reference import initialization as ref
from tests.support.proofs import accepts_each, assert_fails, assert_passes, rejects_each

A = "06_initialization"


def _pairs(layer_sizes):
    return list(zip(layer_sizes[:-1], layer_sizes[1:]))


def _init(layer_sizes, draw):
    """Params with W_l = draw(l, n_in, n_out) and zero biases, W1 drawn first."""
    params = {}
    for layer, (n_in, n_out) in enumerate(_pairs(layer_sizes), start=1):
        params[f"W{layer}"] = draw(n_in, n_out)
        params[f"b{layer}"] = np.zeros(n_out)
    return params


# ---- correct answers written differently -------------------------------------------------

def zeros_init_comprehension(layer_sizes):
    pairs = _pairs(layer_sizes)
    params = {f"W{k + 1}": np.zeros((i, o)) for k, (i, o) in enumerate(pairs)}
    params.update({f"b{k + 1}": np.zeros(o) for k, (i, o) in enumerate(pairs)})
    return params


def random_init_normal(layer_sizes, scale, rng):
    return _init(layer_sizes, lambda i, o: rng.normal(0.0, scale, size=(i, o)))


def random_init_flat_then_reshape(layer_sizes, scale, rng):
    return _init(layer_sizes, lambda i, o: scale * rng.standard_normal(i * o).reshape(i, o))


def xavier_init_normal(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.normal(0.0, math.sqrt(2) / math.sqrt(i + o),
                                                      size=(i, o)))


def random_init(layer_sizes, scale, rng):
    """Stands in for the student's own random_init, which the check replaces."""
    raise NotImplementedError()


def xavier_init_via_random_init(layer_sizes, rng):
    params = {}
    for k, (i, o) in enumerate(_pairs(layer_sizes), start=1):
        layer = random_init([i, o], np.sqrt(2.0 / (i + o)), rng)
        params[f"W{k}"], params[f"b{k}"] = layer["W1"], layer["b1"]
    return params


def he_init_loop(layer_sizes, rng):
    params = {}
    for k in range(len(layer_sizes) - 1):
        fan_in = layer_sizes[k]
        params["W" + str(k + 1)] = rng.standard_normal(size=(fan_in, layer_sizes[k + 1])) * \
            (2 / fan_in) ** 0.5
        params["b" + str(k + 1)] = np.zeros(layer_sizes[k + 1])
    return params


def symmetric_units_loop(W):
    return all(np.allclose(W[:, j], W[:, 0]) for j in range(W.shape[1]))


def symmetric_units_spread(W):
    return bool(np.ptp(W, axis=1).max() < 1e-9)


def symmetric_units_numpy_bool(W):
    return np.allclose(W.T, W.T[0])


def symmetric_units_exact(W):
    return bool((W == W[:, :1]).all())


# ---- named mutants (self-contained: the hidden reference is out of reach in the checker) --

def zeros_init_column_biases(layer_sizes):
    params = zeros_init_comprehension(layer_sizes)
    return {k: (v.reshape(1, -1) if k.startswith("b") else v) for k, v in params.items()}


def zeros_init_transposed(layer_sizes):
    return _init(layer_sizes, lambda i, o: np.zeros((o, i)))


def zeros_init_one_biases(layer_sizes):
    params = zeros_init_comprehension(layer_sizes)
    return {k: (v + 1 if k.startswith("b") else v) for k, v in params.items()}


def zeros_init_from_zero(layer_sizes):
    return {f"{p}{k}": v for k, (i, o) in enumerate(_pairs(layer_sizes))
            for p, v in (("W", np.zeros((i, o))), ("b", np.zeros(o)))}


def zeros_init_list(layer_sizes):
    return [np.zeros((i, o)) for i, o in _pairs(layer_sizes)]


def random_init_uniform(layer_sizes, scale, rng):
    return _init(layer_sizes, lambda i, o: rng.uniform(-scale, scale, size=(i, o)))


def random_init_unscaled(layer_sizes, scale, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)))


def random_init_squared(layer_sizes, scale, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * scale ** 2)


def random_init_rand(layer_sizes, scale, rng):
    return _init(layer_sizes, lambda i, o: rng.random((i, o)) * scale)


def random_init_reversed(layer_sizes, scale, rng):
    params = {}
    for k in reversed(range(1, len(layer_sizes))):
        params[f"W{k}"] = rng.standard_normal((layer_sizes[k - 1], layer_sizes[k])) * scale
        params[f"b{k}"] = np.zeros(layer_sizes[k])
    return params


def random_init_transposed_draw(layer_sizes, scale, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((o, i)).T * scale)


def random_init_global_rng(layer_sizes, scale, rng):
    return _init(layer_sizes, lambda i, o: np.random.standard_normal((i, o)) * scale)


def random_init_random_biases(layer_sizes, scale, rng):
    params = {}
    for k, (i, o) in enumerate(_pairs(layer_sizes), start=1):
        params[f"W{k}"] = rng.standard_normal((i, o)) * scale
        params[f"b{k}"] = rng.standard_normal(o) * scale
    return params


def xavier_init_n_in(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * np.sqrt(2 / i))


def xavier_init_variance(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * 2 / (i + o))


def xavier_init_glorot_uniform(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.uniform(-1, 1, size=(i, o)) * np.sqrt(6 / (i + o)))


def xavier_init_no_two(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * np.sqrt(1 / (i + o)))


def xavier_init_reversed(layer_sizes, rng):
    params = {}
    for k in reversed(range(1, len(layer_sizes))):
        i, o = layer_sizes[k - 1], layer_sizes[k]
        params[f"W{k}"] = rng.standard_normal((i, o)) * np.sqrt(2 / (i + o))
        params[f"b{k}"] = np.zeros(o)
    return params


def he_init_n_in_plus_n_out(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * np.sqrt(2 / (i + o)))


def he_init_variance(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * 2 / i)


def he_init_uniform(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.uniform(-1, 1, size=(i, o)) * np.sqrt(6 / i))


def he_init_n_out(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * np.sqrt(2 / o))


def he_init_lecun(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * np.sqrt(1 / i))


def he_init_transposed_draw(layer_sizes, rng):
    return _init(layer_sizes, lambda i, o: rng.standard_normal((o, i)).T * np.sqrt(2 / i))


def symmetric_units_rows(W):
    return bool(np.allclose(W, W[0]))


def symmetric_units_all_entries(W):
    return bool(np.allclose(W, W[0, 0]))


def symmetric_units_zeros(W):
    return not np.any(W)


def symmetric_units_exact(W):
    return bool((W == W[:, [0]]).all())


def symmetric_units_per_column(W):
    return np.all(np.isclose(W, W[:, :1]), axis=0)


def zeros_init_ints(layer_sizes):
    return _init(layer_sizes, lambda i, o: np.zeros((i, o), dtype=int))


def he_init_draws_biases_then_zeroes_them(layer_sizes, rng):
    params = _init(layer_sizes, lambda i, o: rng.standard_normal((i, o)) * np.sqrt(2.0 / i))
    for layer, (_, n_out) in enumerate(_pairs(layer_sizes), start=1):
        params[f"b{layer}"] = 0.0 * rng.standard_normal(n_out)
    return params


CORRECT = [
    ("zeros_init", ref.zeros_init), ("zeros_init", zeros_init_comprehension),
    ("random_init", ref.random_init), ("random_init", random_init_normal),
    ("random_init", random_init_flat_then_reshape),
    ("xavier_init", ref.xavier_init), ("xavier_init", xavier_init_normal),
    ("xavier_init", xavier_init_via_random_init),
    ("he_init", ref.he_init), ("he_init", he_init_loop),
    ("symmetric_units", ref.symmetric_units), ("symmetric_units", symmetric_units_loop),
    ("symmetric_units", symmetric_units_spread), ("symmetric_units", symmetric_units_numpy_bool),
    ("symmetric_units", symmetric_units_exact),
    ("symmetric_units", symmetric_units_exact),
]

MUTANTS = [
    ("zeros_init", zeros_init_column_biases, "b1 should have shape (n_out,)"),
    ("zeros_init", zeros_init_transposed, "W1 should have shape (n_in, n_out)"),
    ("zeros_init", zeros_init_one_biases, "every bias should start at zero"),
    ("zeros_init", zeros_init_from_zero, "expected the keys"),
    ("zeros_init", zeros_init_list, "expected a dict"),
    ("random_init", random_init_uniform, "uniformly distributed"),
    ("random_init", random_init_unscaled, "scale argument is not used"),
    ("random_init", random_init_squared, "the variance instead of the standard deviation"),
    ("random_init", random_init_rand, "centred at zero"),
    ("random_init", random_init_reversed, "reverse order"),
    ("random_init", random_init_transposed_draw, "transposing"),
    ("random_init", random_init_global_rng, "Draw only from the rng argument"),
    ("random_init", random_init_random_biases, "every bias should start at zero"),
    ("xavier_init", xavier_init_n_in, "He's formula"),
    ("xavier_init", xavier_init_variance, "the variance instead of its square root"),
    ("xavier_init", xavier_init_glorot_uniform, "uniformly distributed"),
    ("xavier_init", xavier_init_no_two, "without the factor 2"),
    ("xavier_init", xavier_init_reversed, "reverse order"),
    ("he_init", he_init_n_in_plus_n_out, "Xavier's formula"),
    ("he_init", he_init_variance, "the variance instead of its square root"),
    ("he_init", he_init_uniform, "uniformly distributed"),
    ("he_init", he_init_n_out, "n_out where n_in belongs"),
    ("he_init", he_init_lecun, "too small"),
    ("he_init", he_init_transposed_draw, "transposing"),
    ("symmetric_units", symmetric_units_rows, "comparing the rows"),
    ("symmetric_units", symmetric_units_all_entries, "every entry of W"),
    ("symmetric_units", symmetric_units_zeros, "all zeros"),
    ("symmetric_units", symmetric_units_per_column, "expected the bool"),
    ("zeros_init", zeros_init_ints, "the type rule"),
    ("he_init", he_init_draws_biases_then_zeroes_them, "nothing else: biases are zeros"),
]


test_check_accepts_correct_answer = accepts_each(A, CORRECT)
test_check_rejects_mutant = rejects_each(A, MUTANTS)


def test_statistical_message_names_the_formula_and_the_numbers():
    """Does Xavier-with-n_in-only fail with the measured std, the right std and the formula?"""
    verdict = assert_fails(A, "xavier_init", xavier_init_n_in)
    assert "too large" in verdict.message
    assert "0.0632" in verdict.message and "√(2/(n_in + n_out))" in verdict.message


def test_dependent_check_uses_reference_for_dependencies():
    """Is xavier_init judged on its own even when the student's random_init is wrong?"""
    namespace = {"np": np}
    exec("def random_init(layer_sizes, scale, rng):\n    return {}\n"
         "def xavier_init(layer_sizes, rng):\n"
         "    params = {}\n"
         "    for k in range(1, len(layer_sizes)):\n"
         "        i, o = layer_sizes[k - 1], layer_sizes[k]\n"
         "        layer = random_init([i, o], np.sqrt(2 / (i + o)), rng)\n"
         "        params[f'W{k}'], params[f'b{k}'] = layer['W1'], layer['b1']\n"
         "    return params\n", namespace)
    namespace["xavier_init"].__module__ = __name__
    assert_passes(A, "xavier_init", namespace["xavier_init"])
