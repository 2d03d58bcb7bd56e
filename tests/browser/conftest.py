"""Fixtures of the browser suite: JupyterLab on a temporary copy of the course, headless Chromium.

One JupyterLab server and one Chromium serve the whole session; each test gets a fresh
browser context (`page`) and, through `run_notebook`, notebooks whose kernels are shut
down when the test ends. Every process started here is stopped by its pid at the end,
whether the tests passed or not. A failing test leaves a screenshot in
test-artifacts/screenshots/FAILED-<test>.png.
"""
import re
import shutil
import statistics
import sys
from pathlib import Path

import psutil
import pytest

from .lab import (CHROMIUM, ROOT, Background, JupyterLab, copy_course, launch_chromium,
                  scratch_environment)
from .lab_notebook import new_page, opener

BROWSER_DIR = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DEMO_ASSIGNMENT = "01_loss"
DEMO_RESULTS = ("gradebook.db", "grades.csv", "submitted", "autograded", "feedback")
GOAL_MS = 150.0
_REDRAWS = []  # (widget, browser ms per key press, kernel ms per redraw)


# ---- order: the demo class grades in the background while the first tests run ---------------

def _stage(item):
    """0: release and Validate tests, 1: formgrader (waits for the demo class), 2: widgets.

    The widgets come last so that their redraw times are not measured while the demo
    class is being graded on another core.
    """
    if "demo_class" in getattr(item, "fixturenames", ()):
        return 1
    return 2 if item.path.name == "test_widgets.py" else 0


def pytest_collection_modifyitems(items):
    slots = [i for i, item in enumerate(items) if BROWSER_DIR in item.path.parents]
    ordered = sorted((items[i] for i in slots), key=_stage)  # stable: file order otherwise
    for slot, item in zip(slots, ordered):
        items[slot] = item


# ---- screenshot at the moment a test fails ----------------------------------------------------

def _pages(item):
    """The Playwright pages a test uses: its `page`, or those of notebooks it was given."""
    for value in item.funcargs.values():
        page = getattr(value, "page", value)
        if type(page).__name__ == "Page" and not page.is_closed():
            yield page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when == "call":
        lab = item.funcargs.get("jupyter_lab")
        if lab is not None:
            report.sections.append(("jupyter lab log (last lines)", lab.log_tail(30)))
        name = re.sub(r"[^\w.-]+", "_", item.name)
        for page in _pages(item):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True)
            except Exception as error:  # a screenshot must never hide the real failure
                report.sections.append(("screenshot", f"no screenshot: {error}"))
            break
    return report


# ---- the course copy, the demo class and the server -------------------------------------------

@pytest.fixture(scope="session")
def browser_scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="session")
def course_copy(browser_scratch):
    """A temporary copy of the course; tests and the server write only there."""
    return copy_course(browser_scratch / "course")


def _start_demo(scratch):
    """`python -m autograder.apps.demo 01_loss`, in the background, on a course copy of its own
    (the demo may regenerate release/, which tests have open in the served copy)."""
    course = copy_course(scratch / "course")
    env = scratch_environment(scratch / "scratch", course)
    env.pop("MPLBACKEND")  # as for `make demo`: nbgrader_config.py picks Agg
    command = [sys.executable, "-m", "autograder.apps.demo", DEMO_ASSIGNMENT]
    demo = Background([command], cwd=course, env=env, log_path=scratch / "demo.log")
    demo.course = course
    return demo.start()


@pytest.fixture(scope="session")
def jupyter_lab(request, course_copy, browser_scratch):
    """JupyterLab on 127.0.0.1 (a free port, a random token) serving the course copy.

    When a selected test needs the demo class, its grading starts first, in the background.
    """
    demo = None
    if any("demo_class" in item.fixturenames for item in request.session.items):
        demo = _start_demo(browser_scratch / "demo")
    lab = JupyterLab(course_copy, browser_scratch / "scratch")
    lab.demo = demo
    try:
        yield lab.start()
    finally:
        leftovers = (demo.stop() if demo else []) + lab.stop()
        assert not leftovers, f"processes still running after the session: {leftovers}"


@pytest.fixture(scope="session")
def demo_class(jupyter_lab):
    """The served course copy, holding the graded demo class (gradebook, submissions,
    feedback, grades.csv) as `make demo` leaves it."""
    demo = jupyter_lab.demo
    demo.wait(timeout=240)
    for name in DEMO_RESULTS:
        source, target = demo.course / name, jupyter_lab.course / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
    return jupyter_lab.course


# ---- the browser ------------------------------------------------------------------------------

def _process_tree(pid):
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, through Playwright; stopped by pid at the end."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    for stale in ARTIFACTS.glob("FAILED-*.png"):  # from an earlier session
        stale.unlink()
    me = psutil.Process()
    before = {child.pid for child in me.children()}
    playwright = sync_api.sync_playwright().start()
    drivers = [child for child in me.children() if child.pid not in before]
    try:
        chromium = launch_chromium(playwright)
    except Exception:
        playwright.stop()
        raise
    started = {p.pid: p for driver in drivers for p in _process_tree(driver.pid)}
    try:
        yield chromium
    finally:
        started.update({p.pid: p for driver in drivers for p in _process_tree(driver.pid)})
        try:
            chromium.close()
        finally:
            playwright.stop()
        _, alive = psutil.wait_procs(list(started.values()), timeout=5)
        for process in alive:
            process.kill()
        _, alive = psutil.wait_procs(alive, timeout=5)
        assert not alive, f"browser processes still running: {alive}"


@pytest.fixture
def page(browser):
    """A fresh browser context and page for one test."""
    with new_page(browser) as page:
        yield page


@pytest.fixture
def run_notebook(page, jupyter_lab):
    """open(path, run_all=True, past_errors=False) -> Notebook, opened (and run) in `page`.

    At teardown every kernel session is deleted, so the next test starts with none.
    """
    try:
        yield opener(page, jupyter_lab)
    finally:
        jupyter_lab.delete_sessions()


# ---- artifacts and the redraw times -----------------------------------------------------------

@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def redraw_log():
    """Append (widget, browser ms per move, kernel ms per move); shown after the tests."""
    return _REDRAWS


def pytest_terminal_summary(terminalreporter):
    if not _REDRAWS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("widget redraw per slider move (goal < 150 ms)")
    for widget, browser_ms, kernel_ms in _REDRAWS:
        median, worst = statistics.median(browser_ms), max(browser_ms)
        flag = "" if worst < GOAL_MS else "  <- over the goal"
        write(f"{widget:20s} key press -> new figure: median {median:4.0f} ms, max {worst:4.0f} ms"
              f" ({', '.join(f'{t:.0f}' for t in browser_ms)}); kernel redraw median "
              f"{statistics.median(kernel_ms):.0f} ms{flag}")
