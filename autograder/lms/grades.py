"""Each student's score of each assignment, read from nbgrader's gradebook.

A grade is in one of three states, with the meaning of the course's export
(`autograder.pipeline.status_export`):

- "graded": autograded, and no written answer left to grade; its score counts,
  a zero included;
- "not submitted": the gradebook has no submission of the student;
- "not graded": submitted, but a notebook could not be autograded or a written
  answer still waits for a grader; its score is not a grade yet.

Only a graded score ever reaches the LMS.
"""
from dataclasses import dataclass

from nbgrader.api import Gradebook

from autograder.pipeline.status_export import submission_row

GRADED = "graded"
NOT_SUBMITTED = "not submitted"
NOT_GRADED = "not graded"

STATE_OF_STATUS = {"graded": GRADED, "not submitted": NOT_SUBMITTED,
                   "written answers to grade": NOT_GRADED, "not autograded": NOT_GRADED}


@dataclass(frozen=True)
class Grade:
    """One student's result on one assignment.

    Attributes:
        student: nbgrader's student id.
        assignment: nbgrader's assignment name.
        state: GRADED, NOT_SUBMITTED or NOT_GRADED.
        score: the score after any late penalty, or None unless state is GRADED.
        max_score: the assignment's maximum score.
        note: why the grade is not final ("written answers to grade", the
            grading failure), empty when graded or not submitted.
    """
    student: str
    assignment: str
    state: str
    score: float | None
    max_score: float
    note: str = ""


@dataclass(frozen=True)
class ClassGrades:
    """The gradebook's students, assignments, their maximum scores and every grade."""
    students: tuple
    assignments: tuple
    grades: tuple
    max_scores: dict

    def of(self, student, assignment):
        """The Grade of `student` on `assignment` (KeyError if either is unknown)."""
        for grade in self.grades:
            if grade.student == student and grade.assignment == assignment:
                return grade
        raise KeyError((student, assignment))


def grade_of(row):
    """The Grade of one row of the course's export (`autograder.pipeline.status_export.submission_row`).

    Args:
        row: dict with assignment, student_id, score, max_score, grading_status, note.
    Returns:
        Grade; its score is None unless the row's grading_status is "graded".
    """
    status = row["grading_status"]
    state = STATE_OF_STATUS[status]
    note = "" if state != NOT_GRADED else (row["note"] or status)
    return Grade(student=row["student_id"], assignment=row["assignment"], state=state,
                 score=float(row["score"]) if state == GRADED else None,
                 max_score=float(row["max_score"]), note=note)


def read_grades(db_url, root, assignments=()):
    """Every student's grade of `assignments` (all of the gradebook's when empty).

    Args:
        db_url: the gradebook's SQLAlchemy URL (sqlite:///gradebook.db).
        root: the course root, where reports/<id>/status/ records why grading failed.
        assignments: nbgrader assignment names.
    Returns:
        ClassGrades, students and assignments in the gradebook's order.
    Raises:
        KeyError: an assignment the gradebook does not have, named in the message.
    """
    with Gradebook(db_url) as gradebook:
        known = {a.name: a for a in gradebook.assignments}
        unknown = [name for name in assignments if name not in known]
        if unknown:
            raise KeyError(f"not in the gradebook: {', '.join(unknown)} "
                           f"(it has {', '.join(known) or 'no assignment'})")
        chosen = [known[name] for name in assignments] or list(known.values())
        students = list(gradebook.students)
        grades = tuple(grade_of(submission_row(gradebook, assignment, student, root))
                       for assignment in chosen for student in students)
        return ClassGrades(students=tuple(s.id for s in students),
                           assignments=tuple(a.name for a in chosen), grades=grades,
                           max_scores={a.name: float(a.max_score) for a in chosen})
