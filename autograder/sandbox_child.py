"""Runs one hidden check in a fresh Python process (started by `autograder.sandbox`).

Protocol: argv = [assignment, function name, memory limit in bytes];
stdin = nonce line + cloudpickled student function; the verdict is one
JSON line {"nonce", "passed", "message"} on the file descriptor that was
stdout at start. Everything the student's code prints goes to stderr.

The check and the reference are imported before the student's function is
unpickled, and the reference modules are then replaced in `sys.modules` by
stand-ins that refuse access, so a submission that imports the hidden
reference fails instead of borrowing it.
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
    _hide_reference()
    try:
        student = cloudpickle.loads(payload)
    except PermissionError as error:
        _write_verdict(verdict_fd, nonce, False, f"{name}: {error}")
        return
    except Exception as error:  # noqa: BLE001
        _write_verdict(verdict_fd, nonce, False,
                       f"{name} could not be loaded by the checker: "
                       f"{type(error).__name__}: {error}")
        return
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
