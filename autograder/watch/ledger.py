"""The watcher's ledger: every submission it has seen and what became of it, in SQLite.

.classgrade/watch/ledger.sqlite3, one row per submission, each change committed at once, so a
watcher stopped at any moment (even killed) loses nothing when it starts again: a submission
it was grading is graded again (it never finished), one it had graded but not yet released
is released without grading it again. States:

    queued      waiting: for a worker, for its rate limit (not_before), or for the grading
                of the same student's earlier submission to end
    grading     handed to a worker
    graded      grading finished (status kept); its feedback is being released
    released    done: feedback (or a notice of why there is none) released
    superseded  done: a newer submission of the same student and assignment came first
    rejected    done: could not be graded (not a notebook); costs no attempt
"""
import json
import sqlite3
from dataclasses import dataclass, fields
from pathlib import Path

LEDGER_FILE = ".classgrade/watch/ledger.sqlite3"
WAITING = ("queued", "grading", "graded")
DONE = ("released", "superseded", "rejected")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY, student TEXT NOT NULL, assignment TEXT NOT NULL, path TEXT NOT NULL,
    timestamp TEXT NOT NULL, seen REAL NOT NULL, state TEXT NOT NULL, reason TEXT DEFAULT '',
    not_before REAL DEFAULT 0, notice TEXT DEFAULT '', started REAL, finished REAL,
    tries INTEGER DEFAULT 0, gradings INTEGER DEFAULT 0, counted INTEGER DEFAULT 0,
    score REAL, max_score REAL, status TEXT DEFAULT '')
"""


@dataclass
class Entry:
    """One row of the ledger.

    id, student, assignment, path, timestamp: the submission (autograder.watch.inbox.Arrival).
    seen: float, when the watcher found it (epoch seconds).
    state: str, see the module's docstring; reason: str, why (a rejection, a failure).
    not_before: float, the rate limit: not graded before this time (0: no limit).
    notice: str, the last notice released for it ("queued", ...), so each is released once.
    started, finished: float or None, when its last grading began and ended.
    tries: int, gradings the grader itself failed (a worker crash).
    gradings: int, gradings that finished.
    counted: int, 1 when it used one of the student's graded submissions (rate limit).
    score, max_score: float or None.
    status: str, the status record of its grading (JSON; autograder.status).
    """
    id: str
    student: str
    assignment: str
    path: str
    timestamp: str
    seen: float
    state: str = "queued"
    reason: str = ""
    not_before: float = 0.0
    notice: str = ""
    started: float = None
    finished: float = None
    tries: int = 0
    gradings: int = 0
    counted: int = 0
    score: float = None
    max_score: float = None
    status: str = ""

    def status_record(self):
        """The status record of its grading (a dict), or None."""
        return json.loads(self.status) if self.status else None


_COLUMNS = [f.name for f in fields(Entry)]


class Ledger:
    """The ledger of the course at `root` (created when missing)."""

    def __init__(self, root):
        path = Path(root) / LEDGER_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.connection.execute(_SCHEMA)

    def close(self):
        self.connection.close()

    def _select(self, where="1", arguments=()):
        rows = self.connection.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM submissions WHERE {where} "
            "ORDER BY timestamp, seen", arguments)
        return [Entry(*row) for row in rows]

    def add(self, entry):
        """Record a new submission (one already known is left as it is)."""
        self.connection.execute(
            f"INSERT OR IGNORE INTO submissions ({', '.join(_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(_COLUMNS))})", [getattr(entry, c) for c in _COLUMNS])

    def update(self, entry_id, **changes):
        """Change some fields of one entry."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise KeyError(f"no such ledger field: {', '.join(sorted(unknown))}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        self.connection.execute(f"UPDATE submissions SET {assignments} WHERE id = ?",
                                [*changes.values(), entry_id])

    def get(self, entry_id):
        """The entry, or None."""
        found = self._select("id = ?", (entry_id,))
        return found[0] if found else None

    def ids(self):
        """Every id the ledger holds."""
        return {row[0] for row in self.connection.execute("SELECT id FROM submissions")}

    def in_state(self, *states):
        """Entries in any of `states`, oldest submission first."""
        return self._select(f"state IN ({', '.join('?' * len(states))})", states)

    def of(self, student, assignment):
        """Every entry of one student's assignment, oldest submission first."""
        return self._select("student = ? AND assignment = ?", (student, assignment))

    def counted_since(self, student, assignment, since):
        """Start times of the gradings that used one of the student's attempts since `since`."""
        rows = self.connection.execute(
            "SELECT started FROM submissions WHERE student = ? AND assignment = ? AND "
            "counted = 1 AND started >= ? ORDER BY started", (student, assignment, since))
        return [row[0] for row in rows]

    def recover(self):
        """After a stop: what was being graded is queued again. Returns the entries requeued."""
        interrupted = self.in_state("grading")
        for entry in interrupted:
            self.update(entry.id, state="queued", started=None)
        return interrupted

    def counts(self):
        """{state: number of entries}."""
        return dict(self.connection.execute(
            "SELECT state, COUNT(*) FROM submissions GROUP BY state").fetchall())
