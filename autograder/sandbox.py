"""Run a hidden check on a student's function in a separate process.

The process has pristine NumPy and builtins (whatever the notebook rebound),
a memory limit and a wall-clock limit; if the student's code loops, exhausts
memory or kills its process, only that process is lost and the verdict says
so. Check processes are forked from a warm fork server (multiprocessing's
"forkserver", started once per kernel); if it cannot be used, each check
starts a fresh interpreter instead.
"""
import contextlib
import json
import multiprocessing
import multiprocessing.forkserver
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import types
from dataclasses import dataclass

import cloudpickle

from autograder.checks import MODULES, timeout_of

MEMORY_LIMIT_BYTES = 4 * 2**30
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Verdict:
    """Outcome of one hidden check: passed or not, and the message for the student."""

    passed: bool
    message: str


_CLEAN_VARIABLES = ("PYTHONPATH", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                    "MKL_NUM_THREADS", "PYTHONWARNINGS", "MPLBACKEND")


def _child_environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [_PACKAGE_ROOT, os.getcwd(), env.get("PYTHONPATH", "")] if p)
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[variable] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    env["MPLBACKEND"] = "Agg"
    return env


def _crash_message(name, returncode, stderr):
    if returncode is None:
        return f"{name} stopped the process that ran it; nothing could be checked"
    if returncode < 0:
        try:
            signal_name = signal.Signals(-returncode).name
        except ValueError:
            signal_name = f"signal {-returncode}"
        return (f"{name} crashed the Python process that ran it ({signal_name}); "
                "nothing could be checked")
    tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
    detail = f": {' | '.join(tail)}" if tail else ""
    return (f"{name} ended the Python process that ran it (exit code {returncode}) before "
            f"the check finished{detail}")


def run_check(assignment, name, function, timeout=None):
    """Check `function` as the student's `name` of `assignment`; return a Verdict."""
    timeout = timeout_of(assignment, name) if timeout is None else timeout
    try:
        payload = cloudpickle.dumps(function)
    except Exception as error:  # noqa: BLE001
        return Verdict(False, f"{name} could not be sent to the checker "
                              f"({type(error).__name__}: {error}); make sure it is a plain "
                              "function defined in the notebook")
    nonce = secrets.token_hex(16)
    try:
        outcome = _run_forked(assignment, name, payload, nonce, timeout)
    except (OSError, RuntimeError, ValueError):  # no fork server here: a fresh interpreter
        outcome = _run_fresh(assignment, name, payload, nonce, timeout)
    output, returncode, log = outcome
    if output is None:
        return Verdict(False, f"{name} did not finish within {timeout:g} s on the hidden "
                              "inputs (an endless loop, or far too slow)")
    for line in output.decode(errors="replace").splitlines():
        try:
            verdict = json.loads(line)
        except ValueError:
            continue
        if isinstance(verdict, dict) and verdict.get("nonce") == nonce:
            return Verdict(verdict["passed"] is True, str(verdict["message"]))
    return Verdict(False, _crash_message(name, returncode, log))


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _run_fresh(assignment, name, payload, nonce, timeout):
    """(verdict output or None on time-out, exit code, stderr) from a new interpreter."""
    command = [sys.executable, "-m", "autograder.sandbox_child", assignment, name,
               str(MEMORY_LIMIT_BYTES)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=_child_environment(),
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(nonce.encode() + b"\n" + payload,
                                             timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        process.communicate()
        return None, None, b""
    finally:
        if process.poll() is None:
            _kill_group(process.pid)
            process.wait()
    return stdout, process.returncode, stderr


# -- the warm fork server -----------------------------------------------------------------------
# Starting Python and importing NumPy and the checks costs ~0.2 s per check. multiprocessing's
# fork server is a fresh interpreter, started once per kernel from the clean environment below,
# that imports them once and forks one process per check. It never runs student code, so every
# check still starts from pristine NumPy and builtins; it lives as long as the kernel.
PRELOAD = ["numpy", "cloudpickle", "autograder.harness", "autograder.sandbox_child"] + \
    [f"autograder.checks.{module}" for module in MODULES.values()]


@contextlib.contextmanager
def _environment(values):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _plain_main_module():
    """A bare __main__ while a check process starts: nothing of the notebook is re-imported."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _fork_server():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    environment = _child_environment()
    with _environment({key: environment[key] for key in _CLEAN_VARIABLES}):
        multiprocessing.forkserver.ensure_running()
    return context


def _run_forked(assignment, name, payload, nonce, timeout):
    """(verdict output or None on time-out, exit code, log) from a process of the fork server."""
    from autograder.sandbox_child import run_forked

    context = _fork_server()
    handle, log_path = tempfile.mkstemp(prefix="check-", suffix=".log")
    os.close(handle)
    receiver, sender = context.Pipe(duplex=False)
    try:
        process = context.Process(target=run_forked, args=(
            assignment, name, MEMORY_LIMIT_BYTES, nonce, payload, sender, log_path))
        with _plain_main_module():
            process.start()
        sender.close()
        output = b""
        if receiver.poll(timeout):
            try:
                output = receiver.recv_bytes()
            except EOFError:
                pass
            process.join(2)
        else:
            output = None
        if process.exitcode is None:
            _kill_group(process.pid)
            process.kill()
            process.join()
        with open(log_path, "rb") as log:
            return output, process.exitcode, log.read()[-4000:]
    finally:
        receiver.close()
        os.unlink(log_path)
