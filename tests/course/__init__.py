"""The student package course/: its helpers and what the wheel holds."""
