"""Does every explorer of the course redraw its figure, with a matching readout, when a person
moves its slider in JupyterLab?"""
import statistics

import pytest

from .explorers import Explorer, SliderModel
from .lab import WIDGETS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

KEY_MOVES = 3


def run_explorer(run_notebook, course_copy, widget):
    """Open the widget's solutions notebook, run all, and return its Explorer (or skip)."""
    path = widget.notebook("solutions")
    if not (course_copy / path).exists():
        pytest.skip(f"{path} does not exist yet: the {widget.name} explorer's assignment "
                    f"{widget.assignment} has not been built")
    notebook = run_notebook(path)
    unrun = [i for i, prompt in enumerate(notebook.prompts()) if prompt == ""]
    assert not unrun, f"Run All stopped before cells {unrun} of {path}"
    errors = {i: e for i in range(notebook.cells.count()) if (e := notebook.error_outputs(i))}
    assert not errors, f"the solutions notebook {path} shows errors: {errors}"
    return Explorer(notebook, widget.name).wait_shown()


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: w.name)
def test_slider_moves_redraw_the_figure_and_the_readout(widget, course_copy, run_notebook,
                                                        artifacts, redraw_log, record_property):
    """Arrow keys one step each, then a mouse drag back: does every move bring a new figure
    and a readout showing the slider's new value?"""
    explorer = run_explorer(run_notebook, course_copy, widget)
    explorer.screenshot(artifacts / f"{widget.name}-before.png")
    start = explorer.kernel_state()
    assert start, f"no box with `redraw_seconds` holds the .{widget.name}-slider"
    model = SliderModel.from_kernel(start)
    assert model.readout_matches(explorer.state()["readout"]), (explorer.state(), start)

    toward = 1 if model.room(1) >= model.room(-1) else -1  # values not drawn yet
    assert model.room(toward) >= KEY_MOVES, f"too short for {KEY_MOVES} steps: {start}"
    key = "ArrowRight" if toward > 0 else "ArrowLeft"
    digests = [explorer.digest()]
    moves = []
    for _ in range(KEY_MOVES):
        move = explorer.press(key)
        model = model.moved(toward)
        assert model.handle_matches(move.value), (
            f"after {key} the handle is at {move.value}, expected {model.position}")
        assert model.readout_matches(move.readout), (
            f"after {key} the readout shows {move.readout!r}, the slider is at {model.value}")
        assert move.digest != digests[-1], f"after {key} the figure did not change"
        digests.append(move.digest)
        moves.append(move)

    track = explorer.slider.locator(".noUi-base").bounding_box()
    drag = explorer.drag(-toward * track["width"] / 4)
    explorer.screenshot(artifacts / f"{widget.name}-after.png")
    end = explorer.kernel_state()
    final = SliderModel.from_kernel(end)
    assert final.position != model.position, "the mouse drag did not move the slider"
    assert final.handle_matches(drag.value), f"handle at {drag.value}, slider at {end}"
    assert final.readout_matches(drag.readout), (
        f"after the drag the readout shows {drag.readout!r}, the slider is at {final.value}")
    assert drag.digest != digests[-1], "after the drag the figure did not change"

    browser_ms = [m.redraw_ms for m in moves]
    redraws = end["redraw_seconds"][len(start["redraw_seconds"]):]
    assert len(redraws) >= KEY_MOVES + 1, f"redraw_seconds recorded only {redraws}"
    kernel_ms = [1000 * s for s in redraws[:KEY_MOVES]]
    redraw_log.append((widget.name, browser_ms, kernel_ms))
    record_property("redraw_ms_browser", [round(t) for t in browser_ms])
    record_property("redraw_ms_kernel", [round(t) for t in kernel_ms])
    print(f"{widget.name}: key press -> new figure {', '.join(f'{t:.0f}' for t in browser_ms)}"
          f" ms (median {statistics.median(browser_ms):.0f}); kernel redraw "
          f"{', '.join(f'{t:.0f}' for t in kernel_ms)} ms; drag -> first new figure "
          f"{drag.redraw_ms:.0f} ms")
