"""Grade a learner's copy of a notebook with the class grader's own job, in a temporary course.

The course (nbgrader_config.py and source/<id>/ in a temporary folder) gets the assignment in
its gradebook once per version of source/<id>/; each check grades its copy as student "self"
in a separate process under a wall-clock limit. autograder/apps/selfcheck.py reports on it.
"""
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from autograder.course import ROOT, tool_environment
from autograder.limits import STUDENT_SECONDS

STUDENT = "self"
_SKIPPED_FILES = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
_ISOLATED_DIRS = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")


class SelfCheckError(Exception):
    """The check could not run; `exit_code` is 2 for a bad notebook, 1 otherwise."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


def _environment(course):
    """Environment of the grading process: the course importable, Jupyter kept in `course`."""
    env = tool_environment(ROOT)
    for variable in ("MPLBACKEND", "NBGRADER_EXECUTION", "JPY_PARENT_PID"):
        env.pop(variable, None)
    for variable in _ISOLATED_DIRS:
        env[variable] = str(course / ".jupyter" / variable.lower())
    return env


def grading_step():
    """Entry point of the grading process, run in the temporary course (argv: step, id).

    `generate` adds the assignment to the gradebook; `grade` grades student "self" with the
    class grader's own job. The result goes to .selfcheck-<step>.json.
    """
    step, assignment = sys.argv[1:3]
    # nbgrader is imported in the grading process only: the learner's command stays light.
    from autograder.course import db_url_of
    from autograder.gradebook import ensure_assignment, graded_cells
    from autograder.sandbox.jail import unavailable_reason
    from autograder.submission import grade_submission

    root = Path.cwd()
    errors = _ErrorLog()
    logging.getLogger("traitlets").addHandler(errors)
    notebooks = ensure_assignment(root, assignment)
    result = {"notebooks": notebooks}
    if step == "grade":
        job = {"root": str(root), "assignment": assignment, "student": STUDENT,
               "notebooks": notebooks, "db_url": None, "fingerprint": None,
               "jail": False if unavailable_reason() else None}
        result["status"] = grade_submission(job)
        result["grade_cells"] = graded_cells(db_url_of(root), assignment, assignment, STUDENT)
    result["errors"] = errors.messages
    Path(f".selfcheck-{step}.json").write_text(json.dumps(result))


class _ErrorLog(logging.Handler):
    """Keeps the errors nbgrader logs (the job's status keeps only nbgrader's last words).

    A logged traceback is kept as its last line, the exception itself.
    """

    GENERIC = ("Please see the", "There was an error processing", "Unwritable directory")

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        lines = [line.strip() for line in record.getMessage().splitlines() if line.strip()]
        line = (lines[-1] if len(lines) > 1 else "".join(lines))[:300]
        if line and not line.startswith(self.GENERIC) and line not in self.messages:
            self.messages.append(line)


def _run_step(course, step, assignment, wall_clock):
    """Run one grading step in `course`; its result dict, or None if it ran out of time."""
    command = [sys.executable, "-c", "from autograder.apps.scratch_course import grading_step; "
               "grading_step()", step, assignment]
    process = subprocess.Popen(command, cwd=course, env=_environment(course),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=wall_clock)
    except subprocess.TimeoutExpired:
        return None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    result_file = course / f".selfcheck-{step}.json"
    if not result_file.exists():
        tail = "\n".join(output.decode(errors="replace").strip().splitlines()[-15:])
        raise SelfCheckError(f"the grader stopped without a result ({step}):\n{tail}")
    return json.loads(result_file.read_text())


def _digest(assignment, root):
    """Hash of everything the gradebook entry of an assignment depends on."""
    digest = hashlib.sha256(metadata.version("nbgrader").encode() + b"\0")
    digest.update((root / "nbgrader_config.py").read_bytes())
    folder = root / "source" / assignment
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if not {"__pycache__", ".ipynb_checkpoints"} & set(path.parts) and path.suffix != ".pyc":
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _scratch():
    """This user's folder of temporary courses, in the system's temporary directory."""
    folder = Path(tempfile.gettempdir()) / f"nn-course-selfcheck-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def course_template(assignment, root=ROOT):
    """A temporary course whose gradebook holds `assignment`.

    Made once for each version of source/<id>/ and nbgrader_config.py, then reused by
    every check (each grades in its own copy); a half-made template is never used.
    """
    template = _scratch() / f"template-{assignment}-{_digest(assignment, root)[:20]}"
    if (template / ".selfcheck-generate.json").exists():
        return template
    course = Path(tempfile.mkdtemp(prefix=f".making-{assignment}-", dir=_scratch()))
    try:
        shutil.copy(root / "nbgrader_config.py", course)
        shutil.copytree(root / "source" / assignment, course / "source" / assignment,
                        ignore=_SKIPPED_FILES)
        if _run_step(course, "generate", assignment, 900) is None:
            raise SelfCheckError(f"adding {assignment} to a temporary gradebook took too long")
        os.rename(course, template)
    except OSError:
        if not (template / ".selfcheck-generate.json").exists():
            raise
    finally:
        shutil.rmtree(course, ignore_errors=True)
    return template


def grade_copy(path, assignment, timeout=None, wall_clock=STUDENT_SECONDS):
    """Grade a copy of the notebook at `path` as student "self" of a temporary course.

    Returns (course folder, result dict or None if grading exceeded `wall_clock`); the
    caller removes the folder.
    """
    template = course_template(assignment)
    course = Path(tempfile.mkdtemp(prefix=f"check-{assignment}-", dir=_scratch()))
    try:
        shutil.copytree(template, course, dirs_exist_ok=True)
        if timeout is not None:
            with open(course / "nbgrader_config.py", "a") as config:
                config.write(f"\nc.Execute.timeout = {int(timeout)}  # selfcheck --timeout\n")
        target = course / "submitted" / STUDENT / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
        return course, _run_step(course, "grade", assignment, wall_clock)
    except BaseException:
        shutil.rmtree(course, ignore_errors=True)
        raise
