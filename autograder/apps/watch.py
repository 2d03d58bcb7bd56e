"""Grade on submit: watch the exchange, grade each submission in the jail, release its feedback.

    python -m autograder.apps.watch [assignment ...] [--once] [--workers N] [--root DIR]
                                    [--source auto|exchange|submitted] [--poll S] [--queue N]
                                    [--student-timeout S] [--no-jail]

Run it in the course root. It watches nbgrader's exchange inbound of the course (or, for a
course without an exchange, submitted/), collects each completely written submission into
submitted/, grades it with the class grader's jailed workers, writes its feedback with
nbgrader's generate_feedback and releases it with nbgrader's release_feedback: the student
runs `nbgrader fetch_feedback`. watch.toml sets the rate limit and what early feedback shows
(autograder/watch/policy.py). One line per submission goes to the terminal and to
.classgrade/watch/watch.log. Ctrl-C (or SIGTERM) finishes the gradings under way and stops;
a second one stops at once. Started again, it loses nothing and grades nothing twice.

Exit status: 0, or 2 for bad arguments, a mistake in watch.toml, no jail, or another watcher
already running on the course.
"""
import argparse
import os
import signal
import sys

from autograder.course import assignments as course_assignments, course_root, tool_environment
from autograder.limits import STUDENT_SECONDS, WATCH_POLL_SECONDS, WATCH_QUEUE
from autograder.sandbox import jail
from autograder.watch.policy import PolicyError
from autograder.watch.service import Options, WatchError, Watcher


def parse(argv):
    """The command line's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="ids to watch (default: every "
                        "assignment of the course)")
    parser.add_argument("--once", action="store_true", help="grade what is waiting, then exit")
    parser.add_argument("--workers", type=int, default=None,
                        help="parallel grading processes (default: number of cores)")
    parser.add_argument("--root", default=None, help="course root (default: current directory)")
    parser.add_argument("--source", choices=("auto", "exchange", "submitted"), default="auto",
                        help="where submissions arrive (default: the exchange if the course "
                             "has one, else submitted/)")
    parser.add_argument("--poll", type=float, default=WATCH_POLL_SECONDS,
                        help="seconds between looks for new submissions")
    parser.add_argument("--queue", type=int, default=WATCH_QUEUE,
                        help="submissions held queued at most; more wait in the inbox")
    parser.add_argument("--student-timeout", type=float, default=STUDENT_SECONDS,
                        help="seconds one grading may take")
    parser.add_argument("--no-jail", action="store_true", help="run student code without the "
                        "bubblewrap jail (every status and export row says so)")
    return parser.parse_args(argv)


def stop_on_signals(watcher):
    """SIGINT/SIGTERM: the first lets the gradings under way finish, the second stops at once."""
    def handler(number, frame):
        if watcher.stopping:
            raise KeyboardInterrupt
        print("stopping once the gradings under way are done (again to stop now)", flush=True)
        watcher.stop()
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def main(argv=None):
    args = parse(argv)
    root = course_root(args.root)
    os.environ.update(tool_environment(root))
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    known = course_assignments(root)
    selected = args.assignments or known
    unknown = [a for a in selected if a not in known]
    if unknown or not selected:
        print(f"no such assignment: {', '.join(unknown)}" if unknown else "no assignments",
              file=sys.stderr)
        return 2
    reason = None if args.no_jail else jail.unavailable_reason()
    if reason:
        print(f"refusing to grade: {reason}", file=sys.stderr)
        return 2
    options = Options(root, selected, workers=args.workers or os.cpu_count() or 1,
                      once=args.once, source=args.source, poll=args.poll, queue=args.queue,
                      student_timeout=args.student_timeout,
                      jail=False if args.no_jail else None)
    try:
        watcher = Watcher(options, echo=lambda line: print(line, flush=True))
        stop_on_signals(watcher)
        where = watcher.inbound or root / "submitted"
        print(f"watching {', '.join(selected)} in {where} with {options.workers} workers",
              flush=True)
        summary = watcher.run()
    except (WatchError, PolicyError) as error:
        print(str(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped", flush=True)
        return 0
    done = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.outcomes.items())) or "nothing"
    print(f"settled: {done}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
