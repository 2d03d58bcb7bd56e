"""The watcher: find each new submission, grade it in the class grader's jailed workers, release
its feedback.

One loop, run by the class grader's pool (autograder.class_grading.run_local with `refill`):
every poll it takes what the inbox holds (autograder.watch.inbox) into the ledger
(autograder.watch.ledger), up to the size of the queue; it hands each free worker the oldest
queued submission whose student has no grading under way and is within the rate limit
(autograder.watch.policy); each finished grading is written to the ledger before its feedback
is released (autograder.watch.publish). A line is logged for every submission it settles.
"""
import fcntl
import glob
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import parse_utc

from autograder import status as status_record
from autograder.class_grading import plan, run_local
from autograder.course import db_url_of, load_config
from autograder.gradebook import notebook_names
from autograder.limits import (STUDENT_SECONDS, WATCH_POLL_SECONDS, WATCH_QUEUE, WATCH_RETRIES,
                               WATCH_SETTLE_SECONDS)
from autograder.watch import inbox, publish
from autograder.watch.ledger import Entry, Ledger
from autograder.watch.policy import due_date, load_policies, next_slot, shows_messages

WATCH_DIR = ".classgrade/watch"
LOG_FILE = f"{WATCH_DIR}/watch.log"
LOCK_FILE = f"{WATCH_DIR}/watch.lock"


class WatchError(RuntimeError):
    """The watcher cannot start (another one runs, no exchange where one was asked for)."""


@dataclass
class Options:
    """How the watcher runs.

    root: Path, the course root; assignments: ids watched.
    workers: int, grading processes; once: bool, exit when nothing is left to do.
    source: "exchange", "submitted" or "auto" (the exchange when the course has one).
    poll, settle: seconds between looks at the inbox, and before an unfinished folder counts.
    queue: int, submissions held queued at most (more wait in the inbox).
    student_timeout: float, seconds one grading may take; jail: None, or False for no jail.
    """
    root: Path
    assignments: list
    workers: int = 1
    once: bool = False
    source: str = "auto"
    poll: float = WATCH_POLL_SECONDS
    settle: float = WATCH_SETTLE_SECONDS
    queue: int = WATCH_QUEUE
    student_timeout: float = STUDENT_SECONDS
    jail: bool = None


@dataclass
class Summary:
    """What a run of the watcher did: {outcome: number of submissions} and the lines it logged."""
    outcomes: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)


def clock_text(seconds):
    """A time (epoch seconds) for people: "2026-03-02 14:05 UTC"."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def log_line(entry, outcome, now):
    """The one line logged for a submission: when, which, submitted when, what became of it."""
    stamp = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{stamp} {entry.assignment} {entry.student} (submitted {entry.timestamp}): {outcome}"


def acquire_lock(root):
    """An exclusive lock on the course's watcher, held while the file stays open."""
    path = Path(root) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise WatchError(f"another watcher is running on {root} ({path} is locked)") from None
    return handle


