"""Hidden grading for the course: reference implementation, checks, instructor commands.

Stays with the instructor; never part of what students receive.
"""
