"""Hidden checks for 03_sgd.

`minibatches` is random, and correct answers may use the generator in
different ways, so it is checked by properties. `train_logistic_regression`
is compared exactly with the reference where the order of the examples cannot
matter (one batch per epoch), and with small batches it is replayed: the
checker hands it a `minibatches` that records the batches of every epoch, and
the result must be what those batches give.
"""
import itertools

import numpy as np

from autograder.checks.base import Case, CheckFailed, call_student, call_student_inputs, \
    check_cases, compare, describe, generator_states, to_float_array, \
    named_mistake, use_reference
from autograder.reference import gradients as ref_gradients
from autograder.reference import loss as ref_loss
from autograder.reference import sgd as ref

_array_equal = np.array_equal
_zeros = np.zeros
_arange = np.arange


# ---- sgd_step ------------------------------------------------------------------------------

def check_sgd_step(sgd_step):
    rng = np.random.default_rng(3301)
    w, b = rng.normal(size=3), 0.7
    layers = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=(4, 1)), "b2": rng.normal(size=1)}
    layer_grads = {key: rng.normal(size=value.shape) for key, value in layers.items()}
    cases = [
        Case("params {'w': (3,), 'b': float}, lr = 0.1",
             ({"w": w, "b": b}, {"w": rng.normal(size=3), "b": -0.4}, 0.1)),
        Case("params {'W1', 'b1', 'W2', 'b2'} of a small network, lr = 0.5",
             (layers, layer_grads, 0.5)),
        Case("a single parameter {'W': (2, 2)}, lr = 2.0",
             ({"W": rng.normal(size=(2, 2))}, {"W": rng.normal(size=(2, 2))}, 2.0)),
        Case("lr = 0 (nothing may change)",
             ({"w": w, "b": b}, {"w": np.ones(3), "b": 1.0}, 0.0)),
        Case("params {'W1', 'b1', 'W2', 'b2'} and grads with the same keys in the order "
             "'b2', 'W2', 'b1', 'W1', lr = 0.5",
             (layers, {key: layer_grads[key] for key in reversed(layer_grads)}, 0.5)),
    ]

    def each(function):
        return lambda params, grads, lr: {k: function(params[k], grads[k], lr) for k in params}

    mistakes = {
        "with + instead of − (this climbs the loss: the sign error of one of the slides)":
            each(lambda p, g, lr: p + lr * g),
        "without the learning rate (p − g)": each(lambda p, g, lr: p - g),
        "dividing the gradient by lr instead of multiplying":
            each(lambda p, g, lr: p - g / lr if lr else p),
        "pairing params and grads by position (zip of the two dicts) instead of by name; "
        "dicts are looked up by key: use grads[k] for params[k]":
            lambda params, grads, lr: {k: v - lr * g for (k, v), g in
                                       zip(params.items(), grads.values())},
    }
    with np.errstate(all="ignore"):
        check_cases("sgd_step", sgd_step, ref.sgd_step, cases, mistakes)


# ---- minibatches ---------------------------------------------------------------------------

def _numbered_data(n, d, seed):
    """X whose first column is the row number, so every row can be recognised; labels y."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, 0] = _arange(n)
    y = rng.integers(0, 2, size=n).astype(float)
    return X, y


def _collector(minibatches, limit, used):
    """A function that calls the student's minibatches and lists what it yields."""
    def run(X, y, batch_size, rng):
        used.append(rng)
        result = minibatches(X, y, batch_size, rng)
        try:
            iterator = iter(result)
        except TypeError:
            raise CheckFailed(f"minibatches should return an iterator of (X_b, y_b) pairs "
                              f"(use yield), got {type(result).__name__}") from None
        return list(itertools.islice(iterator, limit))
    return run


