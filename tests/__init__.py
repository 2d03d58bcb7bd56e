"""The test suite: folders mirror autograder/ and course/; shared helpers live in support/."""
