"""What the explorers share: PNG bytes of a canvas, and a timed redraw that shows failures."""
import io
import time

import numpy as np
import PIL.Image


def canvas_png(canvas):
    """PNG bytes (fast compression) of what a Matplotlib Agg canvas holds now."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png",
                                                               compress_level=1)
    return buffer.getvalue()


def timed_redraw(box, image, note, draw, failure_note):
    """The explorer's change handler: show draw()'s PNG, or a note when it fails.

    Args:
        box: the explorer's widget box; gets `redraw_seconds`, a list with the
            duration of every redraw.
        image: ipywidgets.Image that shows the PNG bytes draw() returns.
        note: ipywidgets.HTML that shows failure_note(error) when draw() raises
            (the figure is hidden then) and is cleared when it works again.
        draw: function () -> PNG bytes, calling the student's code.
        failure_note: function (exception) -> HTML text for the student.

    Returns:
        function (change=None) to pass to `observe`, and to call once.
    """
    box.redraw_seconds = []

    def redraw(change=None):
        start = time.perf_counter()
        try:
            image.value = draw()
        except Exception as error:  # noqa: BLE001 - shown in the widget, not as a traceback
            note.value = failure_note(error)
            image.layout.display = "none"
        else:
            note.value = ""
            image.layout.display = None
        box.redraw_seconds.append(time.perf_counter() - start)

    return redraw
