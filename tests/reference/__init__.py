"""The reference solutions in autograder/reference/ against the notes and independent oracles."""
