"""Autograde step: nbgrader's Execute, in the jail, made to survive what a notebook can do to its kernel.

A cell that loops forever is stopped and the cells after it still run (a test cell gets its
hidden checks' time on top); a kernel that dies is restarted and the cells before are replayed;
the kernel runs in the jail (autograder/sandbox/) under its limits. The hidden checks are run by
the trusted checker in this process; its records of each cell go on in nbgrader's resources
(CHECK_RECORDS) to the next step, TrustedVerdicts. Faults, seconds and isolation go to the
notebook's metadata, "autograder".
"""
import asyncio
import copy
import os
import re
import resource
import signal
import subprocess
import time
from queue import Empty

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer

from autograder import cells, limits
from autograder.checks import timeout_of
from autograder.parallel import warm_kernels
from autograder.pipeline import METADATA_KEY
from autograder.sandbox import jail, jailed_template
from autograder.sandbox.check_service import CheckService
from autograder.sandbox.jailed_kernel import JailedKernelManager

CHECK_CALL = re.compile(r"""check\(\s*["'](\w+)["']\s*,\s*["'](\w+)["']""")
CHECK_RECORDS = "autograder_check_records"
"""Key in nbgrader's resources: {cell index: [CheckRecord]} of the cells this step ran."""


def check_seconds(source):
    """Total time limit of the hidden checks a cell's source calls (0 if none)."""
    total = 0.0
    for assignment, name in CHECK_CALL.findall(source):
        try:
            total += timeout_of(assignment, name)
        except Exception:  # noqa: BLE001 - an unknown check gets the default limit
            total += limits.CHECK_SECONDS
    return total


def _memory_limit(limit_bytes):
    """preexec_fn for the kernel: a soft address-space limit (children may raise theirs)."""
    def apply():
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit_bytes, hard)
        else:
            limit = limit_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    apply.limit_bytes = limit_bytes
    return apply


