"""Solution notebook outputs made the same from one execution to the next (streams, widget ids)."""
import json
import re

import nbformat

WIDGET_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def stable_outputs(notebook):
    """The same notebook with outputs that do not change from one execution to the next.

    Consecutive stream outputs are merged (the kernel splits them at random places), and
    the random widget model ids are renumbered in a canonical order, so rebuilding the
    solutions changes them only where their content changed.
    """
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = _merged_streams(cell.outputs)
    states = notebook.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    if not states:
        return notebook
    ids = {old: f"{number + 1:032x}" for number, old in enumerate(_widget_order(notebook, states))}
    text = WIDGET_ID.sub(lambda m: ids.get(m.group(0), m.group(0)), nbformat.writes(notebook))
    return nbformat.reads(text, as_version=4)


def _merged_streams(outputs):
    merged = []
    for output in outputs:
        if merged and output.output_type == "stream" and \
                merged[-1].output_type == "stream" and merged[-1].name == output.name:
            merged[-1].text += output.text
        else:
            merged.append(output)
    return merged


def _widget_order(notebook, states):
    """Widget model ids: displayed ones in output order, each followed by what it refers to."""
    order, seen = [], set()

    def visit(model_id):
        if model_id in seen or model_id not in states:
            return
        seen.add(model_id)
        order.append(model_id)
        for referenced in WIDGET_ID.findall(json.dumps(states[model_id], sort_keys=True)):
            visit(referenced)

    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view:
                visit(view["model_id"])
    rest = sorted(set(states) - seen, key=lambda m: WIDGET_ID.sub(
        "", json.dumps(states[m], sort_keys=True)))
    for model_id in rest:
        visit(model_id)
    return order
