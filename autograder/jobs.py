"""One grading job: one student's submission of one assignment, through nbgrader's API.

`grade_submission(job)` prepares the submission (a misnamed or doubled
notebook, a notebook that is not JSON), runs `NbGraderAPI.autograde`, checks
the gradebook afterwards, and on any failure replaces stale grades with an
empty submission (every grade None: formgrader lists it as needing manual
grading, and the export can no longer show old points). Its result is a
status dict, also written to reports/<id>/status/<student>.json:

    {"assignment", "student", "state": "graded" | "failed" | "error",
     "reason", "score", "max_score", "cells": {grade_id: score},
     "faults", "cheats", "integrity", "checks", "isolation", "notes", "seconds",
     "execution_seconds", "fingerprint"}

"checks" holds one record per hidden check (autograder.check_service.CheckRecord);
"isolation" is "jail", or "none" when graded without the jail.

"failed" is the student's notebook (recorded, nothing to fix in the grader);
"error" is the grader itself (the command exits non-zero).
"""
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import traceback
from pathlib import Path

import nbformat

STATUS_DIR = "reports/{assignment}/status"
STAGING_DIR = ".classgrade/staging"


def load_config(root, db_url=None):
    """The course's nbgrader config (root/nbgrader_config.py), rooted at `root`."""
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    if db_url:
        config.CourseDirectory.db_url = db_url
    return config


def db_url_of(root, db_url=None):
    """The gradebook URL grading at `root` uses."""
    if db_url:
        return db_url
    from nbgrader.coursedir import CourseDirectory
    return CourseDirectory(config=load_config(root)).db_url


def fingerprint(folder):
    """sha256 over the names and contents of the files of a submission folder."""
    digest = hashlib.sha256()
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if ".ipynb_checkpoints" in path.parts:
            continue
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def status_path(root, assignment, student):
    return Path(root) / STATUS_DIR.format(assignment=assignment) / f"{student}.json"


def read_status(root, assignment, student):
    try:
        return json.loads(status_path(root, assignment, student).read_text())
    except (OSError, ValueError):
        return None


def write_status(root, status):
    path = status_path(root, status["assignment"], status["student"])
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    temporary.write_text(json.dumps(status, indent=1, sort_keys=True))
    os.replace(temporary, path)


@contextlib.contextmanager
def student_lock(root, assignment, student):
    """Exclusive lock on one student's assignment, so no two processes grade it at once."""
    folder = Path(root) / ".classgrade" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{assignment}--{student}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stage(root, assignment, student, expected):
    """Choose the notebook(s) to grade; returns (submitted dir to use, notes, missing)."""
    folder = Path(root) / "submitted" / student / assignment
    notes, missing = [], []
    present = sorted(p.name for p in folder.glob("*.ipynb"))
    extra = [name for name in present if name[:-6] not in expected]
    renames = {}
    for name in expected:
        if f"{name}.ipynb" in present:
            continue
        candidates = sorted(extra, key=lambda n: (not n.startswith(name),
                                                  -(folder / n).stat().st_mtime))
        if candidates:
            renames[candidates[0]] = f"{name}.ipynb"
            extra.remove(candidates[0])
            notes.append(f"notebook {candidates[0]} graded as {name}.ipynb (misnamed)")
        else:
            missing.append(name)
    for name in extra:
        notes.append(f"extra notebook {name} ignored (submitted twice or renamed copy)")
    if not renames:
        return None, notes, missing
    staging = Path(root) / STAGING_DIR
    target = staging / student / assignment
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(folder, target, symlinks=True,
                    ignore=shutil.ignore_patterns(*[n for n in present if n not in renames]))
    for old, new in renames.items():
        os.replace(target / old, target / new)
    return str(staging), notes, missing


def _unreadable(folder, names):
    """{name: reason} of the notebooks in `folder` that nbformat cannot read."""
    problems = {}
    for name in names:
        path = Path(folder) / f"{name}.ipynb"
        if not path.exists():
            continue
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except Exception as error:  # noqa: BLE001 - any unreadable file is the same failure
            first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
            problems[name] = f"{name}.ipynb is not a valid notebook ({type(error).__name__}" \
                             f"{': ' + first if first else ''})"
    return problems


def _reason_of(error_text):
    """A one-line reason from nbgrader's captured traceback."""
    lines = [line for line in (error_text or "").strip().splitlines() if line.strip()]
    for known in ("DeadKernelError", "CellTimeoutError", "NotJSONError", "ValidationError",
                  "MissingEntry", "RuntimeError", "ValueError"):
        for line in reversed(lines):
            if known in line:
                return line.strip()[:300]
    return lines[-1].strip()[:300] if lines else "nbgrader reported a failure"


