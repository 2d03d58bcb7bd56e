"""Do the hidden checks of 03_sgd pass the reference, fail each named mutant, and pass
correct answers written differently?"""
import inspect

import numpy as np

from autograder.reference import sgd as ref
from tests.support.proofs import accepts_each, assert_passes, rejects_each

A = "03_sgd"


# ---- what a student's notebook namespace holds: toolkit functions and earlier answers --------

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def predict_proba(X, w, b):
    return sigmoid(X @ w + b)


def cost(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return float(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)))


def logistic_gradients(X, y, w, b):
    err = predict_proba(X, w, b) - y
    return X.T @ err / len(y), float(np.mean(err))


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads[k] for k in params}


def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(y))
    for start in range(0, len(y), batch_size):
        yield X[order[start:start + batch_size]], y[order[start:start + batch_size]]


def as_student(function):
    """The reference function as a student has it, in a namespace of this module."""
    namespace = dict(globals())
    exec(inspect.getsource(function), namespace)
    copy = namespace[function.__name__]
    copy.__module__ = __name__
    return copy


# ---- correct answers written differently -------------------------------------------------

def sgd_step_loop(params, grads, lr):
    new = {}
    for name, value in params.items():
        updated = np.array(value, dtype=float, copy=True)
        updated -= lr * np.asarray(grads[name])
        new[name] = updated
    return new


def minibatches_shuffle_indices(X, y, batch_size, rng):
    index = np.arange(X.shape[0])
    rng.shuffle(index)
    X, y = X[index], y[index]
    start = 0
    while start < len(index):
        yield X[start:start + batch_size], y[start:start + batch_size]
        start += batch_size


