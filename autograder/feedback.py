"""Feedback: nbgrader's generate_feedback, only for what was graded since its feedback was written."""
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from autograder import gradebook
from autograder.course import ROOT


def stale_feedback(assignment, root=ROOT):
    """Students of `assignment` whose feedback is missing or older than their graded notebook."""
    stale = []
    for graded in sorted((root / "autograded").glob(f"*/{assignment}/*.ipynb")):
        student = graded.parent.parent.name
        feedback = root / "feedback" / student / assignment / f"{graded.stem}.html"
        if student not in stale and (not feedback.exists() or
                                     feedback.stat().st_mtime < graded.stat().st_mtime):
            stale.append(student)
    return stale


def _feedback_job(job):
    """(assignment, student or None): nbgrader's generate_feedback; its error text or None."""
    assignment, student, root = job
    result = gradebook.api(root).generate_feedback(assignment, student_id=student, force=True)
    return None if result.get("success") else \
        f"nbgrader generate_feedback {assignment} failed:\n{result.get('error')}"


def write_feedback(selected, root=ROOT, processes=None):
    """nbgrader's generate_feedback for every submission graded since its last feedback.

    Assignments are spread over `processes` (default: one per core).
    """
    jobs = []
    for assignment in selected:
        stale = stale_feedback(assignment, root)
        everyone = len(stale) == len(list((root / "autograded").glob(f"*/{assignment}")))
        jobs += [(assignment, None, root)] if everyone else \
            [(assignment, student, root) for student in stale]
    if not jobs:
        return
    processes = min(processes or os.cpu_count() or 1, len(jobs))
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
        errors = [error for error in pool.map(_feedback_job, jobs) if error]
    if errors:
        raise RuntimeError(errors[0])
