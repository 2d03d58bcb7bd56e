"""Hidden checks for 05_activations."""
import numpy as np

from autograder.checks.base import Case, check_cases, check_draws, use_reference
from autograder.reference import activations as ref
from autograder.reference import loss as ref_loss

_EDGES = np.array([-1e4, -30.0, -1.0, -1e-9, 0.0, 1e-9, 1.0, 30.0, 1e4])


def _sigmoid_grad(z):
    s = ref_loss.sigmoid(z)
    return s * (1.0 - s)


def _elementwise_cases(rng, name):
    """Inputs every elementwise activation is checked on."""
    return [
        Case(f"{name}(0.0), z a Python float", (0.0,)),
        Case(f"{name}(-2.5), z a Python float", (-2.5,)),
        Case("z = [-1e4, -30, -1, -1e-9, 0, 1e-9, 1, 30, 1e4] (zero and large magnitudes)",
             (_EDGES.copy(),)),
        Case("z of shape (7,), standard normal", (rng.normal(size=7),)),
        Case("z of shape (3, 4), values in [-5, 5]", (rng.uniform(-5, 5, size=(3, 4)),)),
        Case("z of shape (2, 3, 2)", (rng.normal(scale=3, size=(2, 3, 2)),)),
    ]


def check_step(step):
    rng = np.random.default_rng(5101)
    mistakes = {
        "with 0 at z = 0 (step is 1 where z >= 0)": lambda z: (np.asarray(z) > 0).astype(float),
        "with -1 for negative z (that is the sign function)":
            lambda z: np.where(np.asarray(z) >= 0, 1.0, -1.0),
        "returning z itself where z >= 0": lambda z: np.where(np.asarray(z) >= 0, z, 0.0),
    }
    with np.errstate(all="ignore"):
        check_cases("step", step, ref.step, _elementwise_cases(rng, "step"), mistakes)


def check_relu(relu):
    rng = np.random.default_rng(5102)
    mistakes = {
        "returning the step (1 where z >= 0) instead of z":
            lambda z: (np.asarray(z) >= 0).astype(float),
        "with np.max(z, 0), the largest entry, where the elementwise np.maximum(z, 0) belongs":
            lambda z: np.max(z, 0),
        "with np.minimum where np.maximum belongs": lambda z: np.minimum(z, 0.0),
        "returning |z|": lambda z: np.abs(z),
    }
    with np.errstate(all="ignore"):
        check_cases("relu", relu, ref.relu, _elementwise_cases(rng, "relu"), mistakes)


def check_relu_grad(relu_grad):
    rng = np.random.default_rng(5103)
    use_reference(relu_grad, relu=ref.relu)
    mistakes = {
        "with 1 at z = 0 (the derivative is taken to be 0 where z <= 0)":
            lambda z: (np.asarray(z) >= 0).astype(float),
        "returning relu(z) instead of its derivative": lambda z: ref.relu(z),
        "with the two sides swapped (1 for negative z)":
            lambda z: (np.asarray(z) <= 0).astype(float),
    }
    with np.errstate(all="ignore"):
        check_cases("relu_grad", relu_grad, ref.relu_grad, _elementwise_cases(rng, "relu_grad"),
                    mistakes)


def _with_alpha(cases, rng):
    return cases + [
        Case("z of shape (6,) and alpha=0.2 (keyword)", (rng.normal(scale=2, size=6),),
             {"alpha": 0.2}),
        Case("z = [-3, -0.5, 0, 0.5, 3] and alpha=0.1 (positional)",
             (np.array([-3.0, -0.5, 0.0, 0.5, 3.0]), 0.1)),
    ]


def check_leaky_relu(leaky_relu):
    rng = np.random.default_rng(5104)
    cases = _with_alpha(_elementwise_cases(rng, "leaky_relu"), rng)
    mistakes = {
        "ignoring alpha and always using 0.01": lambda z, alpha=0.01: ref.leaky_relu(z),
        "returning the plain ReLU (0 for negative z)": lambda z, alpha=0.01: ref.relu(z),
        "multiplying the positive side by alpha instead of the negative side":
            lambda z, alpha=0.01: np.where(np.asarray(z) >= 0, alpha * np.asarray(z), z),
        "returning alpha for negative z instead of alpha·z":
            lambda z, alpha=0.01: np.where(np.asarray(z) >= 0, z, alpha),
    }
    with np.errstate(all="ignore"):
        check_cases("leaky_relu", leaky_relu, ref.leaky_relu, cases, mistakes)


