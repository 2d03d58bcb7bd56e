"""Temporary copies of this course for the tests that run nbgrader or the commands on one."""
from autograder.course import ROOT
from autograder.fakes import COPY_FOR_GRADING, copy_course

SOURCES = ("autograder", "course", "source", "nbgrader_config.py")  # no release, no gradebook


def new_course(factory, name, parts=SOURCES, root=ROOT):
    """A course in `factory.mktemp(name)` holding `parts` of the course at `root`.

    Args:
        factory: pytest's tmp_path_factory.
        name: str prefix of the temporary folder.
        parts: entries of `root` to copy (folders or files, paths like "source/01_loss" too);
            None copies all of `root`.
        root: Path of the course to copy, this repository unless told.

    Returns:
        Path of the new course.
    """
    return copy_course(root, factory.mktemp(name), parts)


__all__ = ["COPY_FOR_GRADING", "ROOT", "SOURCES", "copy_course", "new_course"]
