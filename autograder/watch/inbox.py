"""New submissions: folders in nbgrader's exchange inbound, or in submitted/ without an exchange.

nbgrader's submit copies the notebooks, then writes timestamp.txt, then submission_secret.txt:
an inbound folder is ready once both are there (or, from an nbgrader that writes no secret,
once its timestamp.txt is a few seconds old). A submitted/ folder is ready with its
timestamp.txt, or once nothing in it has changed for a few seconds.
"""
import os
import re
import shutil
import stat
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import Exchange
from nbgrader.utils import parse_utc

from autograder.course import load_config
from autograder.submission import fingerprint

INCOMING_DIR = ".classgrade/watch/incoming"
SAFE_NAME = re.compile(r"^[A-Za-z0-9_@-][A-Za-z0-9_.@-]*$")


@dataclass(frozen=True)
class Arrival:
    """One submission, completely written.

    id: str, unique: the inbound folder's name, or "<student>+<assignment>+<timestamp>+
        <fingerprint>" for a folder of submitted/.
    student, assignment: str.
    path: str, the folder holding it.
    timestamp: str, nbgrader's timestamp (timestamp.txt; else the folder's newest change).
    fingerprint: str, sha256 of a submitted/ folder (autograder.submission.fingerprint); "" for
        the exchange.
    """
    id: str
    student: str
    assignment: str
    path: str
    timestamp: str
    fingerprint: str = ""


@dataclass(frozen=True)
class Scan:
    """What one look at the inbox found: `ready` (oldest first) and `unfinished` (still written)."""
    ready: list
    unfinished: int


def exchange_inbound(root):
    """The course's inbound folder in nbgrader's exchange (Exchange.root, course_id), or None.

    None when the course has no course_id or the folder does not exist: the course then
    collects by hand into submitted/.
    """
    config = load_config(root)
    course_id = CourseDirectory(config=config).course_id
    exchange_root = config.Exchange.root if "root" in config.Exchange else \
        Exchange.root.default_value
    inbound = Path(exchange_root) / course_id / "inbound"
    return inbound if course_id and inbound.is_dir() else None


def parse_name(name):
    """(student, assignment) of an inbound folder "<student>+<assignment>+<time>[+<random>]"."""
    parts = name.rsplit("+", 3)
    if len(parts) < 3 or not all(SAFE_NAME.match(part) for part in parts[:2]):
        return None  # not nbgrader's, or a name that could lead out of submitted/
    return parts[0], parts[1]


def newest_change(folder):
    """The latest modification time of the folder or anything in it (0.0 if it is gone)."""
    try:
        times = [os.stat(folder).st_mtime]
        for directory, _, files in os.walk(folder):
            times += [os.stat(os.path.join(directory, f)).st_mtime for f in files]
    except OSError:
        return 0.0
    return max(times)


def read_timestamp(folder):
    """The folder's timestamp.txt, if it is there and nbgrader can parse it; else None."""
    try:
        text = (Path(folder) / "timestamp.txt").read_text().strip()
        parse_utc(text)
    except (OSError, ValueError):
        return None
    return text or None


