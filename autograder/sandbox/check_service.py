"""The trusted checker: runs hidden checks in the grading process, student code in the jail.

The grading process (nbgrader's, or a class-grading worker) owns one service per
notebook. A hidden test cell's `check(assignment, name, function)` reaches it
through a Unix socket: the jailed client asks for a check, then serves calls of
the student's function from a process forked for it. The service computes the
inputs, the reference values and the comparison; what comes back from the
jail is plain data (`autograder.sandbox.client.wire`). Each verdict is recorded
under the cell that was executing when it was asked for, and only those
records decide the cell's score.
"""
import os
import queue
import secrets
import socket
import tempfile
import threading
import time
from dataclasses import asdict, dataclass

from autograder import limits
from autograder.checks import find_check, timeout_of
from autograder.checks.base import CheckFailed
from autograder.sandbox.client.rpc import ConnectionLost, Endpoint
from autograder.sandbox.client.wire import WireError, read_message, write_message

ATTACH_SECONDS = 15.0
KINDS = ("passed", "wrong", "crashed", "timed out", "not attempted", "did not run")


@dataclass
class CheckRecord:
    """The outcome of one hidden check, as data.

    Attributes:
        cell: grade_id of the test cell it belongs to.
        function: the graded function's name.
        passed: bool.
        kind: one of KINDS.
        message: what the student is told.
        mistake: the named known mistake the answer matched, or None.
    """

    cell: str
    function: str
    passed: bool
    kind: str
    message: str
    mistake: str = None

    def as_dict(self):
        return asdict(self)


class StudentFunction:
    """Stands for the student's function in a check: calling it calls it in the jail.

    `__globals__` collects the reference functions a check injects
    (`harness.use_reference`); they are sent along with every call.
    """

    def __init__(self, endpoint, name, timeout):
        self.endpoint, self.__name__, self.timeout = endpoint, name, timeout
        self.__globals__ = {}
        self.events = set()

    def __call__(self, *args, **kwargs):
        try:
            return self.endpoint.call(0, args, kwargs, inject=dict(self.__globals__))
        except ConnectionLost as lost:
            raise CheckFailed(self._lost_message(lost.reason)) from None
        except NotImplementedError:
            self.events.add("not attempted")
            raise
        except CheckFailed:
            raise
        except Exception:
            self.events.add("raised")
            raise

    def _lost_message(self, reason):
        if reason == "timeout":
            self.events.add("timed out")
            return (f"{self.__name__} did not finish within {self.timeout:g} s on the hidden "
                    "inputs (an endless loop, or far too slow)")
        self.events.add("crashed")
        if reason == "protocol":
            return (f"{self.__name__}: the process that ran it sent back something that is not "
                    "plain data; nothing could be checked")
        return (f"{self.__name__} ended the process that ran it before returning (a crash, "
                "os._exit, or the memory limit); nothing could be checked")


def judge(assignment, name, endpoint, timeout):
    """(passed, kind, message, mistake) of the hidden check of `name`, calling through `endpoint`."""
    try:
        check = find_check(assignment, name)
    except KeyError as error:
        return False, "did not run", f"{name}: {error.args[0]}", None
    student = StudentFunction(endpoint, name, timeout)
    try:
        check(student)
    except CheckFailed as failure:
        return False, _kind(student.events), str(failure), getattr(failure, "mistake", None)
    except MemoryError:
        return False, "crashed", f"{name}: the answers were too large to check", None
    except Exception as error:  # noqa: BLE001 - a value the check could not handle
        return False, "wrong", (f"{name}: the check could not judge what came back "
                                f"({type(error).__name__}: {error})"), None
    return True, "passed", f"{name}: all hidden checks passed", None


def _kind(events):
    for kind in ("timed out", "crashed", "not attempted"):
        if kind in events:
            return kind
    return "crashed" if "raised" in events else "wrong"


class _Session:
    def __init__(self, connection, assignment, name, cell):
        self.connection, self.assignment, self.name, self.cell = connection, assignment, name, cell
        self.token = secrets.token_hex(16)
        self.worker = None
        self.attached = threading.Event()


