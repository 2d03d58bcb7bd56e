"""A notebook opened in JupyterLab in a Playwright page, operated through the UI.

Menus, running cells, reading prompts and outputs, nbgrader's Validate button.
Shared by the browser tests and benchmarks/bench_widgets_browser.py.
"""
import contextlib
import re
import secrets
from pathlib import Path

from .lab import VIEWPORT


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
