"""`python -m autograder.classgrade`: the class grader's command, autograder/apps/classgrade.py."""
import sys

from autograder.apps.classgrade import main

if __name__ == "__main__":
    sys.exit(main())
