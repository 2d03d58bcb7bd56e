"""The watcher's per-assignment policy (watch.toml): its rate limit and what early feedback shows.

watch.toml in the course root (optional): top-level keys for every assignment, a table
[assignments.<id>] for one. Keys: `rate` (graded submissions per student within
`rate_minutes`; 0: no limit), `rate_minutes`, `feedback` ("scores": the points and pass/fail
of each function only; "messages": the hidden checks' messages too; "after_due_date": scores
until the due date, messages after it) and `due` (a TOML date-time, UTC unless it has an
offset; default: the gradebook's due date, with the student's extension).
"""
from dataclasses import dataclass, replace
from datetime import date, datetime, time as day_time, timezone
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder.limits import WATCH_RATE, WATCH_RATE_MINUTES

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

CONFIG_FILE = "watch.toml"
FEEDBACK_CHOICES = ("scores", "messages", "after_due_date")
KEYS = ("rate", "rate_minutes", "feedback", "due")


class PolicyError(ValueError):
    """A mistake in watch.toml, said in one line."""


@dataclass(frozen=True)
class Policy:
    """What the watcher does for one assignment.

    rate: int, graded submissions per student within rate_minutes (0: no limit).
    rate_minutes: float, the window of the rate limit.
    feedback: str, one of FEEDBACK_CHOICES.
    due: datetime (UTC) or None, set in watch.toml; None: the gradebook's due date.
    """
    rate: int = WATCH_RATE
    rate_minutes: float = WATCH_RATE_MINUTES
    feedback: str = "after_due_date"
    due: datetime = None


def as_utc(value):
    """A TOML date-time (or date, or ISO string) as an aware UTC datetime; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as error:
            raise PolicyError(f"{CONFIG_FILE}: due = {value!r} is not a date-time") from error
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, day_time(23, 59, 59))
    if not isinstance(value, datetime):
        raise PolicyError(f"{CONFIG_FILE}: due = {value!r} is not a date-time")
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else \
        value.astimezone(timezone.utc)


def _apply(policy, table, where):
    """`policy` with the keys of one watch.toml table applied."""
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise PolicyError(f"{CONFIG_FILE}: unknown key {', '.join(unknown)} in {where} "
                          f"(known: {', '.join(KEYS)})")
    if "feedback" in table and table["feedback"] not in FEEDBACK_CHOICES:
        raise PolicyError(f"{CONFIG_FILE}: feedback = {table['feedback']!r} in {where}; "
                          f"expected one of {', '.join(FEEDBACK_CHOICES)}")
    for key in ("rate", "rate_minutes"):
        if key in table and (isinstance(table[key], bool) or
                             not isinstance(table[key], (int, float)) or table[key] < 0):
            raise PolicyError(f"{CONFIG_FILE}: {key} = {table[key]!r} in {where}; expected a "
                              "number, 0 or more")
    changes = {key: table[key] for key in ("rate", "rate_minutes", "feedback") if key in table}
    if "due" in table:
        changes["due"] = as_utc(table["due"])
    return replace(policy, **changes)


def load_policies(root, assignments):
    """{assignment: Policy} from root/watch.toml (every default when there is none)."""
    path = Path(root) / CONFIG_FILE
    try:
        data = tomllib.loads(path.read_text()) if path.exists() else {}
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{CONFIG_FILE}: {error}") from error
    per_assignment = data.pop("assignments", {})
    if not isinstance(per_assignment, dict):
        raise PolicyError(f"{CONFIG_FILE}: assignments must be a table ([assignments.<id>])")
    base = _apply(Policy(), data, "the top level")
    return {a: _apply(base, per_assignment.get(a, {}), f"[assignments.{a}]")
            for a in assignments}


def next_slot(starts, now, policy):
    """When the student may have the next graded submission: `now` or later.

    Args:
        starts: start times (epoch s) of the gradings that used an attempt, any order.
        now: the current time; policy: the assignment's Policy.
    """
    window = policy.rate_minutes * 60.0
    if policy.rate <= 0 or window <= 0:
        return now
    recent = sorted(t for t in starts if t > now - window)
    if len(recent) < policy.rate:
        return now
    return recent[len(recent) - policy.rate] + window


def due_date(db_url, assignment, student, policy):
    """The due date that counts for `student` (UTC), or None when there is none.

    watch.toml's `due` first; else the gradebook's, with the student's extension.
    """
    if policy.due is not None:
        return policy.due
    with Gradebook(db_url) as gradebook:
        try:
            due = gradebook.find_submission(assignment, student).duedate
        except MissingEntry:
            try:
                due = gradebook.find_assignment(assignment).duedate
            except MissingEntry:
                due = None
    return as_utc(due)


def shows_messages(policy, due, now):
    """True when the feedback shows the hidden checks' messages (`now`: an aware datetime)."""
    if policy.feedback == "after_due_date":
        return due is not None and now >= due
    return policy.feedback == "messages"
