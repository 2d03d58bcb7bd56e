"""The commands in autograder/apps/, run as a user runs them."""
