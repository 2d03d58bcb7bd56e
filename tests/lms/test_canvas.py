"""The Canvas import CSV, made from a recorded roster export and a real nbgrader gradebook."""
import csv
from pathlib import Path

import pytest

from autograder.lms import canvas
from autograder.lms.__main__ import main
from autograder.lms.config import load_config
from autograder.lms.grades import GRADED, NOT_GRADED, NOT_SUBMITTED, read_grades
from tests.support.lms_platform import class_gradebook

ROSTER = Path(__file__).resolve().parent.parent / "data" / "canvas_roster.csv"
CONFIG = """
[canvas]
match = "SIS Login ID"

[assignments.01_loss]
canvas = 1201

[assignments.02_gradients]
canvas = "1202"
name = "02 Gradients"

[students.erin]
canvas = "erin_e"
"""
HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01 Loss (1201)",
          "02 Gradients (1202)"]
SECTION_1, SECTION_2 = "NN from scratch 2026 - Section 1", "NN from scratch 2026 - Section 2"
ROWS = [
    ["Anders, Alice", "4101", "S1001", "alice", SECTION_1, "9.5", "10"],
    ["Brown, Bob", "4102", "S1002", "bob", SECTION_1, "0", ""],
    ["Chen, Carol", "4103", "S1003", "carol", SECTION_2, "", "3"],
    ["Diaz, Dave", "4104", "S1004", "dave", SECTION_2, "", "8"],
    ["Eze, Erin", "4105", "S1005", "erin_e", SECTION_1, "", "6"],
]


@pytest.fixture
def course(tmp_path):
    """(course root, gradebook URL, LmsConfig) of the small class."""
    url = class_gradebook(tmp_path)
    (tmp_path / "lms.toml").write_text(CONFIG)
    return tmp_path, url, load_config(tmp_path / "lms.toml", tmp_path)


def test_roster_export_is_read_without_its_points_possible_and_posting_rows():
    roster = canvas.read_roster(ROSTER)
    names = [s.name for s in roster.students]
    assert names == ["Anders, Alice", "Brown, Bob", "Chen, Carol", "Diaz, Dave", "Eze, Erin",
                     "Garcia, Grace", "Student, Test"], f"roster students read: {names}"
    assert roster.students[0] == canvas.RosterStudent(
        "Anders, Alice", "4101", "S1001", "alice", SECTION_1), \
        f"first row, byte-order mark stripped: expected Alice's cells, got {roster.students[0]}"
    assert roster.assignment_columns == {"1201": "01 Loss (1201)",
                                         "1202": "02 Gradients (1202)"}, \
        f"assignment columns: got {roster.assignment_columns}"


def test_gradebook_states_tell_a_zero_from_not_submitted_and_not_graded(course):
    root, url, _ = course
    grades = read_grades(url, root)
    got = {(g.student, g.assignment): (g.state, g.score) for g in grades.grades}
    expected = {("alice", "01_loss"): (GRADED, 9.5), ("bob", "01_loss"): (GRADED, 0.0),
                ("carol", "01_loss"): (NOT_SUBMITTED, None),
                ("dave", "01_loss"): (NOT_GRADED, None), ("erin", "01_loss"): (NOT_GRADED, None)}
    for key, value in expected.items():
        assert got[key] == value, f"{key}: expected {value}, got {got[key]}"
    assert grades.of("dave", "01_loss").note == "no autograded score recorded", \
        f"dave's note: {grades.of('dave', '01_loss').note!r}"
    assert grades.of("erin", "01_loss").note == "written answers to grade", \
        f"erin's note: {grades.of('erin', '01_loss').note!r}"
    assert grades.of("alice", "01_loss").max_score == 10.0


