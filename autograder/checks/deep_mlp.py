"""Hidden checks for 04_deep_mlp."""
import math

import numpy as np

from autograder.checks.base import Case, CheckFailed, call_student, call_student_inputs, \
    check_cases, compare, describe, generator_states, to_float_array, use_reference, with_hint
from autograder.reference import deep_mlp as ref
from autograder.reference import gradients as ref_gradients
from autograder.reference import loss as ref_loss
from autograder.reference import sgd as ref_sgd

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])

_TOOLKIT = {"sigmoid": ref_loss.sigmoid, "binary_cross_entropy": ref_loss.binary_cross_entropy,
            "cost": ref_loss.cost, "sigmoid_grad": ref_gradients.sigmoid_grad,
            "sgd_step": ref_sgd.sgd_step, "minibatches": ref_sgd.minibatches,
            "accuracy": ref_sgd.accuracy, "init_params": ref.init_params}


def _random_params(rng, sizes, scale=1.0):
    """A params dict for layer sizes [D, H1, ..., 1] with normal weights and biases."""
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(scale=scale, size=(n_in, n_out))
        params[f"b{layer}"] = rng.normal(scale=0.5, size=n_out)
    return params


def _random_sizes(rng, hidden_layers, input_size=None):
    """[D, H1, ..., H_hidden_layers, 1] with D and every H between 1 and 6."""
    D = int(rng.integers(1, 6)) if input_size is None else input_size
    return [D, *(int(h) for h in rng.integers(1, 7, size=hidden_layers)), 1]


# ---- xor_params --------------------------------------------------------------------------

def _as_params(value, what):
    """The student's params as a dict of float64 arrays, or CheckFailed."""
    if not isinstance(value, dict):
        raise CheckFailed(f"{what}: expected a dict with keys ['W1', 'W2', 'b1', 'b2'], got "
                          f"{type(value).__name__} {describe(value)}")
    keys = sorted(str(k) for k in value)
    if keys != ["W1", "W2", "b1", "b2"]:
        raise CheckFailed(f"{what}: expected a dict with keys ['W1', 'W2', 'b1', 'b2'], got "
                          f"keys {keys}")
    return {key: to_float_array(value[key], f"{what}[{key!r}]") for key in value}


def check_xor_params(xor_params):
    params = _as_params(call_student("xor_params", xor_params, Case("no arguments", ())),
                        "xor_params()")
    W1 = params["W1"]
    if W1.ndim != 2 or W1.shape[0] != 2:
        raise CheckFailed(f"xor_params()['W1'] must have shape (2, H) (2 inputs, H hidden "
                          f"units), got shape {W1.shape}")
    hidden = W1.shape[1]
    expected = {"b1": (hidden,), "W2": (hidden, 1), "b2": (1,)}
    for key, shape in expected.items():
        if params[key].shape != shape:
            raise CheckFailed(f"xor_params()['{key}'] must have shape {shape} when W1 has shape "
                              f"{W1.shape}, got shape {params[key].shape}")
    with np.errstate(all="ignore"):
        y_hat, _ = ref.mlp_forward(XOR_X, params)
    if not np.all(np.isfinite(y_hat)):
        raise CheckFailed(f"xor_params(): the network's outputs are not finite: {y_hat}")
    for x, target, out in zip(XOR_X, XOR_Y, y_hat):
        wanted = "above 0.99" if target == 1 else "below 0.01"
        if (target == 1 and not out > 0.99) or (target == 0 and not out < 0.01):
            raise CheckFailed(
                f"xor_params(): on input x = {x.tolist()} (XOR = {int(target)}) the network "
                f"outputs {out:.6f}; it must be {wanted}. All four outputs: "
                f"{np.round(y_hat, 6).tolist()} for inputs [0,0], [0,1], [1,0], [1,1]")


# ---- linear_forward / linear_backward ----------------------------------------------------

def _linear_cases(rng):
    shapes = [(4, 3, 2), (1, 5, 3), (6, 1, 1), (3, 4, 4), (2, 3, 5)]
    cases = []
    for n, d_in, d_out in shapes:
        cases.append(Case(f"X ({n}, {d_in}), W ({d_in}, {d_out}), b ({d_out},)",
                          (rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)),
                           rng.normal(size=d_out))))
    return cases


