"""Does the watcher grade what students submit through the real exchange, and give it back?

One temporary course with its own nbgrader exchange (tests/support/watch_exchange.py) serves every
test; each test has students of its own. Students submit with `nbgrader submit` (or, where
many submissions are needed, nbgrader's ExchangeSubmit in this process) and fetch with
`nbgrader fetch_feedback`; the watcher runs as `python -m autograder.apps.watch` or, to save
the interpreter's start-up, as autograder.watch.service.Watcher in this process.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.course import ROOT
from autograder.fakes import BUGS, copy_course, write_submission
from autograder.gradebook import submission_cells
from autograder.watch import inbox
from autograder.watch.ledger import LEDGER_FILE, Entry, Ledger
from autograder.watch.policy import Policy, PolicyError, load_policies, next_slot
from autograder.watch.publish import brief_notebook
from autograder.watch.service import (LOG_FILE, Options, WatchError, Watcher, acquire_lock,
                                      clock_text)
from tests.support.watch_exchange import (ASSIGNMENT, Student, exchange_course, html_text, notebooks,
                                  watch_environment)

pytestmark = [pytest.mark.nbgrader, pytest.mark.filterwarnings(
    "ignore:Passing unrecognized arguments:DeprecationWarning")]  # nbgrader 0.9.6's own typo

BUGGY_CELL = f"test_{BUGS[ASSIGNMENT].cell}"
NOT_JSON = '{"cells": [ this is not JSON'


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """(course root, exchange root, students' home, {kind: notebook}) with 01_loss released."""
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent),
                                          os.environ.get("PATH", "")])
    base = tmp_path_factory.mktemp("watch")
    root, exchange = exchange_course(base)
    return root, exchange, base / "home", notebooks(root)


@pytest.fixture
def policy(course):
    """Write watch.toml for one test (removed afterwards)."""
    path = course[0] / "watch.toml"
    yield path.write_text
    path.unlink(missing_ok=True)


def watch_once(root, **options):
    """Run the watcher in this process until nothing is left to do; the lines it logged."""
    lines = []
    clock = options.pop("clock", time.time)
    Watcher(Options(root, [ASSIGNMENT], workers=2, once=True, **options), clock=clock,
            echo=lines.append).run()
    return lines


def watch_command(root, *args):
    """The watcher's command line, for subprocess."""
    return [sys.executable, "-m", "autograder.apps.watch", *args, ASSIGNMENT]


def entries_of(root, student):
    """The ledger's entries of one student, oldest submission first."""
    ledger = Ledger(root)
    try:
        return ledger.of(student, ASSIGNMENT)
    finally:
        ledger.close()


def hidden_message(root, student, grade_id):
    """The first line the checker wrote into a test cell of the student's autograded notebook."""
    notebook = nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                             as_version=4)
    cell = next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    text += "".join(o.get("evalue", "") for o in cell.outputs if o.output_type == "error")
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) > 20]
    assert lines, f"expected the checker's message in {student}'s {grade_id}, got {text!r}"
    return lines[0]


