"""Grades into the LMS: a Canvas gradebook import CSV and LTI 1.3 score passback.

    python -m autograder.lms canvas --roster export.csv [--to canvas.csv] [assignment ...]
    python -m autograder.lms push [assignment ...] [--dry-run]
    python -m autograder.lms jwks

`grades` reads nbgrader's gradebook, `config` the course's lms.toml and the tool's
credentials, `canvas` writes the import CSV, `lti` sends scores to the platform
(Assignment and Grade Services). See the README, "Grades into the LMS".
"""