def check_linear_forward(linear_forward):
    rng = np.random.default_rng(4102)
    mistakes = {
        "leaving out the bias b": lambda X, W, b: (X @ W, (X, W, b)),
        "subtracting the bias instead of adding it": lambda X, W, b: (X @ W - b, (X, W, b)),
        "storing the output Z in the cache instead of the input X (the cache is (X, W, b))":
            lambda X, W, b: (X @ W + b, (X @ W + b, W, b)),
        "with a cache that leaves out b (the cache is (X, W, b))":
            lambda X, W, b: (X @ W + b, (X, W)),
        "returning only Z (linear_forward returns the pair (Z, cache))":
            lambda X, W, b: X @ W + b,
    }
    check_cases("linear_forward", linear_forward, ref.linear_forward, _linear_cases(rng),
                mistakes)


def check_linear_backward(linear_backward):
    rng = np.random.default_rng(4103)
    cases = []
    for case in _linear_cases(rng):
        X, W, b = case.args
        dZ = rng.normal(size=(X.shape[0], W.shape[1]))
        cases.append(Case(f"dZ {dZ.shape} and cache (X, W, b) with {case.what}",
                          (dZ, (X, W, b))))
    mistakes = {
        "dividing by N (dZ is already the gradient of the mean loss; do not average again)":
            lambda dZ, c: (dZ @ c[1].T, c[0].T @ dZ / len(dZ), dZ.sum(axis=0) / len(dZ)),
        "with db = dZ averaged over the batch instead of summed":
            lambda dZ, c: (dZ @ c[1].T, c[0].T @ dZ, dZ.mean(axis=0)),
        "with dW = dZ.T @ X, which is dW transposed (dW = X.T @ dZ has W's shape)":
            lambda dZ, c: (dZ @ c[1].T, dZ.T @ c[0], dZ.sum(axis=0)),
        "multiplying dZ by W instead of W.T for dX":
            lambda dZ, c: (dZ @ c[1], c[0].T @ dZ, dZ.sum(axis=0)),
        "with db summed over the wrong axis (db has one entry per output unit)":
            lambda dZ, c: (dZ @ c[1].T, c[0].T @ dZ, dZ.sum(axis=1)),
    }
    check_cases("linear_backward", linear_backward, ref.linear_backward, cases, mistakes)


# ---- mlp_forward / mlp_backward ----------------------------------------------------------

def _mlp_cases(rng, depths=(1, 2, 3, 4)):
    """(what, X, params) for networks with 1 to 4 hidden layers, plus XOR's."""
    cases = []
    for hidden_layers in depths:
        sizes = _random_sizes(rng, hidden_layers)
        n = int(rng.integers(1, 8))
        cases.append((f"X ({n}, {sizes[0]}) and params of layer sizes {sizes}",
                      rng.normal(size=(n, sizes[0])), _random_params(rng, sizes)))
    sizes = [3, 5, 4, 1]
    cases.append((f"X (6, 3) and params of layer sizes {sizes}, weights scaled by 10 "
                  "(saturated sigmoids)", rng.normal(size=(6, 3)),
                  _random_params(rng, sizes, scale=10.0)))
    cases.append(("the 4 XOR inputs and the notes' AND/OR network", XOR_X.copy(),
                  ref.xor_params()))
    return cases


_SINGLE_HINT = ("with a single example (N = 1), y_hat must still have shape (1,): take the "
                "output's only column, A[:, 0], rather than squeezing it to a scalar")
_DEEP_HINT = ("this network has 11 layers: 'W10' and 'W11' sort before 'W2', so layers must be "
              "taken in the order l = 1, ..., L with params[f'W{l}'], not in sorted key order")
_ORDER_HINT = ("this params dict lists its keys in another order: find each layer's W and b by "
               "name, params[f'W{l}'] and params[f'b{l}'], never by their position in the dict")


