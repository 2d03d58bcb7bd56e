"""Run a hidden check on a student's function in a separate, fresh Python process.

The child has pristine NumPy and builtins (whatever the notebook rebound),
a memory limit and a wall-clock limit; if the student's code loops, exhausts
memory or kills its process, only the child is lost and the verdict says so.
"""
import json
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass

import cloudpickle

from autograder.checks import timeout_of

MEMORY_LIMIT_BYTES = 4 * 2**30
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Verdict:
    """Outcome of one hidden check: passed or not, and the message for the student."""

    passed: bool
    message: str


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
    command = [sys.executable, "-m", "autograder.sandbox_child", assignment, name,
               str(MEMORY_LIMIT_BYTES)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=_child_environment(),
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(nonce.encode() + b"\n" + payload,
                                             timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return Verdict(False, f"{name} did not finish within {timeout:g} s on the hidden "
                              "inputs (an endless loop, or far too slow)")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for line in stdout.decode(errors="replace").splitlines():
        try:
            verdict = json.loads(line)
        except ValueError:
            continue
        if isinstance(verdict, dict) and verdict.get("nonce") == nonce:
            return Verdict(verdict["passed"] is True, str(verdict["message"]))
    return Verdict(False, _crash_message(name, process.returncode, stderr))