def test_submission_comes_back_through_fetch_feedback_with_scores_only(course):
    """Does `nbgrader submit` get feedback the student fetches with `nbgrader fetch_feedback`,
    showing each function's points but not the hidden checks' messages before the due date?"""
    root, exchange, home, kinds = course
    alice, bob = Student("alice", home, exchange), Student("bob", home, exchange)
    alice.fetch()
    bob.fetch(root)
    stamps = {"alice": alice.submit(kinds["perfect"]), "bob": bob.submit(kinds["buggy"])}
    result = subprocess.run(watch_command(root, "--once"), cwd=root, env=watch_environment(root),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"expected exit 0, got {result.returncode}:\n{result.stderr}"
    logged = [line for line in result.stdout.splitlines() if line[:4].isdigit()]
    assert sorted(line.split()[2] for line in logged) == ["alice", "bob"], (
        f"expected one line per submission, got:\n{result.stdout}")
    assert all("feedback (scores only) released" in line for line in logged), result.stdout

    db_url = f"sqlite:///{root / 'gradebook.db'}"
    cells = {s: submission_cells(db_url, ASSIGNMENT, s) for s in ("alice", "bob")}
    fetched = {"alice": alice.fetch_feedback(), "bob": bob.fetch_feedback()}
    for student, pages in fetched.items():
        assert list(pages) == [stamps[student]], (
            f"expected {student}'s feedback for the submission of {stamps[student]}, got "
            f"{list(pages)}")
    alice_page, bob_page = fetched["alice"][stamps["alice"]], fetched["bob"][stamps["bob"]]
    for grade_id, (score, best) in cells["alice"].items():
        assert score == best, f"expected alice full points on {grade_id}, got {score}/{best}"
        assert f"{grade_id[5:]}: passed" in alice_page, f"alice's feedback lacks {grade_id}"
    assert cells["bob"][BUGGY_CELL][0] == 0, f"expected bob 0 on {BUGGY_CELL}: {cells['bob']}"
    assert f"{BUGGY_CELL[5:]}: not passed (0 / " in bob_page
    message = hidden_message(root, "bob", BUGGY_CELL)
    assert message not in bob_page, f"the hidden check's message {message!r} is in the " \
                                    "early feedback"
    assert "shown after the due date" in bob_page or "not shown in early feedback" in bob_page


def test_messages_are_shown_after_the_due_date(course, policy):
    """Once the due date has passed, does the feedback show the hidden checks' messages?"""
    root, exchange, home, kinds = course
    policy(f"[assignments.{ASSIGNMENT}]\ndue = 2000-01-01T00:00:00Z\n")
    bea = Student("bea", home, exchange)
    stamp = bea.submit_now(kinds["buggy"])
    lines = watch_once(root)
    assert any("bea" in line and "feedback (scores and messages) released" in line
               for line in lines), f"expected bea's full feedback released, got {lines}"
    page = bea.fetch_feedback()[stamp]
    message = hidden_message(root, "bea", BUGGY_CELL)
    assert message in page, f"expected the hidden check's message {message!r} in the feedback"


def test_rate_limit_queues_the_fourth_and_grades_it_later(course):
    """With 3 graded submissions an hour, is a 4th queued (its time in the feedback and the log)
    and graded once the hour is over, while a notebook that is not JSON costs no attempt?"""
    root, exchange, home, kinds = course
    carol = Student("carol", home, exchange)
    garbage = carol.submit_now(NOT_JSON)
    lines, stamps = watch_once(root), []
    for _ in range(4):
        stamps.append(carol.submit_now(kinds["perfect"]))
        lines += watch_once(root)
    states = [(e.state, e.counted) for e in entries_of(root, "carol")]
    assert states == [("rejected", 0), ("released", 1), ("released", 1), ("released", 1),
                      ("queued", 0)], f"expected not-JSON rejected, 3 graded, 1 queued: {states}"
    queued = entries_of(root, "carol")[-1]
    first_start = entries_of(root, "carol")[1].started
    assert abs(queued.not_before - (first_start + 3600)) < 2, (
        f"expected the 4th graded an hour after the first began ({first_start + 3600}), "
        f"got {queued.not_before}")
    when = clock_text(queued.not_before)
    assert any("carol" in line and f"queued by the rate limit (3 per 60 min): graded at {when}"
               in line for line in lines), f"expected the queued line with {when}: {lines}"
    pages = carol.fetch_feedback()
    assert "not a valid notebook" in pages[garbage] and "did not count as an attempt" in \
        pages[garbage], f"expected the rejection's reason, got {pages[garbage][-400:]}"
    assert f"will be graded at {when}" in pages[stamps[-1]], pages[stamps[-1]][-400:]

    later = watch_once(root, clock=lambda: time.time() + 3601)
    assert [(e.state, e.counted) for e in entries_of(root, "carol")][-1] == ("released", 1), \
        f"expected the queued submission graded after the hour, got {later}"
    assert "cost: passed" in carol.fetch_feedback()[stamps[-1]]


def test_latest_of_two_quick_submissions_wins(course):
    """Two submissions in a row before the watcher looks: is only the newer one graded, and
    does the older one's feedback say it was replaced?"""
    root, exchange, home, kinds = course
    erin = Student("erin", home, exchange)
    first, second = erin.submit_now(kinds["buggy"]), erin.submit_now(kinds["perfect"])
    watch_once(root)
    found = [(e.timestamp, e.state, e.gradings) for e in entries_of(root, "erin")]
    assert found == [(first, "superseded", 0), (second, "released", 1)], (
        f"expected the first superseded (never graded) and the second graded once: {found}")
    scores = submission_cells(f"sqlite:///{root / 'gradebook.db'}", ASSIGNMENT, "erin")
    assert scores[BUGGY_CELL][0] == scores[BUGGY_CELL][1], f"expected the newer notebook's " \
        f"full points on {BUGGY_CELL}, got {scores[BUGGY_CELL]}"
    pages = erin.fetch_feedback()
    assert "A newer submission replaced this one" in pages[first], pages[first][-300:]
    assert "cost: passed" in pages[second]


def wait_for(condition, timeout, what):
    """Poll `condition()` until true; fail saying `what` was expected."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"expected {what} within {timeout} s")


def test_killed_watcher_started_again_grades_everyone_exactly_once(course):
    """Killed mid-queue (with its workers), then started again: is every submission graded
    and released, each exactly once?"""
    root, exchange, home, kinds = course
    students = [Student(name, home, exchange) for name in ("frank", "gina", "hank")]
    for student in students:
        student.submit_now(kinds["perfect"])
    log = root / LOG_FILE
    before = log.read_text().count("\n") if log.exists() else 0
    watcher = subprocess.Popen(watch_command(root, "--poll", "0.5"), cwd=root,
                               env=watch_environment(root), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: log.exists() and log.read_text().count("\n") > before, 180,
                 "a first submission released")
    finally:
        os.killpg(watcher.pid, signal.SIGKILL)
        watcher.wait()
    states = [entries_of(root, s.name)[0].state for s in students]
    assert states.count("released") < 3, f"expected the watcher killed mid-queue: {states}"
    result = subprocess.run(watch_command(root, "--once"), cwd=root, env=watch_environment(root),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = log.read_text().splitlines()[before:]
    for student in students:
        entry = entries_of(root, student.name)[0]
        assert (entry.state, entry.gradings) == ("released", 1), (
            f"expected {student.name} released after one grading, got {entry.state}, "
            f"{entry.gradings} gradings")
        graded = [line for line in lines if f" {student.name} " in line and "graded " in line]
        assert len(graded) == 1, f"expected one graded line for {student.name}: {lines}"
        assert "cost: passed" in student.fetch_feedback()[entry.timestamp]


def test_a_worker_crash_is_graded_again(course):
    """A grading worker killed mid-grading: is the submission graded again and released?"""
    root, exchange, home, kinds = course
    ivan = Student("ivan", home, exchange)
    ivan.submit_now(kinds["perfect"])
    watcher = subprocess.Popen(watch_command(root, "--once", "--workers", "1"), cwd=root,
                               env=watch_environment(root), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(lambda: entries_of(root, "ivan") and
                 entries_of(root, "ivan")[0].state == "grading", 120, "ivan's grading begun")
        workers = psutil.Process(watcher.pid).children()
        assert workers, "expected a grading worker under the watcher"
        for worker in workers:
            for process in worker.children(recursive=True) + [worker]:
                process.kill()
        out, err = watcher.communicate(timeout=300)
    finally:
        if watcher.poll() is None:
            os.killpg(watcher.pid, signal.SIGKILL)
    assert watcher.returncode == 0, err
    entry = entries_of(root, "ivan")[0]
    assert (entry.state, entry.tries, entry.gradings) == ("released", 1, 1), (
        f"expected one failed try then one grading, got {entry}\n{out}")
    assert "the grader failed (try 1 of 3); queued again" in out, out
    assert json.loads(entry.status)["state"] == "graded", entry.status


# -- the pieces, without grading -----------------------------------------------------------------
def test_next_slot_follows_the_window():
    """Is a 4th graded submission within the hour put off until the oldest one is an hour old?"""
    limit = Policy(rate=3, rate_minutes=60)
    assert next_slot([0.0, 100.0], 200.0, limit) == 200.0
    assert next_slot([0.0, 100.0, 200.0], 300.0, limit) == 3600.0
    assert next_slot([0.0, 100.0, 200.0], 3700.0, limit) == 3700.0
    assert next_slot([0.0] * 9, 10.0, Policy(rate=0)) == 10.0


def test_policy_mistakes_are_named(tmp_path):
    """Does a typo in watch.toml stop the watcher with the key and what is allowed?"""
    (tmp_path / "watch.toml").write_text('[assignments.01_loss]\nfeedbak = "scores"\n')
    with pytest.raises(PolicyError, match="unknown key feedbak in \\[assignments.01_loss\\]"):
        load_policies(tmp_path, [ASSIGNMENT])
    (tmp_path / "watch.toml").write_text('feedback = "all"\nrate = 5\n')
    with pytest.raises(PolicyError, match="expected one of scores, messages, after_due_date"):
        load_policies(tmp_path, [ASSIGNMENT])
    (tmp_path / "watch.toml").write_text('rate = 5\n[assignments.01_loss]\nfeedback = "scores"\n')
    assert load_policies(tmp_path, [ASSIGNMENT])[ASSIGNMENT] == Policy(rate=5, feedback="scores")


def test_half_written_submission_waits_for_its_files(tmp_path):
    """Is an inbound folder left alone until nbgrader has written timestamp.txt (and its secret,
    or a few seconds have passed)?"""
    folder = tmp_path / f"zoe+{ASSIGNMENT}+2026-03-02 10:00:00.000000 UTC+abc"
    folder.mkdir()
    (folder / f"{ASSIGNMENT}.ipynb").write_text("{}")
    now = time.time()
    assert inbox.scan_exchange(tmp_path, [ASSIGNMENT], set(), now).unfinished == 1
    (folder / "timestamp.txt").write_text("2026-03-02 10:00:00.000000 UTC")
    assert inbox.scan_exchange(tmp_path, [ASSIGNMENT], set(), now, settle=5).ready == []
    assert [a.student for a in inbox.scan_exchange(tmp_path, [ASSIGNMENT], set(), now + 6,
                                                   settle=5).ready] == ["zoe"]
    (folder / "submission_secret.txt").write_text("s3cret")
    assert len(inbox.scan_exchange(tmp_path, [ASSIGNMENT], set(), now).ready) == 1
    assert inbox.scan_exchange(tmp_path, [ASSIGNMENT], {folder.name}, now).ready == []


def test_brief_notebook_keeps_only_verdicts():
    """Does the brief copy replace a test cell's messages by its verdict and points?"""
    test = nbformat.v4.new_code_cell("check('sigmoid')", metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "test_sigmoid", "points": 2}})
    test.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                           text="sigmoid(1000.0) should be 1.0, got nan\n")]
    notebook = nbformat.v4.new_notebook(cells=[test], metadata={"autograder": {"checks": [1]}})
    brief = brief_notebook(notebook, {"test_sigmoid": {"score": 0.0, "max_score": 2.0}},
                           "Shown after the due date.")
    assert [o["text"] for o in brief.cells[0].outputs] == [
        "sigmoid: not passed (0 / 2 points). Shown after the due date.\n"]
    assert "autograder" not in brief.metadata and test.outputs[0]["text"].startswith("sigmoid(")


