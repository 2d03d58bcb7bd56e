"""A CSV that Canvas's gradebook import accepts, made from its own roster export.

Canvas's gradebook export (Grades → Export → CSV) lists every student with
their Canvas id and SIS ids; its second row is "Points Possible". The import
file has the same first five columns, then one `<name> (<canvas assignment
id>)` column per assignment. A student is matched by one roster column
(lms.toml's [canvas] match, "SIS Login ID" by default) holding nbgrader's
student id, or the id [students.<id>] canvas gives: exactly, never by name.
Students on one side only are reported, not guessed. A graded score is
written as it is, a zero included; "not submitted" and "not graded" leave the
cell empty, which Canvas reads as "no change".
"""
import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from autograder.lms.grades import GRADED

STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
ASSIGNMENT_ID = re.compile(r"\((\d+)\)\s*$")


@dataclass(frozen=True)
class RosterStudent:
    """One student row of Canvas's roster export, by its column names."""
    name: str
    canvas_id: str
    sis_user_id: str
    sis_login_id: str
    section: str

    def cells(self):
        """The five student columns of an import row."""
        return [self.name, self.canvas_id, self.sis_user_id, self.sis_login_id, self.section]

    def column(self, header):
        """The value of roster column `header` ("ID", "SIS User ID", "SIS Login ID")."""
        return self.cells()[STUDENT_COLUMNS.index(header)]


@dataclass(frozen=True)
class Roster:
    """Canvas's roster export: its students and {canvas assignment id: column header}."""
    students: tuple
    assignment_columns: dict


@dataclass(frozen=True)
class CanvasExport:
    """What the import file holds, and what could not go into it.

    Attributes:
        header: the import file's first row.
        rows: one list of cells per matched student, in the roster's order.
        not_in_canvas: nbgrader ids with no roster row.
        not_in_gradebook: roster students matching no nbgrader id.
        ambiguous: Canvas keys that several roster rows share (left out).
        empty: the Grades written as empty cells (not submitted, not graded).
    """
    header: list
    rows: list
    not_in_canvas: tuple
    not_in_gradebook: tuple
    ambiguous: tuple
    empty: tuple


def is_student_row(row):
    """False for the "Points Possible" row and rows with neither name nor Canvas id.

    Canvas puts a few such rows under the header ("Points Possible", and in some
    exports a row of "Manual Posting" or "(read only)" marks with no student).
    """
    name = (row.get("Student") or "").strip()
    return name != "Points Possible" and bool(name or (row.get("ID") or "").strip())


def assignment_id(header):
    """The Canvas assignment id of a column header like "01 Loss (1234)", else None."""
    match = ASSIGNMENT_ID.search(header)
    return match.group(1) if match else None


def parse_roster(lines):
    """Roster from the lines of Canvas's CSV export.

    Raises:
        ValueError: a student column is missing from the header.
    """
    reader = csv.DictReader(lines)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in STUDENT_COLUMNS if name not in header]
    if missing:
        raise ValueError(f"not a Canvas gradebook export: no column {', '.join(missing)} "
                         f"(header: {', '.join(header)})")
    reader.fieldnames = header
    students = tuple(RosterStudent(*[(row.get(c) or "").strip() for c in STUDENT_COLUMNS])
                     for row in reader if is_student_row(row))
    columns = {assignment_id(name): name for name in header[len(STUDENT_COLUMNS):]
               if assignment_id(name)}
    return Roster(students=students, assignment_columns=columns)


def read_roster(path):
    """Roster from Canvas's CSV export at `path` (its byte-order mark is allowed)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return parse_roster(handle)


def score_cell(grade):
    """A grade's cell: the score ("7.5", "0") if graded, else empty."""
    if grade.state != GRADED:
        return ""
    return f"{grade.score:.4f}".rstrip("0").rstrip(".")


def column_header(target, roster):
    """"<name> (<id>)": the roster's own header for the id, else the config's name or the id."""
    if target.canvas_id in roster.assignment_columns:
        return roster.assignment_columns[target.canvas_id]
    return f"{target.canvas_name or target.assignment} ({target.canvas_id})"


def match_students(roster, students, config):
    """Pair nbgrader ids with roster rows by the match column, exactly.

    Returns:
        ({nbgrader id: RosterStudent}, nbgrader ids with no row, rows matching no
        id, the non-empty keys that several rows or several ids share: neither
        side of those is paired).
    """
    rows_of = defaultdict(list)
    for row in roster.students:
        rows_of[row.column(config.canvas_match)].append(row)
    keys = {sid: config.canvas_key(sid) for sid in students}
    ambiguous = {key for key, rows in rows_of.items() if key and len(rows) > 1} | \
        {key for key, n in Counter(keys.values()).items() if n > 1}
    matched = {sid: rows_of[key][0] for sid, key in keys.items()
               if key in rows_of and key not in ambiguous}
    not_in_canvas = tuple(sid for sid, key in keys.items() if key not in rows_of)
    not_in_gradebook = tuple(row for row in roster.students if row not in matched.values()
                             and row.column(config.canvas_match) not in ambiguous)
    return matched, not_in_canvas, not_in_gradebook, tuple(sorted(ambiguous))


def build_export(roster, grades, config, assignments):
    """The CanvasExport of `assignments` for the students on both sides.

    Args:
        roster: Canvas's Roster.
        grades: ClassGrades of (at least) these assignments.
        config: LmsConfig; each assignment needs a Canvas id.
        assignments: nbgrader assignment names, one column each, in this order.
    Raises:
        ConfigError: an assignment without a Canvas id in the config.
    """
    targets = config.require(assignments, "canvas_id")
    matched, not_in_canvas, not_in_gradebook, ambiguous = \
        match_students(roster, grades.students, config)
    order = {s: i for i, s in enumerate(roster.students)}
    rows, empty = [], []
    for student, canvas_row in sorted(matched.items(), key=lambda item: order[item[1]]):
        row_grades = [grades.of(student, name) for name in assignments]
        empty += [g for g in row_grades if g.state != GRADED]
        rows.append(canvas_row.cells() + [score_cell(g) for g in row_grades])
    return CanvasExport(header=list(STUDENT_COLUMNS) + [column_header(t, roster) for t in targets],
                        rows=rows, not_in_canvas=not_in_canvas,
                        not_in_gradebook=not_in_gradebook, ambiguous=ambiguous,
                        empty=tuple(empty))


def write_export(export, path):
    """Write the import CSV (header, then the rows) to `path`."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(export.header)
        writer.writerows(export.rows)


def describe(export, config):
    """The lines that tell the instructor what the import file leaves out, and why."""
    match, count = config.canvas_match, len(export.header) - len(STUDENT_COLUMNS)
    lines = [f"{len(export.rows)} students, {count} assignment{'s' * (count != 1)}"]
    lines += [f"not in the Canvas roster: {student} (no row with {match} "
              f"{config.canvas_key(student)})" for student in export.not_in_canvas]
    lines += [f"not in the gradebook: {row.name} ({match} {row.column(match) or 'empty'}, "
              f"Canvas id {row.canvas_id})" for row in export.not_in_gradebook]
    lines += [f"left out: several Canvas rows or gradebook students have {match} {key}"
              for key in export.ambiguous]
    lines += [f"empty cell: {g.student}, {g.assignment} ({g.state}"
              f"{': ' + g.note if g.note else ''})" for g in export.empty]
    return lines
