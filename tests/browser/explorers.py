"""The course's explorers in the browser: their sliders, figures and kernel-side state.

`Explorer` finds an explorer in an open `Notebook`, moves its slider with the
keyboard and times key press to new figure; `SliderModel` predicts where a
move lands. Shared by the browser tests and benchmarks/bench_widgets_browser.py.
"""
import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .lab import MINUS_SIGNS

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
