"""Write the class report of one assignment to reports/<id>/.

    python -m autograder.apps.report <assignment> [--db-url URL] [--root DIR]
"""
import argparse
from pathlib import Path

from autograder.report import write_reports


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--root", default=".")
    args = parser.parse_args(argv)
    folder = write_reports(Path(args.root).resolve(), args.assignment, args.db_url)
    print(f"report written to {folder}")


if __name__ == "__main__":
    main()
