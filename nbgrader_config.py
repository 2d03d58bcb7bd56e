"""nbgrader configuration of the course; nbgrader reads it from the repository root.

Each setting closes a trap of nbgrader 0.9.6 (see README, "Grading settings").
"""
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

# Grading kernels import `course` and the hidden `autograder` from this directory.
os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(
    p for p in [COURSE_ROOT, *os.environ.get("PYTHONPATH", "").split(os.pathsep)] if p))
os.environ.setdefault("MPLBACKEND", "Agg")

c.CourseDirectory.course_id = "nn-from-scratch"

# Always rebuild the release and the gradebook entries from source/.
c.GenerateAssignment.force = True

# A cell that loops forever is interrupted; later cells still run.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# A deleted or de-tagged test cell is put back and graded, instead of silently scoring nothing.
c.OverwriteCells.add_missing_cells = True

# Anything a passing test cell writes to stderr (a NumPy RuntimeWarning, a deprecation
# warning) must not turn its score into 0: both settings are needed.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]*"

# Feedback shows each check's message, never the hidden tests' source.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]

# --- Resilient grading (autograder/faults.py, autograder/integrity.py, autograder/cheats.py) ---
# Plain `nbgrader autograde` and `python -m autograder.classgrade` share this pipeline:
# the submission's structure is recorded before nbgrader repairs it; tampering in the cells
# a student can edit is neutralised; a dead kernel is restarted and the earlier cells are
# replayed; the kernel has a memory limit; a graded test cell gets its hidden checks' time.
import sys  # noqa: E402

if COURSE_ROOT not in sys.path:
    sys.path.insert(0, COURSE_ROOT)

from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput,  # noqa: E402
                                    DeduplicateIds, IgnorePattern, LimitOutput,
                                    OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

from autograder.faults import ResilientExecute  # noqa: E402
from autograder.integrity import InspectSubmission  # noqa: E402
from autograder.require_jail import RequireJail  # noqa: E402

c.Autograde.sanitize_preprocessors = [RequireJail, InspectSubmission, ClearOutput, DeduplicateIds,
                                      OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [ResilientExecute, IgnorePattern,
                                       ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                       AssignLatePenalties, CheckCellMetadata]
c.ResilientExecute.memory_limit_mb = 4096
c.ResilientExecute.max_kernel_restarts = 20

# `nbgrader export` adds grading_status, note and flags columns: a notebook that could not be
# graded, or a student who submitted nothing, is no longer indistinguishable from a zero.
c.ExportApp.plugin_class = "autograder.export.StatusCsvExportPlugin"
