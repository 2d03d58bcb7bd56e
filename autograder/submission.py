"""One grading job: one student's submission of one assignment, through nbgrader's autograde.

`grade_submission(job)` prepares the submission (a misnamed or doubled notebook, a notebook
that is not JSON), runs `NbGraderAPI.autograde`, checks the gradebook afterwards, and on any
failure leaves an ungraded submission instead of stale grades. It never raises; its result is
the status record (autograder.status), also written to reports/<id>/status/<student>.json.
"""
import contextlib
import fcntl
import hashlib
import os
import shutil
import time
import traceback
from pathlib import Path

import nbformat
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from autograder import gradebook, status as status_record
from autograder.course import db_url_of, load_config

STAGING_DIR = ".classgrade/staging"


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
        if path.is_symlink():
            problems[name] = f"{name}.ipynb is a link, not the notebook itself"
            continue
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


def _notebook_record(root, assignment, student, names):
    record = {"faults": [], "cheats": [], "integrity": [], "checks": [], "isolation": None,
              "execution_seconds": 0.0}
    for name in names:
        meta = status_record.pipeline_record(
            Path(root) / "autograded" / student / assignment / f"{name}.ipynb")
        for key in ("faults", "cheats", "integrity", "checks"):
            record[key] += meta.get(key, [])
        record["isolation"] = meta.get("isolation", record["isolation"])
        record["execution_seconds"] += float(meta.get("execution_seconds", 0.0))
    return record


def grade_submission(job):
    """Grade one submission; never raises. `job`: root, assignment, student, notebooks, db_url."""
    started = time.perf_counter()
    root, assignment, student = Path(job["root"]), job["assignment"], job["student"]
    status = status_record.new(assignment, student, job.get("fingerprint"))
    try:
        with student_lock(root, assignment, student):
            _grade_locked(job, root, assignment, student, status)
    except Exception:  # noqa: BLE001 - a grader error is reported, never raised
        status["state"], status["reason"] = "error", traceback.format_exc()[-2000:]
    status["seconds"] = round(time.perf_counter() - started, 3)
    try:
        status_record.write(root, status)
    except OSError:
        pass
    return status


def reset_submission(job):
    """Leave an ungraded submission (every grade None) for a job that could not finish."""
    gradebook.reset_submission(db_url_of(job["root"], job.get("db_url")), job["assignment"],
                               job["student"])


def _grade_locked(job, root, assignment, student, status):
    names = job["notebooks"]
    config = load_config(root, job.get("db_url"))
    config.ResilientExecute.warm_kernels = bool(job.get("warm_kernels"))
    if job.get("jail") is not None:
        config.ResilientExecute.jail = bool(job["jail"])
        config.TamperScan.remove = not job["jail"]
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
    status["db_url"] = db_url
    if problems or not result.get("success"):
        gradebook.reset_submission(db_url, assignment, student)
    scored = gradebook.submission_cells(db_url, assignment, student) or {}
    cells = {name: score for name, (score, _) in scored.items()}
    status["cells"], status["max_score"] = cells, sum(best for _, best in scored.values())
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