def test_ledger_requeues_interrupted_gradings(tmp_path):
    """After a stop, is a submission that was being graded queued again, and one done kept?"""
    ledger = Ledger(tmp_path)
    ledger.add(Entry("a", "amy", ASSIGNMENT, "/x", "2026-03-02 10:00:00 UTC", 1.0,
                     state="grading", started=5.0))
    ledger.add(Entry("b", "ben", ASSIGNMENT, "/y", "2026-03-02 10:01:00 UTC", 1.0,
                     state="released", gradings=1))
    ledger.close()
    again = Ledger(tmp_path)
    assert [e.id for e in again.recover()] == ["a"]
    assert [(e.id, e.state) for e in again.in_state("queued", "released")] == [
        ("a", "queued"), ("b", "released")]
    again.close()


def test_second_watcher_is_refused(tmp_path):
    """Is a second watcher on the same course refused while the first runs?"""
    held = acquire_lock(tmp_path)
    with pytest.raises(WatchError, match="another watcher is running"):
        acquire_lock(tmp_path)
    held.close()
    acquire_lock(tmp_path).close()


def fake_runner(statuses, seen):
    """A stand-in for run_local: every job "graded" at once with statuses[student] (a list)."""
    def run(jobs, workers, on_done, student_timeout, refill):
        while True:
            more = refill()
            seen.append(more)
            if more is None:
                return
            for job in more:
                state = statuses[job["student"]].pop(0)
                on_done({"assignment": job["assignment"], "student": job["student"],
                         "state": state, "reason": f"{state} on purpose", "score": None,
                         "max_score": None})
    return run


