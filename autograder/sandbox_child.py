"""Runs one hidden check in a fresh Python process (started by `autograder.sandbox`).

Protocol: argv = [assignment, function name, memory limit in bytes];
stdin = nonce line + cloudpickled student function; the verdict is one
JSON line {"nonce", "passed", "message"} on the file descriptor that was
stdout at start. Everything the student's code prints goes to stderr.

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


def _write_verdict(fd, nonce, passed, message):
    line = json.dumps({"nonce": nonce, "passed": passed, "message": message}) + "\n"
    os.write(fd, line.encode())


def main():
    verdict_fd = os.dup(1)
    os.dup2(2, 1)
    assignment, name, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nonce = sys.stdin.buffer.readline().decode().strip()
    payload = sys.stdin.buffer.read()
    _limit_memory(limit)

    import cloudpickle

    from autograder.checks import find_check
    from autograder.harness import CheckFailed

    check = find_check(assignment, name)
    try:
        student = cloudpickle.loads(payload)
    except Exception as error:  # noqa: BLE001
        _write_verdict(verdict_fd, nonce, False,
                       f"{name} could not be loaded by the checker: "
                       f"{type(error).__name__}: {error}")
        return
    _sanitise(student, set())
    _hide_reference()
    try:
        check(student)
    except CheckFailed as failure:
        _write_verdict(verdict_fd, nonce, False, str(failure))
        return
    except MemoryError:
        _write_verdict(verdict_fd, nonce, False,
                       f"{name} ran out of memory (limit {limit // 2**20} MiB)")
        return
    except PermissionError as error:
        _write_verdict(verdict_fd, nonce, False, f"{name}: {error}")
        return
    _write_verdict(verdict_fd, nonce, True, f"{name}: all hidden checks passed")


if __name__ == "__main__":
    main()
