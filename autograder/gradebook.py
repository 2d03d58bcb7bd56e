"""Every read and write of nbgrader's gradebook the course makes, on top of nbgrader's API."""
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from autograder.course import db_url_of, load_config

SCRATCH_RELEASE = ".classgrade/release"


def ensure_assignment(root, assignment, db_url=None):
    """The assignment's notebook names in the gradebook, adding it from source/ if missing.

    A missing assignment is generated with nbgrader's API into a scratch release folder
    (SCRATCH_RELEASE), so release/ is left as the build made it.
    """
    url = db_url_of(root, db_url)
    names = notebook_names(url, assignment)
    if names:
        return names
    result = api(root, db_url, release=root / SCRATCH_RELEASE).generate_assignment(
        assignment, force=True)
    if not result.get("success"):
        raise RuntimeError(f"could not add {assignment} to the gradebook:\n"
                           f"{result.get('error')}")
    return notebook_names(url, assignment)


def api(root, db_url=None, **directories):
    """nbgrader's API on the course at `root`, some of its folders elsewhere if told.

    directories: e.g. release=Path, feedback=Path (CourseDirectory.<name>_directory).
    """
    config = load_config(root, db_url)
    for step, folder in directories.items():
        setattr(config.CourseDirectory, f"{step}_directory", str(folder))
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def notebook_names(db_url, assignment):
    """Names of the assignment's notebooks in the gradebook ([] when it is not there)."""
    with Gradebook(db_url) as gradebook:
        try:
            return [n.name for n in gradebook.find_assignment(assignment).notebooks]
        except MissingEntry:
            return []


def _score(grade):
    """A grade's score, or None while neither the autograder nor a person gave one."""
    if grade.auto_score is None and grade.manual_score is None:
        return None
    return grade.score


def submission_cells(db_url, assignment, student):
    """{grade_id: (score or None, max_score)} of a submission's autograded (code) cells.

    None when the student has no submission of the assignment.
    """
    with Gradebook(db_url) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {grade.name: (_score(grade), grade.max_score)
                for notebook in submission.notebooks for grade in notebook.grades
                if grade.cell.cell_type == "code"}


def class_cells(db_url, assignment):
    """{student: {grade_id: (score or None, max_score)}} of every submission's code cells."""
    with Gradebook(db_url) as gradebook:
        return {submission.student.id: {
                    grade.name: (_score(grade), grade.max_score)
                    for notebook in submission.notebooks for grade in notebook.grades
                    if grade.cell.cell_type == "code"}
                for submission in gradebook.assignment_submissions(assignment)}


def graded_cells(db_url, assignment, notebook, student):
    """{grade_id: {max_score, cell_type, score}} of every graded cell of one notebook."""
    with Gradebook(db_url) as gradebook:
        cells = {cell.name: {"max_score": cell.max_score, "cell_type": cell.cell_type,
                             "score": None}
                 for cell in gradebook.find_notebook(notebook, assignment).grade_cells}
        try:
            submission = gradebook.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return cells
        for grade in submission.grades:
            cells[grade.name]["score"] = grade.score
    return cells


def autograded_complete(submission):
    """True when every autograded cell of the (nbgrader) submission has a score."""
    return all(_score(grade) is not None for notebook in submission.notebooks
               for grade in notebook.grades if grade.cell.cell_type == "code")


def reset_submission(db_url, assignment, student):
    """Replace whatever the gradebook holds for the student with an ungraded submission.

    Every grade is then None: formgrader lists it as needing manual grading, and the
    export cannot show old points.
    """
    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_student(student)
        try:
            gradebook.remove_submission(assignment, student)
        except MissingEntry:
            pass
        gradebook.add_submission(assignment, student)


def source_cells(db_url, assignment, notebook):
    """{grade_id: (locked, source, is_graded)} of a notebook's cells as the gradebook holds them."""
    with Gradebook(db_url) as gradebook:
        found = gradebook.find_notebook(notebook, assignment)
        graded = {cell.name for cell in found.grade_cells}
        return {cell.name: (cell.locked, cell.source, cell.name in graded)
                for cell in found.source_cells}


def locked_ids(resources):
    """grade_ids of the locked cells of the notebook nbgrader is processing, or None.

    `resources` is what nbgrader hands its preprocessors (its "nbgrader" entry names the
    gradebook, the assignment and the notebook); None when the gradebook cannot say.
    """
    info = (resources or {}).get("nbgrader", {})
    try:
        cells = source_cells(info["db_url"], info["assignment"], info["notebook"])
    except Exception:  # noqa: BLE001 - the caller falls back on the cells' own metadata
        return None
    return {name for name, (locked, _, _) in cells.items() if locked}
