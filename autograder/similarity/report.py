"""Writes a Similarity to reports/<id>/similarity/: tables, side-by-side pages, a heatmap.

pairs.csv and report.md list the most similar pairs per function and per notebook with
their scores and verdicts, functions.csv what each function's answers allow to judge,
pairs/<a>--<b>.html shows a flagged pair's answers side by side with the shared code
marked, and heatmap.png the notebook scores of the whole class.
"""
import ast
import csv
import html
import math
from pathlib import Path

import numpy as np
from copydetect.utils import highlight_overlap
from matplotlib.figure import Figure

from autograder.similarity.compare import FLAGGED, NOTEBOOK, shared_slices

PAIR_COLUMNS = ["scope", "student_a", "student_b", "score", "share_a", "share_b", "tokens",
                "holders", "threshold", "verdict"]
FUNCTION_COLUMNS = ["function", "answered", "median_tokens", "common_count", "largest_group",
                    "too_short", "too_common"]
LIMITS = """\
- Tokens are those of copydetect's normalised code: every name is one `V`, strings are `S`,
  comments and whitespace are dropped; keywords, operators and numbers are kept.
- An answer with fewer than {min_tokens} tokens outside the released scaffold is too short to
  judge: the same short line written twice is not evidence.
- Code found in at least {common_share:.0%} of the answers to a function (and in at least
  {common_min}) is common and left out; a pair is judged only if the shorter answer keeps
  {min_tokens} distinctive tokens for each student beyond the first who holds most of the code
  the two share. So a large group sharing one answer is not flagged (see `largest_group` in
  functions.csv), and in a small class a few students sharing an answer hide one another.
- Only the answer cells are read: code written in other cells is not compared. Renamed
  variables, moved statements and changed comments are seen through; copies rewritten
  statement by statement (another loop, other library calls) are not.
- Two students who took their answer from the same outside source look like a copy of each
  other. A flagged pair is a reason to read both answers, not a finding.
"""


def pair_row(pair):
    """A PairScore as a pairs.csv row (dict of str)."""
    threshold = "" if math.isnan(pair.threshold) else f"{pair.threshold:.3f}"
    return {"scope": pair.scope, "student_a": pair.a, "student_b": pair.b,
            "score": f"{pair.score:.3f}", "share_a": f"{pair.share_a:.3f}",
            "share_b": f"{pair.share_b:.3f}", "tokens": str(pair.tokens),
            "holders": str(pair.holders),
            "threshold": threshold, "verdict": pair.verdict}


def listed_pairs(similarity, top):
    """{scope: PairScores to list}: the `top` highest scores of each scope and every flagged one."""
    return {scope: [p for i, p in enumerate(pairs) if i < top or p.verdict == FLAGGED]
            for scope, pairs in similarity.pairs.items()}


def write_csv(path, columns, rows):
    """Write `rows` (list of dicts) to the CSV file `path` with these `columns`."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def markdown_table(columns, rows):
    """A markdown table (str) of `rows` (list of dicts) under `columns`."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def cannot_judge_lines(similarity):
    """One line (str) per function whose answers cannot all be judged, saying how many and why."""
    lines = []
    for s in similarity.summaries:
        reasons = [f"{s.too_short} too short (median {s.median_tokens} tokens)"] * bool(s.too_short)
        reasons += [f"{s.too_common} mostly code {s.common_count}+ students share"] * bool(
            s.too_common)
        if s.answered == 0:
            lines.append(f"- `{s.function}`: nobody answered it.")
        elif reasons:
            lines.append(f"- `{s.function}`: of {s.answered} answers, {' and '.join(reasons)}; "
                         f"the most frequent answer is handed in by {s.largest_group}.")
    return lines


def markdown(similarity, listed):
    """The text of report.md (str)."""
    settings = similarity.settings
    flagged = similarity.flagged_pairs()
    parts = [f"# Similarity of {similarity.assignment}", "",
             f"{len(similarity.students)} notebooks compared, {len(flagged)} pairs flagged. "
             f"A pair is flagged when its score reaches {settings.threshold:.2f} for long "
             f"answers, more for shorter ones (1.0 at {settings.min_tokens} distinctive "
             "tokens). The score is the mean share of each answer's distinctive code found in "
             "the other's.", "", "## Flagged pairs", ""]
    parts += [f"- {a} and {b}: {', '.join(scopes)} ([side by side](pairs/{a}--{b}.html))"
              for (a, b), scopes in sorted(flagged.items())] or ["None."]
    for scope in [NOTEBOOK] + [s.function for s in similarity.summaries]:
        parts += ["", f"## {scope}", ""]
        rows = [pair_row(p) for p in listed.get(scope, [])]
        parts.append(markdown_table(PAIR_COLUMNS[1:], rows) if rows else
                     "No two answers share distinctive code.")
    parts += ["", "## What this report cannot judge", ""] + cannot_judge_lines(similarity)
    parts += [f"- {s}: not compared ({why})." for s, why in sorted(similarity.unreadable.items())]
    parts += ["", LIMITS.format(min_tokens=settings.min_tokens,
                                common_share=settings.common_share,
                                common_min=settings.common_min)]
    return "\n".join(parts)