def _batches(minibatches, X, y, batch_size, seed, what, rng=None):
    """The student's batches as lists of float arrays, after checking their form.

    With `rng` given, it is advanced as the student's call advanced its copy of it.
    """
    own_rng = np.random.default_rng(seed) if rng is None else rng
    used = []
    items = call_student("minibatches", _collector(minibatches, X.shape[0] + 5, used),
                         Case(what, (X, y, batch_size, own_rng)))
    own_rng.bit_generator.state = used[0].bit_generator.state
    batches = []
    for number, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise CheckFailed(f"minibatches on {what}: batch {number} should be a pair "
                              f"(X_b, y_b), got {describe(item)}")
        X_b = to_float_array(item[0], f"minibatches on {what}: X_b of batch {number}")
        y_b = to_float_array(item[1], f"minibatches on {what}: y_b of batch {number}")
        if X_b.ndim != 2 or X_b.shape[1] != X.shape[1] or y_b.shape != (X_b.shape[0],):
            raise CheckFailed(f"minibatches on {what}: batch {number} has X_b of shape "
                              f"{X_b.shape} and y_b of shape {y_b.shape}; expected (B, "
                              f"{X.shape[1]}) and (B,) for some batch size B")
        batches.append((X_b, y_b))
    return batches


def _row_ids(batches):
    return [int(round(v)) for X_b, _ in batches for v in X_b[:, 0]]


def _check_sizes(batches, n, batch_size, what):
    sizes = [X_b.shape[0] for X_b, _ in batches]
    full, rest = divmod(n, batch_size)
    expected = [batch_size] * full + ([rest] if rest else [])
    if sizes == expected:
        return
    if 0 in sizes:
        raise CheckFailed(f"minibatches on {what}: gave batch sizes {sizes}, including an "
                          f"empty batch; expected {expected}")
    if sizes == [batch_size] * full and rest:
        raise CheckFailed(f"minibatches on {what}: gave batch sizes {sizes}; expected "
                          f"{expected} — the last, shorter batch is missing (every example "
                          "must be used once per epoch)")
    raise CheckFailed(f"minibatches on {what}: gave batch sizes {sizes}; expected {expected} "
                      f"(batches of {batch_size}, only the last one may be shorter)")


def _check_rows(batches, X, y, what):
    n = X.shape[0]
    ids = _row_ids(batches)
    if sorted(ids) != list(range(n)):
        missing = sorted(set(range(n)) - set(ids))
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        raise CheckFailed(f"minibatches on {what}: every example must appear exactly once "
                          f"per epoch, but rows {missing[:8]} are missing and rows "
                          f"{repeated[:8]} appear more than once (draw a permutation, not "
                          "independent random rows)")
    for number, (X_b, y_b) in enumerate(batches):
        rows = [int(round(v)) for v in X_b[:, 0]]
        if not _array_equal(X_b, X[rows]):
            raise CheckFailed(f"minibatches on {what}: the rows of X_b in batch {number} "
                              "are not rows of X")
        if not _array_equal(y_b, y[rows]):
            raise CheckFailed(f"minibatches on {what}: in batch {number}, y_b does not "
                              "belong to the rows of X_b (shuffle X and y with the same "
                              "permutation so each label stays with its example)")
    if ids == list(range(n)):
        raise CheckFailed(f"minibatches on {what}: the examples come in their original "
                          "order; shuffle them first (rng.permutation)")
    return ids


def check_minibatches(minibatches):
    X, y = _numbered_data(23, 3, 3302)
    what = "X of shape (23, 3), batch_size = 5, rng = np.random.default_rng(0)"
    batches = _batches(minibatches, X, y, 5, 0, what)
    _check_sizes(batches, 23, 5, what)
    first = _check_rows(batches, X, y, what)

    again = _batches(minibatches, X, y, 5, 0, what + " (a second time)")
    if _row_ids(again) != first:
        raise CheckFailed("minibatches gave different batches for two generators made with "
                          "the same seed: shuffle with the rng you are given "
                          "(rng.permutation), not with np.random")

    rng = np.random.default_rng(7)
    epoch_one = _batches(minibatches, X, y, 5, None, "epoch 1 with rng seed 7", rng)
    epoch_two = _batches(minibatches, X, y, 5, None, "epoch 2 with the same rng", rng)
    if _row_ids(epoch_one) == _row_ids(epoch_two):
        raise CheckFailed("minibatches gave the same order in two epochs drawn from the same "
                          "generator: shuffle anew on every call, using the rng argument")
    other = _batches(minibatches, X, y, 5, 1, what.replace("default_rng(0)", "default_rng(1)"))
    if _row_ids(other) == first:
        raise CheckFailed("minibatches gave the same batches for generators made with the "
                          "seeds 0 and 1: shuffle with the rng you are given "
                          "(rng.permutation), not with a generator of your own")

    for n, batch_size, seed in [(20, 4, 1), (6, 1, 2), (12, 50, 3), (9, 9, 4)]:
        X, y = _numbered_data(n, 2, seed)
        what = f"X of shape ({n}, 2), batch_size = {batch_size}"
        batches = _batches(minibatches, X, y, batch_size, seed, what)
        _check_sizes(batches, n, batch_size, what)
        if n > 1:
            try:
                _check_rows(batches, X, y, what)
            except CheckFailed as failure:
                if "original order" not in str(failure) or n > 6:
                    raise