def _edge_cases(rng, reordered=True):
    """(what, X, params, hint): one example, eleven layers, keys in another order."""
    cases = [("X (1, 3) (a single example) and params of layer sizes [3, 4, 1]",
              rng.normal(size=(1, 3)), _random_params(rng, [3, 4, 1]), _SINGLE_HINT)]
    sizes = [3] * 11 + [1]
    cases.append(("X (4, 3) and params of 11 layers, sizes [3, 3, ..., 3, 1] (W1 to W11)",
                  rng.normal(size=(4, 3)), _random_params(rng, sizes), _DEEP_HINT))
    if reordered:
        params = _random_params(rng, [2, 3, 3, 1])
        order = ["b3", "W2", "b1", "W3", "W1", "b2"]
        cases.append((f"X (5, 2) and params of layer sizes [2, 3, 3, 1] whose keys come in the "
                      f"order {order}", rng.normal(size=(5, 2)),
                      {key: params[key] for key in order}, _ORDER_HINT))
    return cases


def _squeezed(mlp_forward):
    """An mlp_forward that squeezes y_hat, a scalar for one example."""
    def squeezed(X, params):
        y_hat, cache = mlp_forward(X, params)
        return np.squeeze(y_hat), cache
    return squeezed


def _forward_variant(output_sigmoid=True, keep_column=False, fixed_depth=False,
                     hidden_sigmoid=True, cache_z_as_a=False):
    """An mlp_forward with one known mistake, for naming it in messages."""
    def wrong(X, params):
        layers = 2 if fixed_depth else len(params) // 2
        A, cache = X, []
        for layer in range(1, layers + 1):
            Z = A @ params[f"W{layer}"] + params[f"b{layer}"]
            last = layer == layers
            linear_cache = (A, params[f"W{layer}"], params[f"b{layer}"])
            if (last and output_sigmoid) or (not last and hidden_sigmoid):
                A = ref_loss.sigmoid(Z)
            else:
                A = Z
            cache.append((linear_cache, A if cache_z_as_a else Z, A))
        return (A if keep_column else A[:, 0]), cache
    return wrong


def _predictions_of(mlp_forward):
    """A function returning only the y_hat of the student's mlp_forward."""
    def predictions(X, params):
        result = mlp_forward(X, params)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CheckFailed(f"mlp_forward must return the pair (y_hat, cache), got "
                              f"{describe(result)}")
        return result[0]
    return predictions


def check_mlp_forward(mlp_forward):
    rng = np.random.default_rng(4104)
    use_reference(mlp_forward, linear_forward=ref.linear_forward, **_TOOLKIT)
    cases = [Case(what, (X, params)) for what, X, params in _mlp_cases(rng)]
    output_mistakes = {
        "without the sigmoid on the output layer": _forward_variant(output_sigmoid=False),
        "returning y_hat of shape (N, 1) (take its only column: y_hat has shape (N,))":
            _forward_variant(keep_column=True),
        "using only W1, b1, W2, b2 (the depth must be read from params)":
            _forward_variant(fixed_depth=True),
        "without the sigmoid on the hidden layers": _forward_variant(hidden_sigmoid=False),
    }
    output_mistakes["squeezing y_hat, which makes it a scalar for a single example (y_hat "
                    "has shape (N,), here (1,))"] = _squeezed(ref.mlp_forward)
    output_mistakes = {label: _predictions_of(wrong) for label, wrong in output_mistakes.items()}
    cache_mistakes = {
        "storing A where Z belongs in the cache (each entry is (linear cache, Z, A))":
            _forward_variant(cache_z_as_a=True),
    }
    edges = _edge_cases(np.random.default_rng(4114))
    with np.errstate(all="ignore"):
        check_cases("mlp_forward", _predictions_of(mlp_forward),
                    _predictions_of(ref.mlp_forward), cases, output_mistakes)
        for what, X, params, hint in edges:
            with_hint(hint, check_cases, "mlp_forward", _predictions_of(mlp_forward),
                      _predictions_of(ref.mlp_forward), [Case(what, (X, params))],
                      output_mistakes)
        check_cases("mlp_forward", mlp_forward, ref.mlp_forward,
                    cases + [Case(what, (X, params)) for what, X, params, _ in edges],
                    cache_mistakes)