def minibatches_list(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    chunks = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [(X[c], list(y[c])) for c in chunks]


def train_separate_variables(X, y, lr, epochs, batch_size, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            dw, db = logistic_gradients(X_b, y_b, w, b)
            w = w - lr * dw
            b -= lr * db
        losses.append(cost(y, predict_proba(X, w, b)))
    return w, b, losses


def train_own_shuffle(X, y, lr, epochs, batch_size, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = np.empty(epochs)
    for epoch in range(epochs):
        idx = np.arange(len(y))
        rng.shuffle(idx)
        for i in range(0, len(y), batch_size):
            rows = idx[i:i + batch_size]
            err = sigmoid(X[rows] @ w + b) - y[rows]
            w = w - lr * (X[rows].T @ err) / len(rows)
            b = b - lr * err.mean()
        losses[epoch] = cost(y, predict_proba(X, w, b))
    return w, b, losses


def accuracy_loop(y_true, y_pred):
    right = sum(1 for t, p in zip(y_true, y_pred) if t == p)
    return right / len(y_true)


def accuracy_count_nonzero(y_true, y_pred):
    return np.count_nonzero(np.equal(y_true, y_pred)) / np.size(y_true)


def sgd_step_by_name(params, grads, lr):
    return {name: value - lr * grads[name] for name, value in params.items()}


# ---- named mutants -----------------------------------------------------------------------

def sgd_step_plus(params, grads, lr):
    return {k: params[k] + lr * grads[k] for k in params}


def sgd_step_in_place(params, grads, lr):
    for k in params:
        params[k] = params[k] - lr * grads[k]
    return params


def sgd_step_shallow_copy(params, grads, lr):
    new = dict(params)
    for k in new:
        new[k] -= lr * grads[k]
    return new


def sgd_step_no_lr(params, grads, lr):
    return {k: params[k] - grads[k] for k in params}


def minibatches_unshuffled(X, y, batch_size, rng):
    for start in range(0, len(y), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]


def minibatches_drop_last(X, y, batch_size, rng):
    order = rng.permutation(len(y))
    for start in range(0, len(y) - batch_size + 1, batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]


def minibatches_global_random(X, y, batch_size, rng):
    order = np.random.permutation(len(y))
    for start in range(0, len(y), batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]


def minibatches_fixed_seed(X, y, batch_size, rng):
    order = np.random.default_rng(0).permutation(len(y))
    for start in range(0, len(y), batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]


def minibatches_with_replacement(X, y, batch_size, rng):
    for start in range(0, len(y), batch_size):
        rows = rng.integers(0, len(y), size=min(batch_size, len(y) - start))
        yield X[rows], y[rows]


def minibatches_misaligned(X, y, batch_size, rng):
    X_order, y_order = rng.permutation(len(y)), rng.permutation(len(y))
    for start in range(0, len(y), batch_size):
        yield X[X_order[start:start + batch_size]], y[y_order[start:start + batch_size]]


def minibatches_empty_tail(X, y, batch_size, rng):
    order = rng.permutation(len(y))
    for start in range(0, len(y) + 1, batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]


def minibatches_shuffles_in_place(X, y, batch_size, rng):
    state = rng.bit_generator.state
    rng.shuffle(X)
    rng.bit_generator.state = state
    rng.shuffle(y)
    for start in range(0, len(y), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]


def train_plus(X, y, lr, epochs, batch_size, rng):
    params, losses = {"w": np.zeros(X.shape[1]), "b": 0.0}, []
    for _ in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            dw, db = logistic_gradients(X_b, y_b, params["w"], params["b"])
            params = {"w": params["w"] + lr * dw, "b": params["b"] + lr * db}
        losses.append(cost(y, predict_proba(X, params["w"], params["b"])))
    return params["w"], params["b"], losses


def train_loss_before(X, y, lr, epochs, batch_size, rng):
    params, losses = {"w": np.zeros(X.shape[1]), "b": 0.0}, []
    for _ in range(epochs):
        losses.append(cost(y, predict_proba(X, params["w"], params["b"])))
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            dw, db = logistic_gradients(X_b, y_b, params["w"], params["b"])
            params = sgd_step(params, {"w": dw, "b": db}, lr)
    return params["w"], params["b"], losses


def train_loss_per_batch(X, y, lr, epochs, batch_size, rng):
    params, losses = {"w": np.zeros(X.shape[1]), "b": 0.0}, []
    for _ in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            dw, db = logistic_gradients(X_b, y_b, params["w"], params["b"])
            params = sgd_step(params, {"w": dw, "b": db}, lr)
            losses.append(cost(y, predict_proba(X, params["w"], params["b"])))
    return params["w"], params["b"], losses


def train_skip_short(X, y, lr, epochs, batch_size, rng):
    params, losses = {"w": np.zeros(X.shape[1]), "b": 0.0}, []
    for _ in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            if len(y_b) < batch_size:
                continue
            dw, db = logistic_gradients(X_b, y_b, params["w"], params["b"])
            params = sgd_step(params, {"w": dw, "b": db}, lr)
        losses.append(cost(y, predict_proba(X, params["w"], params["b"])))
    return params["w"], params["b"], losses


def train_first_batch_only(X, y, lr, epochs, batch_size, rng):
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        X_b, y_b = next(iter(minibatches(X, y, batch_size, rng)))
        dw, db = logistic_gradients(X_b, y_b, w, b)
        w, b = w - lr * dw, b - lr * db
        losses.append(cost(y, predict_proba(X, w, b)))
    return w, b, losses


def train_with_initial_loss(X, y, lr, epochs, batch_size, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = [cost(y, predict_proba(X, w, b))]
    for _ in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            dw, db = logistic_gradients(X_b, y_b, w, b)
            w, b = w - lr * dw, b - lr * db
        losses.append(cost(y, predict_proba(X, w, b)))
    return w, b, losses


def train_random_start(X, y, lr, epochs, batch_size, rng):
    w, b = rng.normal(size=X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            dw, db = logistic_gradients(X_b, y_b, w, b)
            w, b = w - lr * dw, b - lr * db
        losses.append(cost(y, predict_proba(X, w, b)))
    return w, b, losses


def train_batch_cost(X, y, lr, epochs, batch_size, rng):
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            dw, db = logistic_gradients(X_b, y_b, w, b)
            w, b = w - lr * dw, b - lr * db
        losses.append(cost(y_b, predict_proba(X_b, w, b)))
    return w, b, losses


def accuracy_count(y_true, y_pred):
    return float(np.sum(y_true == y_pred))


def accuracy_error_rate(y_true, y_pred):
    return float(np.mean(y_true != y_pred))


def accuracy_percent(y_true, y_pred):
    return 100 * float(np.mean(y_true == y_pred))


def sgd_step_zip(params, grads, lr):
    return {k: v - lr * g for (k, v), g in zip(params.items(), grads.values())}


def train_own_generator(X, y, lr, epochs, batch_size, rng):
    own = np.random.default_rng(0)
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, own):
            params = sgd_step({"w": w, "b": b}, dict(zip("wb", logistic_gradients(X_b, y_b, w, b))),
                              lr)
            w, b = params["w"], params["b"]
        losses.append(cost(y, predict_proba(X, w, b)))
    return w, b, np.array(losses)


def train_shuffle_once(X, y, lr, epochs, batch_size, rng):
    batches = list(minibatches(X, y, batch_size, rng))
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        for X_b, y_b in batches:
            dw, db = logistic_gradients(X_b, y_b, w, b)
            w, b = w - lr * dw, b - lr * db
        losses.append(cost(y, predict_proba(X, w, b)))
    return w, b, np.array(losses)


def train_own_shuffle_once(X, y, lr, epochs, batch_size, rng):
    order = rng.permutation(len(y))
    w, b = np.zeros(X.shape[1]), 0.0
    losses = np.empty(epochs)
    for epoch in range(epochs):
        for i in range(0, len(y), batch_size):
            rows = order[i:i + batch_size]
            dw, db = logistic_gradients(X[rows], y[rows], w, b)
            w, b = w - lr * dw, b - lr * db
        losses[epoch] = cost(y, predict_proba(X, w, b))
    return w, b, losses


CORRECT = [
    ("sgd_step", as_student(ref.sgd_step)), ("sgd_step", sgd_step_loop),
    ("minibatches", as_student(ref.minibatches)),
    ("minibatches", minibatches_shuffle_indices), ("minibatches", minibatches_list),
    ("train_logistic_regression", as_student(ref.train_logistic_regression)),
    ("train_logistic_regression", train_separate_variables),
    ("train_logistic_regression", train_own_shuffle),
    ("accuracy", as_student(ref.accuracy)), ("accuracy", accuracy_loop),
    ("accuracy", accuracy_count_nonzero),
    ("sgd_step", sgd_step_by_name),
]

MUTANTS = [
    ("sgd_step", sgd_step_plus, "+ instead of −"),
    ("sgd_step", sgd_step_in_place, "changed its argument number 1 in place"),
    ("sgd_step", sgd_step_shallow_copy, "changed its argument number 1 in place"),
    ("sgd_step", sgd_step_no_lr, "without the learning rate"),
    ("minibatches", minibatches_unshuffled, "original order"),
    ("minibatches", minibatches_drop_last, "the last, shorter batch is missing"),
    ("minibatches", minibatches_global_random, "same seed"),
    ("minibatches", minibatches_fixed_seed, "same order in two epochs"),
    ("minibatches", minibatches_with_replacement, "exactly once"),
    ("minibatches", minibatches_misaligned, "y_b does not belong"),
    ("minibatches", minibatches_empty_tail, "empty batch"),
    ("minibatches", minibatches_shuffles_in_place, "changed its argument"),
    ("train_logistic_regression", train_plus, "+ instead of −"),
    ("train_logistic_regression", train_loss_before, "before each epoch's updates"),
    ("train_logistic_regression", train_loss_per_batch, "after every batch"),
    ("train_logistic_regression", train_skip_short, "skipping the last, shorter batch"),
    ("train_logistic_regression", train_first_batch_only, "expected"),
    ("train_logistic_regression", train_with_initial_loss, "cost before training"),
    ("train_logistic_regression", train_random_start, "expected"),
    ("train_logistic_regression", train_batch_cost, "losses[-1] should be the cost"),
    ("accuracy", accuracy_count, "counting"),
    ("accuracy", accuracy_error_rate, "error rate"),
    ("accuracy", accuracy_percent, "percentage"),
    ("sgd_step", sgd_step_zip, "pairing params and grads by position"),
    ("train_logistic_regression", train_own_generator, "never drew from the rng argument"),
    ("train_logistic_regression", train_shuffle_once, "called minibatches 1 times"),
    ("train_logistic_regression", train_own_shuffle_once, "shuffling only once"),
]


test_check_accepts_correct_answer = accepts_each(A, CORRECT)
test_check_rejects_mutant = rejects_each(A, MUTANTS)


def test_train_is_judged_with_the_reference_minibatches_and_sgd_step():
    """Is train_logistic_regression judged on its own even when the student's sgd_step and
    minibatches in its namespace are wrong?"""
    namespace = dict(globals())
    exec("def sgd_step(params, grads, lr):\n"
         "    return {k: params[k] + lr * grads[k] for k in params}\n"
         "def minibatches(X, y, batch_size, rng):\n"
         "    yield X[:batch_size], y[:batch_size]\n"
         + inspect.getsource(ref.train_logistic_regression), namespace)
    train = namespace["train_logistic_regression"]
    train.__module__ = __name__
    assert_passes(A, "train_logistic_regression", train)
