"""The course: where it lives, its one table of assignments, and the nbgrader config it grades with."""
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Assignment:
    """One assignment of the course.

    id: str, the nbgrader assignment id and notebook name ("01_loss").
    module: str, its module under autograder.reference and autograder.checks ("loss").
    toolkit: tuple of "<reference module>.<function>", the earlier answers it is given as
        source/<id>/toolkit.py, in dependency order (empty: no toolkit).
    """
    id: str
    module: str
    toolkit: tuple = ()


_TABLE = (
    Assignment("01_loss", "loss"),
    Assignment("02_gradients", "gradients",
               ("loss.sigmoid", "loss.predict_proba", "loss.binary_cross_entropy", "loss.cost")),
    Assignment("03_sgd", "sgd",
               ("loss.sigmoid", "loss.predict_proba", "loss.binary_cross_entropy", "loss.cost",
                "gradients.logistic_gradients")),
    Assignment("04_deep_mlp", "deep_mlp",
               ("loss.sigmoid", "loss.binary_cross_entropy", "loss.cost",
                "gradients.sigmoid_grad", "gradients.numerical_gradient",
                "gradients.relative_error", "sgd.sgd_step", "sgd.minibatches", "sgd.accuracy")),
    Assignment("05_activations", "activations", ("loss.sigmoid", "gradients.sigmoid_grad")),
    Assignment("06_initialization", "initialization",
               ("loss.sigmoid", "loss.binary_cross_entropy", "loss.cost",
                "gradients.sigmoid_grad", "sgd.sgd_step", "sgd.minibatches", "sgd.accuracy",
                "activations.relu", "activations.relu_grad", "activations.tanh",
                "activations.tanh_grad")),
    Assignment("07_softmax_hinge", "softmax_hinge",
               ("gradients.numerical_gradient", "gradients.relative_error", "sgd.sgd_step",
                "sgd.minibatches", "sgd.accuracy")),
    Assignment("08_regularization", "regularization",
               ("activations.relu", "activations.relu_grad", "softmax_hinge.one_hot",
                "softmax_hinge.softmax", "softmax_hinge.softmax_cross_entropy",
                "sgd.sgd_step", "sgd.accuracy", "gradients.numerical_gradient",
                "gradients.relative_error")),
)
ASSIGNMENTS = {assignment.id: assignment for assignment in _TABLE}


def assignments(root=ROOT):
    """Ids of the course's assignments whose source notebook is in `root`, in course order."""
    return [a for a in ASSIGNMENTS if (Path(root) / "source" / a / f"{a}.ipynb").exists()]


def course_root(path=None):
    """The course root: `path`, else the current directory if it has nbgrader_config.py."""
    if path:
        return Path(path).resolve()
    if (Path.cwd() / "nbgrader_config.py").exists():
        return Path.cwd().resolve()
    return ROOT


def submitted_assignments(root):
    """Assignment ids with at least one submission folder in submitted/."""
    return sorted({p.name for p in (Path(root) / "submitted").glob("*/*") if p.is_dir()})


def tool_environment(root=ROOT):
    """Environment for nbgrader and kernels: this venv's bin/ first, the course importable."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(root), env.get("PYTHONPATH", "")] if p)
    return env


def load_config(root, db_url=None):
    """The course's nbgrader config (root/nbgrader_config.py), rooted at `root`."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    if db_url:
        config.CourseDirectory.db_url = db_url
    return config


def db_url_of(root, db_url=None):
    """The gradebook URL grading at `root` uses."""
    if db_url:
        return db_url
    return CourseDirectory(config=load_config(root)).db_url