class CheckService:
    """Listens on a Unix socket and runs one hidden check at a time.

    Use `begin_cell(grade_id)` before a cell runs and `end_cell()` after it,
    which returns the CheckRecords of that cell.

    Args:
        memory_mb: address-space limit of the process that runs the student's function.
        check_seconds: time limit of every check (None: each check's own).
        directory: where to put the socket (a jailed template's bound folder), else a new one.
    """

    def __init__(self, memory_mb=limits.MEMORY_MB, check_seconds=None, directory=None):
        self.memory_mb, self.check_seconds = memory_mb, check_seconds
        self._own_directory = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="checker-")
        os.chmod(self.directory, 0o755)
        self.socket_path = os.path.join(self.directory, "checker.sock")
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.socket_path)
        os.chmod(self.socket_path, 0o777)
        self._listener.listen(16)
        self._queue = queue.Queue()
        self._sessions = {}
        self._lock = threading.Lock()
        self._cell = None
        self._records = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()
        threading.Thread(target=self._work, daemon=True).start()

    # -- binding verdicts to cells ----------------------------------------------------------
    def begin_cell(self, cell):
        with self._lock:
            self._cell, self._records = cell, []

    def end_cell(self):
        """The CheckRecords of the cell that just ran (once any check in progress ends)."""
        self._queue.join()
        with self._lock:
            records, self._cell, self._records = self._records, None, []
        return records

    def _record(self, session, passed, kind, message, mistake):
        with self._lock:
            if session.cell is not None and session.cell == self._cell:
                self._records.append(CheckRecord(session.cell, session.name, passed, kind,
                                                 message, mistake))

    # -- connections ------------------------------------------------------------------------
    def _accept(self):
        while not self._closed:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._greet, args=(connection,), daemon=True).start()

    def _greet(self, connection):
        connection.settimeout(10)
        try:
            header, _ = read_message(connection)
        except (EOFError, OSError, WireError, ValueError):
            connection.close()
            return
        op = header.get("op")
        if op == "check" and isinstance(header.get("assignment"), str) and \
                isinstance(header.get("name"), str):
            with self._lock:
                cell = self._cell
            session = _Session(connection, header["assignment"], header["name"], cell)
            with self._lock:
                self._sessions[session.token] = session
            self._queue.put(session)
        elif op == "serve" and header.get("token") in self._sessions:
            session = self._sessions.pop(header["token"])
            session.worker = connection
            session.attached.set()
        else:
            connection.close()

    def _work(self):
        while True:
            session = self._queue.get()
            try:
                if session is None:
                    return
                self._run(session)
            finally:
                self._queue.task_done()

    def _run(self, session):
        name, assignment = session.name, session.assignment
        try:
            timeout = self.check_seconds or timeout_of(assignment, name)
        except KeyError:
            timeout = 1.0
        verdict = (False, "did not run", f"{name}: the process to run it never connected", None)
        try:
            write_message(session.connection, {"op": "session", "token": session.token,
                                               "memory_mb": self.memory_mb})
            if session.attached.wait(ATTACH_SECONDS):
                endpoint = Endpoint(session.worker, time.monotonic() + timeout,
                                    failure_types=(CheckFailed,))
                verdict = judge(assignment, name, endpoint, timeout)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sessions.pop(session.token, None)
        self._record(session, *verdict)
        for connection, header in ((session.worker, {"op": "done"}),
                                   (session.connection, {"op": "verdict", "passed": verdict[0],
                                                         "message": verdict[2]})):
            if connection is None:
                continue
            try:
                connection.settimeout(2)
                write_message(connection, header)
            except OSError:
                pass
            connection.close()

    def close(self):
        self._closed = True
        self._queue.put(None)
        try:
            self._listener.close()
        finally:
            try:
                os.unlink(self.socket_path)
                if self._own_directory:
                    os.rmdir(self.directory)
            except OSError:
                pass


_local = None


def local_service():
    """A service in this process, for checks run outside grading (a source notebook)."""
    global _local
    if _local is None:
        _local = CheckService()
    return _local
