"""The instructor's and learner's commands, one thin module each."""
