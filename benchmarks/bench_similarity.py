"""Benchmark: the similarity report on synthetic classes of 04_deep_mlp, and how it scales.

    python benchmarks/bench_similarity.py [--students 300] [--seed 0]

Builds classes of n/4, n/2 and n submissions from the real release notebook. Each honest
student answers every function with one of five correct implementations (the solution and
the four of tests/similarity/test_similarity.py, each used by a fifth of the class), a line of
their own and a line from a pool of 40 per function (each shared by a few students); one
student in twenty hands in a renamed copy of another's notebook. For each size it times
reading the notebooks, fingerprinting the answers, scoring the pairs and writing the
report, and prints the times, their growth over the size before (pairs grow as n², so a
doubling of n that costs 4× is quadratic), how many pairs share distinctive code, the
planted copies found and the honest pairs flagged.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.similarity.answers import load_class  # noqa: E402
from autograder.similarity.compare import (NOTEBOOK, Settings, compare_class,  # noqa: E402
                                           fingerprint_function, score_pair)
from autograder.similarity.report import write_report  # noqa: E402
from tests.similarity.test_similarity import (VARIANTS, renamed, solution, variant,  # noqa: E402
                                              write_class)

ASSIGNMENT = "04_deep_mlp"
POOL = 40
TEMPLATES = ["note_{j} = {a} * {b} - {c}", "scale_{j} = np.float64({a}.{b})",
             "pick_{j} = [{a}, {b}, {c}][{d}]", "limit_{j} = max({a}, {b}) // {c}"]


def implementations():
    """{function: [answer cell, ...]}: the five correct implementations of each function."""
    sets = [solution(ASSIGNMENT)] + [variant(ASSIGNMENT, VARIANTS[v]) for v in sorted(VARIANTS)]
    return {name: [cells[name] for cells in sets] for name in sets[0]}


def line(j, rng):
    """A line of code valid in any function body, template j % 4 with random numbers."""
    a, b, c, d = rng.integers(1, 999, size=4)
    return TEMPLATES[j % len(TEMPLATES)].format(j=j, a=a, b=b, c=c, d=d % 3)


def with_lines(cell, lines):
    """The answer cell with `lines` inserted before its last line (the return)."""
    head, last = cell.rstrip("\n").rsplit("\n", 1)
    return "\n".join([head] + ["    " + text for text in lines] + [last])


def synthetic_class(students, rng):
    """({student: {function: answer cell}}, {(a, b): a < b, one a copy of the other}).

    Two copies of one notebook count as a copied pair too.
    """
    cells = implementations()
    pools = {name: [line(j, rng) for j in range(POOL)] for name in cells}
    honest = students - students // 20
    chosen = {name: rng.permutation(np.arange(honest) % len(options))
              for name, options in cells.items()}
    answers = {}
    for i in range(honest):
        answers[f"student{i:03d}"] = {
            name: with_lines(options[chosen[name][i]],
                             [line(i, rng), pools[name][rng.integers(POOL)]])
            for name, options in cells.items()}
    groups = {}
    for i in range(honest, students):
        original = f"student{rng.integers(honest):03d}"
        answers[f"student{i:03d}"] = {name: renamed(cell)
                                      for name, cell in answers[original].items()}
        groups.setdefault(original, [original]).append(f"student{i:03d}")
    planted = {(a, b) for group in groups.values() for a in group for b in group if a < b}
    return answers, planted


def part_seconds(class_answers, settings=Settings()):
    """(fingerprinting, scoring) seconds, function by function, as compare_class does them.

    Fingerprinting grows linearly with the class, scoring with the pairs that share code.
    """
    prints = scoring = 0.0
    for function in class_answers.functions:
        sources = {s: cells[function] for s, cells in class_answers.answers.items()
                   if function in cells}
        started = time.perf_counter()
        found, _, holdings = fingerprint_function(function, sources,
                                                  class_answers.scaffold[function], settings)
        printed = time.perf_counter()
        for a, b in holdings.pairs():
            score_pair(function, found[a], found[b], holdings, settings)
        prints, scoring = prints + printed - started, scoring + time.perf_counter() - printed
    return prints, scoring


def run(students, rng, scratch):
    """Timings and findings (dict) of one class of `students`."""
    answers, planted = synthetic_class(students, rng)
    root = write_class(Path(tempfile.mkdtemp(dir=scratch)), ASSIGNMENT, answers)
    started = time.perf_counter()
    class_answers = load_class(root, ASSIGNMENT)
    read = time.perf_counter()
    similarity = compare_class(class_answers)
    compared = time.perf_counter()
    write_report(similarity, root / "reports" / ASSIGNMENT / "similarity")
    written = time.perf_counter()
    fingerprints, scoring = part_seconds(class_answers)
    flagged = set(similarity.flagged_pairs())
    return {"read": read - started, "compare": compared - read, "fingerprints": fingerprints,
            "pairs": scoring, "report": written - compared,
            "total": written - started, "sharing": len(similarity.pairs[NOTEBOOK]),
            "found": len(planted & flagged), "planted": len(planted),
            "others": len(flagged - planted)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args(argv)
    rng = np.random.default_rng(options.seed)
    sizes = [options.students // 4, options.students // 2, options.students]
    print(f"{ASSIGNMENT}: {len(implementations())} graded functions per notebook; times in s")
    print(f"{'n':>5} {'pairs':>7} {'sharing':>8} {'read':>6} {'compare':>8} {'prints':>7} "
          f"{'scoring':>8} {'report':>7} {'total':>6} {'×total':>7} {'×scoring':>9}  "
          "copies found, others flagged")
    previous = None
    with tempfile.TemporaryDirectory() as scratch:
        run(8, rng, scratch)  # warms up Pygments' lexer and matplotlib, not counted
        for n in sizes:
            r = run(n, rng, scratch)
            growth = (f"{r['total'] / previous['total']:>7.2f} "
                      f"{r['pairs'] / previous['pairs']:>9.2f}"
                      if previous else f"{'-':>7} {'-':>9}")
            print(f"{n:>5} {n * (n - 1) // 2:>7} {r['sharing']:>8} {r['read']:>6.2f} "
                  f"{r['compare']:>8.2f} {r['fingerprints']:>7.2f} {r['pairs']:>8.2f} "
                  f"{r['report']:>7.2f} {r['total']:>6.2f} {growth}  "
                  f"{r['found']}/{r['planted']}, {r['others']}")
            previous = r
    print("pairs: all pairs of students; sharing: pairs with distinctive code in common, the "
          "only ones scored;\ncompare = prints (fingerprinting, linear in n) + scoring (grows "
          "with the pairs sharing code, at most n²/2),\nprints and scoring measured again "
          "apart; ×: growth over the size before, 4.00 per doubling of n is quadratic, "
          "2.00 linear")


if __name__ == "__main__":
    main()
