"""Entry point of the hidden test cells: `check(assignment, name, function)`.

A hidden test cell reads

    from autograder.grade import check
    check("01_loss", "sigmoid", sigmoid)

It is the checker's client (`autograder.sandbox.client.grade`); inside the jail that
client is all of `autograder` there is.
"""
from autograder.sandbox.client.grade import CheckFailed, check

__all__ = ["CheckFailed", "check"]
