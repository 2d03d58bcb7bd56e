"""Grades into the LMS: a Canvas gradebook import CSV and LTI 1.3 score passback.

    python -m autograder.lms canvas --roster export.csv [--to CSV] [assignment ...]
    python -m autograder.lms push [assignment ...] [--dry-run]
    python -m autograder.lms jwks
    python -m autograder.lms lineitems URL [--create]
    python -m autograder.lms members URL

`grades` reads nbgrader's gradebook, `config` the course's lms.toml and the tool's
credentials, `canvas` writes the import CSV, `lti` talks to the platform
(Assignment and Grade Services; Names and Role Provisioning to list the
learners). See the README, "Grades into the LMS".
"""
