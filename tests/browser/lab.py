"""Drive the course the way a person does: JupyterLab in headless Chromium, through Playwright.

This module starts things: a JupyterLab server on a temporary copy of the course
(`copy_course`, so nothing is ever written into the repository), background
commands, Chromium. `lab_notebook` operates a notebook through the UI and
`explorers` the course's widgets. Shared by the browser tests (conftest.py next
to this file) and by benchmarks/bench_widgets_browser.py.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
COURSE_ITEMS = ("autograder", "course", "source", "release", "solutions", "nbgrader_config.py")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]  # CI containers often have a 64 MB /dev/shm
VIEWPORT = {"width": 1280, "height": 900}
# JupyterLab settings for the test server: every cell in the DOM, no autosave, no pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-"})


@dataclass(frozen=True)
class Widget:
    """One explorer of the course: its CSS class prefix and the assignment that shows it."""

    name: str
    assignment: str

    def notebook(self, kind):
        """Path, relative to the course root, of its `solutions` or `release` notebook."""
        return f"{kind}/{self.assignment}/{self.assignment}.ipynb"


WIDGETS = (Widget("learning-rate", "03_sgd"),
           Widget("sigmoid-saturation", "05_activations"),
           Widget("init-scale", "06_initialization"),
           Widget("regularization", "08_regularization"))


def copy_course(target):
    """Copy the parts of the course a server needs into `target`; return it as a Path."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    for item in COURSE_ITEMS:
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, target / item, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, target / item)
    for path in [target, *target.rglob("*")]:  # a build may leave read-only files behind
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


def scratch_environment(scratch, course):
    """Environment for Jupyter tools on the course copy: private config dirs, the venv first."""
    scratch = Path(scratch)
    env = dict(os.environ)
    folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
               "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
               "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces", "IPYTHONDIR": "ipython",
               "MPLCONFIGDIR": "matplotlib"}
    for variable, folder in folders.items():
        (scratch / folder).mkdir(parents=True, exist_ok=True)
        env[variable] = str(scratch / folder)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = str(course)
    # Kernels show figures inline, as for a student (nbgrader_config.py would default to Agg).
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.pop("NBGRADER_EXECUTION", None)
    return env


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process_tree(process, timeout=15):
    """SIGTERM `process` (a Popen), wait, then kill it and each child still alive, by pid.

    Returns the processes still running afterwards (none, unless something resists SIGKILL).
    """
    if process.poll() is not None:  # already exited and reaped: its pid is not ours any more
        return []
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=5)
    return [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 for one course folder, with its own scratch config."""

    def __init__(self, course, scratch):
        self.course = Path(course)
        self.scratch = Path(scratch)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = scratch_environment(self.scratch, self.course)
        self.process = None
        self.leftovers = []
        self.log_path = self.scratch / "jupyter-lab.log"

    def _write_config(self):
        exchange = self.scratch / "exchange"
        exchange.mkdir(exist_ok=True)
        exchange.chmod(0o777)
        config = Path(self.env["JUPYTER_CONFIG_DIR"]) / "nbgrader_config.py"
        config.write_text(f"c = get_config()  # noqa: F821\nc.Exchange.root = {str(exchange)!r}\n")
        settings = Path(self.env["JUPYTERLAB_SETTINGS_DIR"])
        for plugin, values in LAB_SETTINGS.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))

    def start(self, timeout=60):
        """Start the server and wait until its REST API answers."""
        self._write_config()
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={self.port}",
                   "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
                   "--ServerApp.allow_root=True", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.course}", "--LabApp.news_url=None",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(command, cwd=self.course, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                self.api("GET", "api/status", timeout=2)
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self):
        """Stop the server and its kernels by pid; return the processes left running."""
        if self.process is not None:
            self.leftovers = stop_process_tree(self.process)
        return self.leftovers

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def url(self, path):
        """Browser URL of `path` (e.g. "lab/tree/x.ipynb"), token included."""
        separator = "&" if "?" in path else "?"
        return f"{self.base}/{path}{separator}token={self.token}"

    def api(self, method, path, body=None, timeout=10):
        """Call the server's REST API; return the decoded JSON answer (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base}/{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def delete_sessions(self):
        """Shut down every kernel session, so the next test starts with none."""
        for session in self.api("GET", "api/sessions"):
            self.api("DELETE", f"api/sessions/{session['id']}")


class Background:
    """Commands run one after another in a thread, each process stoppable by its pid."""

    def __init__(self, commands, cwd, env, log_path):
        self.commands = commands
        self.cwd, self.env, self.log_path = cwd, env, Path(log_path)
        self.process = None
        self.error = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        with open(self.log_path, "w") as log:
            for command in self.commands:
                if self._stopped:
                    return
                log.write(f"$ {' '.join(command)}\n")
                log.flush()
                self.process = subprocess.Popen(command, cwd=self.cwd, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT)
                if self.process.wait() != 0:
                    self.error = f"{' '.join(command)} exited with {self.process.returncode}"
                    return

    def wait(self, timeout):
        """Wait for the commands; raise with their log if they fail or take too long."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"still running after {timeout} s:\n{self.log_tail()}")
        if self.error:
            raise RuntimeError(f"{self.error}:\n{self.log_tail()}")

    def stop(self):
        self._stopped = True
        if self.process is not None:
            return stop_process_tree(self.process)
        return []

    def log_tail(self, lines=40):
        return "\n".join(self.log_path.read_text().splitlines()[-lines:])


def launch_chromium(playwright):
    """Debian's Chromium, headless, driven by Playwright (which gives it a fresh profile)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