def check_leaky_relu_grad(leaky_relu_grad):
    rng = np.random.default_rng(5105)
    cases = _with_alpha(_elementwise_cases(rng, "leaky_relu_grad"), rng)
    mistakes = {
        "with 0 for z <= 0 (that is the ReLU's derivative)":
            lambda z, alpha=0.01: ref.relu_grad(z),
        "with 1 at z = 0 (the derivative is taken to be alpha where z <= 0)":
            lambda z, alpha=0.01: np.where(np.asarray(z) >= 0, 1.0, alpha),
        "ignoring alpha and always using 0.01": lambda z, alpha=0.01: ref.leaky_relu_grad(z),
        "returning leaky_relu(z) instead of its derivative":
            lambda z, alpha=0.01: ref.leaky_relu(z, alpha),
    }
    with np.errstate(all="ignore"):
        check_cases("leaky_relu_grad", leaky_relu_grad, ref.leaky_relu_grad, cases, mistakes)


def check_tanh(tanh):
    rng = np.random.default_rng(5106)
    cases = _elementwise_cases(rng, "tanh") + [
        Case("z = [-800, -400, -20, 20, 400, 800] (e^{2z} overflows here)",
             (np.array([-800.0, -400.0, -20.0, 20.0, 400.0, 800.0]),)),
        Case("z of shape (40,), values in [-1e4, 1e4]", (rng.uniform(-1e4, 1e4, size=40),)),
    ]
    mistakes = {
        "with e^{-|z|} where e^{-2|z|} belongs (that is tanh(z/2) = 2σ(z) − 1)":
            lambda z: np.tanh(np.asarray(z, dtype=float) / 2),
        "using the sigmoid instead of tanh": lambda z: ref_loss.sigmoid(z),
        "with the sign flipped": lambda z: -np.tanh(z),
        "with 1 + e^{-2z} in the numerator (that is 1/tanh(z))":
            lambda z: 1.0 / np.tanh(np.asarray(z, dtype=float)),
    }
    with np.errstate(all="ignore"):
        check_cases("tanh", tanh, ref.tanh, cases, mistakes, atol=1e-10, forbid_warnings=True)


def check_tanh_grad(tanh_grad):
    rng = np.random.default_rng(5107)
    use_reference(tanh_grad, tanh=ref.tanh)
    mistakes = {
        "with 1 − tanh(z) (the square is missing)": lambda z: 1.0 - ref.tanh(z),
        "with tanh(z)·(1 − tanh(z)), the sigmoid's pattern":
            lambda z: ref.tanh(z) * (1.0 - ref.tanh(z)),
        "with 1 − z² (square tanh(z), not z)": lambda z: 1.0 - np.asarray(z, dtype=float) ** 2,
        "returning tanh(z) instead of its derivative": lambda z: ref.tanh(z),
    }
    with np.errstate(all="ignore"):
        check_cases("tanh_grad", tanh_grad, ref.tanh_grad, _elementwise_cases(rng, "tanh_grad"),
                    mistakes, atol=1e-10, forbid_warnings=True)


def check_collapse_linear(collapse_linear):
    rng = np.random.default_rng(5108)

    def layers(d, h, c):
        return (rng.normal(size=(d, h)), rng.normal(size=h), rng.normal(size=(h, c)),
                rng.normal(size=c))

    cases = [
        Case("W1 (3, 3), b1 (3,), W2 (3, 3), b2 (3,) (all square)", layers(3, 3, 3)),
        Case("W1 (3, 4), b1 (4,), W2 (4, 2), b2 (2,)", layers(3, 4, 2)),
        Case("W1 (5, 2), b1 (2,), W2 (2, 1), b2 (1,)", layers(5, 2, 1)),
        Case("W1 (1, 6), b1 (6,), W2 (6, 4), b2 (4,)", layers(1, 6, 4)),
    ]
    mistakes = {
        "with b = b1 + b2 (b1 must go through W2 too)":
            lambda W1, b1, W2, b2: (W1 @ W2, b1 + b2),
        "with W = W2 @ W1 (the order of the product is reversed)":
            lambda W1, b1, W2, b2: (W2 @ W1, b1 @ W2 + b2),
        "leaving out b2": lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2),
        "leaving out b1": lambda W1, b1, W2, b2: (W1 @ W2, b2),
    }
    check_cases("collapse_linear", collapse_linear, ref.collapse_linear, cases, mistakes)


