"""Reference for 03_sgd: gradient descent, minibatches and training logistic regression."""
import numpy as np

from autograder.reference.gradients import logistic_gradients
from autograder.reference.loss import cost, predict_proba


def sgd_step(params, grads, lr):
    """One gradient-descent update of every parameter, p ← p - lr · g.

    Args:
        params: dict name -> array (or float) of parameters.
        grads: dict with the same keys, each gradient shaped like its parameter.
        lr: float learning rate.

    Returns:
        A NEW dict with the same keys holding p - lr * g; params and grads are
        left unchanged.
    """
    return {name: params[name] - lr * grads[name] for name in params}


def minibatches(X, y, batch_size, rng):
    """Shuffle a data set and cut it into minibatches, for one epoch.

    Args:
        X: (N, D) inputs.
        y: (N,) labels.
        batch_size: int, examples per batch; the last batch may be shorter.
        rng: np.random.Generator used for the shuffle.

    Yields:
        (X_b, y_b) with X_b (B, D) and y_b (B,), B <= batch_size; every example
        appears in exactly one batch.
    """
    order = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]


def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the true labels.

    Args:
        y_true: (N,) labels.
        y_pred: (N,) predicted labels.

    Returns:
        float in [0, 1].
    """
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def train_logistic_regression(X, y, lr, epochs, batch_size, rng):
    """Minibatch SGD on logistic regression, starting from w = 0, b = 0.

    Args:
        X: (N, D) inputs.
        y: (N,) labels, each 0 or 1.
        lr: float learning rate.
        epochs: int number of passes over the data.
        batch_size: int examples per minibatch.
        rng: np.random.Generator used to shuffle every epoch.

    Returns:
        (w, b, losses): w (D,), float b, and losses (epochs,) where losses[e] is
        the cost on all of X after epoch e.
    """
    params = {"w": np.zeros(X.shape[1]), "b": 0.0}
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        for X_b, y_b in minibatches(X, y, batch_size, rng):
            dw, db = logistic_gradients(X_b, y_b, params["w"], params["b"])
            params = sgd_step(params, {"w": dw, "b": db}, lr)
        losses[epoch] = cost(y, predict_proba(X, params["w"], params["b"]))
    return params["w"], float(params["b"]), losses