def _grades(gradebook, assignment, student):
    """({grade_id: score or None}, max score) of a submission's autograded cells."""
    submission = gradebook.find_submission(assignment, student)
    cells, best = {}, 0.0
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            if grade.cell.cell_type == "code":
                cells[grade.name] = grade.auto_score if grade.manual_score is None \
                    else grade.manual_score
                best += grade.max_score
    return cells, best


def _reset_submission(gradebook, assignment, student):
    """Replace whatever the gradebook holds for the student with an ungraded submission."""
    from nbgrader.api import MissingEntry
    gradebook.update_or_create_student(student)
    try:
        gradebook.remove_submission(assignment, student)
    except MissingEntry:
        pass
    gradebook.add_submission(assignment, student)


def reset_submission(job):
    """Leave an ungraded submission (every grade None) for a job that could not finish."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url_of(job["root"], job.get("db_url"))) as gradebook:
        _reset_submission(gradebook, job["assignment"], job["student"])


def _notebook_record(root, assignment, student, names):
    record = {"faults": [], "cheats": [], "integrity": [], "checks": [], "isolation": None,
              "execution_seconds": 0.0}
    for name in names:
        path = Path(root) / "autograded" / student / assignment / f"{name}.ipynb"
        try:
            meta = json.loads(path.read_text()).get("metadata", {}).get("autograder", {})
        except (OSError, ValueError):
            continue
        for key in ("faults", "cheats", "integrity", "checks"):
            record[key] += meta.get(key, [])
        record["isolation"] = meta.get("isolation", record["isolation"])
        record["execution_seconds"] += float(meta.get("execution_seconds", 0.0))
    return record


def grade_submission(job):
    """Grade one submission; never raises. `job`: root, assignment, student, notebooks, db_url."""
    started = time.perf_counter()
    root, assignment, student = Path(job["root"]), job["assignment"], job["student"]
    status = {"assignment": assignment, "student": student, "state": "error", "reason": "",
              "score": None, "max_score": None, "cells": {}, "faults": [], "cheats": [],
              "integrity": [], "checks": [], "isolation": None, "notes": [],
              "execution_seconds": 0.0,
              "fingerprint": job.get("fingerprint")}
    try:
        with student_lock(root, assignment, student):
            _grade_locked(job, root, assignment, student, status)
    except Exception:  # noqa: BLE001 - a grader error is reported, never raised
        status["state"], status["reason"] = "error", traceback.format_exc()[-2000:]
    status["seconds"] = round(time.perf_counter() - started, 3)
    try:
        write_status(root, status)
    except OSError:
        pass
    return status


def _grade_locked(job, root, assignment, student, status):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    names = job["notebooks"]
    config = load_config(root, job.get("db_url"))
    if job.get("jail") is not None:
        config.ResilientExecute.jail = bool(job["jail"])
    staging, notes, missing = _stage(root, assignment, student, names)
    status["notes"] = notes
    folder = Path(staging or root / "submitted") / student / assignment
    problems = _unreadable(folder, names)
    if missing and len(missing) == len(names):
        problems["*"] = "no notebook was submitted for this assignment"
    result = {"success": True}
    if not problems:
        if staging:
            config.CourseDirectory.submitted_directory = staging
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        result = api.autograde(assignment, student, force=True, create=True)
    db_url = CourseDirectory(config=config).db_url
    with Gradebook(db_url) as gradebook:
        if problems or not result.get("success"):
            _reset_submission(gradebook, assignment, student)
        cells, best = _grades(gradebook, assignment, student)
    status["cells"], status["max_score"] = cells, best
    status.update({k: v for k, v in _notebook_record(root, assignment, student, names).items()})
    for name in missing:
        if "*" not in problems:
            notes.append(f"{name}.ipynb missing: its cells score 0")
    if problems:
        status["state"], status["reason"] = "failed", "; ".join(problems.values())
    elif not result.get("success"):
        status["state"], status["reason"] = "failed", _reason_of(result.get("error"))
    elif any(score is None for score in cells.values()):
        ungraded = sorted(k for k, v in cells.items() if v is None)
        status["state"] = "failed"
        status["reason"] = f"no grade recorded for {', '.join(ungraded)}"
    else:
        status["state"] = "graded"
    status["score"] = sum(v for v in cells.values() if v is not None)
    if status["state"] == "failed":
        status["score"] = None