# ---- layer_gradient_norms --------------------------------------------------------------

def _norms_variant(weights_first=False, reverse=False, sum_loss=False, grad_at_output=False,
                   no_grad=False, forward_weight=False, unscaled=False):
    """A layer_gradient_norms with one known mistake, for naming it in messages."""
    def wrong(depth, width, activation, rng):
        g, g_prime = ref._activation_pair(activation)
        n = 64
        scale = 1.0 if unscaled else np.sqrt(2.0 / width)
        if weights_first:
            weights = [rng.standard_normal((width, width)) * scale for _ in range(depth)]
            X = rng.standard_normal((n, width))
            Y = rng.standard_normal((n, width))
        else:
            X = rng.standard_normal((n, width))
            Y = rng.standard_normal((n, width))
            weights = [rng.standard_normal((width, width)) * scale for _ in range(depth)]
        inputs, zs, outs = [], [], []
        A = X
        for W in weights:
            inputs.append(A)
            zs.append(A @ W)
            A = g(zs[-1])
            outs.append(A)
        norms = np.empty(depth)
        dA = (A - Y) if sum_loss else (A - Y) / n
        for layer in range(depth - 1, -1, -1):
            if no_grad:
                dZ = dA
            elif grad_at_output:
                dZ = dA * g_prime(outs[layer])
            else:
                dZ = dA * g_prime(zs[layer])
            norms[layer] = np.linalg.norm(inputs[layer].T @ dZ)
            dA = dZ @ (weights[layer] if forward_weight else weights[layer].T)
        return norms[::-1] if reverse else norms
    return wrong


def check_layer_gradient_norms(layer_gradient_norms):
    use_reference(layer_gradient_norms, relu=ref.relu, relu_grad=ref.relu_grad, tanh=ref.tanh,
                  tanh_grad=ref.tanh_grad, sigmoid=ref_loss.sigmoid, sigmoid_grad=_sigmoid_grad)
    settings = [(6, 8, "sigmoid", 51091), (4, 6, "relu", 51092), (3, 5, "tanh", 51093),
                (1, 4, "relu", 51094), (2, 3, "sigmoid", 51095), (8, 16, "sigmoid", 51096),
                (8, 16, "relu", 51097)]
    cases = [Case(f"depth={d}, width={w}, activation='{a}', "
                  f"rng=np.random.default_rng({s})",
                  (d, w, a, np.random.default_rng(s))) for d, w, a, s in settings]
    mistakes = {
        "listing the norms from the output layer to the input (entry 0 is the layer next to "
        "the input)": _norms_variant(reverse=True),
        "with the loss summed over the 64 examples instead of averaged":
            _norms_variant(sum_loss=True),
        "with the activation's derivative evaluated at A = g(Z) instead of at Z":
            _norms_variant(grad_at_output=True),
        "without the activation's derivative in the backward pass": _norms_variant(no_grad=True),
        "drawing the weights before X and Y (the docstring gives the order of the draws)":
            _norms_variant(weights_first=True),
        "multiplying dZ by W instead of W.T on the way back":
            _norms_variant(forward_weight=True),
        "with weights drawn without the factor sqrt(2 / width)": _norms_variant(unscaled=True),
    }
    with np.errstate(all="ignore"):
        check_cases("layer_gradient_norms", layer_gradient_norms, ref.layer_gradient_norms,
                    cases, mistakes, atol=0.0, rtol=1e-6)
        check_draws("layer_gradient_norms", layer_gradient_norms, ref.layer_gradient_norms,
                    cases, " (the docstring's draws are X, Y, then W_1 to W_depth, and nothing "
                    "else)")

