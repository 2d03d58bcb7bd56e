"""What a submission folder may hold before nbgrader reads it (autograder/submission.py)."""
import nbformat

from autograder.submission import _unreadable


def test_a_notebook_that_is_a_link_is_refused_without_being_read(tmp_path):
    """Is a submitted notebook that links elsewhere (another student's work) never graded?"""
    elsewhere = tmp_path / "bob.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), elsewhere)
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "01_loss.ipynb").symlink_to(elsewhere)
    assert _unreadable(folder, ["01_loss"]) == {
        "01_loss": "01_loss.ipynb is a link, not the notebook itself"}


def test_a_regular_notebook_passes(tmp_path):
    """Is an ordinary notebook file accepted?"""
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "01_loss.ipynb")
    assert _unreadable(tmp_path, ["01_loss"]) == {}
