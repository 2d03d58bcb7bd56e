"""The first sanitize step: refuse to grade at all where student code could not be jailed."""
import shutil

from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.sandbox import jail


class RequireJail(NbGraderPreprocessor):
    """Stops `nbgrader autograde` with one line when bubblewrap cannot build a jail here.

    Runs before any of the submission's code; the copy nbgrader has already made in
    autograded/ is removed, so nothing half-graded is left. Grading without the jail is
    chosen with `ResilientExecute.jail = False` (`--no-jail` in the class grader).
    """

    def preprocess(self, nb, resources):
        if self.config.ResilientExecute.get("jail", True):
            reason = jail.unavailable_reason()
            if reason:
                self._remove_copy(resources)
                raise jail.JailUnavailable(f"refusing to grade: {reason}")
        return nb, resources

    def _remove_copy(self, resources):
        folder = jail.nbgrader_folder(self, resources, "autograded")
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
