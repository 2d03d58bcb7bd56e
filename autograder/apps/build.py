"""Build `release/` and `solutions/` from `source/`.

    python -m autograder.apps.build [--no-execute] [assignment ...]
"""
import argparse

from autograder.builder import build
from autograder.course import assignments


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="ids to build (default: all)")
    parser.add_argument("--no-execute", action="store_true",
                        help="write the solution notebooks without running them")
    args = parser.parse_args(argv)
    for assignment in args.assignments or assignments():
        seconds = build(assignment, run=not args.no_execute)
        timing = f", solutions executed in {seconds:.1f} s" if seconds else ""
        print(f"built {assignment}: release/{assignment}, solutions/{assignment}{timing}")


if __name__ == "__main__":
    main()
