"""The hidden NumPy reference implementation, one module per assignment.

Never shipped to students; the checks compare student answers with it.
"""
