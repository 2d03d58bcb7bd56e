"""Drive the course the way a person does: JupyterLab in headless Chromium, through Playwright.

Shared by the browser tests (conftest.py next to this file) and by
benchmarks/bench_widgets_browser.py. Everything here works on a temporary copy of
the course (`copy_course`), so nothing is ever written into the repository.
See /work/shared/BROWSER-TESTING.md for the recipe these helpers follow.
"""
import contextlib
import json
import math
import os
import re
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


def fresh_workspace_url(lab, path=""):
    """URL of JupyterLab in a new, empty workspace (no tabs restored from an earlier test),
    opening `path` if given."""
    workspace = f"test-{secrets.token_hex(4)}"
    return lab.url(f"lab/workspaces/{workspace}" + (f"/tree/{path}" if path else ""))


def click_menu(page, title, command):
    """Click a main-menu entry, e.g. click_menu(page, "Run", "runmenu:run-all")."""
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(
        rf"^{re.escape(title)}$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').click()


# In the page: the execution count shown by cell `index` ("" never run, "*" queued or
# running), or null for a markdown cell.
_PROMPT = """([selector, index]) => {
    const cell = document.querySelectorAll(selector)[index];
    const prompt = cell.querySelector('.jp-InputPrompt');
    return cell.classList.contains('jp-CodeCell') && prompt
        ? prompt.innerText.replace(/[\\[\\]:\\s]/g, '') : null;
}"""


class Notebook:
    """One notebook opened in JupyterLab in a Playwright page, operated through the UI."""

    def __init__(self, page, lab, path):
        self.page, self.lab, self.path = page, lab, path

    # ---- opening, waiting, menus -----------------------------------------------------------
    def open(self, wait_kernel=True, timeout=60_000):
        """Open the notebook and (unless told not to) wait until its kernel is idle.

        The kernel session is asked for first, so the kernel starts while JupyterLab loads;
        JupyterLab then connects the notebook to it, as to a kernel left running earlier.
        """
        if wait_kernel:
            self.lab.api("POST", "api/sessions", {"path": self.path, "type": "notebook",
                                                  "name": Path(self.path).name,
                                                  "kernel": {"name": "python3"}})
        self.page.goto(fresh_workspace_url(self.lab, self.path))
        self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(
            timeout=timeout)
        if wait_kernel:
            self.wait_idle(timeout)
        return self

    def wait_idle(self, timeout=60_000):
        """Wait until the status bar says the kernel is Idle and no cell is queued or running."""
        self.page.wait_for_function(
            """() => {
                const bar = document.querySelector('#jp-main-statusbar');
                if (!bar || !/\\|\\s*Idle/.test(bar.innerText)) return false;
                const prompts = document.querySelectorAll(
                    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt');
                return [...prompts].every(p => !p.innerText.includes('*'));
            }""", timeout=timeout, polling=100)

    def menu(self, title, command):
        click_menu(self.page, title, command)

    def run_all(self, timeout=120_000):
        """Run > Run All Cells, then wait until nothing is queued and the kernel is idle."""
        self.menu("Run", "runmenu:run-all")
        self.wait_idle(timeout)

    def run_all_despite_errors(self, timeout=120_000):
        """Run All; when an error stops it, run the remaining cells one by one (Shift+Enter),
        as a student does who reads each error and carries on."""
        self.run_all(timeout)
        index = self.first_unrun_code_cell()
        if index is None:
            return
        self.select(index)
        for index in range(index, self.cells.count()):
            self.run_selected_and_advance(index, timeout)
        self.wait_idle(timeout)

    def run_selected_and_advance(self, index, timeout=60_000):
        """Shift+Enter on the selected cell `index`; wait until it has run."""
        before = self.page.evaluate(_PROMPT, [self.CELLS, index])
        self.page.keyboard.press("Shift+Enter")
        if before is not None:  # a markdown cell is rendered at once
            self.wait_ran(index, before, timeout)

    def wait_ran(self, index, before, timeout=60_000):
        """Wait until code cell `index` shows an execution count other than `before`."""
        self.page.wait_for_function(
            f"""([selector, index, before]) => {{
                const p = ({_PROMPT})([selector, index]);
                return /^\\d+$/.test(p) && p !== before; }}""",
            arg=[self.CELLS, index, before], timeout=timeout, polling=20)

    # ---- cells -----------------------------------------------------------------------------
    CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"

    @property
    def cells(self):
        return self.page.locator(self.CELLS)

    def cell(self, index):
        return self.cells.nth(index)

    def prompts(self):
        """Execution prompt of every cell, "" for markdown and never-run cells, "*" if queued."""
        return self.cells.evaluate_all(
            """cells => cells.map(c => {
                const p = c.querySelector('.jp-InputPrompt');
                return c.classList.contains('jp-CodeCell') && p
                    ? p.innerText.replace(/[\\[\\]:\\s]/g, '') : null; })""")

    def prompt(self, index):
        return self.prompts()[index]

    def first_unrun_code_cell(self):
        for index, prompt in enumerate(self.prompts()):
            if prompt == "":
                return index
        return None

    def select(self, index):
        """Select a cell in command mode (click its prompt area)."""
        self.page.keyboard.press("Escape")
        self.cell(index).locator(".jp-InputPrompt").click()

    def output_text(self, index):
        """Visible text of a cell's outputs."""
        area = self.cell(index).locator(".jp-OutputArea")
        return area.inner_text() if area.count() else ""

    def error_outputs(self, index):
        """Text of each error (traceback) output of a cell."""
        return self.cell(index).locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        ).all_inner_texts()

    def set_source(self, index, text):
        """Replace a cell's source as a person would: click in it, select all, type."""
        editor = self.cell(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def run_cell(self, index, timeout=60_000):
        """Run one cell (Ctrl+Enter) and wait for it and the kernel."""
        self.select(index)
        before = self.prompt(index)
        self.page.keyboard.press("Control+Enter")
        self.wait_ran(index, before, timeout)
        self.wait_idle(timeout)

    def append_and_run(self, code, timeout=60_000):
        """Add a code cell at the end, type `code`, run it; return the cell's output text."""
        last = self.cells.count() - 1
        self.select(last)
        self.page.keyboard.press("b")
        self.cells.nth(last + 1).wait_for()
        self.page.keyboard.press("Enter")
        self.page.keyboard.insert_text(code)
        self.run_cell(last + 1, timeout)
        return self.output_text(last + 1)

    # ---- nbgrader --------------------------------------------------------------------------
    def validate(self, timeout=120_000):
        """Click the toolbar's Validate button; return (passed, dialog text) and close it."""
        self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").click()
        body = self.page.locator(".jp-Dialog .validation-success, .jp-Dialog .validation-failed")
        body.first.wait_for(timeout=timeout)
        passed = "validation-success" in (body.first.get_attribute("class") or "")
        text = self.page.locator(".jp-Dialog").inner_text()
        self.page.locator(".jp-Dialog .jp-Dialog-button").last.click()
        return passed, text


@contextlib.contextmanager
def new_page(browser):
    """A page in a fresh browser context (no cookies, storage or cache from other tests)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def opener(page, lab):
    """open(path, run_all=True, past_errors=False) -> Notebook, opened (and run) in `page`.

    `past_errors` goes on after each error, as a student re-running the cells below would.
    Without either, the notebook is only opened (its kernel may still be starting).
    """
    def open_notebook(path, run_all=True, past_errors=False):
        notebook = Notebook(page, lab, path).open(wait_kernel=run_all or past_errors)
        if past_errors:
            notebook.run_all_despite_errors()
        elif run_all:
            notebook.run_all()
        return notebook

    return open_notebook


# ---- widgets ---------------------------------------------------------------------------------

# In the page: watch the figure's <img>, timestamp the next key press and the next new image.
_ARM = """([name]) => {
    const img = document.querySelector(`img.${name}-figure, .${name}-figure img`);
    const state = window.__redraw = {keydown: null, changed: null, src: img.src};
    document.addEventListener('keydown', () => { state.keydown ??= performance.now(); },
                              {capture: true, once: true});
    document.addEventListener('pointerdown', () => { state.keydown ??= performance.now(); },
                              {capture: true, once: true});
    const observer = new MutationObserver(() => {
        if (img.src !== state.src && state.changed === null) {
            state.changed = performance.now(); observer.disconnect(); }
    });
    observer.observe(img, {attributes: true, attributeFilter: ['src']});
}"""

_DIGEST = """async ([name]) => {
    const img = document.querySelector(`img.${name}-figure, .${name}-figure img`);
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const hash = await crypto.subtle.digest('SHA-256', bytes);
    return [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('');
}"""

_SLIDER_STATE = """([name]) => {
    const slider = document.querySelector(`.${name}-slider`);
    const handle = slider.querySelector('.noUi-handle');
    const readout = slider.querySelector('.widget-readout');
    return {now: handle.getAttribute('aria-valuenow'), min: handle.getAttribute('aria-valuemin'),
            max: handle.getAttribute('aria-valuemax'),
            readout: readout ? readout.innerText : null};
}"""

# Run in the kernel: the explorer whose slider has the class, its slider's state and timings.
KERNEL_QUERY = '''import json as _json
from ipywidgets.widgets.widget import _instances as _widgets

def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)

def _explorer_state(name):
    for box in reversed(list(_widgets.values())):
        if not hasattr(box, "redraw_seconds"):
            continue
        for w in _descendants(box):
            if f"{name}-slider" in getattr(w, "_dom_classes", ()):
                return {"type": type(w).__name__, "value": w.value,
                        "index": getattr(w, "index", None),
                        "labels": list(getattr(w, "_options_labels", ())) or None,
                        "min": getattr(w, "min", None), "max": getattr(w, "max", None),
                        "step": getattr(w, "step", None), "base": getattr(w, "base", None),
                        "redraw_seconds": list(box.redraw_seconds)}

print(_json.dumps(_explorer_state(%r), default=repr))'''


def shown_close(text, x):
    """Whether a number as displayed ("0.178", "−6.00", "1.0e-3") is `x` rounded for display."""
    text = text.strip().translate(MINUS_SIGNS)
    match = re.fullmatch(r"[+-]?\d*(?:\.(\d*))?(?:e([+-]?\d+))?", text)
    if not match or not re.search(r"\d", text):
        return False
    decimals = len(match.group(1) or "")
    unit = 10.0 ** (int(match.group(2) or 0) - decimals)
    return abs(float(text) - x) <= 0.5 * unit * (1 + 1e-9) + 1e-12


@dataclass(frozen=True)
class SliderModel:
    """Where a slider's handle is, in the units its keyboard steps move (exponent, value or
    option index), and what its readout must then show."""

    kind: str            # "log", "linear" or "selection"
    position: float
    low: float
    high: float
    step: float
    base: float = 10.0
    labels: tuple = ()

    @classmethod
    def from_kernel(cls, state):
        if state["labels"]:
            return cls("selection", state["index"], 0, len(state["labels"]) - 1, 1,
                       labels=tuple(state["labels"]))
        if state["type"] == "FloatLogSlider":
            position = math.log(state["value"], state["base"])
            return cls("log", position, state["min"], state["max"], state["step"], state["base"])
        return cls("linear", state["value"], state["min"], state["max"], state["step"])

    def moved(self, steps):
        position = min(self.high, max(self.low, self.position + steps * self.step))
        return SliderModel(self.kind, position, self.low, self.high, self.step, self.base,
                           self.labels)

    def room(self, direction):
        """How many whole steps the handle can still move (+1 right, -1 left)."""
        edge = self.high if direction > 0 else self.low
        return int(round(abs(edge - self.position) / self.step, 6))

    @property
    def value(self):
        if self.kind == "selection":
            return self.labels[int(round(self.position))]
        return self.base ** self.position if self.kind == "log" else self.position

    def readout_matches(self, text):
        """Does the readout text show this slider's value?"""
        if text is None:
            return False
        if self.kind == "selection":
            return text.strip() == self.value
        return shown_close(text, self.value)

    def handle_matches(self, aria_now):
        """Is the handle (its aria-valuenow, in slider units) where this model says?"""
        return aria_now is not None and shown_close(aria_now, self.position)


@dataclass
class Move:
    """One slider move: what the page showed after it, and how long the new figure took."""

    key: str
    value: str
    readout: str
    digest: str
    redraw_ms: float


class Explorer:
    """An explorer widget (slider + figure) shown in an open notebook."""

    def __init__(self, notebook, name):
        self.notebook, self.name, self.page = notebook, name, notebook.page
        self.slider = self.page.locator(f".{name}-slider").first
        self.handle = self.slider.locator(".noUi-handle").first

    def wait_shown(self, timeout=30_000):
        self.handle.wait_for(timeout=timeout)
        self.page.wait_for_function(
            """([name]) => { const img = document.querySelector(
                `img.${name}-figure, .${name}-figure img`);
                return img && img.src && img.complete && img.naturalWidth > 0; }""",
            arg=[self.name], timeout=timeout)
        self.box().scroll_into_view_if_needed()
        return self

    def box(self):
        """The smallest element holding both the slider and the figure."""
        self.page.evaluate(
            """([name]) => {
                let el = document.querySelector(`.${name}-slider`);
                while (el && !el.querySelector(`.${name}-figure`)
                       && !el.classList.contains(`${name}-figure`)) el = el.parentElement;
                document.querySelectorAll('[data-test-box]').forEach(
                    e => e.removeAttribute('data-test-box'));
                if (el) el.setAttribute('data-test-box', name);
            }""", [self.name])
        return self.page.locator(f'[data-test-box="{self.name}"]')

    def state(self):
        return self.page.evaluate(_SLIDER_STATE, [self.name])

    def digest(self):
        return self.page.evaluate(_DIGEST, [self.name])

    def kernel_state(self):
        """The slider's value and format, and the box's `redraw_seconds`, asked of the kernel."""
        output = self.notebook.append_and_run(KERNEL_QUERY % self.name)
        return json.loads(output.strip().splitlines()[-1])

    def screenshot(self, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.box().screenshot(path=str(path), animations="disabled")

    def _finish_move(self, key, before, timeout):
        """Wait for the figure's new image and return what the page shows after the move."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.page.wait_for_function("() => window.__redraw.changed !== null", timeout=timeout,
                                    polling="raf")
        self.page.wait_for_function(
            """([name]) => { const img = document.querySelector(
                `img.${name}-figure, .${name}-figure img`); return img.complete; }""",
            arg=[self.name], timeout=timeout)
        timing = self.page.evaluate("() => window.__redraw")
        try:  # the readout follows the same model update; give the page a moment for it
            self.page.wait_for_function(
                """([name, old]) => { const r = document.querySelector(
                    `.${name}-slider .widget-readout`); return !r || r.innerText !== old; }""",
                arg=[self.name, before["readout"]], timeout=2_000)
        except PlaywrightTimeout:
            pass  # an unchanged readout is then reported by the test's own check
        state = self.state()
        return Move(key=key, value=state["now"], readout=state["readout"], digest=self.digest(),
                    redraw_ms=timing["changed"] - timing["keydown"])

    def press(self, key, timeout=15_000):
        """Focus the slider's handle and press `key` (one step); wait for the new figure."""
        before = self.state()
        self.handle.focus()
        self.page.evaluate(_ARM, [self.name])
        self.page.keyboard.press(key)
        return self._finish_move(key, before, timeout)

    def drag(self, dx, timeout=15_000):
        """Drag the handle `dx` pixels with the mouse; wait for the new figure."""
        before = self.state()
        self.handle.scroll_into_view_if_needed()
        box = self.handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.page.evaluate(_ARM, [self.name])
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        for i in range(1, 6):
            self.page.mouse.move(x + dx * i / 5, y)
        self.page.mouse.up()
        move = self._finish_move(f"drag {dx:+.0f}px", before, timeout)
        # A drag may send several values; wait until the last figure has arrived.
        self.notebook.wait_idle(timeout)
        time.sleep(0.3)
        final = self.state()
        move.value, move.readout, move.digest = final["now"], final["readout"], self.digest()
        return move
