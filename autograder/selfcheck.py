"""`python -m autograder.selfcheck <notebook>`: the learner's self-check, autograder/apps/selfcheck.py."""
import sys

from autograder.apps.selfcheck import check_notebook, main

__all__ = ["check_notebook", "main"]

if __name__ == "__main__":
    sys.exit(main())
