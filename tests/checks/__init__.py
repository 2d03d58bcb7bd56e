"""Proofs of the hidden checks in autograder/checks/, one module per assignment."""