# ---- train_logistic_regression -------------------------------------------------------------

_DRAWS = (" (the notebook prescribes one call of minibatches(X, y, batch_size, rng) per "
          "epoch, with the rng you are given, and no other draws)")


def _train_variant(X, y, lr, epochs, batch_size, rng, sign=1.0, loss_before=False,
                   skip_short=False, initial_loss=False):
    """The reference training loop with one of the known mistakes switched on.

    Each epoch's batches are drawn from `rng` only when that epoch starts, as the reference
    draws them.
    """
    epochs_of_batches = (ref.minibatches(X, y, batch_size, rng) for _ in range(epochs))
    return _replay(epochs_of_batches, X, y, lr, sign, loss_before,
                   batch_size if skip_short else None, initial_loss)


def _replay(epochs_of_batches, X, y, lr, sign=1.0, loss_before=False, skip_short=None,
            initial_loss=False):
    """What training gives on these batches (one iterable of (X_b, y_b) per epoch).

    sign: -1.0 for gradient ascent; loss_before: the cost recorded before each epoch instead
    of after it; skip_short: batches smaller than this are skipped; initial_loss: the cost of
    the starting parameters recorded first.
    """
    w, b = _zeros(X.shape[1]), 0.0
    losses = [ref_loss.cost(y, ref_loss.predict_proba(X, w, b))] if initial_loss else []
    for batches in epochs_of_batches:
        if loss_before:
            losses.append(ref_loss.cost(y, ref_loss.predict_proba(X, w, b)))
        for X_b, y_b in batches:
            if skip_short is not None and X_b.shape[0] < skip_short:
                continue
            dw, db = ref_gradients.logistic_gradients(X_b, y_b, w, b)
            w, b = w - sign * lr * dw, b - sign * lr * db
        if not loss_before:
            losses.append(ref_loss.cost(y, ref_loss.predict_proba(X, w, b)))
    return w, float(b), np.array(losses)


def _recording_minibatches(log):
    """A reference minibatches that records the full list of batches of every call."""
    def minibatches(X, y, batch_size, rng):
        batches = [(X_b.copy(), y_b.copy()) for X_b, y_b in ref.minibatches(X, y, batch_size,
                                                                            rng)]
        log.append(batches)
        return (pair for pair in batches)
    return minibatches


def _inject(train, minibatches):
    use_reference(train, sgd_step=ref.sgd_step, minibatches=minibatches,
                  predict_proba=ref_loss.predict_proba, sigmoid=ref_loss.sigmoid,
                  cost=ref_loss.cost, binary_cross_entropy=ref_loss.binary_cross_entropy,
                  logistic_gradients=ref_gradients.logistic_gradients)


def _full_batch_data(seed, n, d):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + rng.normal(scale=1.0, size=n) > 0).astype(float)
    return X, y


def _separable_data():
    rng = np.random.default_rng(3304)
    X = np.concatenate([rng.normal(-2.0, 0.6, size=(18, 2)), rng.normal(2.0, 0.6, size=(17, 2))])
    y = np.concatenate([np.zeros(18), np.ones(17)])
    return X, y


