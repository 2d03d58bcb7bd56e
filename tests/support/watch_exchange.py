"""A course with a real nbgrader exchange, and students who fetch, submit and fetch feedback.

Used by tests/test_watch.py and benchmarks/bench_watch.py. The course is a temporary copy of
this one whose nbgrader_config.py points c.Exchange.root at a folder of its own; 01_loss is
built with autograder.builder.build_release and released with `nbgrader release_assignment`.
Each student has a folder of their own (their nbgrader_config.py names them, the exchange and
their cache), as on a JupyterHub. `Student.run` runs the nbgrader command line there;
`Student.submit_now` does what `nbgrader submit` does through nbgrader's exchange classes in
this process (no interpreter start-up: for many submissions in a short time).
"""
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import nbformat
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeSubmit
from traitlets.config import Config

from autograder.builder import build_release
from autograder.course import ROOT, tool_environment
from autograder.fakes import BUGS, answered, copy_course, with_bug
from autograder.watch import inbox

ASSIGNMENT = "01_loss"
COURSE_ID = "nn-from-scratch"


def nbgrader(folder, *args):
    """Run the nbgrader command line in `folder`; the CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=folder,
                          env=tool_environment(folder), capture_output=True, text=True)


def exchange_course(target):
    """A course in target/course with its exchange in target/exchange, 01_loss released.

    Returns (course root, exchange root).
    """
    target = Path(target)
    root = copy_course(ROOT, target / "course")
    exchange = target / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    build_release(ASSIGNMENT, root)
    result = nbgrader(root, "release_assignment", ASSIGNMENT, "--force")
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader release_assignment failed:\n{result.stderr[-2000:]}")
    return root, exchange


def notebooks(root):
    """{kind: notebook} of 01_loss: "perfect", "buggy" (the course's typical mistake), "untouched"."""
    release = root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    perfect = answered(release, root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return {"perfect": perfect, "buggy": with_bug(perfect, BUGS[ASSIGNMENT]),
            "untouched": nbformat.read(release, as_version=4)}


def html_text(path):
    """The visible text of an HTML page (tags dropped, entities decoded)."""
    return unescape(re.sub(r"<[^>]+>", " ", Path(path).read_text()))


class Student:
    """One student of the exchange course, in a folder of their own under `home`."""

    def __init__(self, name, home, exchange):
        self.name, self.exchange = name, Path(exchange)
        self.folder = Path(home) / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.cache = self.folder / ".nbgrader_cache"
        (self.folder / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.Exchange.root = {str(exchange)!r}\n"
            f"c.Exchange.cache = {str(self.cache)!r}\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.CourseDirectory.student_id = {name!r}\n")

    @property
    def work(self):
        """The student's copy of the assignment."""
        return self.folder / ASSIGNMENT

    def run(self, *args):
        """An nbgrader command as this student, in their folder; fails loudly on an error."""
        result = nbgrader(self.folder, *args)
        assert result.returncode == 0, (f"expected `nbgrader {' '.join(args)}` as {self.name} "
                                        f"to succeed, got {result.returncode}:\n"
                                        f"{result.stderr[-2000:]}")
        return result

    def fetch(self, root=None):
        """`nbgrader fetch_assignment`, or (given the course root) a copy of the release."""
        if root is None:
            self.run("fetch_assignment", ASSIGNMENT)
        else:
            shutil.copytree(Path(root) / "release" / ASSIGNMENT, self.work, dirs_exist_ok=True)

    def write(self, notebook):
        """Put `notebook` (nbformat, or raw text) in place as the student's 01_loss.ipynb."""
        self.work.mkdir(parents=True, exist_ok=True)
        path = self.work / f"{ASSIGNMENT}.ipynb"
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, path)

    def submit(self, notebook):
        """Write the notebook and run `nbgrader submit`; the submission's timestamp."""
        self.write(notebook)
        self.run("submit", ASSIGNMENT)
        return self.timestamps()[-1]

    def submit_now(self, notebook):
        """Write the notebook and submit it through nbgrader's ExchangeSubmit, in this process."""
        self.write(notebook)
        config = Config()
        config.Exchange.root = str(self.exchange)
        config.Exchange.cache = str(self.cache)
        config.Exchange.assignment_dir = str(self.folder)
        config.CourseDirectory.course_id = COURSE_ID
        config.CourseDirectory.student_id = self.name
        config.CourseDirectory.assignment_id = ASSIGNMENT
        ExchangeSubmit(coursedir=CourseDirectory(config=config),
                       authenticator=Authenticator(config=config), config=config).start()
        return self.timestamps()[-1]

    def timestamps(self):
        """The timestamps of this student's submissions, oldest first (from their cache)."""
        folder = self.cache / COURSE_ID
        stamps = [inbox.read_timestamp(p) for p in folder.glob(f"{self.name}+{ASSIGNMENT}+*")]
        return sorted(s for s in stamps if s)

    def fetch_feedback(self):
        """`nbgrader fetch_feedback`; {submission timestamp: visible text of its feedback}."""
        self.run("fetch_feedback", ASSIGNMENT)
        return self.feedback()

    def feedback(self):
        """{timestamp: visible text} of the feedback fetched so far."""
        found = sorted((self.work / "feedback").glob(f"*/{ASSIGNMENT}.html"))
        return {path.parent.name: html_text(path) for path in found}


def released_feedback(exchange):
    """The feedback pages in the exchange's outbound feedback folder."""
    return sorted((Path(exchange) / COURSE_ID / "feedback").glob("*.html"))


def inbound(exchange):
    """The course's inbound folder of the exchange."""
    return Path(exchange) / COURSE_ID / "inbound"


def watch_environment(root):
    """Environment for a watcher started as a command on the course (this venv, the course)."""
    env = tool_environment(root)
    env.setdefault("MPLBACKEND", "Agg")
    return {**env, "PYTHONPATH": os.pathsep.join([str(root), env.get("PYTHONPATH", "")])}
