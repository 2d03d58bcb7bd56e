"""Time per epoch of the reference MLP (train_mlp) and of scikit-learn's MLPClassifier.

    python benchmarks/bench_mlp_vs_sklearn.py [--epochs 40] [--hidden 32 32]

Both train the same sigmoid network by plain minibatch SGD (no momentum, no L2) on the
binary task "digit < 5" of scikit-learn's 8×8 digits, in one run, on one thread each.
Each is timed `--repeats` times, alternating, by CPU time (so other processes on the machine
distort the comparison less); the best time of each counts. Prints the milliseconds per
epoch of both, their ratio and both test accuracies.
"""
import argparse
import os
import time
import warnings

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from autograder.reference.deep_mlp import mlp_forward, train_mlp  # noqa: E402
from course.data import digits  # noqa: E402


def binary_digits():
    """Digits with the label 1 for 0-4 and 0 for 5-9: (X_train, y_train, X_test, y_test)."""
    X_train, X_test, y_train, y_test = digits()
    return X_train, (y_train < 5).astype(float), X_test, (y_test < 5).astype(float)


def time_reference(data, hidden, lr, epochs, batch_size, seed):
    """(seconds per epoch, test accuracy) of the reference train_mlp."""
    X_train, y_train, X_test, y_test = data
    sizes = [X_train.shape[1], *hidden, 1]
    start = time.process_time()
    params, _ = train_mlp(X_train, y_train, sizes, lr, epochs, batch_size,
                          np.random.default_rng(seed))
    seconds = (time.process_time() - start) / epochs
    accuracy = float(np.mean((mlp_forward(X_test, params)[0] > 0.5) == y_test))
    return seconds, accuracy


def time_sklearn(data, hidden, lr, epochs, batch_size, seed):
    """(seconds per epoch, test accuracy) of MLPClassifier with the same settings."""
    X_train, y_train, X_test, y_test = data
    model = MLPClassifier(hidden_layer_sizes=tuple(hidden), activation="logistic",
                          solver="sgd", learning_rate="constant", learning_rate_init=lr,
                          batch_size=batch_size, max_iter=epochs, momentum=0.0,
                          nesterovs_momentum=False, alpha=0.0, shuffle=True, tol=0.0,
                          n_iter_no_change=epochs + 1, early_stopping=False,
                          random_state=seed)
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = (time.process_time() - start) / model.n_iter_
    return seconds, float(model.score(X_test, y_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--hidden", type=int, nargs="+", default=[32, 32])
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    data = binary_digits()
    settings = (args.hidden, args.lr, args.epochs, args.batch_size, args.seed)
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(time_reference(data, *settings))
        theirs.append(time_sklearn(data, *settings))
    ours, our_accuracy = min(ours)
    theirs, their_accuracy = min(theirs)
    print(f"digits < 5, {len(data[0])} training examples, hidden {args.hidden}, "
          f"batch {args.batch_size}, lr {args.lr}, {args.epochs} epochs")
    print(f"reference train_mlp : {ours * 1e3:7.2f} ms/epoch, test accuracy {our_accuracy:.3f}")
    print(f"sklearn MLPClassifier: {theirs * 1e3:7.2f} ms/epoch, test accuracy "
          f"{their_accuracy:.3f}")
    print(f"ratio reference / sklearn: {ours / theirs:.2f} (below 1: the reference is faster)")


if __name__ == "__main__":
    main()