def test_import_csv_has_canvas_header_and_exact_cells(course, tmp_path):
    root = course[0]
    out = tmp_path / "canvas.csv"
    status = main(["canvas", "--root", str(root), "--roster", str(ROSTER), "--to", str(out)])
    assert status == 0, f"canvas export exit status: expected 0, got {status}"
    with open(out, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADER, f"header: expected {HEADER}, got {rows[0]}"
    for expected, got in zip(ROWS, rows[1:]):
        assert got == expected, f"row of {expected[0]}: expected {expected}, got {got}"
    assert len(rows) == 1 + len(ROWS), f"expected {len(ROWS)} student rows, got {rows[1:]}"


def test_students_missing_on_either_side_are_reported_not_guessed(course):
    root, url, config = course
    export = canvas.build_export(canvas.read_roster(ROSTER), read_grades(url, root), config,
                                 ["01_loss", "02_gradients"])
    assert export.not_in_canvas == ("frank",), f"not in Canvas: got {export.not_in_canvas}"
    assert [s.name for s in export.not_in_gradebook] == ["Garcia, Grace", "Student, Test"], \
        f"not in the gradebook: got {export.not_in_gradebook}"
    assert not any("Fox" in cell or "frank" in cell for row in export.rows for cell in row)
    lines = canvas.describe(export, config)
    assert "not in the Canvas roster: frank (no row with SIS Login ID frank)" in lines, \
        f"report: {lines}"
    assert "not in the gradebook: Garcia, Grace (SIS Login ID grace, Canvas id 4107)" in lines
    assert "empty cell: dave, 01_loss (not graded: no autograded score recorded)" in lines
    assert "empty cell: bob, 02_gradients (not submitted)" in lines


def test_shared_canvas_keys_pair_no_one(course):
    """Two nbgrader students given the same Canvas key are left out, not one picked."""
    root, url, config = course
    (root / "lms.toml").write_text(CONFIG + '\n[students.frank]\ncanvas = "alice"\n')
    config = load_config(root / "lms.toml", root)
    export = canvas.build_export(canvas.read_roster(ROSTER), read_grades(url, root), config,
                                 ["01_loss"])
    assert export.ambiguous == ("alice",), f"ambiguous keys: got {export.ambiguous}"
    assert all(row[3] != "alice" for row in export.rows), f"rows: {export.rows}"


def test_column_named_from_the_config_when_the_roster_lacks_it(course):
    _, _, config = course
    roster = canvas.Roster(students=(), assignment_columns={})
    headers = [canvas.column_header(config.targets[a], roster) for a in config.targets]
    assert headers == ["01_loss (1201)", "02 Gradients (1202)"], f"headers: got {headers}"


def test_assignment_without_canvas_id_is_refused(course, capsys):
    root, _, _ = course
    (root / "lms.toml").write_text(CONFIG + "\n[assignments.03_sgd]\n")
    status = main(["canvas", "--root", str(root), "--roster", str(ROSTER),
                   "--to", str(root / "x.csv"), "01_loss", "03_sgd"])
    err = capsys.readouterr().err
    assert status == 2 and "no Canvas assignment id for 03_sgd" in err, \
        f"expected exit 2 naming 03_sgd, got {status}: {err}"
    assert not (root / "x.csv").exists()


@pytest.mark.parametrize("cells, score", [([], ""), (["0"], "0"), (["7.25"], "7.25")])
def test_score_cells(cells, score):
    from autograder.lms.grades import Grade
    grade = Grade("s", "a", GRADED if cells else NOT_SUBMITTED,
                  float(cells[0]) if cells else None, 10.0)
    got = canvas.score_cell(grade)
    assert got == score, f"cell of {cells}: expected {score!r}, got {got!r}"


@pytest.mark.parametrize("text, message", [
    ("[canvs]\nmatch = 'ID'\n", "unknown section(s) ['canvs']"),
    ("[canvas]\nmatch = 'Email'\n", "[canvas] match should be one of"),
    ("[lti]\nclient_id = '1'\nkey_id = 'k'\n", "[lti]: missing token_url"),
    ("[assignments]\n01_loss = '1201'\n", "[assignments] should hold one table per entry"),
])
def test_config_mistakes_are_named(tmp_path, text, message):
    from autograder.lms.config import ConfigError
    (tmp_path / "lms.toml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "lms.toml", tmp_path)
    assert message in str(raised.value), f"expected {message!r} in {raised.value}"
