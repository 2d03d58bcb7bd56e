"""Reference for 07_softmax_hinge: one-hot labels, the softmax and two multiclass losses."""
import numpy as np


def one_hot(y, num_classes):
    """One-hot encode integer class labels.

    Args:
        y: (N,) integer labels, each in [0, num_classes).
        num_classes: int C, the number of classes.

    Returns:
        Y: (N, C) float64 array with Y[i, y[i]] = 1 and every other entry 0.
    """
    y = np.asarray(y, dtype=np.int64)
    Y = np.zeros((y.shape[0], num_classes))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def softmax(S):
    """Softmax of every row of a score matrix, without overflow.

    Each row's maximum is subtracted before exponentiating; this leaves the
    result unchanged (the common factor cancels) but keeps every exponent <= 0.

    Args:
        S: (N, C) scores, one row per example.

    Returns:
        P: (N, C) probabilities; every row is >= 0 and sums to 1.
    """
    shifted = S - np.max(S, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    return exp_scores / np.sum(exp_scores, axis=1, keepdims=True)


def softmax_cross_entropy(S, y):
    """Mean softmax cross-entropy loss of a batch and its gradient.

    The loss of example i is -log softmax(S)[i, y[i]]; it is computed from the
    shifted scores (log-sum-exp), so it stays finite for large scores.

    Args:
        S: (N, C) scores, one row per example.
        y: (N,) integer labels in [0, C).

    Returns:
        loss: float, the mean over the N examples.
        dS: (N, C) gradient of the loss with respect to S, (softmax(S) - one_hot(y)) / N.
    """
    N, C = S.shape
    shifted = S - np.max(S, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = float(-np.mean(log_probs[np.arange(N), y]))
    dS = (softmax(S) - one_hot(y, C)) / N
    return loss, dS


def hinge_loss(S, y, margin=1.0):
    """Mean multiclass hinge (SVM) loss of a batch and its gradient.

    The loss of example i is the sum over j != y[i] of max(0, S[i, j] - S[i, y[i]] + margin).

    Args:
        S: (N, C) scores, one row per example.
        y: (N,) integer labels in [0, C).
        margin: float, how far the right class must beat every other class.

    Returns:
        loss: float, the mean over the N examples.
        dS: (N, C) gradient of the loss with respect to S: 1/N at every violating
            class, -(number of violating classes)/N at the right class, 0 elsewhere.
    """
    N = S.shape[0]
    rows = np.arange(N)
    correct = S[rows, y][:, None]
    violations = np.maximum(0.0, S - correct + margin)
    violations[rows, y] = 0.0
    loss = float(np.sum(violations) / N)
    active = (violations > 0).astype(float)
    active[rows, y] -= np.sum(active, axis=1)
    dS = active / N
    return loss, dS
