"""Runs one hidden check in a process of its own (started by `autograder.sandbox`).

Two ways in, one verdict: `run_forked` is the body of a process forked from
the warm fork server (arguments passed by multiprocessing, the verdict sent
on a pipe, printing to a log file); `main` is a fresh interpreter
(`python -m autograder.sandbox_child assignment name limit`, nonce line and
cloudpickled function on stdin, the verdict on the file descriptor that was
stdout at start, printing to stderr). The verdict is one JSON line
{"nonce", "passed", "message"}.

The check and the reference are imported before the student's function is
unpickled. After unpickling, every hidden object the notebook's code refers
to (a module or function of `autograder`) is replaced by a stand-in that
refuses to work, and so are the hidden modules in `sys.modules`, so a
submission that borrows the hidden reference fails instead of passing. A
check may still hand the student's function reference versions of its
dependencies (`harness.use_reference`), which it does after this.
"""
import json
import os
import resource
import sys
import types


def _die_with_parent():
    """Linux: be killed when the process that started this one ends (no orphaned loops)."""
    parent = os.getppid()
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


def _release_fork_server():
    """Close this process's copy of the fork server's keep-alive pipe.

    multiprocessing hands every forked process the write end of the pipe
    whose closing tells the fork server that its clients are gone. Holding
    it, a looping check would keep the server, and so itself, alive after
    the kernel that asked for the check has died.
    """
    from multiprocessing import forkserver
    server = forkserver._forkserver
    if server._forkserver_alive_fd is not None:
        try:
            os.close(server._forkserver_alive_fd)
        except OSError:
            pass
        server._forkserver_alive_fd = None


def _limit_memory(limit_bytes):
    if limit_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


class _Forbidden(types.ModuleType):
    """Stands in for a hidden module: any attribute access is a failure."""

    def __getattr__(self, attribute):
        raise PermissionError(
            "the submission uses the hidden autograder package, which student code may "
            "not import")


def _is_hidden(value):
    if isinstance(value, types.ModuleType):
        name = value.__name__
    else:
        name = getattr(value, "__module__", None) if callable(value) else None
    return isinstance(name, str) and (name == "autograder" or name.startswith("autograder."))


def _refuse(*args, **kwargs):
    raise PermissionError("the submission uses the hidden autograder package, which student "
                          "code may not import")


def _stand_in(name, value):
    return _Forbidden(name) if isinstance(value, types.ModuleType) else _refuse


def _sanitise(function, seen):
    """Replace hidden objects reachable from a notebook-defined function by stand-ins."""
    if id(function) in seen or getattr(function, "__module__", None) != "__main__":
        return
    seen.add(id(function))
    namespace = getattr(function, "__globals__", {})
    for name, value in list(namespace.items()):
        if _is_hidden(value):
            namespace[name] = _stand_in(name, value)
        elif isinstance(value, types.FunctionType):
            _sanitise(value, seen)
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if _is_hidden(value):
            cell.cell_contents = _stand_in("closure", value)
        elif isinstance(value, types.FunctionType):
            _sanitise(value, seen)


def _hide_reference():
    for name in list(sys.modules):
        if name == "autograder" or name.startswith("autograder.reference") or \
                name.startswith("autograder.checks"):
            sys.modules[name] = _Forbidden(name)


def verdict_of(assignment, name, payload, limit):
    """(passed, message) of the hidden check of `name` on the pickled student function."""
    import cloudpickle

    from autograder.checks import find_check
    from autograder.harness import CheckFailed

    check = find_check(assignment, name)
    try:
        student = cloudpickle.loads(payload)
    except Exception as error:  # noqa: BLE001
        return False, (f"{name} could not be loaded by the checker: "
                       f"{type(error).__name__}: {error}")
    _sanitise(student, set())
    _hide_reference()
    try:
        check(student)
    except CheckFailed as failure:
        return False, str(failure)
    except MemoryError:
        return False, f"{name} ran out of memory (limit {limit // 2**20} MiB)"
    except PermissionError as error:
        return False, f"{name}: {error}"
    return True, f"{name}: all hidden checks passed"


def _verdict_line(nonce, passed, message):
    return (json.dumps({"nonce": nonce, "passed": passed, "message": message}) + "\n").encode()


def run_forked(assignment, name, limit, nonce, payload, verdict_connection, log_path):
    """Body of a check process forked from the warm fork server (`autograder.sandbox`).

    Its own session (so the whole group can be killed), everything printed
    to `log_path`, the verdict line sent on `verdict_connection`.
    """
    os.setsid()
    _release_fork_server()
    _die_with_parent()
    log = os.open(log_path, os.O_WRONLY | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    import warnings
    warnings.simplefilter("ignore")
    _limit_memory(limit)
    passed, message = verdict_of(assignment, name, payload, limit)
    verdict_connection.send_bytes(_verdict_line(nonce, passed, message))
    verdict_connection.close()


def main():
    """Body of a fresh check process: arguments on argv and stdin, the verdict on stdout."""
    _die_with_parent()
    verdict_fd = os.dup(1)
    os.dup2(2, 1)
    assignment, name, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nonce = sys.stdin.buffer.readline().decode().strip()
    payload = sys.stdin.buffer.read()
    _limit_memory(limit)
    passed, message = verdict_of(assignment, name, payload, limit)
    os.write(verdict_fd, _verdict_line(nonce, passed, message))


if __name__ == "__main__":
    main()
