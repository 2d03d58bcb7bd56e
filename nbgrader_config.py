"""nbgrader configuration of the course; nbgrader reads it from the repository root.

Each setting closes a trap of nbgrader 0.9.6 (see README, "Grading settings").
"""
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

import sys

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

# Grading kernels import `course` and the hidden `autograder` from this directory.
os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(
    p for p in [COURSE_ROOT, *os.environ.get("PYTHONPATH", "").split(os.pathsep)] if p))
os.environ.setdefault("MPLBACKEND", "Agg")
if COURSE_ROOT not in sys.path:
    sys.path.insert(0, COURSE_ROOT)

from autograder import limits  # noqa: E402 - every limit below is set once, in autograder/limits.py

c.CourseDirectory.course_id = "nn-from-scratch"

# Always rebuild the release and the gradebook entries from source/.
c.GenerateAssignment.force = True

# A cell that loops forever is interrupted; later cells still run.
c.Execute.timeout = limits.CELL_SECONDS
c.Execute.interrupt_on_timeout = True

# A deleted or de-tagged test cell is put back and graded, instead of silently scoring nothing.
c.OverwriteCells.add_missing_cells = True

# Anything a passing test cell writes to stderr (a NumPy RuntimeWarning, a deprecation
# warning) must not turn its score into 0: both settings are needed.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]*"

# Feedback shows each check's message, never the hidden tests' source.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]

# --- The grading pipeline: one class per step, in the order they run (autograder/pipeline/) ---
# Plain `nbgrader autograde` and `python -m autograder.classgrade` share it.
#   sanitize:  RequireJail        refuse to grade where student code could not be jailed
#              InspectSubmission  record deleted, duplicated and edited cells before nbgrader
#                                 repairs them
#   autograde: TamperScan         record tampering in the cells a student can edit
#              ResilientExecute   run the notebook in the jail: time and memory limits, a dead
#                                 kernel restarted and the cells before it replayed
#              TrustedVerdicts    score each test cell from the trusted checker's records alone
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput,  # noqa: E402
                                    DeduplicateIds, IgnorePattern, LimitOutput,
                                    OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

from autograder.pipeline.inspect_submission import InspectSubmission  # noqa: E402
from autograder.pipeline.require_jail import RequireJail  # noqa: E402
from autograder.pipeline.resilient_execute import ResilientExecute  # noqa: E402
from autograder.pipeline.tamper_scan import TamperScan  # noqa: E402
from autograder.pipeline.trusted_verdicts import TrustedVerdicts  # noqa: E402

c.Autograde.sanitize_preprocessors = [RequireJail, InspectSubmission, ClearOutput, DeduplicateIds,
                                      OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [TamperScan, ResilientExecute, TrustedVerdicts,
                                       IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.ResilientExecute.memory_limit_mb = limits.MEMORY_MB
c.ResilientExecute.max_kernel_restarts = limits.KERNEL_RESTARTS
# Without the jail (c.ResilientExecute.jail = False, or --no-jail) tampering is also removed:
# c.TamperScan.remove = True.

# `nbgrader export`: the export plugin (autograder/pipeline/status_export.py) adds
# grading_status, note and flags columns, so a notebook that could not be graded, or a
# student who submitted nothing, is told apart from a zero.
c.ExportApp.plugin_class = "autograder.pipeline.status_export.StatusCsvExportPlugin"
