"""The speed-only parts of class grading: the worker pool (autograder/parallel/)."""
