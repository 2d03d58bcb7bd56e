"""The class report of one assignment, from the gradebook and the autograded notebooks.

    python -m autograder.report <assignment> [--db-url URL]

Writes reports/<id>/:
- histogram.png: the autograded scores of the class;
- misconceptions.csv / .md: the most common failed sub-checks, named by the
  hidden checks' own messages (" — this is what you get <mistake>." names the
  mistake), with the share of the class that made each;
- students.csv: per student the score, the state (graded / failed / error,
  from reports/<id>/status/), the reason, and what was flagged.
"""
import argparse
import csv
import json
import re
from collections import Counter
from pathlib import Path

from autograder.jobs import db_url_of, read_status

MISTAKE = re.compile(r" — this is what you get (.+?)\.?\s*$", re.DOTALL)
FUNCTION = re.compile(r"^(\w+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
GENERIC = [
    ("NumPy warned", "{f} overflows or divides by zero (NumPy warned)"),
    ("nan or inf", "{f} returns nan or inf"),
    ("changed its argument", "{f} modifies its input in place"),
    ("expected shape", "{f} returns the wrong shape"),
    ("is not implemented yet", "{f} is not implemented"),
    ("did not finish within", "{f} loops forever or is far too slow"),
    ("crashed the Python process", "{f} crashes the process"),
    ("ended the Python process", "{f} ends the process"),
    ("ran out of memory", "{f} uses too much memory"),
    (" raised ", "{f} raises an exception"),
]


def misconception(message, cell):
    """A short name of the mistake behind one failed check message."""
    message = ANSI.sub("", message).strip()
    function = FUNCTION.match(message)
    function = function.group(1) if function else cell.removeprefix("test_")
    named = MISTAKE.search(message)
    if named:
        return f"{function}: {named.group(1).strip()}"
    for needle, label in GENERIC:
        if needle in message:
            return label.format(f=function)
    return f"{function} gives wrong values"


def failed_checks(notebook_path):
    """{grade_id: message} of the graded test cells that ended in an error."""
    try:
        notebook = json.loads(Path(notebook_path).read_text())
    except (OSError, ValueError):
        return {}
    failures = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not (meta.get("grade") and cell.get("cell_type") == "code"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                ename, evalue = output.get("ename", ""), output.get("evalue", "")
                if ename in ("CheckFailed", "TestFailure", "NotImplementedError"):
                    failures[meta.get("grade_id", f"cell {index}")] = evalue or ename
                elif ename in ("CellTimeoutError", "DeadKernelError"):
                    failures[meta.get("grade_id")] = f"{meta.get('grade_id', '')}: {evalue}"
                else:
                    failures[meta.get("grade_id", f"cell {index}")] = \
                        f"{meta.get('grade_id', '')} raised {ename}: {evalue}"
                break
    return failures


def class_scores(root, assignment, db_url=None):
    """{student: (score or None, max_score)} of the autograded cells, from the gradebook."""
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(db_url_of(root, db_url)) as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            grades = [g for nb in submission.notebooks for g in nb.grades
                      if g.cell.cell_type == "code"]
            values = [g.score if g.auto_score is not None or g.manual_score is not None
                      else None for g in grades]
            total = None if any(v is None for v in values) else sum(values)
            scores[submission.student.id] = (total, sum(g.max_score for g in grades))
    return scores


def misconceptions(root, assignment, students):
    """[(label, students, share of class)] of the failed sub-checks, most common first."""
    counts = Counter()
    for student in students:
        folder = Path(root) / "autograded" / student / assignment
        labels = {misconception(message, cell) for path in folder.glob("*.ipynb")
                  for cell, message in failed_checks(path).items()}
        counts.update(labels)
    size = max(len(students), 1)
    return [(label, n, n / size) for label, n in counts.most_common()]


def histogram(scores, best, path, title):
    """Write a PNG histogram of `scores` (out of `best`) to `path`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(6, 3.5))
    bins = [x - 0.25 for x in range(int(best) + 2)] if best else 10
    ax.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"autograded score (out of {best:g})")
    ax.set_ylabel("students")
    ax.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


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
            status = read_status(root, assignment, student) or {}
            state = status.get("state") or ("graded" if score is not None else "ungraded")
            reason = (status.get("reason") or "").strip().splitlines()
            cheats = [f"{c['cell']}: {c['message']}" for c in status.get("cheats", [])
                      if c.get("kind") != "flagged"]
            faults = [f"{f['cell']}: {f['kind']}" for f in status.get("faults", [])]
            notes = status.get("notes", []) + [i["message"] for i in
                                               status.get("integrity", [])]
            writer.writerow([student, state, "" if score is None else f"{score:g}",
                             f"{best:g}", reason[-1] if reason else "", "; ".join(cheats),
                             "; ".join(faults), "; ".join(notes)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--root", default=".")
    args = parser.parse_args(argv)
    folder = write_reports(Path(args.root).resolve(), args.assignment, args.db_url)
    print(f"report written to {folder}")


if __name__ == "__main__":
    main()
