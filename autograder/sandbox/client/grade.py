"""`check(assignment, name, function)`: what a hidden test cell calls.

The verdict is decided by the trusted checker outside the jail, which calls
`function` in a process forked from this one for the check. The checker records
the verdict for the gradebook itself; what this function raises only shows the
student the checker's message.
"""
import faulthandler
import os
import resource
import signal
import socket
import sys

from course.testing import TestFailure, install_compact_errors

from .rpc import ConnectionLost, Endpoint
from .wire import read_message, write_message


class CheckFailed(TestFailure):
    """A hidden check found a wrong answer; its message is shown to the student."""


def check(assignment, name, function):
    """Ask the trusted checker to check `function` as the student's `name`.

    Raises CheckFailed with the checker's message when the check fails.
    Returns None (a hidden test cell must not end on a value).
    """
    install_compact_errors()
    address = os.environ.get("AUTOGRADER_CHECKER") or _local_checker()
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        control.connect(address)
        write_message(control, {"op": "check", "assignment": assignment, "name": name})
        header, _ = read_message(control)
        if header.get("op") != "session":
            raise CheckFailed(f"{name}: the checker refused the check")
        _reap_children()
        try:
            worker = _fork_worker(address, header["token"], function,
                                  header.get("memory_mb"))
        except OSError:  # no process to spare (a fork bomb's leftovers): serve from here
            _serve(address, header["token"], function)
            worker = None
        try:
            verdict, _ = read_message(control)
        finally:
            _end(worker)
    except (OSError, EOFError) as error:
        raise CheckFailed(f"{name}: the hidden check could not reach the checker "
                          f"({type(error).__name__})") from None
    finally:
        control.close()
    if verdict.get("passed") is not True:
        raise CheckFailed(str(verdict.get("message")))


def _local_checker():
    """Outside grading (an instructor running a source notebook): a checker in this process."""
    try:
        from autograder.sandbox.check_service import local_service
    except ImportError:
        raise CheckFailed("the hidden checks run only while the course is graded") from None
    return local_service().socket_path


def _fork_worker(address, token, function, memory_mb):
    """pid of a child that serves the checker's calls of `function`."""
    pid = os.fork()
    if pid:
        return pid
    try:
        _quiet()
        _limit_memory(memory_mb)
        _serve(address, token, function)
    finally:
        os._exit(0)


def _serve(address, token, function):
    """Answer the checker's calls of `function` until it says the check is done."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(address)
        write_message(connection, {"op": "serve", "token": token})
        endpoint = Endpoint(connection)
        endpoint.register(function)
        while True:
            message, buffers = endpoint.receive()
            if message.get("op") != "call":
                return
            endpoint.serve(message, buffers)
    except ConnectionLost:
        return
    finally:
        connection.close()


def _limit_memory(memory_mb):
    if isinstance(memory_mb, int) and memory_mb > 0:
        limit = memory_mb * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _reap_children():
    """Collect exited children (processes a cell left behind and the grader killed)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _quiet():
    """The worker prints nothing into the notebook and takes no signal meant for the kernel."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(devnull, descriptor)
    sys.stdout = sys.stderr = open(os.devnull, "w")


def _end(pid):
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
