"""The class report of one assignment, from the gradebook and the autograded notebooks.

Writes reports/<id>/:
- histogram.png: the autograded scores of the class;
- misconceptions.csv / .md: the most common failed checks, named by the check
  records' known mistake (or their kind: not attempted, timed out, crashed...),
  with the share of the class that made each;
- students.csv: per student the score, the state (graded / failed / error,
  from reports/<id>/status/), the reason, and what was flagged.
"""
import csv
from collections import Counter
from pathlib import Path

from matplotlib.figure import Figure

from autograder import gradebook, status as status_record
from autograder.course import db_url_of
from autograder.status import check_records

KIND_LABELS = {
    "not attempted": "{f} is not implemented",
    "timed out": "{f} loops forever or is far too slow",
    "crashed": "{f} raises an error or crashes its process",
    "did not run": "{f}'s hidden check did not run",
    "wrong": "{f} gives wrong values",
}


def misconception(record):
    """A short name of the mistake behind one failed check record (a dict)."""
    if record.get("mistake"):
        return f"{record['function']}: {record['mistake']}"
    return KIND_LABELS.get(record.get("kind"), "{f} gives wrong values").format(
        f=record["function"])


def failed_checks(notebook_path):
    """{grade_id: message} of the test cells whose hidden checks failed."""
    failures = {}
    for record in check_records(notebook_path):
        if not record["passed"]:
            failures.setdefault(record["cell"], record["message"])
    return failures


def class_scores(root, assignment, db_url=None):
    """{student: (score or None, max_score)} of the autograded cells, from the gradebook."""
    scores = {}
    for student, cells in gradebook.class_cells(db_url_of(root, db_url), assignment).items():
        values = [score for score, _ in cells.values()]
        total = None if any(v is None for v in values) else sum(values)
        scores[student] = (total, sum(best for _, best in cells.values()))
    return scores


def misconceptions(root, assignment, students):
    """[(label, students, share of class)] of the failed sub-checks, most common first."""
    counts = Counter()
    for student in students:
        folder = Path(root) / "autograded" / student / assignment
        labels = {misconception(record) for path in folder.glob("*.ipynb")
                  for record in check_records(path) if not record["passed"]}
        counts.update(labels)
    size = max(len(students), 1)
    return [(label, n, n / size) for label, n in counts.most_common()]


def histogram(scores, best, path, title):
    """Write a PNG histogram of `scores` (out of `best`) to `path`."""
    figure = Figure(figsize=(6, 3.5))
    ax = figure.subplots()
    bins = [x - 0.25 for x in range(int(best) + 2)] if best else 10
    ax.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"autograded score (out of {best:g})")
    ax.set_ylabel("students")
    ax.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def write_reports(root, assignment, db_url=None):
    """Write reports/<assignment>/ and return that folder."""
    root = Path(root)
    folder = root / "reports" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    scores = class_scores(root, assignment, db_url)
    graded = {s: v for s, v in scores.items() if v[0] is not None}
    best = max((m for _, m in scores.values()), default=0)
    histogram([v[0] for v in graded.values()], best, folder / "histogram.png",
              f"{assignment}: {len(graded)} students graded")
    table = misconceptions(root, assignment, sorted(graded))
    with open(folder / "misconceptions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["misconception", "students", "share_of_class"])
        writer.writerows([label, n, f"{share:.3f}"] for label, n, share in table)
    lines = [f"# {assignment}: most common mistakes", "",
             f"{len(graded)} students graded; share of the class that made each mistake.", "",
             "| mistake | students | share |", "|---|---:|---:|"]
    lines += [f"| {label} | {n} | {share:.0%} |" for label, n, share in table]
    (folder / "misconceptions.md").write_text("\n".join(lines) + "\n")
    _write_students(root, assignment, scores, folder / "students.csv")
    return folder


def _write_students(root, assignment, scores, path):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "state", "score", "max_score", "reason", "cheating",
                         "faults", "notes"])
        for student, (score, best) in sorted(scores.items()):
            status = status_record.read(root, assignment, student) or {}
            state = status.get("state") or ("graded" if score is not None else "ungraded")
            reason = (status.get("reason") or "").strip().splitlines()
            cheats = [f"{c['cell']}: {c['message']}" for c in
                      status_record.reported_cheats(status)]
            faults = [f"{f['cell']}: {f['kind']}" for f in status.get("faults", [])]
            notes = status.get("notes", []) + [i["message"] for i in
                                               status.get("integrity", [])]
            writer.writerow([student, state, "" if score is None else f"{score:g}",
                             f"{best:g}", reason[-1] if reason else "", "; ".join(cheats),
                             "; ".join(faults), "; ".join(notes)])
