"""The steps nbgrader_config.py plugs into nbgrader (autograder/pipeline/)."""
