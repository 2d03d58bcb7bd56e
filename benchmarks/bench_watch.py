"""Benchmark: from `nbgrader submit` to released feedback, with the watcher running.

    python benchmarks/bench_watch.py [--students 24] [--minute 60] [--workers N]

Builds a temporary course with its own nbgrader exchange (tests/support/watch_exchange.py), 01_loss
released, and starts `python -m autograder.apps.watch 01_loss` on it. Latency: one student
runs `nbgrader submit`; the time until the feedback of that submission is in the exchange
(released) and until `nbgrader fetch_feedback` has it, on an idle grader, first with its
workers not yet started (cold) and then again with them idle and warm. Throughput:
`--students` students submit (perfect and buggy notebooks in turn) at an even pace within
`--minute` seconds; the time from the first submission to the last feedback released, the
feedback released per minute, and each submission's latency (median, worst).
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nbgrader.utils import notebook_hash  # noqa: E402

from tests.support.watch_exchange import (ASSIGNMENT, COURSE_ID, Student, exchange_course,  # noqa: E402
                                  notebooks, watch_environment)

POLL = 0.05


def scratch_environment(folder):
    """Point Jupyter's, IPython's and matplotlib's folders into `folder` (as the Makefile does)."""
    for variable, name in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                           ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
                           ("MPLCONFIGDIR", "matplotlib")]:
        os.environ[variable] = str(Path(folder) / name)
        Path(os.environ[variable]).mkdir(parents=True, exist_ok=True)
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])


def released_path(exchange, student, timestamp):
    """Where nbgrader's release_feedback puts the feedback of one submission of `student`."""
    cache = student.cache / COURSE_ID
    folder = next(p for p in cache.glob(f"{student.name}+{ASSIGNMENT}+*")
                  if (p / "timestamp.txt").read_text().strip() == timestamp)
    secret = (folder / "submission_secret.txt").read_text()
    return Path(exchange) / COURSE_ID / "feedback" / \
        f"{notebook_hash(secret=secret, notebook_id=ASSIGNMENT)}.html"


def wait_until(path, timeout=600):
    """Wait until `path` exists; the time it was seen (time.monotonic)."""
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no feedback at {path} after {timeout} s")
        time.sleep(POLL)
    return time.monotonic()


def latency(exchange, student, notebook):
    """(submit command s, submit -> released s, submit -> fetched s) for one submission."""
    started = time.monotonic()
    stamp = student.submit(notebook)
    submitted = time.monotonic()
    released = wait_until(released_path(exchange, student, stamp))
    pages = student.fetch_feedback()
    fetched = time.monotonic()
    if stamp not in pages or "passed" not in pages[stamp]:
        raise RuntimeError(f"{student.name}'s fetched feedback lacks the graded page: {pages}")
    return submitted - started, released - started, fetched - started


def record_releases(exchange, seen, stop):
    """Until `stop` is set: {feedback file name: when first seen (time.monotonic)} into `seen`."""
    folder = Path(exchange) / COURSE_ID / "feedback"
    while not stop.is_set():
        now = time.monotonic()
        for path in folder.glob("*.html"):
            seen.setdefault(path.name, now)
        time.sleep(POLL)


def throughput(exchange, home, kinds, count, minute):
    """Submit `count` students evenly within `minute` s; (makespan s, latencies s)."""
    students = [Student(f"s{n:02d}", home, exchange) for n in range(count)]
    order = ["perfect", "buggy"]
    submitted, targets, seen, stop = [], [], {}, threading.Event()
    recorder = threading.Thread(target=record_releases, args=(exchange, seen, stop))
    recorder.start()
    try:
        first = time.monotonic()
        for n, student in enumerate(students):
            time.sleep(max(0.0, first + n * minute / count - time.monotonic()))
            submitted.append(time.monotonic())
            stamp = student.submit_now(kinds[order[n % 2]])
            targets.append(released_path(exchange, student, stamp))
        for path in targets:
            wait_until(path)
        time.sleep(2 * POLL)
    finally:
        stop.set()
        recorder.join()
    done = [seen[path.name] for path in targets]
    return max(done) - first, [d - s for d, s in zip(done, submitted)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--minute", type=float, default=60.0,
                        help="seconds within which the students submit")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    scratch_environment(scratch / "jupyter")
    root, exchange = exchange_course(scratch)
    kinds, home = notebooks(root), scratch / "home"
    log = open(scratch / "watch.out", "w")
    watcher = subprocess.Popen(
        [sys.executable, "-m", "autograder.apps.watch", "--workers", str(args.workers),
         ASSIGNMENT], cwd=root, env=watch_environment(root), stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(10)  # the watcher has started and is idle
        cold = latency(exchange, Student("cold", home, exchange), kinds["perfect"])
        time.sleep(5)
        warm = latency(exchange, Student("warm", home, exchange), kinds["perfect"])
        makespan, each = throughput(exchange, home, kinds, args.students, args.minute)
    finally:
        os.killpg(watcher.pid, signal.SIGTERM)
        watcher.wait(120)
        log.close()
    print(f"course and watcher log: {scratch}")
    for name, (submit, released, fetched) in (("cold workers", cold), ("warm workers", warm)):
        print(f"latency, idle grader, {name}: `nbgrader submit` {submit:.1f} s; feedback "
              f"released {released:.1f} s after submit began, fetched {fetched:.1f} s")
    print(f"throughput: {args.students} submissions within {args.minute:g} s, all released "
          f"{makespan:.1f} s after the first: {args.students / makespan * 60:.1f} per minute; "
          f"latency median {statistics.median(each):.1f} s, worst {max(each):.1f} s")


if __name__ == "__main__":
    main()
