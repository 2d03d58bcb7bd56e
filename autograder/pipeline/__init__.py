"""What nbgrader_config.py plugs into nbgrader, one step per module.

Each step writes what it found into the graded notebook's metadata under METADATA_KEY.
"""
METADATA_KEY = "autograder"
