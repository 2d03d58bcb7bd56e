"""Grades into the LMS (autograder/lms/): the Canvas CSV and LTI score passback."""