def test_full_queue_holds_the_rest_in_the_inbox(course):
    """With room for 2 in the queue, do 5 new submissions wait in the inbox and all get through,
    never more than 2 queued; and does a grader error get graded again, then given up on?"""
    root, exchange, home, kinds = course
    names = [f"q{n}" for n in range(5)]
    for name in names:
        Student(name, home, exchange).submit_now(kinds["perfect"])
    statuses = {name: ["failed"] for name in names}
    statuses["q0"] = ["error", "error", "error"]
    seen, queued_sizes, lines = [], [], []
    watcher = Watcher(Options(root, [ASSIGNMENT], workers=2, once=True, queue=2),
                      runner=fake_runner(statuses, seen), echo=lines.append)
    refill = watcher.refill

    def measured_refill():
        more = refill()
        queued_sizes.append(len(watcher.ledger.in_state("queued")))
        return more
    watcher.refill = measured_refill
    watcher.run()
    assert max(queued_sizes) <= 2, f"expected at most 2 queued, saw {queued_sizes}"
    assert any("queue full (2 queued): 3 submissions wait in the inbox" in l for l in lines), lines
    done = {name: entries_of(root, name)[0] for name in names}
    assert all(e.state == "released" for e in done.values()), {n: e.state for n, e in done.items()}
    assert done["q0"].tries == 2 and "given up after 3 tries" in " ".join(lines), lines
    assert all(e.counted == 0 for e in done.values()), "a submission that was not graded counted"
    assert all(statuses[name] == [] for name in names), f"expected each graded as planned: " \
                                                        f"{statuses}"


