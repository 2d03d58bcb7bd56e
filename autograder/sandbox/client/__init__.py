"""What student code's side of grading may see: the client of the trusted checker.

Inside the jail this folder is the whole `autograder` package, so a hidden test
cell's `from autograder.grade import check` reaches this client, which carries
no check, no reference and no expected value.
"""
