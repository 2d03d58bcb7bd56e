"""Hidden checks, one module per assignment, one `check_<function>` per graded function.

Each check receives the student's function, runs it on the cases it builds
and raises `autograder.harness.CheckFailed` with a message for the student
when something is wrong. A check may set `check_x.timeout` (seconds).
"""
import importlib

MODULES = {
    "01_loss": "loss",
    "02_gradients": "gradients",
    "03_sgd": "sgd",
    "04_deep_mlp": "deep_mlp",
    "05_activations": "activations",
    "06_initialization": "initialization",
    "07_softmax_hinge": "softmax_hinge",
    "08_regularization": "regularization",
}

DEFAULT_TIMEOUT = 20.0


def find_check(assignment, name):
    """The check function for graded function `name` of `assignment`."""
    if assignment not in MODULES:
        raise KeyError(f"unknown assignment {assignment!r}")
    module = importlib.import_module(f"{__name__}.{MODULES[assignment]}")
    check = getattr(module, f"check_{name}", None)
    if check is None:
        raise KeyError(f"no hidden check for {name!r} in {assignment}")
    return check


def timeout_of(assignment, name):
    """Seconds the check of `name` may run before it is stopped."""
    return float(getattr(find_check(assignment, name), "timeout", DEFAULT_TIMEOUT))
