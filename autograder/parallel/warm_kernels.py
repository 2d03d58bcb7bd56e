"""Warm kernel starts without the jail: kernels forked from a kernel template (--no-jail).

A class-grading worker calls `enable()` once; its kernels are then forked from a template
process (autograder/sandbox/kernel_template.py) that has imported ipykernel, NumPy and pyplot
and nothing else. Each kernel is still a new process with no student code in it. The worker
is a child subreaper, so the twice-forked kernel is its child. A launch with another
environment or interpreter replaces the template; any other kernel starts the usual way.
"""
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from jupyter_client import AsyncKernelManager

# Libraries the course's notebooks import whose import does nothing that depends on
# running in a kernel (ipywidgets does: it registers its comm target, so it is left out).
PRELOAD = ("numpy", "matplotlib", "matplotlib.pyplot", "PIL.Image", "threadpoolctl")
PR_SET_CHILD_SUBREAPER = 36
REPLY_SECONDS = 30.0
PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])

_template = None  # this process's KernelTemplate, started by the first launch
_enabled = False  # enable() was called in this process


class TemplateUnavailable(RuntimeError):
    """The template cannot fork this kernel: start it the usual way."""


def _become_subreaper():
    """Make this process adopt its orphaned descendants; False where Linux does not allow it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _kernel_environment(env):
    """What of a launch environment the template's imports could depend on."""
    return {k: v for k, v in env.items() if not k.startswith(("JPY_", "AUTOGRADER_"))}


class ForkedKernel:
    """The Popen-like handle jupyter_client's LocalProvisioner keeps on a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, pid):
        self.pid, self.returncode = pid, None

    def poll(self):
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: gone, status unknown
                self.returncode = -signal.SIGKILL
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.005)
        return self.returncode

    def send_signal(self, number):
        if self.poll() is None:
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:
                pass

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


class KernelTemplate:
    """The worker's side of one template process."""

    def __init__(self, python, env, preload=PRELOAD):
        self.python, self.env = python, _kernel_environment(env)
        paths = [PACKAGE_PARENT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        template_env = {**env, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}
        self.process = subprocess.Popen(
            [python, "-m", "autograder.sandbox.kernel_template", *preload], env=template_env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
            cwd=PACKAGE_PARENT)
        if self._reply().get("ready") is not True:
            self.close()
            raise TemplateUnavailable("the kernel template did not start")

    def _reply(self):
        ready, _, _ = select.select([self.process.stdout], [], [], REPLY_SECONDS)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            self.close()
            raise TemplateUnavailable("the kernel template stopped answering")
        return json.loads(line)

    def matches(self, python, env):
        return python == self.python and _kernel_environment(env) == self.env and \
            self.process.poll() is None

    def spawn(self, args, env, cwd, memory_limit=None, output=None):
        """Fork a kernel `python -m ipykernel_launcher *args`; its pid."""
        request = {"args": list(args), "env": dict(env), "cwd": str(cwd),
                   "memory_limit": memory_limit, "output": output}
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except OSError as error:
            self.close()
            raise TemplateUnavailable(f"the kernel template is gone ({error})") from error
        reply = self._reply()
        if "pid" not in reply:
            raise TemplateUnavailable(reply.get("error", "no kernel forked"))
        return reply["pid"]

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def _ipykernel_args(kernel_cmd):
    """The arguments after `python -m ipykernel_launcher`, or None for any other command."""
    if len(kernel_cmd) >= 3 and list(kernel_cmd[1:3]) == ["-m", "ipykernel_launcher"]:
        return kernel_cmd[0], list(kernel_cmd[3:])
    return None


def _output_file():
    """Where this process's stdout goes (the job's log), for the kernel to write to as well."""
    try:
        target = os.readlink("/proc/self/fd/1")
    except OSError:
        return None
    return target if target.startswith("/") and os.path.isfile(target) else None


def _fork_kernel(kernel_cmd, env, cwd, memory_limit):
    """pid of a kernel forked from the template; TemplateUnavailable if it cannot be."""
    global _template
    parsed = _ipykernel_args(kernel_cmd)
    if parsed is None:
        raise TemplateUnavailable("not an ipykernel command")
    python, args = parsed
    if _template is None or not _template.matches(python, env):
        if _template is not None:
            _template.close()
            _template = None
        _template = KernelTemplate(python, env)
    return _template.spawn(args, env, cwd or os.getcwd(), memory_limit, _output_file())


class TemplateKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels are forked from the worker's kernel template."""

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        preexec = kw.get("preexec_fn")
        env = dict(kw.get("env") or os.environ)
        if not kw.get("independent"):
            env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
        try:
            pid = _fork_kernel(kernel_cmd, env, kw.get("cwd"),
                               getattr(preexec, "limit_bytes", None))
        except (TemplateUnavailable, OSError, ValueError):
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        provisioner = self.provisioner
        provisioner.process = ForkedKernel(pid)
        provisioner.pid = provisioner.pgid = pid
        provisioner.cwd = kw.get("cwd") or os.getcwd()
        self._reconcile_connection_info(provisioner.connection_info)


def enable():
    """Let this process fork kernels from a template (it adopts them); False if impossible."""
    global _enabled
    _enabled = _become_subreaper()
    return _enabled


def reap_orphans():
    """Collect the exit status of adopted orphans (a dead kernel's leftover children)."""
    keep = {_template.process.pid} if _template is not None else set()
    while True:
        try:
            found = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if found is None or found.si_pid in keep:
            return
        try:
            os.waitpid(found.si_pid, 0)
        except ChildProcessError:
            return

