"""The one assignment table (autograder/course.py) against what the course folders hold."""
from pathlib import Path

from autograder.checks import __path__ as checks_path
from autograder.course import ASSIGNMENTS, ROOT
from autograder.fakes import BUGS
from autograder.reference import __path__ as reference_path


def test_every_source_notebook_is_in_the_table_and_every_entry_has_one():
    """Does each source/<id>/<id>.ipynb have a table entry, and each entry its notebook?"""
    on_disk = sorted(p.parent.name for p in (ROOT / "source").glob("*/*.ipynb")
                     if p.stem == p.parent.name)
    assert on_disk == list(ASSIGNMENTS), f"source/ holds {on_disk}, the table {list(ASSIGNMENTS)}"


def test_each_entry_names_a_reference_and_a_checks_module():
    """Is there autograder/reference/<module>.py and autograder/checks/<module>.py per entry?"""
    missing = [(a.id, kind) for a in ASSIGNMENTS.values()
               for kind, folder in (("reference", reference_path[0]), ("checks", checks_path[0]))
               if not (Path(folder) / f"{a.module}.py").exists()]
    assert missing == [], f"expected every module to exist, missing {missing}"


def test_each_toolkit_entry_comes_from_an_earlier_assignment():
    """Does an assignment's toolkit hold only functions of assignments before it?"""
    order = [a.module for a in ASSIGNMENTS.values()]
    late = [(a.id, entry) for a in ASSIGNMENTS.values() for entry in a.toolkit
            if order.index(entry.split(".")[0]) >= order.index(a.module)]
    assert late == [], f"expected only earlier answers in the toolkits, got {late}"


def test_the_demo_has_one_bug_per_assignment():
    """Does the demo class's buggy student have a mistake in every assignment?"""
    assert sorted(BUGS) == list(ASSIGNMENTS)
