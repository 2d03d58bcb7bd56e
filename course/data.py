"""Small data sets used by the notebooks, generated or bundled with scikit-learn.

scikit-learn is imported inside each function: importing it costs seconds, and a
notebook pays only for the data sets it uses.
"""
import numpy as np


def two_blobs(n=200, seed=0):
    """Two overlapping Gaussian clouds in 2-D for binary classification.

    Returns:
        X: (n, 2) float64 inputs, standardised; y: (n,) float64 labels in {0, 1}.
    """
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=n, centers=[(-1.0, -0.5), (1.2, 0.8)], cluster_std=1.0,
                      random_state=seed)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype(np.float64), y.astype(np.float64)


def two_moons(n=300, noise=0.15, seed=0):
    """scikit-learn's two interleaving half circles.

    Returns:
        X: (n, 2) float64 inputs; y: (n,) float64 labels in {0, 1}.
    """
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return X.astype(np.float64), y.astype(np.float64)


def digits(test_size=0.25, seed=0):
    """scikit-learn's bundled 8×8 hand-written digits, pixels scaled to [0, 1].

    Returns:
        X_train: (N_train, 64), X_test: (N_test, 64) float64 inputs;
        y_train, y_test: int labels in [0, 10).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    X = data.data.astype(np.float64) / 16.0
    return train_test_split(X, data.target.astype(np.int64), test_size=test_size,
                            random_state=seed, stratify=data.target)