def _backward_variant(mean=True, hidden_grad="z", output_sign=1.0, output_grad=False):
    """An mlp_backward with one known mistake, for naming it in messages."""
    def wrong(y, cache):
        y_hat = cache[-1][2][:, 0]
        dZ = (output_sign * (y_hat - y))[:, None]
        if output_grad:
            A = cache[-1][2]
            dZ = dZ * A * (1 - A)
        if mean:
            dZ = dZ / len(y)
        grads = {}
        for layer in range(len(cache), 0, -1):
            (A_prev, W, _), _, _ = cache[layer - 1]
            grads[f"W{layer}"] = A_prev.T @ dZ
            grads[f"b{layer}"] = dZ.sum(axis=0)
            dA = dZ @ W.T
            if layer > 1:
                Z_prev, A_prev_out = cache[layer - 2][1], cache[layer - 2][2]
                if hidden_grad == "z":
                    dZ = dA * ref_gradients.sigmoid_grad(Z_prev)
                elif hidden_grad == "a":
                    dZ = dA * ref_gradients.sigmoid_grad(A_prev_out)
                else:
                    dZ = dA
        return grads
    return wrong


def check_mlp_backward(mlp_backward):
    rng = np.random.default_rng(4105)
    use_reference(mlp_backward, linear_backward=ref.linear_backward,
                  mlp_forward=ref.mlp_forward, **_TOOLKIT)
    cases = []
    for what, X, params in _mlp_cases(rng):
        y = rng.integers(0, 2, size=X.shape[0]).astype(float)
        if what.startswith("the 4 XOR"):
            y = XOR_Y.copy()
        _, cache = ref.mlp_forward(X, params)
        cases.append(Case(f"y and the cache of mlp_forward on {what}", (y, cache)))
    for what, X, params, _ in _edge_cases(np.random.default_rng(4115), reordered=False):
        y = (np.arange(X.shape[0]) % 2).astype(float)
        cases.append(Case(f"y and the cache of mlp_forward on {what}",
                          (y, ref.mlp_forward(X, params)[1])))
    mistakes = {
        "without dividing by N (the loss is the mean over the batch)":
            _backward_variant(mean=False),
        "with σ′ applied to the activation A instead of to Z (σ′(Z) = A·(1 − A))":
            _backward_variant(hidden_grad="a"),
        "without σ′ in the hidden layers": _backward_variant(hidden_grad="none"),
        "with y − ŷ where ŷ − y belongs (the sign is flipped)":
            _backward_variant(output_sign=-1.0),
        "multiplying the output error by σ′(Z_L) (for the sigmoid with cross-entropy, "
        "dL/dZ_L is just (ŷ − y)/N)": _backward_variant(output_grad=True),
    }
    try:
        with np.errstate(all="ignore"):
            check_cases("mlp_backward", mlp_backward, ref.mlp_backward, cases, mistakes,
                        atol=1e-10, rtol=1e-6)
    except CheckFailed as failure:
        message = str(failure)
        if "this is what you get" not in message and (
                " raised ValueError" in message or "expected shape" in message):
            raise CheckFailed(
                f"{message}. A common cause: the output A has shape (N, 1) and y has shape "
                "(N,), so A - y broadcasts to an (N, N) matrix; use (A[:, 0] - y)[:, None] "
                "or A - y[:, None]") from None
        raise


# ---- train_mlp ---------------------------------------------------------------------------

def _train_variant(ascent=False, reinit=False, mean_batch_loss=False, zeros=False):
    """A full-batch train_mlp with one known mistake, for naming it in messages."""
    def wrong(X, y, layer_sizes, lr, epochs, batch_size, rng):
        params = ref.init_params(layer_sizes, rng)
        if zeros:
            params = {key: np.zeros_like(value) for key, value in params.items()}
        losses = np.empty(epochs)
        for epoch in range(epochs):
            if reinit and epoch > 0:
                params = ref.init_params(layer_sizes, rng)
            batch_losses = []
            for X_b, y_b in ref_sgd.minibatches(X, y, batch_size, rng):
                y_hat, cache = ref.mlp_forward(X_b, params)
                batch_losses.append(ref_loss.cost(y_b, y_hat))
                grads = ref.mlp_backward(y_b, cache)
                sign = -1.0 if ascent else 1.0
                params = {k: v - sign * lr * grads[k] for k, v in params.items()}
            if mean_batch_loss:
                losses[epoch] = np.mean(batch_losses)
            else:
                losses[epoch] = ref_loss.cost(y, ref.mlp_forward(X, params)[0])
        return params, losses
    return wrong