def body_start(source):
    """Index in `source` where its first function's body begins, past its docstring (int)."""
    try:
        function = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
    except (SyntaxError, StopIteration):
        return 0
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
            isinstance(first.value.value, str):
        line, column = first.end_lineno, first.end_col_offset
    else:
        line, column = first.lineno, first.col_offset
    lines = source.splitlines(keepends=True)
    return sum(len(text) for text in lines[:line - 1]) + column


def highlighted(source, slices):
    """HTML of `source` with the (2, M) [start, end) `slices` marked, past the docstring (str)."""
    start = body_start(source)
    if np.size(slices) == 0:
        return html.escape(source)
    slices = np.asarray(slices)
    slices = np.maximum(slices[:, slices[1] > start], start)
    if slices.shape[1] == 0:
        return html.escape(source)
    marked, _ = highlight_overlap(source, slices, "<mark>", "</mark>", escape_html=True)
    return marked


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title><style>
body {{ font-family: sans-serif; margin: 1em 2em; }}
.pair {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }}
pre {{ background: #f6f6f6; padding: .5em; overflow-x: auto; font-size: 85%; }}
mark {{ background: #ffd27f; }}
</style></head><body><h1>{title}</h1>
<p>Marked: code the two answers share once names are normalised, outside the released scaffold
and the code common in the class. A reason to read both answers, not a finding.</p>
{sections}</body></html>
"""


def pair_page(similarity, a, b):
    """The side-by-side HTML page (str) of students a and b, flagged functions first."""
    scoped = [p for scope, pairs in similarity.pairs.items() if scope != NOTEBOOK
              for p in pairs if (p.a, p.b) == (a, b)]
    scoped.sort(key=lambda p: (p.verdict != FLAGGED, -p.score))
    sections = []
    for pair in scoped:
        answer_a, answer_b = similarity.answers[a, pair.scope], similarity.answers[b, pair.scope]
        slices_a, slices_b = shared_slices(answer_a, answer_b) or ((), ())
        columns = "".join(f"<div><h3>{html.escape(x.student)}</h3><pre>"
                          f"{highlighted(x.source, marks)}</pre></div>"
                          for x, marks in ((answer_a, slices_a), (answer_b, slices_b)))
        sections.append(
            f"<h2>{html.escape(pair.scope)}: score {pair.score:.2f} ({html.escape(pair.verdict)}"
            f", {pair.tokens} tokens)</h2><div class='pair'>{columns}</div>")
    title = html.escape(f"{similarity.assignment}: {a} and {b}")
    return PAGE.format(title=title, sections="\n".join(sections))


def heatmap_order(similarity):
    """Students ordered so that flagged pairs sit next to each other (list of str)."""
    linked = {s: {s} for s in similarity.students}
    for a, b in similarity.flagged_pairs():
        group = linked[a] | linked[b]
        for student in group:
            linked[student] = group
    groups = {frozenset(g) for g in linked.values()}
    return [s for g in sorted(groups, key=lambda g: (-len(g), min(g))) for s in sorted(g)]


def heatmap(similarity, path):
    """Save the (S, S) notebook scores as a PNG at `path`; flagged pairs are ringed in red."""
    order = heatmap_order(similarity)
    index = [similarity.students.index(s) for s in order]
    matrix = similarity.matrix[np.ix_(index, index)].astype(float)
    np.fill_diagonal(matrix, np.nan)
    size = min(12.0, 3.0 + 0.12 * len(order))
    figure = Figure(figsize=(size + 1.5, size))
    ax = figure.subplots()
    image = ax.imshow(matrix, vmin=0.0, vmax=1.0, cmap="viridis", interpolation="nearest")
    figure.colorbar(image, ax=ax, label="notebook score")
    position = {s: i for i, s in enumerate(order)}
    for a, b in similarity.flagged_pairs():
        for i, j in [(position[a], position[b]), (position[b], position[a])]:
            ax.scatter([j], [i], s=40, facecolors="none", edgecolors="red")
    if len(order) <= 60:
        ax.set_xticks(range(len(order)), order, rotation=90, fontsize=7)
        ax.set_yticks(range(len(order)), order, fontsize=7)
    ax.set_title(f"{similarity.assignment}: similarity of every pair of notebooks")
    ax.set_xlabel("red rings: pairs flagged in a function or in the notebook")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def write_report(similarity, folder, top=10):
    """Write every output file into `folder` (created if needed) and return it as a Path."""
    folder = Path(folder)
    (folder / "pairs").mkdir(parents=True, exist_ok=True)
    for old in (folder / "pairs").glob("*.html"):
        old.unlink()
    listed = listed_pairs(similarity, top)
    scopes = [NOTEBOOK] + [s.function for s in similarity.summaries]
    write_csv(folder / "pairs.csv", PAIR_COLUMNS,
              [pair_row(p) for scope in scopes for p in listed.get(scope, [])])
    write_csv(folder / "functions.csv", FUNCTION_COLUMNS,
              [{c: getattr(s, c) for c in FUNCTION_COLUMNS} for s in similarity.summaries])
    (folder / "report.md").write_text(markdown(similarity, listed), encoding="utf-8")
    for a, b in similarity.flagged_pairs():
        (folder / "pairs" / f"{a}--{b}.html").write_text(pair_page(similarity, a, b),
                                                         encoding="utf-8")
    heatmap(similarity, folder / "heatmap.png")
    return folder
