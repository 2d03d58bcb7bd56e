"""Warm kernels in the jail: one jail per class-grading worker, a kernel template inside it.

The template (`autograder/sandbox/kernel_template.py`, the only grader file bound into this jail) has
imported ipykernel, NumPy and pyplot once and runs no other code. Kernels are forked from it
one at a time. Before each kernel the grader empties the jail: every other process in it is
killed, its /tmp and /home/student are wiped, and the next submission's scratch copy is put
in place, so a kernel finds nothing of the one before it. The jail itself is the one of
`autograder.sandbox.jail`: no network, its own PID namespace, the system read-only.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder.sandbox import jail
from autograder.parallel.warm_kernels import ForkedKernel

PRELOAD = ("numpy", "matplotlib", "matplotlib.pyplot", "PIL.Image", "threadpoolctl")
TEMPLATE_FILE = Path(__file__).resolve().parent / "kernel_template.py"
REPLY_SECONDS = 30.0
KERNEL_DIR = "/tmp/kernel"


class TemplateUnavailable(RuntimeError):
    """The jailed template cannot fork this kernel: start it in a jail of its own."""


def host_pid(member_pid, namespace_pid):
    """Host pid of the process that is `namespace_pid` in the PID namespace of `member_pid`."""
    try:
        namespace = os.readlink(f"/proc/{member_pid}/ns/pid")
    except OSError:
        return None
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") != namespace:
                continue
            with open(f"/proc/{entry}/status") as status:
                for line in status:
                    if line.startswith("NSpid:"):
                        if int(line.split()[-1]) == namespace_pid:
                            return int(entry)
                        break
        except (OSError, ValueError):
            continue
    return None


class JailedProcess(ForkedKernel):
    """The Popen-like handle of a kernel forked in the template's jail.

    The kernel is the template's child, not the worker's: its exit code comes from the
    template's report instead of waitpid.
    """

    def __init__(self, template, pid, namespace_pid):
        super().__init__(pid)
        self.template, self.namespace_pid = template, namespace_pid

    def poll(self):
        if self.returncode is None:
            self.returncode = self.template.exit_code(self.namespace_pid)
        return self.returncode


class JailedTemplate:
    """A worker's jail with its kernel template; `spawn` forks a kernel in an emptied jail."""

    def __init__(self, limits):
        self.limits = limits
        self.checker_dir = tempfile.mkdtemp(prefix="checker-")
        os.chmod(self.checker_dir, 0o755)
        self.cgroup = jail.make_pids_cgroup(os.path.basename(self.checker_dir), limits.processes)
        env = jail.environment(jail.HOME)
        env["PYTHONPATH"] += ":/opt/template"
        command = jail.command(None, None, None, limits=limits, env=env) + [
            "--ro-bind", str(TEMPLATE_FILE), "/opt/template/kernel_template.py",
            "--ro-bind", self.checker_dir, os.path.dirname(jail.CHECKER_SOCKET),
            "--", sys.executable, "-m", "kernel_template", *PRELOAD]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, start_new_session=True,
                                        cwd=self.checker_dir,
                                        preexec_fn=jail.preexec(limits, self.cgroup))
        self._exits, self._replies, self._lock = {}, [], threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.init = jail.first_child(self.process.pid)
        if self.init is None or not jail.wait_until_set_up(self.init) or \
                self._reply().get("ready") is not True:
            self.close()
            raise TemplateUnavailable("the jailed kernel template did not start")
        self.root = f"/proc/{self.init}/root"
        self.template = jail.first_child(self.init, timeout=0)

    def _read(self):
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                if "exited" in message:
                    self._exits[message["exited"]] = message["code"]
                else:
                    self._replies.append(message)
                self._lock.notify_all()
        with self._lock:
            self._replies.append({"gone": True})
            self._lock.notify_all()

    def _reply(self):
        deadline = time.monotonic() + REPLY_SECONDS
        with self._lock:
            while not self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or not self._lock.wait(left):
                    break
            return self._replies.pop(0) if self._replies else {}

    def exit_code(self, namespace_pid):
        """The kernel's exit code once the template reported its end, else None."""
        with self._lock:
            code = self._exits.get(namespace_pid)
        if code is None and self.process.poll() is not None:
            return -9
        return code

    def alive(self):
        return self.process.poll() is None

    def empty(self):
        """Kill everything in the jail but the template; wipe /tmp and /home/student."""
        jail.kill_namespace(self.init, keep={self.init, self.template})
        for folder in ("/tmp", jail.HOME):
            target = f"{self.root}{folder}"
            for entry in os.listdir(target):
                path = os.path.join(target, entry)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    try:
                        os.unlink(path)
                    except OSError:
                        pass

    def spawn(self, args, source, workdir_name, connection, toolkit=None, memory_limit=None,
              submitted=None):
        """Fork a kernel for one submission; its JailedProcess.

        Args:
            args: the kernel's arguments after `python -m ipykernel_launcher`, with the
                connection file given as KERNEL_DIR/connection.json.
            source: host folder of the submission (copied into the scratch folder).
            workdir_name: the scratch folder's name under /home/student.
            connection: dict, the connection file's content.
            toolkit: host path of the trusted toolkit.py, copied over the student's.
            memory_limit: bytes of address space for the kernel.
            submitted: the folder the student handed in (see `jail.copy_into`).
        """
        self.empty()
        workdir = f"{jail.HOME}/{workdir_name}"
        for folder in (workdir, KERNEL_DIR, os.path.dirname(jail.IPC_PREFIX)):
            os.makedirs(f"{self.root}{folder}", exist_ok=True)
        left_out = jail.copy_into(source, self.root, workdir_name, submitted=submitted)
        if toolkit:
            shutil.copy(toolkit, f"{self.root}{workdir}/toolkit.py")
        with open(f"{self.root}{KERNEL_DIR}/connection.json", "w") as handle:
            json.dump(connection, handle)
        request = {"args": list(args), "cwd": workdir, "env": jail.environment(workdir),
                   "memory_limit": memory_limit, "output": None}
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except OSError as error:
            raise TemplateUnavailable(f"the jailed kernel template is gone ({error})") from None
        reply = self._reply()
        if "pid" not in reply:
            raise TemplateUnavailable(reply.get("error", "no kernel forked"))
        pid = host_pid(self.init, reply["pid"])
        if pid is None:
            raise TemplateUnavailable("the forked kernel is not to be found")
        return JailedProcess(self, pid, reply["pid"]), left_out

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        jail.remove_cgroup(self.cgroup)
        shutil.rmtree(self.checker_dir, ignore_errors=True)


_template = None


def template(limits):
    """This process's JailedTemplate with these limits (started, or restarted, as needed)."""
    global _template
    if _template is not None and (not _template.alive() or _template.limits != limits):
        _template.close()
        _template = None
    if _template is None:
        _template = JailedTemplate(limits)
    return _template
