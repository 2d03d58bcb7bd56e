"""What the student gets back: nbgrader's feedback on a graded submission, or a notice.

Feedback is nbgrader's generate_feedback, into feedback/<student>/<id>/. While the hidden
checks' messages are not to be shown, it is generated from a copy of the autograded notebook
(.classgrade/watch/brief/) whose test cells say only passed or not and the points. A notice
(queued by the rate limit, superseded by a newer submission, could not be graded) is a page
of its own (.classgrade/watch/notices/). Both are released with nbgrader's release_feedback,
so the student gets them with `nbgrader fetch_feedback` like any feedback.
"""
import html
import shutil
from pathlib import Path

import nbformat

from autograder import gradebook
from autograder.cells import is_grade, is_solution
from autograder.course import db_url_of

BRIEF_DIR = ".classgrade/watch/brief"
NOTICE_DIR = ".classgrade/watch/notices"
SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")


def is_test_cell(cell):
    """True for an autograded test cell (a graded code cell that is not an answer)."""
    return cell.get("cell_type") == "code" and is_grade(cell) and not is_solution(cell)


def score_line(grade_id, score, max_score, later):
    """The one line a test cell shows in brief feedback, e.g. "sigmoid: passed (2 / 2 points)"."""
    name = grade_id[5:] if grade_id.startswith("test_") else grade_id
    score = score or 0.0
    verdict = "passed" if score >= max_score else "not passed"
    text = f"{name}: {verdict} ({score:g} / {max_score:g} point{'' if max_score == 1 else 's'})"
    return text if verdict == "passed" else f"{text}. {later}"


def brief_notebook(notebook, cells, later):
    """A copy of an autograded notebook whose test cells show only their verdict and points.

    Args:
        notebook: the autograded notebook (nbformat).
        cells: {grade_id: {"score", "max_score", ...}} from the gradebook.
        later: str, said after a cell that did not pass (when the messages will be shown).
    """
    notebook = nbformat.from_dict(notebook)
    notebook.metadata.pop("autograder", None)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not is_test_cell(cell) or grade_id not in cells:
            continue
        found = cells[grade_id]
        cell.outputs = [nbformat.v4.new_output(
            "stream", name="stdout",
            text=score_line(grade_id, found["score"], found["max_score"], later) + "\n")]
    return notebook


def write_brief_copy(root, assignment, student, db_url, later):
    """Copy autograded/<student>/<id>/ into BRIEF_DIR with every notebook made brief."""
    source = Path(root) / "autograded" / student / assignment
    target = Path(root) / BRIEF_DIR / student / assignment
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    for path in sorted(target.glob("*.ipynb")):
        cells = gradebook.graded_cells(db_url, assignment, path.stem, student)
        notebook = nbformat.read(path, as_version=4)
        nbformat.write(brief_notebook(notebook, cells, later), path)
    return Path(root) / BRIEF_DIR


def alias_feedback(folder, expected, submitted):
    """Copy the one notebook's feedback under the name the student submitted it as.

    nbgrader's fetch_feedback looks for feedback by the submitted notebook's name; a renamed
    notebook (graded under the assignment's name) would otherwise get none.
    """
    if len(expected) != 1 or not (Path(folder) / f"{expected[0]}.html").exists():
        return
    for name in submitted:
        if name not in expected:
            shutil.copy(Path(folder) / f"{expected[0]}.html", Path(folder) / f"{name}.html")


def write_feedback(root, assignment, student, messages, later, db_url=None):
    """nbgrader's generate_feedback for one graded submission; its result dict.

    With `messages` False, from the brief copy (write_brief_copy): scores and verdicts only.
    """
    directories = {}
    if not messages:
        directories["autograded"] = write_brief_copy(root, assignment, student,
                                                     db_url_of(root, db_url), later)
    return gradebook.api(root, db_url, **directories).generate_feedback(
        assignment, student_id=student, force=True)


def notice_page(title, lines, assignment, timestamp):
    """A small self-contained HTML page: a notice about one submission."""
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title></head>\n<body style=\"font-family: sans-serif; max-width: 42em; "
            f"margin: 2em auto\">\n<h1>{html.escape(title)}</h1>\n"
            f"<p><b>{html.escape(assignment)}</b>, submitted {html.escape(timestamp)}</p>\n"
            f"{body}\n</body></html>\n")


def write_notice(root, assignment, student, submission, title, lines, notebooks):
    """Write a notice as the feedback of every notebook of `submission`; its folder's root.

    The submission's timestamp.txt and submission_secret.txt go with it, as nbgrader's
    release_feedback needs them to address the feedback to this submission.
    """
    folder = Path(root) / NOTICE_DIR / student / assignment
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in SUBMISSION_FILES:
        if (Path(submission) / name).exists():
            shutil.copy(Path(submission) / name, folder / name)
    timestamp = (folder / "timestamp.txt").read_text().strip() \
        if (folder / "timestamp.txt").exists() else "(no timestamp)"
    page = notice_page(title, lines, assignment, timestamp)
    for name in notebooks or [assignment]:
        (folder / f"{name}.html").write_text(page)
    return Path(root) / NOTICE_DIR


def release(root, assignment, student, directory=None, db_url=None):
    """nbgrader's release_feedback of one student's feedback (from `directory`); its result."""
    directories = {} if directory is None else {"feedback": directory}
    return gradebook.api(root, db_url, **directories).release_feedback(assignment,
                                                                    student_id=student)
