"""How long does each explorer take, in the browser, from a key press on its slider to the new
figure on screen? Runs every built explorer in JupyterLab (headless Chromium, Playwright) on a
temporary copy of the course, moves its slider step by step (first visits, then back over
the same values) and prints the per-move times: browser (key press -> new <img>) and kernel
(the explorer's own `redraw_seconds`). The goal is under 150 ms per move.

    python benchmarks/bench_widgets_browser.py [--moves 6] [--docs] [widget ...]

--docs copies one screenshot per explorer (after its moves) to docs/screenshots/<widget>.png
for the README. Screenshots always go to test-artifacts/screenshots/.
"""
import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.explorers import Explorer, SliderModel  # noqa: E402
from tests.browser.lab import VIEWPORT, WIDGETS, JupyterLab, copy_course, launch_chromium  # noqa: E402
from tests.browser.lab_notebook import Notebook  # noqa: E402

GOAL_MS = 150.0
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"


def measure(browser, lab, widget, moves):
    """Open the widget's solutions notebook, run all, move the slider `moves` steps away and
    back; return (browser ms per move, kernel ms per move, seconds to open and run)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        start = time.perf_counter()
        notebook = Notebook(page, lab, widget.notebook("solutions")).open()
        notebook.run_all()
        explorer = Explorer(notebook, widget.name).wait_shown()
        opened = time.perf_counter() - start
        explorer.screenshot(ARTIFACTS / f"{widget.name}-before.png")
        state = explorer.kernel_state()
        model = SliderModel.from_kernel(state)
        direction = 1 if model.room(1) >= model.room(-1) else -1
        steps = min(moves, model.room(direction))
        keys = (["ArrowRight", "ArrowLeft"] if direction > 0 else ["ArrowLeft", "ArrowRight"])
        browser_ms = [explorer.press(keys[0]).redraw_ms for _ in range(steps)]
        explorer.screenshot(ARTIFACTS / f"{widget.name}-after.png")
        browser_ms += [explorer.press(keys[1]).redraw_ms for _ in range(steps)]
        after = explorer.kernel_state()
        kernel_ms = [1000 * s for s in after["redraw_seconds"][len(state["redraw_seconds"]):]]
        return browser_ms, kernel_ms, opened
    finally:
        context.close()
        lab.delete_sessions()


def summary(name, values):
    return (f"{name} median {statistics.median(values):5.0f} ms, max {max(values):5.0f} ms"
            if values else f"{name} (none)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("widgets", nargs="*", help="class prefixes (default: every built one)")
    parser.add_argument("--moves", type=int, default=6, help="steps away (and back) per widget")
    parser.add_argument("--docs", action="store_true",
                        help="copy the screenshots to docs/screenshots/<widget>.png")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    selected = [w for w in WIDGETS if not args.widgets or w.name in args.widgets]
    with tempfile.TemporaryDirectory(prefix="bench-widgets-") as tmp:
        course = copy_course(Path(tmp) / "course")
        built = [w for w in selected if (course / w.notebook("solutions")).exists()]
        for widget in selected:
            if widget not in built:
                print(f"{widget.name:20s} skipped: {widget.notebook('solutions')} not built yet")
        lab = JupyterLab(course, Path(tmp) / "scratch").start()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                try:
                    for widget in built:
                        browser_ms, kernel_ms, opened = measure(browser, lab, widget, args.moves)
                        flag = "ok" if max(browser_ms) < GOAL_MS else "OVER the 150 ms goal"
                        print(f"{widget.name:20s} {len(browser_ms)} moves: "
                              f"{summary('browser', browser_ms)}; {summary('kernel', kernel_ms)}"
                              f"  [{flag}] (open + run all {opened:.1f} s)")
                        print(f"{'':20s} browser ms per move: "
                              + " ".join(f"{t:.0f}" for t in browser_ms))
                        if args.docs:
                            DOCS.mkdir(parents=True, exist_ok=True)
                            shutil.copy(ARTIFACTS / f"{widget.name}-after.png",
                                        DOCS / f"{widget.name}.png")
                finally:
                    browser.close()
        finally:
            leftovers = lab.stop()
            if leftovers:
                print(f"warning: processes left running: {leftovers}", file=sys.stderr)


if __name__ == "__main__":
    main()
