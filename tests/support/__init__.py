"""Helpers the tests import: check proofs, gradient oracles, course copies, the graded class."""
