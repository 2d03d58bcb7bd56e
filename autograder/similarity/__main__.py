"""python -m autograder.similarity <assignment>: compare a class's answers, write the report.

Reads submitted/<student>/<assignment>/*.ipynb and release/<assignment>/<assignment>.ipynb
under the course root, writes reports/<assignment>/similarity/ and prints the flagged pairs.
"""
import argparse
import sys
from pathlib import Path

from autograder.similarity.answers import load_class
from autograder.similarity.compare import Settings, compare_class
from autograder.similarity.report import write_report


def parse(argv):
    """The command line's options (argparse.Namespace)."""
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m autograder.similarity",
        description="Compare the answers of every pair of students to an assignment and write "
                    "reports/<assignment>/similarity/.")
    parser.add_argument("assignment", help="assignment id, e.g. 04_deep_mlp")
    parser.add_argument("--threshold", type=float, default=defaults.threshold,
                        help="score that flags two long answers; shorter ones need more "
                             f"(default {defaults.threshold})")
    parser.add_argument("--min-tokens", type=int, default=defaults.min_tokens,
                        help="tokens an answer needs to be judged, and distinctive tokens "
                             "per student holding the shared code "
                             f"(default {defaults.min_tokens})")
    parser.add_argument("--top", type=int, default=10,
                        help="pairs listed per function besides the flagged ones (default 10)")
    parser.add_argument("--root", type=Path, default=Path("."), help="the course directory")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the comparison; exit status 2 when there is nothing to compare."""
    options = parse(argv)
    release = options.root / "release" / options.assignment / f"{options.assignment}.ipynb"
    if not release.is_file():
        print(f"no released notebook {release}", file=sys.stderr)
        return 2
    answers = load_class(options.root, options.assignment)
    if len(answers.students) < 2:
        print(f"fewer than two readable submissions of {options.assignment} in "
              f"{options.root / 'submitted'}", file=sys.stderr)
        return 2
    settings = Settings(threshold=options.threshold, min_tokens=options.min_tokens)
    similarity = compare_class(answers, settings)
    folder = write_report(similarity, options.root / "reports" / options.assignment /
                          "similarity", top=options.top)
    flagged = similarity.flagged_pairs()
    print(f"{options.assignment}: {len(similarity.students)} notebooks, {len(flagged)} pairs "
          f"flagged; report in {folder}")
    for (a, b), scopes in sorted(flagged.items()):
        print(f"  {a} and {b}: {', '.join(scopes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
