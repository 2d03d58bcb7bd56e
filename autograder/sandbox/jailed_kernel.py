"""A kernel manager whose kernels start inside the jail (`autograder.sandbox.jail`).

The kernel and the grader talk over IPC sockets: the kernel binds them in the
jail's private /tmp and the grader reaches them through /proc/<pid>/root, so the
jail needs no network and no writable folder of the host. The kernel's
working folder is a scratch copy of the submission's folder.
"""
import glob
import json
import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client import AsyncKernelManager
from traitlets import Any, Bool, Unicode

from autograder.sandbox import jail

from autograder.sandbox import jailed_template


def _matplotlib_font_cache():
    """Host files of matplotlib's font cache (copied in, so kernels do not rebuild it)."""
    folder = os.environ.get("MPLCONFIGDIR") or os.path.expanduser("~/.cache/matplotlib")
    return glob.glob(os.path.join(folder, "fontlist-*.json"))


class JailedKernelManager(AsyncKernelManager):
    """Starts each kernel in a fresh jail; kills the whole jail with the kernel."""

    checker_socket = Unicode(None, allow_none=True, help="Host path of the trusted "
                             "checker's socket, bound into the jail.")
    toolkit = Unicode(None, allow_none=True, help="Host path of the assignment's trusted "
                      "toolkit.py, bound read-only over the submission's copy.")
    limits = Any(jail.Limits(), help="autograder.sandbox.jail.Limits of the jail.")
    submitted = Unicode(None, allow_none=True, help="Host folder the student handed in "
                        "(only its regular files reach the jail).")
    use_template = Bool(False, help="Fork the kernel in this process's jailed kernel template "
                        "(autograder.sandbox.jailed_template) instead of starting a jail.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self._runtime = tempfile.mkdtemp(prefix="jail-kernel-")
        self.ip = os.path.join(self._runtime, "unused")
        self.connection_file = os.path.join(self._runtime, "connection.json")
        self.cgroup = None
        self.left_out = []
        self._init_pid = None
        self._keep = set()

    def _prepare_connection(self):
        """Write the connection file as the kernel sees it (sockets in the jail's /tmp)."""
        self.ip = jail.IPC_PREFIX
        self._connection_file_written = False
        if os.path.exists(self.connection_file):
            os.remove(self.connection_file)
        self.write_connection_file()

    async def _async_pre_start_kernel(self, **kw):
        self.ip = jail.IPC_PREFIX
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        self._prepare_connection()
        source = kw.pop("cwd", None) or os.getcwd()
        workdir_name = Path(source).name or "work"
        self.kernel_spec.interrupt_mode = "message"
        if _is_ipykernel(kernel_cmd):
            try:
                if self.use_template:
                    template = jailed_template.template(self.limits)
                    return self._launch_in_template(template, kernel_cmd, source, workdir_name)
            except jailed_template.TemplateUnavailable:
                pass
        kernel_cmd = [jail.CONNECTION_FILE if arg == self.connection_file else arg
                      for arg in kernel_cmd] + ["--log-level=CRITICAL"]
        self.cgroup = jail.make_pids_cgroup(os.path.basename(self._runtime),
                                            self.limits.processes)
        command = jail.command(workdir_name, self.checker_socket, self.connection_file,
                               self.toolkit, self.limits) + ["--"] + kernel_cmd
        kw.update(cwd=self._runtime, env={"PATH": os.environ.get("PATH", "")},
                  preexec_fn=jail.preexec(self.limits, self.cgroup))
        await self.provisioner.launch_kernel(command, **kw)
        init = jail.first_child(self.provisioner.process.pid)
        if init is None or not jail.wait_until_set_up(init):
            raise RuntimeError("the jail did not start (see the kernel's log)")
        root = f"/proc/{init}/root"
        self.left_out = jail.copy_into(source, root, workdir_name, submitted=self.submitted)
        self._copy_font_cache(root)
        self._init_pid = init
        self.ip = f"{root}{jail.IPC_PREFIX}"
        self.provisioner.connection_info = self.get_connection_info()

    def _launch_in_template(self, template, kernel_cmd, source, workdir_name):
        """Fork the kernel in this worker's jailed template instead of starting a jail."""
        connection_path = f"{jailed_template.KERNEL_DIR}/connection.json"
        args = [connection_path if arg == self.connection_file else arg
                for arg in kernel_cmd[3:]] + ["--log-level=CRITICAL"]
        with open(self.connection_file) as handle:
            connection = json.load(handle)
        memory = self.limits.memory_mb * 2**20 if self.limits.memory_mb else None
        process, self.left_out = template.spawn(args, source, workdir_name, connection,
                                                self.toolkit, memory, self.submitted)
        provisioner = self.provisioner
        provisioner.process, provisioner.pid, provisioner.pgid = process, process.pid, process.pid
        provisioner.cwd = source
        self._init_pid, self._keep = template.init, {template.init, template.template}
        self.ip = f"{template.root}{jail.IPC_PREFIX}"
        provisioner.connection_info = self.get_connection_info()

    def kill_strays(self):
        """Kill every process in the jail but the kernel (what a cell left running)."""
        init = self._init_pid
        if init is None:
            return
        process = self.provisioner.process if self.provisioner else None
        if self._keep:
            kernel = getattr(process, "pid", None)
        else:
            kernel = jail.first_child(init, timeout=0)
        if kernel is not None:
            jail.kill_namespace(init, keep={init, kernel, *self._keep})

    @staticmethod
    def _copy_font_cache(root):
        target = f"{root}/tmp/matplotlib"
        try:
            os.makedirs(target, exist_ok=True)
            for path in _matplotlib_font_cache():
                shutil.copy(path, target)
        except OSError:
            pass

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        jail.remove_cgroup(self.cgroup)
        self.cgroup = None
        if not restart:
            shutil.rmtree(self._runtime, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


def _is_ipykernel(kernel_cmd):
    return len(kernel_cmd) >= 3 and list(kernel_cmd[1:3]) == ["-m", "ipykernel_launcher"]