def _check_full_batch(train):
    X1, y1 = _full_batch_data(3303, 40, 3)
    X2, y2 = _full_batch_data(3305, 15, 2)
    cases = [
        Case("X of shape (40, 3), lr = 0.5, epochs = 6, batch_size = 40 (one batch per epoch)",
             (X1, y1, 0.5, 6, 40, np.random.default_rng(1))),
        Case("X of shape (15, 2), lr = 2.0, epochs = 4, batch_size = 100 (more than N)",
             (X2, y2, 2.0, 4, 100, np.random.default_rng(2))),
    ]
    mistakes = {
        "with + instead of − in the update (the loss goes up)":
            lambda *args: _train_variant(*args, sign=-1.0),
        "recording the cost before each epoch's updates instead of after them":
            lambda *args: _train_variant(*args, loss_before=True),
        "skipping the last, shorter batch of each epoch (here the only batch)":
            lambda *args: _train_variant(*args, skip_short=True),
        "including the cost before training in losses (record it after each epoch only)":
            lambda *args: _train_variant(*args, initial_loss=True),
    }
    check_cases("train_logistic_regression", train, ref.train_logistic_regression, cases,
                mistakes, atol=1e-6, rtol=1e-6)


def _unpack(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise CheckFailed(f"train_logistic_regression on {what}: expected a tuple "
                          f"(w, b, losses), got {describe(result)}")
    w = to_float_array(result[0], f"train_logistic_regression on {what}: w")
    b = to_float_array(result[1], f"train_logistic_regression on {what}: b")
    losses = to_float_array(result[2], f"train_logistic_regression on {what}: losses")
    if b.size != 1:
        raise CheckFailed(f"train_logistic_regression on {what}: b should be a float, got "
                          f"{describe(b)}")
    return w, float(b.reshape(-1)[0]), losses.reshape(-1)


def _check_properties(w, b, losses, X, y, epochs, batch_size, what):
    name = "train_logistic_regression"
    batches_per_epoch = -(-X.shape[0] // batch_size)
    if losses.size != epochs:
        hint = ""
        if losses.size == epochs * batches_per_epoch:
            hint = " — recording a loss after every batch instead of once per epoch"
        elif losses.size == epochs + 1:
            hint = " — including the cost before training; record it after each epoch only"
        raise CheckFailed(f"{name} on {what}: losses has {losses.size} entries for {epochs} "
                          f"epochs; expected one per epoch{hint}")
    if w.shape != (X.shape[1],):
        raise CheckFailed(f"{name} on {what}: w should have shape ({X.shape[1]},), got "
                          f"{w.shape}")
    final = ref_loss.cost(y, ref_loss.predict_proba(X, w, b))
    compare(losses[-1], final, f"{name} on {what}: losses[-1] should be the cost of the "
            "returned w, b on all of X, y", atol=1e-6, rtol=1e-6)
    if not losses[-1] < losses[0] < np.log(2.0):
        raise CheckFailed(f"{name} on {what} (a separable problem, starting from w = 0, "
                          f"b = 0 where the cost is log 2 = 0.693): the cost should go down, "
                          f"got losses {describe(losses)}")


def _name_replay_mistake(got, log, X, y, lr, batch_size):
    variants = {
        "with + instead of − in the update": _replay(log, X, y, lr, sign=-1.0),
        "recording the cost before each epoch's updates instead of after them":
            _replay(log, X, y, lr, loss_before=True),
        "skipping the last, shorter batch of each epoch":
            _replay(log, X, y, lr, skip_short=batch_size),
    }
    for label, expected in variants.items():
        try:
            compare(got, expected, "", atol=1e-6, rtol=1e-6)
        except CheckFailed:
            continue
        return label
    return None


def _check_small_batches(train):
    X, y = _separable_data()
    lr, epochs, batch_size, seed = 0.3, 5, 8, 11
    what = f"X of shape {X.shape}, lr = {lr}, epochs = {epochs}, batch_size = {batch_size}"
    planned = _train_variant(X, y, lr, epochs, batch_size, np.random.default_rng(seed))
    planned_log, planned_rng = [], np.random.default_rng(seed)
    for _ in range(epochs):
        _recording_minibatches(planned_log)(X, y, batch_size, planned_rng)
    log = []
    _inject(train, _recording_minibatches(log))
    result, args, _ = call_student_inputs(
        "train_logistic_regression", train,
        Case(what, (X, y, lr, epochs, batch_size, np.random.default_rng(seed))))
    w, b, losses = _unpack(result, what)
    _check_properties(w, b, losses, X, y, epochs, batch_size, what)
    if log and len(log) != epochs:
        raise CheckFailed(f"train_logistic_regression on {what}: it called minibatches "
                          f"{len(log)} times for {epochs} epochs; make one pass over "
                          "minibatches(X, y, batch_size, rng) per epoch")
    _check_final_state(generator_states(args)[0], planned_rng, seed, epochs, what)
    if not log:
        return  # shuffles by itself, as minibatches would: its properties are checked
    as_planned = [len(epoch) for epoch in log] == [len(epoch) for epoch in planned_log] and all(
        _array_equal(a[0], p[0]) for got, plan in zip(log, planned_log)
        for a, p in zip(got, plan))
    expected = planned if as_planned else _replay(log, X, y, lr)
    try:
        compare((w, b, losses), expected, f"train_logistic_regression on {what}",
                atol=1e-6, rtol=1e-6)
    except CheckFailed as mismatch:
        label = _name_replay_mistake((w, b, losses), log, X, y, lr, batch_size)
        if label:
            raise named_mistake(mismatch, label) from None
        raise CheckFailed(f"{mismatch} (w, b and losses should be what the batches "
                          "from minibatches give, one sgd_step per batch, starting from "
                          "w = 0, b = 0)") from None


def _check_final_state(state, planned_rng, seed, epochs, what):
    """CheckFailed unless rng was left as `epochs` calls of minibatches leave it."""
    if state == planned_rng.bit_generator.state:
        return
    name = f"train_logistic_regression on {what}"
    if state == np.random.default_rng(seed).bit_generator.state:
        raise CheckFailed(f"{name}: it never drew from the rng argument (its state is "
                          "unchanged): shuffle with the rng you are given, never with "
                          f"np.random or a generator of your own{_DRAWS}")
    raise CheckFailed(f"{name}: the rng argument is not left as {epochs} shuffles (one per "
                      "epoch) leave it: shuffling only once and reusing that order, or "
                      f"drawing something else from it, changes the batches{_DRAWS}")


def check_train_logistic_regression(train_logistic_regression):
    _inject(train_logistic_regression, ref.minibatches)
    _check_full_batch(train_logistic_regression)
    _check_small_batches(train_logistic_regression)


# ---- accuracy ------------------------------------------------------------------------------

def check_accuracy(accuracy):
    rng = np.random.default_rng(3306)
    y_true = rng.integers(0, 2, size=30).astype(float)
    y_pred = np.where(rng.random(30) < 0.8, y_true, 1 - y_true)
    cases = [
        Case("y_true = [1, 0, 1, 1], y_pred = [1, 1, 1, 0]",
             (np.array([1.0, 0.0, 1.0, 1.0]), np.array([1.0, 1.0, 1.0, 0.0]))),
        Case("30 binary labels, about 80 % right", (y_true, y_pred)),
        Case("integer class labels in [0, 10), y_pred as ints",
             (rng.integers(0, 10, size=25), rng.integers(0, 10, size=25))),
        Case("all right: y_true = y_pred = [2, 0, 1]",
             (np.array([2, 0, 1]), np.array([2, 0, 1]))),
        Case("all wrong: y_true = [0, 0], y_pred = [1, 1]",
             (np.array([0.0, 0.0]), np.array([1.0, 1.0]))),
        Case("a single example y_true = [1.0], y_pred = [1]", (np.array([1.0]), np.array([1]))),
    ]
    mistakes = {
        "counting the right predictions instead of averaging (the fraction)":
            lambda t, p: float(np.sum(np.asarray(t) == np.asarray(p))),
        "returning the error rate (the fraction wrong)":
            lambda t, p: float(np.mean(np.asarray(t) != np.asarray(p))),
        "returning a percentage instead of a fraction":
            lambda t, p: 100.0 * float(np.mean(np.asarray(t) == np.asarray(p))),
    }
    check_cases("accuracy", accuracy, ref.accuracy, cases, mistakes)
