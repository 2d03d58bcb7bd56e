"""Isolates the test session from the user's Jupyter and matplotlib settings; registers fixtures.

Helpers live in tests/support/ and are imported from there, never from this file.
"""
import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_SCRATCH = tempfile.mkdtemp(prefix="nn-course-tests-")
for _variable, _folder in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                           ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
                           ("MPLCONFIGDIR", "matplotlib")]:
    os.environ.setdefault(_variable, os.path.join(_SCRATCH, _folder))
os.environ.setdefault("MPLBACKEND", "Agg")

from tests.support.graded_class import graded_class  # noqa: E402,F401 - the session fixture


@pytest.fixture(scope="session")
def root():
    return ROOT
