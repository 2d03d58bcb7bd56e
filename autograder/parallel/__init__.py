"""Speed only, no grading logic: worker processes and warm kernel starts."""