def test_course_without_exchange_grades_new_folders_of_submitted(tmp_path, monkeypatch):
    """Without an exchange, is each new or changed submitted/ folder graded once, its feedback
    written to feedback/, and a folder the class grader already graded left alone?"""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent),
                                                os.environ.get("PATH", "")]))
    root = copy_course(ROOT, tmp_path / "course")
    write_submission(root, ASSIGNMENT, "uma", "perfect")
    lines = watch_once(root, source="submitted", settle=0.0)
    page = root / "feedback" / "uma" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert len(lines) == 1 and "feedback (scores only) in feedback/uma/01_loss/" in lines[0], \
        f"expected one graded line, got {lines}"
    assert "cost: passed" in html_text(page)
    assert watch_once(root, source="submitted", settle=0.0) == [], "graded an unchanged folder"
    write_submission(root, ASSIGNMENT, "uma", "buggy")
    lines = watch_once(root, source="submitted", settle=0.0)
    assert len(lines) == 1 and "graded 7 / 8" in lines[0], f"expected the change graded: {lines}"
    assert f"{BUGGY_CELL[5:]}: not passed" in html_text(page)
    (root / LEDGER_FILE).unlink()
    assert watch_once(root, source="submitted", settle=0.0) == [], (
        "expected a folder the grader already graded left alone by a new ledger")
    assert [e.state for e in entries_of(root, "uma")] == ["released"]


def test_links_and_unsafe_names_in_the_inbound_never_reach_the_grading(tmp_path):
    """Is a link in an inbound folder left out of the copy, and a '..' student name ignored?"""
    from autograder.watch import inbox

    secret = tmp_path / "gradebook.db"
    secret.write_text("SECRET")
    inbound = tmp_path / "inbound" / "alice+01_loss+2026-12-01 10:00:00.000000 UTC+ab12"
    inbound.mkdir(parents=True)
    (inbound / "01_loss.ipynb").write_text("{}")
    (inbound / "notes.txt").symlink_to(secret)
    (inbound / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    arrival = inbox.Arrival(inbound.name, "alice", "01_loss", str(inbound), "")
    copied = inbox.collect(tmp_path / "course", arrival)
    assert sorted(p.name for p in copied.iterdir()) == ["01_loss.ipynb", "timestamp.txt"]
    assert inbox.parse_name("..+01_loss+2026-12-01 10:00:00.000000 UTC+ab12") is None
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "01_loss.ipynb").symlink_to(secret)
    reason = inbox.ungradable_reason(linked)
    assert "not a regular file" in reason and "SECRET" not in reason, reason