def as_timestamp(seconds):
    """A time (epoch seconds) written as nbgrader writes its timestamps."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def exchange_ready(folder, now, settle):
    """True when an inbound folder is completely written (see the module's docstring)."""
    if read_timestamp(folder) is None:
        return False
    return (Path(folder) / "submission_secret.txt").exists() or \
        now - newest_change(folder) >= settle


def scan_exchange(inbound, assignments, known, now=None, settle=5.0):
    """The new, completely written submissions of `assignments` in the exchange's inbound.

    Args:
        inbound: Path of the course's inbound folder.
        assignments: ids to look for.
        known: container of the ids the ledger already holds (skipped).
        now, settle: the time, and how long a folder without its secret must be left alone.
    """
    now = time.time() if now is None else now
    ready, unfinished = [], 0
    try:
        names = sorted(entry.name for entry in os.scandir(inbound) if entry.is_dir())
    except OSError:
        return Scan([], 0)
    for name in names:
        parsed = parse_name(name)
        if name in known or parsed is None or parsed[1] not in assignments:
            continue
        folder = Path(inbound) / name
        if not exchange_ready(folder, now, settle):
            unfinished += 1
            continue
        ready.append(Arrival(name, parsed[0], parsed[1], str(folder), read_timestamp(folder)))
    return Scan(sorted(ready, key=lambda a: parse_utc(a.timestamp)), unfinished)


def scan_submitted(root, assignments, known, now=None, settle=5.0, cache=None):
    """The new or changed, completely written folders submitted/<student>/<assignment>/.

    `cache` ({folder: (newest change, fingerprint)}, kept by the caller) spares hashing
    folders that did not change since the last look.
    """
    now = time.time() if now is None else now
    cache = {} if cache is None else cache
    ready, unfinished = [], 0
    for assignment in assignments:
        for folder in sorted((Path(root) / "submitted").glob(f"*/{assignment}")):
            changed = newest_change(folder)
            if folder not in cache or cache[folder][0] != changed:
                cache[folder] = (changed, fingerprint(folder))
            student, print_ = folder.parent.name, cache[folder][1]
            stamp = read_timestamp(folder) or as_timestamp(changed)
            key = f"{student}+{assignment}+{stamp}+{(print_ or '')[:16]}"
            if key in known or print_ is None:
                continue
            if read_timestamp(folder) is None and now - changed < settle:
                unfinished += 1
                continue
            ready.append(Arrival(key, student, assignment, str(folder), stamp, print_))
    return Scan(sorted(ready, key=lambda a: parse_utc(a.timestamp)), unfinished)


def ungradable_reason(folder):
    """Why the submission cannot be graded (no notebook, a notebook that is not one), or None."""
    notebooks = sorted(Path(folder).glob("*.ipynb"))
    if not notebooks:
        return "no notebook (.ipynb) was submitted"
    for path in notebooks:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return f"{path.name} is not a regular file (a link or a folder)"
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except Exception as error:  # noqa: BLE001 - whatever nbformat says, it cannot be graded
            first = (str(error).strip().splitlines() or [""])[0][:160]
            return f"{path.name} is not a valid notebook ({type(error).__name__}" \
                   f"{': ' + first if first else ''})"
    return None


def notebook_ids(folder):
    """Names (without .ipynb) of the notebooks in a submission folder."""
    return sorted(path.stem for path in Path(folder).glob("*.ipynb"))


def copy_regular_files(source, target, ignore):
    """Copy the folders and regular files below `source`; links and anything else are left out.

    A link in a student's inbound folder may point at what the student cannot read (the
    gradebook, another student's work): following it would hand that to the grading.
    """
    for directory, folders, files in os.walk(source):
        here = Path(directory)
        skipped = ignore(directory, folders + files) if ignore else set()
        folders[:] = [f for f in folders if f not in skipped and not (here / f).is_symlink()]
        destination = Path(target) / here.relative_to(source)
        destination.mkdir(parents=True, exist_ok=True)
        for name in files:
            if name not in skipped and stat.S_ISREG(os.lstat(here / name).st_mode):
                shutil.copy2(here / name, destination / name, follow_symlinks=False)


def collect(root, arrival, ignore=()):
    """Copy an inbound submission to submitted/<student>/<assignment>/, replacing what was there.

    The copy is made beside the course first and moved into place, so submitted/ never
    holds half of it. `ignore`: nbgrader's CourseDirectory.ignore patterns.
    """
    root = Path(root)
    target = root / "submitted" / arrival.student / arrival.assignment
    incoming = root / INCOMING_DIR / uuid.uuid4().hex
    copy_regular_files(arrival.path, incoming, shutil.ignore_patterns(*ignore))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        old = incoming.with_name(incoming.name + "-old")
        os.replace(target, old)
        shutil.rmtree(old, ignore_errors=True)
    os.replace(incoming, target)
    return target
