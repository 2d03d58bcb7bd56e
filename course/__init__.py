"""Helpers for the course notebooks: data sets, plots, widgets and test messages.

This package is what students install next to the release notebooks. It
never contains the answers to the assignment being worked on.
"""
import os

__version__ = "0.1.0"


def is_grading():
    """True while nbgrader executes the notebook (autograde or validate)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))
