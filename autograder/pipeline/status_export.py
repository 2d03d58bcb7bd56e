"""`nbgrader export` that tells a failed or missing submission from a score of zero.

nbgrader_config.py makes this the course's exporter, so plain

    nbgrader export            # writes grades.csv

writes nbgrader's usual columns plus:

- grading_status: "graded", "written answers to grade" (autograded; the
  manually graded questions are still open), "not autograded" (the
  notebook could not be graded: not JSON, kernel never started, grading
  failed; every grade is empty), or "not submitted";
- note: why a submission was not autograded, as recorded by
  `python -m autograder.classgrade` in reports/<id>/status/<student>.json;
- flags: what the grading recorded for the instructor (tampering reported,
  kernel deaths, time and memory limits, "graded without isolation" when the
  jail was switched off).
"""
import csv
from collections import Counter
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import ExportApp
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import CsvExportPlugin

from autograder import status as status_record
from autograder.course import load_config
from autograder.gradebook import autograded_complete

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name",
                    "first_name", "email", "raw_score", "late_submission_penalty", "score",
                    "max_score"]
COLUMNS = NBGRADER_COLUMNS + ["grading_status", "note", "flags"]


CHEAT_FLAGS = {"neutralised": "tampering neutralised", "tampering": "tampering reported"}
WITHOUT_JAIL = "graded without isolation"


def isolation_of(root, assignment, student, record):
    """"jail" or "none" as the grading recorded it (status record, else the notebooks)."""
    if record.get("isolation"):
        return record["isolation"]
    for path in sorted((Path(root) / "autograded" / student / assignment).glob("*.ipynb")):
        isolation = status_record.pipeline_record(path).get("isolation")
        if isolation:
            return isolation
    return None


def flags_of(record, isolation=None):
    """'tampering reported x2; kernel died' from a status record."""
    counts = Counter()
    for cheat in record.get("cheats", []):
        kind = cheat.get("kind", "flagged")
        counts[CHEAT_FLAGS.get(kind, f"cheat {kind}")] += 1
    for fault in record.get("faults", []):
        counts[fault.get("kind", "fault")] += 1
    if isolation == "none":
        counts[WITHOUT_JAIL] += 1
    return "; ".join(name if n == 1 else f"{name} x{n}" for name, n in sorted(counts.items()))


def submission_row(gradebook, assignment, student, root):
    """The export row of one student's assignment (values before formatting)."""
    row = {"assignment": assignment.name, "duedate": assignment.duedate,
           "student_id": student.id, "last_name": student.last_name,
           "first_name": student.first_name, "email": student.email,
           "max_score": assignment.max_score, "note": "", "flags": ""}
    try:
        submission = gradebook.find_submission(assignment.name, student.id)
    except MissingEntry:
        row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0,
                   grading_status="not submitted")
        return row
    penalty = submission.late_submission_penalty or 0.0
    row.update(timestamp=submission.timestamp, raw_score=submission.score,
               late_submission_penalty=penalty,
               score=max(0.0, submission.score - penalty))
    record = status_record.read(root, assignment.name, student.id) or {}
    row["flags"] = flags_of(record, isolation_of(root, assignment.name, student.id, record))
    if not autograded_complete(submission):
        row["grading_status"] = "not autograded"
        reason = (record.get("reason") or "").strip().splitlines() \
            if record.get("state") in ("failed", "error") else []
        row["note"] = reason[-1] if reason else "no autograded score recorded"
    elif submission.needs_manual_grade:
        row["grading_status"] = "written answers to grade"
    else:
        row["grading_status"] = "graded"
    return row


def _text(value):
    return "" if value is None else str(value)


class StatusCsvExportPlugin(CsvExportPlugin):
    """nbgrader's CSV export plus grading_status, note and flags columns."""

    def export(self, gradebook):
        destination = self.to or "grades.csv"
        coursedir = getattr(self.parent, "coursedir", None)
        root = coursedir.root if coursedir is not None else "."
        students = {str(s) for s in self.student}
        assignments = {str(a) for a in self.assignment}
        self.log.info("Exporting grades to %s", destination)
        with open(destination, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if students and student.id not in students:
                        continue
                    row = submission_row(gradebook, assignment, student, root)
                    writer.writerow({k: _text(v) for k, v in row.items()})


def export_csv(root, destination):
    """Write the export (what `nbgrader export` writes) of the course at `root` to `destination`."""
    config = load_config(root)
    app = ExportApp(config=config, coursedir=CourseDirectory(config=config), log_level="WARN")
    plugin = StatusCsvExportPlugin(parent=app, to=str(destination))
    with Gradebook(app.coursedir.db_url, app.coursedir.course_id) as gradebook:
        plugin.export(gradebook)
    return destination
