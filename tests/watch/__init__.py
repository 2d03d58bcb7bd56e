"""Grading on submit: the watcher through a real nbgrader exchange."""