class Watcher:
    """The watcher of one course; `run()` until stopped (or, with `once`, until done)."""

    def __init__(self, options, runner=run_local, clock=time.time, echo=print):
        self.options, self.runner, self.clock, self.echo = options, runner, clock, echo
        self.root = Path(options.root)
        self.inbound = inbox.exchange_inbound(self.root)
        if options.source == "exchange" and self.inbound is None:
            raise WatchError("the course has no exchange inbound folder (c.Exchange.root and "
                             "c.CourseDirectory.course_id in nbgrader_config.py)")
        if options.source == "submitted":
            self.inbound = None
        self.policies = load_policies(self.root, options.assignments)
        self.db_url = db_url_of(self.root)
        self.ignore = list(CourseDirectory(config=load_config(self.root)).ignore)
        self.ledger, self.lock = None, None
        self.in_flight, self.hashes, self.summary = {}, {}, Summary()
        self.next_scan, self.crowded, self.stopping = 0.0, 0, False

    # -- the loop ------------------------------------------------------------------------------
    def run(self):
        """Watch until stopped (or until nothing is left, with `once`); the Summary."""
        self.lock = acquire_lock(self.root)
        self.ledger = Ledger(self.root)
        try:
            for entry in self.ledger.recover():
                self.echo(log_line(entry, "grading was interrupted: queued again", self.clock()))
            self.runner([], self.options.workers, self.on_done, self.options.student_timeout,
                        refill=self.refill)
        finally:
            self.ledger.close()
            self.lock.close()
        return self.summary

    def stop(self):
        """Finish the gradings under way, then return from run()."""
        self.stopping = True

    def refill(self):
        """The pool asks for more jobs: look at the inbox when it is time, hand out what can go."""
        if self.stopping:
            return None
        now = self.clock()
        if now >= self.next_scan:
            self.intake(now)
            self.next_scan = now if self.crowded else \
                (float("inf") if self.options.once else now + self.options.poll)
        for entry in self.ledger.in_state("graded"):
            self.settle(entry)
        jobs = self.dispatch(now)
        if self.options.once and not jobs and not self.in_flight and not self.crowded:
            return None
        return jobs

    # -- intake -------------------------------------------------------------------------------
    def scan(self, now):
        """What the inbox holds that the ledger does not (autograder.watch.inbox.Scan)."""
        known = self.ledger.ids()
        if self.inbound is not None:
            return inbox.scan_exchange(self.inbound, self.options.assignments, known, now,
                                       self.options.settle)
        return inbox.scan_submitted(self.root, self.options.assignments, known, now,
                                    self.options.settle, self.hashes)

    def intake(self, now):
        """Queue the new submissions, as many as the queue has room for; latest wins."""
        found = self.scan(now)
        room = max(0, self.options.queue - len(self.ledger.in_state("queued")))
        taken, left = found.ready[:room], found.ready[room:]
        if left and len(left) != self.crowded:
            self.echo(f"queue full ({self.options.queue} queued): {len(left)} submissions "
                      "wait in the inbox")
        self.crowded = len(left)
        for arrival in taken:
            entry = Entry(arrival.id, arrival.student, arrival.assignment, arrival.path,
                          arrival.timestamp, now)
            if self.graded_before(arrival):
                entry.state, entry.reason = "released", "graded before the watcher found it"
                self.ledger.add(entry)
                continue
            reason = inbox.ungradable_reason(arrival.path)
            self.ledger.add(entry)
            if reason:
                self.reject(entry, reason)
                continue
            self.supersede_older(entry)

    def graded_before(self, arrival):
        """True for a folder of submitted/ the class grader has graded as it is now."""
        previous = status_record.read(self.root, arrival.assignment, arrival.student) or {}
        return bool(arrival.fingerprint) and previous.get("fingerprint") == \
            arrival.fingerprint and previous.get("state") in ("graded", "failed")

    def reject(self, entry, reason):
        """A submission that cannot be graded: it costs no attempt, and the notice says why."""
        self.ledger.update(entry.id, state="rejected", reason=reason)
        self.notify(entry, "Your submission could not be graded",
                    [f"It could not be graded: {reason}.",
                     "It did not count as an attempt. Fix it and submit again."])
        self.settled(entry, f"rejected: {reason}; no attempt counted", "rejected")

    def supersede_older(self, entry):
        """Of the student's queued submissions of this assignment, only the newest stays queued."""
        queued = [e for e in self.ledger.of(entry.student, entry.assignment)
                  if e.state == "queued"]
        newest = max(queued, key=lambda e: parse_utc(e.timestamp))
        for older in queued:
            if older.id != newest.id:
                self.ledger.update(older.id, state="superseded",
                                   reason=f"superseded by the submission of {newest.timestamp}")
                self.notify(older, "A newer submission replaced this one",
                            [f"You submitted again ({newest.timestamp}) before this "
                             "submission was graded: the newer one is graded instead.",
                             "This one did not count as an attempt."])
                self.settled(older, f"superseded by the submission of {newest.timestamp}",
                             "superseded")

    # -- grading ------------------------------------------------------------------------------
    def dispatch(self, now):
        """Jobs for the free workers: the oldest queued submissions that may be graded now."""
        jobs = []
        for entry in self.ledger.in_state("queued"):
            if len(self.in_flight) >= self.options.workers:
                break
            key = (entry.student, entry.assignment)
            if key in self.in_flight:
                continue
            policy = self.policies[entry.assignment]
            window = policy.rate_minutes * 60.0
            slot = next_slot(self.ledger.counted_since(*key, now - window), now, policy)
            if slot > now:
                self.hold(entry, slot, policy)
                continue
            job = self.job_of(entry)
            if job is None:
                continue
            self.ledger.update(entry.id, state="grading", started=now, not_before=0.0)
            self.in_flight[key] = entry.id
            jobs.append(job)
        return jobs

    def hold(self, entry, slot, policy):
        """Over the rate limit: the submission stays queued, and a notice says until when."""
        if entry.notice == "queued" and abs(entry.not_before - slot) < 1.0:
            return
        self.ledger.update(entry.id, not_before=slot, notice="queued")
        self.notify(entry, "Your submission is queued",
                    [f"You have had {policy.rate} graded submissions of {entry.assignment} "
                     f"within {policy.rate_minutes:g} minutes, the most the course allows.",
                     f"This submission is queued and will be graded at {clock_text(slot)}; "
                     "fetch your feedback again after that. If you submit again before then, "
                     "the newer submission is graded instead."])
        self.settled(entry, f"queued by the rate limit ({policy.rate} per "
                            f"{policy.rate_minutes:g} min): graded at {clock_text(slot)}",
                     "queued")

    def job_of(self, entry):
        """The class grader's job for a queued submission (collected into submitted/ first).

        A submission that cannot be read any more is rejected; a problem of the grader's own
        (the gradebook) stops the watcher, whose ledger keeps the submission queued.
        """
        if self.inbound is not None:
            try:
                inbox.collect(self.root, inbox.Arrival(entry.id, entry.student,
                                                       entry.assignment, entry.path,
                                                       entry.timestamp), self.ignore)
            except OSError as error:
                self.reject(entry, f"the submission could not be read ({error})")
                return None
        jobs, _ = plan(self.root, [entry.assignment], force=True,
                       student_glob=glob.escape(entry.student), jail=self.options.jail)
        job = next((j for j in jobs if j["student"] == entry.student), None)
        if job is None:
            self.reject(entry, "the submission folder is gone")
        return job

    def on_done(self, status):
        """A grading finished: record it, then release its feedback (or grade it again)."""
        key = (status["student"], status["assignment"])
        entry = self.ledger.get(self.in_flight.pop(key))
        now = self.clock()
        if status["state"] == "error" and entry.tries < WATCH_RETRIES:
            self.ledger.update(entry.id, state="queued", tries=entry.tries + 1, started=None,
                               reason=(status.get("reason") or "")[-500:])
            self.echo(log_line(entry, f"the grader failed (try {entry.tries + 1} of "
                                      f"{WATCH_RETRIES + 1}); queued again", now))
            return
        self.ledger.update(entry.id, state="graded", finished=now,
                           gradings=entry.gradings + 1,
                           counted=int(status["state"] == "graded"),
                           score=status.get("score"), max_score=status.get("max_score"),
                           reason=(status.get("reason") or "")[-500:],
                           status=json.dumps(status))
        self.settle(self.ledger.get(entry.id))

    # -- feedback -----------------------------------------------------------------------------
    def settle(self, entry):
        """Release the feedback of a graded entry (a notice when it could not be graded)."""
        status = entry.status_record() or {}
        seconds = (entry.finished or self.clock()) - (entry.started or entry.seen)
        if status.get("state") == "graded":
            outcome = self.release_feedback(entry)
            outcome = f"graded {status['score']:g} / {status['max_score']:g} in " \
                      f"{seconds:.1f} s; {outcome}"
        elif status.get("state") == "failed":
            reason = (status.get("reason") or "").strip().splitlines()[-1:] or ["unknown"]
            self.notify(entry, "Your submission could not be graded",
                        [f"It could not be graded: {reason[0]}",
                         "It did not count as an attempt. Fix it and submit again."])
            outcome = f"could not be graded: {reason[0]}; no attempt counted"
        else:
            self.notify(entry, "Your submission could not be graded yet",
                        ["The grader failed on it; your instructor has been told. It did not "
                         "count as an attempt."])
            outcome = f"grader error, given up after {WATCH_RETRIES + 1} tries: " \
                      f"{(status.get('reason') or '').strip().splitlines()[-1:]}"
        self.ledger.update(entry.id, state="released", notice="feedback")
        self.settled(entry, outcome, status.get("state", "error"))

    def release_feedback(self, entry):
        """nbgrader's feedback for a graded entry, released; says what was released."""
        policy = self.policies[entry.assignment]
        due = due_date(self.db_url, entry.assignment, entry.student, policy)
        messages = shows_messages(policy, due, datetime.now(timezone.utc))
        later = f"What the hidden checks found is shown after the due date " \
                f"({due:%Y-%m-%d %H:%M} UTC)." if due else \
            "What the hidden checks found is not shown in early feedback."
        result = publish.write_feedback(self.root, entry.assignment, entry.student, messages,
                                        later)
        if not result.get("success"):
            return f"feedback failed: {str(result.get('error', '')).strip()[-300:]}"
        folder = self.root / "feedback" / entry.student / entry.assignment
        publish.alias_feedback(folder, notebook_names(self.db_url, entry.assignment),
                               inbox.notebook_ids(entry.path))
        shown = "scores and messages" if messages else "scores only"
        if self.inbound is None:
            return f"feedback ({shown}) in feedback/{entry.student}/{entry.assignment}/"
        released = publish.release(self.root, entry.assignment, entry.student)
        if not released.get("success"):
            return f"feedback ({shown}) written, release failed: " \
                   f"{str(released.get('error', '')).strip()[-300:]}"
        return f"feedback ({shown}) released"

    def notify(self, entry, title, lines):
        """Release a notice for one submission (written only, in a course without an exchange)."""
        folder = publish.write_notice(self.root, entry.assignment, entry.student, entry.path,
                                      title, lines, inbox.notebook_ids(entry.path))
        if self.inbound is not None:
            result = publish.release(self.root, entry.assignment, entry.student, folder)
            if not result.get("success"):
                self.echo(log_line(entry, "notice not released: "
                                          f"{str(result.get('error', '')).strip()[-300:]}",
                                   self.clock()))

    def settled(self, entry, outcome, kind):
        """Log the submission's line, append it to the watcher's log file, count it."""
        line = log_line(entry, outcome, self.clock())
        self.echo(line)
        self.summary.lines.append(line)
        self.summary.outcomes[kind] = self.summary.outcomes.get(kind, 0) + 1
        path = self.root / LOG_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