def _error_output(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


def _exit_description(returncode):
    if returncode is None:
        return "it stopped responding"
    if returncode < 0:
        try:
            return f"it was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"it was killed by signal {-returncode}"
    return f"it exited with code {returncode}"


class ResilientExecute(Execute):
    """Execute in a jail, scored by the trusted checker; restarts a dead kernel, limits time."""

    memory_limit_mb = Integer(limits.MEMORY_MB, help="Address-space limit of the grading kernel, in MiB "
                              "(0: none).").tag(config=True)
    max_kernel_restarts = Integer(limits.KERNEL_RESTARTS, help="Kernel restarts per notebook before the remaining "
                                  "cells are failed.").tag(config=True)
    check_margin = Integer(15, help="Seconds a graded test cell gets beyond the time limits "
                           "of the hidden checks it calls.").tag(config=True)

    jail = Bool(True, help="Run the kernel, and the student's functions under check, in a "
                "bubblewrap jail (False: grade without isolation; every record says so)."
                ).tag(config=True)
    cpu_seconds = Integer(limits.CPU_SECONDS, help="CPU seconds each jailed process may use.").tag(config=True)
    max_processes = Integer(limits.PROCESSES, help="Processes and threads a jail may hold.").tag(config=True)
    max_file_mb = Integer(limits.FILE_MB, help="Largest file a jailed process may write, in MiB."
                          ).tag(config=True)
    warm_kernels = Bool(False, help="Fork kernels from this process's warm kernel template "
                        "(the class grader's workers set it; plain `nbgrader autograde` starts "
                        "each kernel the usual way).").tag(config=True)
    scratch_mb = Integer(limits.SCRATCH_MB, help="Size of the jail's writable folder and of its /tmp, in MiB."
                         ).tag(config=True)

    kernel_poll_interval = Float(0.05, help="Seconds between checks that the kernel process "
                                 "is still running while a cell executes.").tag(config=True)

    async def _async_poll_kernel_alive(self):
        """Notice a dead kernel within kernel_poll_interval.

        nbclient asks the kernel's heartbeat once a second, so every death
        cost a second of waiting; the process itself answers at once.
        """
        while True:
            await asyncio.sleep(self.kernel_poll_interval)
            if not await ensure_async(self.km.is_alive()):
                self.task_poll_for_reply.cancel()
                return

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if cell is None or not timeout:
            return timeout
        checks = check_seconds(cell.source)
        return max(timeout, int(checks + self.check_margin)) if checks else timeout

    # -- kernel life cycle ------------------------------------------------------------------
    def _kernel_kwargs(self):
        kwargs = {}
        if self.jail:
            return kwargs
        if self.memory_limit_mb:
            kwargs["preexec_fn"] = _memory_limit(self.memory_limit_mb * 2**20)
        return kwargs

    async def async_start_new_kernel_client(self):
        """Connect to the new kernel; ready once it answers kernel_info and IOPub is connected.

        nbclient waits with jupyter_client's wait_for_ready, which ends by
        listening to IOPub until it has been silent for 0.2 s: idle time on
        every kernel start. nbclient matches IOPub messages to the request
        they answer, so a stale status message cannot be mistaken for output.
        """
        self.kc = self.km.client()
        await ensure_async(self.kc.start_channels())
        deadline = time.monotonic() + self.startup_timeout
        try:
            while True:
                request = self.kc.kernel_info()
                reply = await self._reply_to(request, deadline)
                if reply is not None and await self._iopub_connected():
                    self._kernel_info = reply["content"]
                    break
                if not await ensure_async(self.km.is_alive()):
                    raise RuntimeError("the kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the kernel did not answer within "
                                       f"{self.startup_timeout} s")
        except Exception:
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        return self.kc

    async def _reply_to(self, request, deadline):
        """The shell reply to `request`, or None after a second without it."""
        wait_until = min(deadline, time.monotonic() + 1.0)
        while (left := wait_until - time.monotonic()) > 0:
            try:
                message = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Empty:
                return None
            if message["parent_header"].get("msg_id") == request:
                return message
        return None

    async def _iopub_connected(self):
        """True once anything arrives on IOPub within 0.2 s.

        ipykernel greets each new subscriber with an iopub_welcome message;
        other kernels publish the status of the kernel_info request.
        """
        try:
            await ensure_async(self.kc.iopub_channel.get_msg(timeout=0.2))
        except Empty:
            return False
        return True

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _start_kernel(self):
        if self.km is None:
            if self.jail:
                self.kernel_manager_class = JailedKernelManager
            elif self.warm_kernels:
                self.kernel_manager_class = warm_kernels.TemplateKernelManager
            self.km = self.create_kernel_manager()
            if self.jail:
                self.km.checker_socket = self._service.socket_path
                self.km.toolkit = self._toolkit
                self.km.submitted = self._submitted
                self.km.limits = self._limits()
                self.km.use_template = self.warm_kernels
        if not self.km.has_kernel:
            self.start_new_kernel(**self._kernel_kwargs())
        if self.kc is None:
            self.start_new_kernel_client()
        language = getattr(self, "_kernel_info", {}).get("language_info")
        if language:
            self.nb.metadata["language_info"] = language

    def _kernel_returncode(self):
        try:
            process = self.km.provisioner.process
            process.wait(timeout=2)
            code = process.returncode
        except Exception:  # noqa: BLE001 - still running or unknown
            return None
        if isinstance(process, subprocess.Popen) and self.jail and code is not None and \
                code > 128:
            return 128 - code  # bubblewrap exits with 128 + the signal that killed the kernel
        return code

    def _stop_kernel(self):
        """Kill the kernel at once (its state is no longer needed) and release its channels."""
        try:
            process = self.km.provisioner.process if self.km and self.km.provisioner else None
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        except Exception:  # noqa: BLE001 - already gone, or not ours to signal
            pass
        try:
            self._cleanup_kernel()
        except Exception:  # noqa: BLE001
            pass
        self.km, self.kc = None, None

    # -- execution ---------------------------------------------------------------------------
    def _run(self, cell, index, store_history=True):
        """Execute one cell; returns None, or the kind of failure that needs a new kernel."""
        try:
            self.execute_cell(cell, index, store_history=store_history)
        except DeadKernelError:
            return "died"
        except CellTimeoutError:
            return "unstoppable"
        return None

    def _replay(self, notebook_cells, replayable, record):
        """Re-run the replayable cells in a fresh kernel; drop any that kills it again."""
        for attempt in range(self.max_kernel_restarts + 1):
            self._stop_kernel()
            self._start_kernel()
            for index in list(replayable):
                twin = copy.deepcopy(notebook_cells[index])
                twin.source = cells.without_hidden_tests(twin.source)
                started = time.perf_counter()
                failure = self._run(twin, index, store_history=False)
                self._replay_seconds += time.perf_counter() - started
                if failure is not None:
                    replayable.remove(index)
                    record.append({"cell": cells.cell_name(notebook_cells[index], index),
                                   "kind": "replay",
                                   "message": "killed the kernel again when it was replayed; "
                                              "left out of the replay"})
                    break
            else:
                return True
        return False

    def _timed_out(self, cell):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") in (
                    "CellTimeoutError", "KeyboardInterrupt"):
                return True
        return False

    def _explain_timeout(self, cell):
        limit = self._get_timeout(cell)
        message = (f"this cell did not finish within {limit} s and was stopped (an endless "
                   "loop, or far too slow); the cells after it were still run and graded")
        cell.outputs = [o for o in cell.outputs if o.get("output_type") != "error"]
        cell.outputs.append(_error_output("CellTimeoutError", message))
        return message

    def _explain_memory(self, cell):
        for output in cell.outputs:
            if output.get("output_type") == "error" and output.get("ename") == "MemoryError":
                note = (f"the grader gives each notebook {self.memory_limit_mb} MiB of memory "
                        "and this cell asked for more")
                output["evalue"] = f"{output.get('evalue', '')} ({note})".strip()
                output["traceback"] = list(output.get("traceback", [])) + [note]
                return note
        return None

    def _limits(self):
        return jail.Limits(memory_mb=self.memory_limit_mb, cpu_seconds=self.cpu_seconds,
                           processes=self.max_processes, file_mb=self.max_file_mb,
                           scratch_mb=self.scratch_mb)

    def _checker_directory(self):
        """The folder the worker's jailed template sees the checker in, if there is one."""
        if not (self.jail and self.warm_kernels):
            return None
        try:
            template = jailed_template.template(self._limits())
        except jailed_template.TemplateUnavailable:
            return None
        return template.checker_dir if template is not None else None

    @staticmethod
    def _trusted_toolkit(resources):
        assignment = (resources or {}).get("nbgrader", {}).get("assignment")
        path = os.path.join(os.getcwd(), "source", assignment or "", "toolkit.py")
        return path if assignment and os.path.isfile(path) else None

    def preprocess(self, nb, resources=None, km=None):
        """Execute every code cell of `nb`, surviving timeouts, dead kernels and memory bombs."""
        if self.jail:
            jail.require_jail()
        self._service = CheckService(memory_mb=self.memory_limit_mb,
                                     directory=self._checker_directory())
        self._toolkit = self._trusted_toolkit(resources)
        self._submitted = jail.nbgrader_folder(self, resources, "submitted")
        try:
            return self._preprocess(nb, resources, km)
        finally:
            self._service.close()

    def _preprocess(self, nb, resources, km):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        faults, seconds, replayable, restarts, checks = [], {}, [], 0, {}
        self._replay_seconds = 0.0
        if not self.jail:
            os.environ["AUTOGRADER_CHECKER"] = self._service.socket_path
        self._start_kernel()
        try:
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code":
                    continue
                name = cells.cell_name(cell, index)
                started = time.perf_counter()
                self._service.begin_cell(name)
                failure = self._run(cell, index)
                records = self._service.end_cell()
                if self.jail and self.km is not None:
                    self.km.kill_strays()
                seconds[name] = round(time.perf_counter() - started, 3)
                try:
                    if self._handle(cell, index, name, failure, faults, replayable):
                        restarts += 1
                        if restarts > self.max_kernel_restarts or \
                                not self._replay(self.nb.cells, replayable, faults):
                            self._fail_rest(index, faults)
                            break
                finally:
                    checks[index] = records
        finally:
            self._stop_kernel()
            os.environ.pop("AUTOGRADER_CHECKER", None)
        self.set_widgets_metadata()
        self.resources[CHECK_RECORDS] = checks
        nb.metadata.setdefault(METADATA_KEY, {}).update({
            "faults": faults,
            "cell_seconds": seconds,
            "replay_seconds": round(self._replay_seconds, 3),
            "execution_seconds": round(sum(seconds.values()) + self._replay_seconds, 3),
            "kernel_restarts": restarts,
            "isolation": "jail" if self.jail else "none",
        })
        return nb, self.resources

    def _handle(self, cell, index, name, failure, faults, replayable):
        """Record what went wrong in a cell that ran; True when its kernel must be replaced."""
        if failure is None:
            if self._timed_out(cell):
                faults.append({"cell": name, "kind": "timeout",
                               "message": self._explain_timeout(cell)})
                return False
            note = self._explain_memory(cell)
            if note:
                faults.append({"cell": name, "kind": "memory", "message": note})
            if not any(o.get("output_type") == "error" for o in cell.outputs):
                replayable.append(index)
            return False
        how = _exit_description(self._kernel_returncode()) if failure == "died" else \
            "it ignored the interrupt at the time limit and had to be killed"
        message = (f"the Python kernel died while running this cell ({how}); the "
                   "grader restarted it, re-ran the cells before this one and went on")
        cell.outputs = list(cell.get("outputs", [])) + [_error_output("DeadKernelError", message)]
        faults.append({"cell": name, "kind": "kernel died", "message": message})
        return True

    def _fail_rest(self, after, faults):
        message = "not run: the kernel died too often in this notebook"
        for index, cell in enumerate(self.nb.cells):
            if index > after and cell.cell_type == "code":
                cell.outputs = [_error_output("DeadKernelError", message)]
                faults.append({"cell": cells.cell_name(cell, index), "kind": "not run",
                               "message": message})
