"""What nbgrader_config.py plugs into nbgrader, one step per module."""
