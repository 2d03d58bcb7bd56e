"""Do the hidden checks of 05_activations pass the reference, fail each named mutant, and pass
correct answers written differently?"""
import math

import numpy as np

from autograder.reference import activations as ref
from autograder.reference import gradients, loss
from tests.support.proofs import accepts_each, assert_passes, rejects_each

A = "05_activations"

def _sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1.0 / (1.0 + np.exp(-z))


# ---- correct answers written differently -------------------------------------------------

def step_heaviside(z):
    return np.heaviside(z, 1.0)


def step_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.zeros_like(z)
    for index, value in np.ndenumerate(z):
        out[index] = 1.0 if value >= 0 else 0.0
    return out


def relu_multiply(z):
    z = np.asarray(z, dtype=float)
    return z * (z > 0)


def relu_clip(z):
    return np.clip(z, 0.0, None)


def relu_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index, value in np.ndenumerate(z):
        out[index] = max(0.0, value)
    return out


def relu_grad_heaviside(z):
    return np.heaviside(z, 0.0)


def leaky_relu_maximum(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.maximum(alpha * z, z)


def leaky_relu_strict(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad_loop(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index, value in np.ndenumerate(z):
        out[index] = 1.0 if value > 0 else alpha
    return out


def leaky_relu_grad_mix(z, alpha=0.01):
    positive = (np.asarray(z) > 0).astype(float)
    return positive + alpha * (1.0 - positive)


def tanh_via_sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(2 * z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return 2 * s - 1


def tanh_clipped(z):
    e = np.exp(2 * np.clip(z, -20, 20))
    return (e - 1) / (e + 1)


def tanh_numpy(z):
    return np.tanh(z)


def tanh_math_loop(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    for index, value in np.ndenumerate(z):
        e = math.exp(-2 * abs(value))
        out[index] = math.copysign((1 - e) / (1 + e), value)
    return out


def tanh_grad_exp(z):
    e = np.exp(-2 * np.abs(np.asarray(z, dtype=float)))
    return 4 * e / (1 + e) ** 2


def tanh_grad_numpy(z):
    return 1 - np.tanh(z) ** 2


def collapse_linear_einsum(W1, b1, W2, b2):
    return np.einsum("dh,hc->dc", W1, W2), np.einsum("h,hc->c", b1, W2) + b2


def collapse_linear_probe(W1, b1, W2, b2):
    b = (np.zeros((1, W1.shape[0])) @ W1 + b1) @ W2 + b2
    W = (np.eye(W1.shape[0]) @ W1 + b1) @ W2 + b2 - b
    return W, b[0]


def collapse_linear_loops(W1, b1, W2, b2):
    D, H = W1.shape
    C = W2.shape[1]
    W = [[sum(W1[d, h] * W2[h, c] for h in range(H)) for c in range(C)] for d in range(D)]
    b = [sum(b1[h] * W2[h, c] for h in range(H)) + b2[c] for c in range(C)]
    return np.array(W), np.array(b)


def layer_gradient_norms_loops(depth, width, activation, rng):
    """Differently written: activations cached, g' from the cached output where possible."""
    X = rng.standard_normal((64, width))
    Y = rng.standard_normal((64, width))
    Ws = []
    for _ in range(depth):
        Ws.append(rng.normal(0.0, math.sqrt(2 / width), size=(width, width)))
    activations = [X]
    for W in Ws:
        Z = activations[-1] @ W
        if activation == "sigmoid":
            activations.append(_sigmoid(Z))
        elif activation == "tanh":
            activations.append(np.tanh(Z))
        else:
            activations.append(np.maximum(Z, 0))
    delta = (activations[-1] - Y) / len(X)
    result = [0.0] * depth
    for layer in reversed(range(depth)):
        out = activations[layer + 1]
        if activation == "sigmoid":
            delta = delta * out * (1 - out)
        elif activation == "tanh":
            delta = delta * (1 - out ** 2)
        else:
            delta = delta * (out > 0)
        result[layer] = np.linalg.norm(activations[layer].T @ delta, "fro")
        delta = delta @ Ws[layer].T
    return result


# ---- named mutants ----------------------------------------------------------------------

def step_strict(z):
    return (np.asarray(z) > 0).astype(float)


def step_sign(z):
    return np.where(np.asarray(z) >= 0, 1.0, -1.0)


def step_scalar_only(z):
    return 1.0 if z >= 0 else 0.0


def relu_max(z):
    return np.max(z, 0)


def relu_step(z):
    return (np.asarray(z) >= 0).astype(float)


def relu_minimum(z):
    return np.minimum(z, 0)


def relu_mutates(z):
    z = np.asarray(z, dtype=float)
    z[z < 0] = 0
    return z


def relu_grad_at_zero_one(z):
    return (np.asarray(z) >= 0).astype(float)


def relu_grad_returns_relu(z):
    return np.maximum(z, 0.0)


def relu_grad_swapped(z):
    return (np.asarray(z) <= 0).astype(float)


def leaky_relu_fixed_alpha(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, z, 0.01 * z)


def leaky_relu_plain(z, alpha=0.01):
    return np.maximum(z, 0.0)


def leaky_relu_wrong_side(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, alpha * z, z)


def leaky_relu_no_alpha_parameter(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, z, 0.01 * z)


def leaky_relu_grad_relu(z, alpha=0.01):
    return (np.asarray(z) > 0).astype(float)


def leaky_relu_grad_one_at_zero(z, alpha=0.01):
    return np.where(np.asarray(z) >= 0, 1.0, alpha)


def leaky_relu_grad_fixed_alpha(z, alpha=0.01):
    return np.where(np.asarray(z) > 0, 1.0, 0.01)


def tanh_half(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return np.sign(z) * (1 - e) / (1 + e)


def tanh_overflows(z):
    z = np.asarray(z, dtype=float)
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def tanh_exp2_overflows(z):
    e = np.exp(2 * np.asarray(z, dtype=float))
    return (e - 1) / (e + 1)


def tanh_sigmoid(z):
    return _sigmoid(np.asarray(z, dtype=float))


def tanh_grad_no_square(z):
    return 1 - np.tanh(z)


def tanh_grad_sigmoid_pattern(z):
    t = np.tanh(z)
    return t * (1 - t)


def tanh_grad_of_z(z):
    return 1 - np.asarray(z, dtype=float) ** 2


def tanh_grad_cosh_overflows(z):
    return 1 / np.cosh(np.asarray(z, dtype=float)) ** 2


def collapse_linear_add_biases(W1, b1, W2, b2):
    return W1 @ W2, b1 + b2


def collapse_linear_reversed(W1, b1, W2, b2):
    return W2 @ W1, b1 @ W2 + b2


def collapse_linear_no_b2(W1, b1, W2, b2):
    return W1 @ W2, b1 @ W2


def collapse_linear_elementwise(W1, b1, W2, b2):
    return W1 * W2.T, b1 @ W2 + b2


def _norms_mutant(reverse=False, sum_loss=False, weights_first=False, no_grad=False):
    def mutant(depth, width, activation, rng):
        g = {"sigmoid": _sigmoid, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[activation]
        if weights_first:
            Ws = [rng.standard_normal((width, width)) * np.sqrt(2 / width) for _ in range(depth)]
            X, Y = rng.standard_normal((64, width)), rng.standard_normal((64, width))
        else:
            X, Y = rng.standard_normal((64, width)), rng.standard_normal((64, width))
            Ws = [rng.standard_normal((width, width)) * np.sqrt(2 / width) for _ in range(depth)]
        As, Zs = [X], []
        for W in Ws:
            Zs.append(As[-1] @ W)
            As.append(g(Zs[-1]))
        dA = (As[-1] - Y) if sum_loss else (As[-1] - Y) / 64
        norms = []
        for layer in reversed(range(depth)):
            if no_grad:
                dZ = dA
            else:
                eps = 1e-6
                dZ = dA * (g(Zs[layer] + eps) - g(Zs[layer] - eps)) / (2 * eps)
            norms.append(np.linalg.norm(As[layer].T @ dZ))
            dA = dZ @ Ws[layer].T
        return np.array(norms if reverse else norms[::-1])
    return mutant


norms_reversed = _norms_mutant(reverse=True)
norms_reversed.__name__ = "norms_reversed"
norms_summed_loss = _norms_mutant(sum_loss=True)
norms_summed_loss.__name__ = "norms_summed_loss"
norms_weights_first = _norms_mutant(weights_first=True)
norms_weights_first.__name__ = "norms_weights_first"
norms_no_derivative = _norms_mutant(no_grad=True)
norms_no_derivative.__name__ = "norms_no_derivative"


def norms_with_biases_drawn(depth, width, activation, rng):
    """Draws a random bias after each weight matrix, which shifts every later draw."""
    X, Y = rng.standard_normal((64, width)), rng.standard_normal((64, width))
    layers = [(rng.standard_normal((width, width)) * np.sqrt(2 / width),
               rng.standard_normal(width)) for _ in range(depth)]
    A, cache = X, []
    for W, b in layers:
        Z = A @ W + b
        cache.append((A, Z))
        A = np.maximum(Z, 0) if activation == "relu" else np.tanh(Z)
    dA = (A - Y) / 64
    norms = np.zeros(depth)
    for layer in reversed(range(depth)):
        A_in, Z = cache[layer]
        dZ = dA * ((Z > 0) if activation == "relu" else 1 - np.tanh(Z) ** 2)
        norms[layer] = np.linalg.norm(A_in.T @ dZ)
        dA = dZ @ layers[layer][0].T
    return norms


def step_bool(z):
    return np.asarray(z) >= 0


def relu_grad_where(z):
    return np.where(np.asarray(z) > 0, 1, 0)


def norms_draws_a_spare_matrix(depth, width, activation, rng):
    norms = layer_gradient_norms_loops(depth, width, activation, rng)
    rng.standard_normal((width, width))  # one draw too many: the caller's stream moves on
    return norms


CORRECT = [
    ("step", ref.step), ("step", step_heaviside), ("step", step_loop),
    ("relu", ref.relu), ("relu", relu_multiply), ("relu", relu_clip), ("relu", relu_loop),
    ("relu_grad", ref.relu_grad),
    ("relu_grad", relu_grad_heaviside),
    ("leaky_relu", ref.leaky_relu), ("leaky_relu", leaky_relu_maximum),
    ("leaky_relu", leaky_relu_strict),
    ("leaky_relu_grad", ref.leaky_relu_grad), ("leaky_relu_grad", leaky_relu_grad_loop),
    ("leaky_relu_grad", leaky_relu_grad_mix),
    ("tanh", ref.tanh), ("tanh", tanh_via_sigmoid), ("tanh", tanh_clipped),
    ("tanh", tanh_numpy), ("tanh", tanh_math_loop),
    ("tanh_grad", ref.tanh_grad), ("tanh_grad", tanh_grad_exp), ("tanh_grad", tanh_grad_numpy),
    ("collapse_linear", ref.collapse_linear), ("collapse_linear", collapse_linear_einsum),
    ("collapse_linear", collapse_linear_probe), ("collapse_linear", collapse_linear_loops),
    ("layer_gradient_norms", ref.layer_gradient_norms),
    ("layer_gradient_norms", layer_gradient_norms_loops),
]

MUTANTS = [
    ("step", step_strict, "with 0 at z = 0"),
    ("step", step_sign, "sign function"),
    ("step", step_scalar_only, "ValueError"),
    ("relu", relu_max, "np.max(z, 0)"),
    ("relu", relu_step, "returning the step"),
    ("relu", relu_minimum, "np.minimum"),
    ("relu", relu_mutates, "changed its argument"),
    ("relu_grad", relu_grad_at_zero_one, "with 1 at z = 0"),
    ("relu_grad", relu_grad_returns_relu, "returning relu(z)"),
    ("relu_grad", relu_grad_swapped, "swapped"),
    ("leaky_relu", leaky_relu_fixed_alpha, "ignoring alpha"),
    ("leaky_relu", leaky_relu_plain, "plain ReLU"),
    ("leaky_relu", leaky_relu_wrong_side, "positive side by alpha"),
    ("leaky_relu", leaky_relu_no_alpha_parameter, "TypeError"),
    ("leaky_relu_grad", leaky_relu_grad_relu, "the ReLU's derivative"),
    ("leaky_relu_grad", leaky_relu_grad_one_at_zero, "with 1 at z = 0"),
    ("leaky_relu_grad", leaky_relu_grad_fixed_alpha, "ignoring alpha"),
    ("tanh", tanh_half, "tanh(z/2)"),
    ("tanh", tanh_overflows, "nan or inf"),
    ("tanh", tanh_exp2_overflows, "nan or inf"),
    ("tanh", tanh_sigmoid, "using the sigmoid"),
    ("tanh_grad", tanh_grad_no_square, "the square is missing"),
    ("tanh_grad", tanh_grad_sigmoid_pattern, "the sigmoid's pattern"),
    ("tanh_grad", tanh_grad_of_z, "1 − z²"),
    ("tanh_grad", tanh_grad_cosh_overflows, "overflow"),
    ("collapse_linear", collapse_linear_add_biases, "b = b1 + b2"),
    ("collapse_linear", collapse_linear_reversed, "W = W2 @ W1"),
    ("collapse_linear", collapse_linear_no_b2, "leaving out b2"),
    ("collapse_linear", collapse_linear_elementwise, "expected array of shape (3, 3)"),
    ("layer_gradient_norms", norms_reversed, "from the output layer to the input"),
    ("layer_gradient_norms", norms_summed_loss, "summed over the 64 examples"),
    ("layer_gradient_norms", norms_weights_first, "drawing the weights before X and Y"),
    ("layer_gradient_norms", norms_no_derivative, "without the activation's derivative"),
    ("layer_gradient_norms", norms_with_biases_drawn, "expected"),
    ("step", step_bool, "has dtype bool"),
    ("relu_grad", relu_grad_where, "has dtype int64"),
    ("layer_gradient_norms", norms_draws_a_spare_matrix, "not exactly what is prescribed"),
]


test_check_accepts_correct_answer = accepts_each(A, CORRECT)
test_check_rejects_mutant = rejects_each(A, MUTANTS)


def test_tanh_grad_is_judged_with_the_reference_tanh():
    """Is tanh_grad judged on its own even when the student's tanh is wrong?"""
    namespace = {"np": np, "__name__": __name__}
    exec("def tanh(z):\n    return np.asarray(z, dtype=float) * 0 + 0.3\n"
         "def tanh_grad(z):\n    return 1 - tanh(z) ** 2\n", namespace)
    assert_passes(A, "tanh_grad", namespace["tanh_grad"])


def test_layer_gradient_norms_is_judged_with_the_reference_activations():
    """Is layer_gradient_norms judged on its own even when the student's relu_grad is wrong?"""
    namespace = {"np": np, "__name__": __name__}
    source = layer_gradient_norms_source()
    exec(source, namespace)
    assert_passes(A, "layer_gradient_norms", namespace["layer_gradient_norms"])


def layer_gradient_norms_source():
    """A student's notebook: a wrong relu_grad and a layer_gradient_norms that calls it."""
    return '''
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
def sigmoid_grad(z):
    return sigmoid(z) * (1 - sigmoid(z))
def relu(z):
    return np.maximum(z, 0)
def relu_grad(z):
    return np.ones_like(z)
def tanh(z):
    return np.tanh(z)
def tanh_grad(z):
    return 1 - np.tanh(z) ** 2
def layer_gradient_norms(depth, width, activation, rng):
    g, dg = {"sigmoid": (sigmoid, sigmoid_grad), "relu": (relu, relu_grad),
             "tanh": (tanh, tanh_grad)}[activation]
    X = rng.standard_normal((64, width))
    Y = rng.standard_normal((64, width))
    Ws = [rng.standard_normal((width, width)) * np.sqrt(2 / width) for _ in range(depth)]
    As, Zs = [X], []
    for W in Ws:
        Zs.append(As[-1] @ W)
        As.append(g(Zs[-1]))
    dA = (As[-1] - Y) / 64
    norms = np.zeros(depth)
    for l in range(depth - 1, -1, -1):
        dZ = dA * dg(Zs[l])
        norms[l] = np.linalg.norm(As[l].T @ dZ)
        dA = dZ @ Ws[l].T
    return norms
'''
