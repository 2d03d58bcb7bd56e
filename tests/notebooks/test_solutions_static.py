"""Can a learner read solutions/ on a static renderer (GitHub, nbviewer) without running it?

A static renderer draws a widget only from the state saved in the notebook's metadata
(`metadata.widgets["application/vnd.jupyter.widget-state+json"]`, written by
`autograder.apps.build.execute` through nbclient's `store_widget_state=True`), and a figure only
from its saved PNG. Notebooks that display no widget skip the widget test.
"""
import base64
import binascii

import nbformat
import pytest

from autograder.course import ROOT

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SOLUTIONS = sorted(p for p in (ROOT / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def _outputs(notebook):
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def displayed_models(notebook):
    """Model ids of the widgets the notebook's outputs display."""
    return [o["data"][WIDGET_VIEW]["model_id"] for o in _outputs(notebook)
            if WIDGET_VIEW in o.get("data", {})]


def _references(value):
    """Model ids a widget's state points to ("IPY_MODEL_<id>"), at any depth."""
    if isinstance(value, str):
        return [value[len("IPY_MODEL_"):]] if value.startswith("IPY_MODEL_") else []
    if isinstance(value, dict):
        return [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def _is_png(text):
    try:
        return base64.b64decode(text, validate=False).startswith(PNG_MAGIC)
    except (binascii.Error, ValueError, TypeError):
        return False


def _image_problems(model_id, model):
    if model.get("model_name") != "ImageModel":
        return []
    buffers = [b for b in model.get("buffers", []) if b.get("path") == ["value"]]
    if not buffers or not all(_is_png(b.get("data", "")) for b in buffers):
        return [f"Image widget {model_id} has no saved PNG value"]
    return []


def widget_state_problems(notebook):
    """What a static renderer would miss to draw every displayed widget ([] if nothing)."""
    displayed = displayed_models(notebook)
    saved = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    state = saved.get("state", {})
    problems = [] if saved.get("version_major") else ["no widget state saved in the metadata"]
    pending, seen = list(displayed), set()
    while pending:
        model_id = pending.pop()
        if model_id in seen:
            continue
        seen.add(model_id)
        if model_id not in state:
            problems.append(f"widget model {model_id} is displayed or referenced but not saved")
            continue
        problems += _image_problems(model_id, state[model_id])
        pending += _references(state[model_id].get("state", {}))
    return problems


def _figure_outputs(outputs):
    """Outputs that show a matplotlib figure, also inside saved Output widgets."""
    return [o for o in outputs
            if str(o.get("data", {}).get("text/plain", "")).startswith("<Figure")]


def figure_problems(notebook):
    """Figure outputs without a PNG a static renderer can show ([] if none)."""
    outputs = _outputs(notebook)
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model in state.values():
        if model.get("model_name") == "OutputModel":
            outputs += model.get("state", {}).get("outputs", [])
    return [f"figure output {o.get('data', {}).get('text/plain')!r} has no image/png"
            for o in _figure_outputs(outputs) if not _is_png(o["data"].get("image/png", ""))]


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_displayed_widgets_have_saved_state(path):
    """Does every widget a solution displays have its state (and its image) saved?"""
    notebook = nbformat.read(path, as_version=4)
    if not displayed_models(notebook):
        pytest.skip("this solution displays no widget")
    assert widget_state_problems(notebook) == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_every_figure_output_has_a_png(path):
    """Is every figure in a solution saved as a PNG a static renderer can show?"""
    assert figure_problems(nbformat.read(path, as_version=4)) == []


def test_the_build_saves_widget_state_and_the_check_sees_what_is_missing(tmp_path):
    """Does autograder.apps.build.execute save widget state, and does the check catch a gap?"""
    from autograder.builder import execute

    code = ("import io, ipywidgets as w, matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots(); ax.plot([0, 1]); png = io.BytesIO()\n"
            "fig.savefig(png, format='png')\n"
            "w.VBox([w.IntSlider(3), w.Image(value=png.getvalue(), format='png')])")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell("fig")])
    notebook = execute(notebook, tmp_path)
    assert len(displayed_models(notebook)) == 1
    assert widget_state_problems(notebook) == [] and figure_problems(notebook) == []
    state = notebook.metadata["widgets"][WIDGET_STATE]["state"]
    image = next(k for k, v in state.items() if v["model_name"] == "ImageModel")
    del state[image]
    assert widget_state_problems(notebook) == [f"widget model {image} is displayed or "
                                               "referenced but not saved"]
    del notebook.metadata["widgets"]
    assert "no widget state saved in the metadata" in widget_state_problems(notebook)
    del notebook.cells[1].outputs[0]["data"]["image/png"]
    assert len(figure_problems(notebook)) == 1
