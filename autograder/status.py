"""The status record of one graded submission: its fields, its states, where it is kept.

One JSON file per student and assignment, reports/<id>/status/<student>.json, written by the
class grader (and the self-check's scratch course), read by the report, the export and the
self-check. Fields:

    assignment, student: str
    state: "graded" | "failed" (the student's notebook: recorded, nothing to fix in the
        grader) | "error" (the grader's own failure: the command exits non-zero)
    reason: str, why it is not "graded" ("" when it is)
    score, max_score: float or None (None when failed)
    cells: {grade_id: score or None} of the autograded cells
    checks: [CheckRecord as a dict] one per hidden check (autograder.sandbox.check_service)
    faults, cheats, integrity: [dict] what grading recorded (kernel deaths and limits,
        tampering, changed structure)
    isolation: "jail", "none" (graded without the jail) or None (unknown)
    notes: [str] e.g. a misnamed notebook graded under its name
    seconds, execution_seconds: float, wall time of the job and of the notebooks' cells
    fingerprint: str, sha256 of the submission folder (unchanged submissions are skipped)
    db_url: str, the gradebook it was graded into
"""
import json
import os
from pathlib import Path

STATES = ("graded", "failed", "error")
STATUS_DIR = "reports/{assignment}/status"


def new(assignment, student, fingerprint=None):
    """A fresh record: state "error" until grading says otherwise."""
    return {"assignment": assignment, "student": student, "state": "error", "reason": "",
            "score": None, "max_score": None, "cells": {}, "faults": [], "cheats": [],
            "integrity": [], "checks": [], "isolation": None, "notes": [],
            "seconds": None, "execution_seconds": 0.0, "fingerprint": fingerprint}


def error(job, reason):
    """The record of a job the grader could not finish (state "error")."""
    record = new(job["assignment"], job["student"])
    record["reason"] = reason[-2000:]
    return record


def path_of(root, assignment, student):
    """Where the record of `student`'s `assignment` is kept."""
    return Path(root) / STATUS_DIR.format(assignment=assignment) / f"{student}.json"


def read(root, assignment, student):
    """The record, or None when there is none (or it cannot be read)."""
    try:
        return json.loads(path_of(root, assignment, student).read_text())
    except (OSError, ValueError):
        return None


def write(root, record):
    """Write the record atomically (a reader never sees half of it)."""
    path = path_of(root, record["assignment"], record["student"])
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    temporary.write_text(json.dumps(record, indent=1, sort_keys=True))
    os.replace(temporary, path)


def pipeline_record(notebook_path):
    """What grading wrote into an autograded notebook's metadata ("autograder"), or {}.

    Keys: checks, faults, cheats, integrity, isolation, execution_seconds.
    """
    try:
        notebook = json.loads(Path(notebook_path).read_text())
    except (OSError, ValueError):
        return {}
    record = notebook.get("metadata", {}).get("autograder", {})
    return record if isinstance(record, dict) else {}


def check_records(notebook_path):
    """The hidden checks' records (CheckRecord dicts) of an autograded notebook."""
    return pipeline_record(notebook_path).get("checks", [])


def reported_cheats(record):
    """The cheats of a record that count as tampering (not merely flagged for a look)."""
    return [cheat for cheat in record.get("cheats", []) if cheat.get("kind") != "flagged"]