_REFERENCE_BACKWARD = ref.mlp_backward


class _Recorder:
    """Wraps the reference mlp_backward and notes the inputs of every batch it sees."""

    def __init__(self):
        self.batches = []

    def __call__(self, y, cache):
        try:
            self.batches.append(np.array(cache[0][0][0], dtype=float))
        except (TypeError, IndexError, KeyError, ValueError):
            pass
        return _REFERENCE_BACKWARD(y, cache)


def _two_moons(n, noise, seed):
    """Two interleaving half circles like scikit-learn's make_moons: X (n, 2), y (n,)."""
    rng = np.random.default_rng(seed)
    outer, inner = np.linspace(0.0, np.pi, n // 2), np.linspace(0.0, np.pi, n - n // 2)
    X = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], axis=1),
                        np.stack([1.0 - np.cos(inner), 0.5 - np.sin(inner)], axis=1)])
    y = np.concatenate([np.zeros(n // 2), np.ones(n - n // 2)])
    return X + rng.normal(scale=noise, size=X.shape), y


_DRAWS = (" (train_mlp draws params = init_params(layer_sizes, rng) first, then calls "
          "minibatches(X, y, batch_size, rng) once per epoch, and draws nothing else)")


def _check_full_batch(train_mlp):
    """Full-batch training is deterministic once init_params draws first: compare exactly."""
    X, y = _two_moons(40, 0.2, 4107)
    settings = [([2, 5, 1], 0.5, 12, 40, 41061), ([2, 4, 3, 1], 1.0, 10, 100, 41062)]
    cases = [Case(f"40 two-moons examples, layer_sizes={sizes}, lr={lr}, epochs={epochs}, "
                  f"batch_size={batch} (one batch per epoch), "
                  f"rng=np.random.default_rng({seed})",
                  (X, y, sizes, lr, epochs, batch, np.random.default_rng(seed)))
             for sizes, lr, epochs, batch, seed in settings]
    mistakes = {
        "adding the gradient (gradient descent subtracts lr · gradient)":
            _train_variant(ascent=True),
        "recording the mean of the batches' losses during the epoch instead of the cost on "
        "all of X after it": _train_variant(mean_batch_loss=True),
        "initialising the parameters again every epoch (init_params is called once)":
            _train_variant(reinit=True),
        "starting from all-zero parameters instead of init_params(layer_sizes, rng)":
            _train_variant(zeros=True),
    }
    try:
        with np.errstate(all="ignore"):
            check_cases("train_mlp", train_mlp, ref.train_mlp, cases, mistakes, atol=1e-9,
                        rtol=1e-5)
    except CheckFailed as failure:
        message = str(failure)
        if "this is what you get" in message or " raised " in message or \
                "changed its argument" in message:
            raise
        raise CheckFailed(
            f"{message}. With one batch per epoch the result depends only on the first "
            "parameters: start with params = init_params(layer_sizes, rng) before anything "
            "else draws from rng, then take one step of lr · gradient per minibatch") from None


def _check_minibatches(train_mlp, recorder):
    """Minibatch training on two moons: right batches, right bookkeeping, ≥ 95 % accuracy."""
    X, y = _two_moons(200, 0.15, 4106)
    sizes, lr, epochs, batch_size = [2, 16, 1], 3.0, 200, 32
    what = (f"200 two-moons examples, layer_sizes={sizes}, lr={lr}, epochs={epochs}, "
            f"batch_size={batch_size}")
    with np.errstate(all="ignore"):
        result, args, _ = call_student_inputs(
            "train_mlp", train_mlp,
            Case(what, (X, y, sizes, lr, epochs, batch_size, np.random.default_rng(4106))))
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"train_mlp on {what}: expected the pair (params, losses), got "
                          f"{describe(result)}")
    params, losses = result
    params = _as_trained_params(params, sizes, what)
    losses = to_float_array(losses, f"train_mlp on {what}: losses")
    if losses.shape != (epochs,):
        raise CheckFailed(f"train_mlp on {what}: losses must have shape ({epochs},), one cost "
                          f"per epoch, got shape {losses.shape}")
    _check_batches(recorder.batches, len(X), epochs, batch_size, what)
    planned = np.random.default_rng(4106)
    ref.init_params(sizes, planned)
    for _ in range(epochs):
        list(ref_sgd.minibatches(X, y, batch_size, planned))
    if generator_states(args)[0] != planned.bit_generator.state:
        raise CheckFailed(f"train_mlp on {what}: the rng argument is not left as the "
                          f"prescribed draws leave it{_DRAWS}")
    with np.errstate(all="ignore"):
        y_hat, _ = ref.mlp_forward(X, params)
    final = ref_loss.cost(y, y_hat)
    compare(losses[-1], final, f"train_mlp on {what}: losses[-1] must be the cost on all of X "
            "with the returned params", atol=1e-9, rtol=1e-6)
    accuracy = float(np.mean((y_hat > 0.5) == y))
    if accuracy < 0.95:
        raise CheckFailed(f"train_mlp on {what}: the trained network classifies only "
                          f"{accuracy:.1%} of the training examples right; a correct train_mlp "
                          "reaches at least 95 % here")


def _as_trained_params(params, sizes, what):
    if not isinstance(params, dict):
        raise CheckFailed(f"train_mlp on {what}: params must be a dict, got "
                          f"{type(params).__name__}")
    expected = ref.init_params(sizes, np.random.default_rng(0))
    if sorted(str(k) for k in params) != sorted(expected):
        raise CheckFailed(f"train_mlp on {what}: params must have the keys {sorted(expected)}, "
                          f"got {sorted(str(k) for k in params)}")
    converted = {}
    for key, value in expected.items():
        converted[key] = to_float_array(params[key], f"train_mlp on {what}: params[{key!r}]")
        if converted[key].shape != value.shape:
            raise CheckFailed(f"train_mlp on {what}: params[{key!r}] must have shape "
                              f"{value.shape}, got {converted[key].shape}")
    return converted


def _check_batches(batches, n, epochs, batch_size, what):
    """The batches mlp_backward saw: every example once per epoch, reshuffled every epoch."""
    if not batches:
        return  # the student computed gradients without mlp_backward; nothing to count
    per_epoch = math.ceil(n / batch_size)
    if len(batches) != epochs * per_epoch:
        raise CheckFailed(
            f"train_mlp on {what}: mlp_backward was called {len(batches)} times; with {n} "
            f"examples and batch_size={batch_size}, each epoch has {per_epoch} minibatches, "
            f"so {epochs} epochs make {epochs * per_epoch} updates")
    largest = max(len(b) for b in batches)
    if largest > batch_size:
        raise CheckFailed(f"train_mlp on {what}: a minibatch of {largest} examples was used; "
                          f"batches hold at most batch_size={batch_size}")
    first, second = (np.concatenate(batches[e * per_epoch:(e + 1) * per_epoch])
                     for e in (0, 1))
    if len(first) != n:
        raise CheckFailed(f"train_mlp on {what}: one epoch used {len(first)} examples; every "
                          f"one of the {n} examples must be used exactly once per epoch")
    if np.array_equal(first, second):
        raise CheckFailed(f"train_mlp on {what}: the first two epochs visited the examples in "
                          "the same order; shuffle every epoch (minibatches does it)")


def check_train_mlp(train_mlp):
    recorder = _Recorder()
    use_reference(train_mlp, mlp_forward=ref.mlp_forward, mlp_backward=ref.mlp_backward,
                  linear_forward=ref.linear_forward, linear_backward=ref.linear_backward,
                  **_TOOLKIT)
    _check_full_batch(train_mlp)
    use_reference(train_mlp, mlp_backward=recorder)
    _check_minibatches(train_mlp, recorder)


check_train_mlp.timeout = 40
