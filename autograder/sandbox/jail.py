"""The jail every process that runs student code starts in (bubblewrap).

Inside: no network (its own network namespace), its own PID namespace (everything
it starts dies with it), the system and the Python environment read-only, a
private `/tmp`, and one writable folder, `/home/student/<assignment>`, a
size-limited scratch copy of the submission. Visible read-only besides: the
`course` package, the assignment's trusted `toolkit.py`, the socket of the
trusted checker and the client package that talks to it (`autograder.sandbox.client`,
seen inside as `autograder`). Nothing else of the course is there at all.
"""
import os
import resource
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import limits

HOME = "/home/student"
CHECKER_SOCKET = "/run/grader/checker.sock"
CONNECTION_FILE = "/run/kernel/connection.json"
IPC_PREFIX = "/tmp/ipc/kernel"
CLIENT_PACKAGE = Path(__file__).resolve().parent / "client"
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow user "
                "namespaces, or grade without isolation with --no-jail")
_SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin")
_ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf",
              "/etc/fonts")


@dataclass(frozen=True)
class Limits:
    """What one jailed process tree may use.

    Attributes:
        memory_mb: address space of each process, MiB (0: none).
        cpu_seconds: CPU time of each process.
        processes: processes and threads in the jail (a pids cgroup where the
            machine has one; RLIMIT_NPROC otherwise, which does not bind root).
        file_mb: size of any one file written.
        scratch_mb: size of the writable scratch folder, and of /tmp.
    """

    memory_mb: int = limits.MEMORY_MB
    cpu_seconds: int = limits.CPU_SECONDS
    processes: int = limits.PROCESSES
    file_mb: int = limits.FILE_MB
    scratch_mb: int = limits.SCRATCH_MB


class JailUnavailable(SystemExit):
    """Grading would run student code unjailed; raised instead, with what to install."""


def unavailable_reason():
    """None when bubblewrap can build a jail here, else one line saying what is missing."""
    if shutil.which("bwrap") is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    probe = subprocess.run(["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
                            "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        detail = probe.stderr.strip().splitlines()[-1:] or ["unknown error"]
        return f"bubblewrap cannot create a jail here ({detail[0]}): {INSTALL_HINT}"
    return None


def require_jail():
    """Raise JailUnavailable (one line) unless a jail can be built here."""
    reason = unavailable_reason()
    if reason:
        raise JailUnavailable(f"refusing to grade: {reason}")


def _python_dirs():
    """The interpreter's and the environment's folders, to be bound read-only."""
    dirs = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
            Path(sys.executable).resolve().parent.parent}
    return sorted(str(d) for d in dirs if not any(str(d).startswith(s + "/") for s in
                                                   _SYSTEM_DIRS))


def _course_package():
    import course
    return str(Path(course.__file__).resolve().parent)


def command(workdir_name, checker_socket, connection_file, toolkit=None, limits=Limits(),
            env=None):
    """bwrap arguments (before `--` and the command) for a jail of one submission.

    Args:
        workdir_name: str, the assignment folder's name under /home/student, or None
            (a jail that kernels are forked in later: /home/student stays empty).
        checker_socket: host path of the trusted checker's socket, or None.
        connection_file: host path of the kernel's connection file, or None.
        toolkit: host path of the assignment's trusted toolkit.py, or None.
        limits: Limits.
        env: the jail's whole environment (default: `environment(workdir)`).
    """
    workdir = f"{HOME}/{workdir_name}" if workdir_name else HOME
    size = str(limits.scratch_mb * 2**20)
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
            "--unshare-user", "--uid", "1000", "--gid", "1000", "--hostname", "jail"]
    for folder in _SYSTEM_DIRS:
        if os.path.isdir(folder):
            args += ["--ro-bind", folder, folder] if not os.path.islink(folder) else \
                ["--symlink", os.readlink(folder), folder]
    for file in _ETC_FILES:
        if os.path.exists(file):
            args += ["--ro-bind", file, file]
    for folder in _python_dirs():
        args += ["--ro-bind", folder, folder]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", size, "--tmpfs", "/tmp", "--dir", "/tmp/ipc",
             "--size", size, "--tmpfs", HOME, "--dir", workdir,
             "--ro-bind", str(CLIENT_PACKAGE), "/opt/grader/autograder",
             "--ro-bind", _course_package(), "/opt/course/course",
             "--chdir", workdir]
    if toolkit:
        args += ["--ro-bind", str(toolkit), f"{workdir}/toolkit.py"]
    if checker_socket:
        args += ["--ro-bind", str(checker_socket), CHECKER_SOCKET]
    if connection_file:
        args += ["--ro-bind", str(connection_file), CONNECTION_FILE]
    for key, value in (env or environment(workdir)).items():
        args += ["--setenv", key, value]
    return args


def environment(workdir):
    """The whole environment of a jailed process (nothing else of the grader's leaks in)."""
    env = {
        "HOME": HOME, "USER": "student", "LANG": "C.UTF-8",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "PYTHONPATH": "/opt/grader:/opt/course", "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_CONFIG_DIR": "/tmp/jupyter", "JUPYTER_DATA_DIR": "/tmp/jupyter/data",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter/runtime", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "AUTOGRADER_CHECKER": CHECKER_SOCKET, "AUTOGRADER_JAILED": "1", "PWD": workdir,
    }
    for key in ("NBGRADER_EXECUTION", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                "MKL_NUM_THREADS", "PYTHONWARNINGS"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    return env


# -- limits applied in the child before bwrap starts ------------------------------------------
def _pids_cgroup_root():
    for root in ("/sys/fs/cgroup/pids", "/sys/fs/cgroup"):
        if os.path.exists(f"{root}/cgroup.procs") and os.access(root, os.W_OK) and (
                root.endswith("pids") or "pids" in _read(f"{root}/cgroup.controllers")):
            return root
    return None


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def make_pids_cgroup(name, limit):
    """A pids cgroup allowing `limit` tasks, or None where the machine has none to give."""
    root = _pids_cgroup_root()
    if root is None:
        return None
    path = os.path.join(root, "nn-course-jails", name)
    try:
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "pids.max"), "w") as handle:
            handle.write(str(limit))
    except OSError:
        return None
    return path


def remove_cgroup(path):
    """Kill whatever is left in the cgroup and remove it."""
    if not path:
        return
    for _ in range(50):
        pids = _read(os.path.join(path, "cgroup.procs")).split()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(int(pid), 9)
            except (ProcessLookupError, ValueError, PermissionError):
                pass
        time.sleep(0.02)
    try:
        os.rmdir(path)
    except OSError:
        pass


def _die_with_parent():
    """Linux: this process (bwrap) gets SIGKILL when the grading process ends."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


def preexec(limits, cgroup=None):
    """preexec_fn for the bwrap process: the limits, inherited by everything in the jail."""
    def apply():
        _die_with_parent()
        if cgroup:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as handle:
                handle.write(str(os.getpid()))
        pairs = [(resource.RLIMIT_CPU, limits.cpu_seconds),
                 (resource.RLIMIT_FSIZE, limits.file_mb * 2**20),
                 (resource.RLIMIT_NPROC, limits.processes),
                 (resource.RLIMIT_CORE, 0)]
        if limits.memory_mb:
            pairs.append((resource.RLIMIT_AS, limits.memory_mb * 2**20))
        for kind, value in pairs:
            _, hard = resource.getrlimit(kind)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (value, value))
    return apply


def first_child(pid, timeout=5.0):
    """Host pid of the first child of `pid` (bwrap's: the jail's init; init's: the kernel)."""
    deadline = time.monotonic() + timeout
    path = f"/proc/{pid}/task/{pid}/children"
    while True:
        children = _read(path).split()
        if children:
            return int(children[0])
        if not os.path.exists(path) or time.monotonic() >= deadline:
            return None
        time.sleep(0.002)


def wait_until_set_up(init_pid, timeout=10.0):
    """Wait until the jail's init runs in the jail's own root; False if it never does.

    Until then /proc/<init>/root may still be the host's root (or bwrap's staging root), and
    nothing may be written through it. bwrap forks the jail's payload only after its last
    pivot_root, so the init having a child is the sign that the root is final.
    """
    return first_child(init_pid, timeout=timeout) is not None


def kill_namespace(member_pid, keep=()):
    """SIGKILL every process in the PID namespace of `member_pid`, except those in `keep`."""
    try:
        namespace = os.readlink(f"/proc/{member_pid}/ns/pid")
    except OSError:
        return
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in keep:
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") == namespace:
                os.kill(int(entry), 9)
        except OSError:
            pass


def nbgrader_folder(preprocessor, resources, directory):
    """Host folder of the notebook being graded in nbgrader's `directory` (e.g. "submitted").

    Found through the preprocessor's converter; None outside nbgrader's autograde.
    """
    info = (resources or {}).get("nbgrader", {})
    coursedir = getattr(getattr(preprocessor.parent, "parent", None), "coursedir", None)
    if coursedir is None or not info.get("student"):
        return None
    return coursedir.format_path(getattr(coursedir, f"{directory}_directory"),
                                 info["student"], info["assignment"])


def _regular(path):
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def copy_into(source, jail_root, workdir_name, skip=("toolkit.py",), submitted=None,
              max_files=500, max_bytes=200 * 2**20):
    """Copy the regular files of `source` into the jail's scratch folder; never follows links.

    `submitted` is the folder the student handed in, of which `source` is nbgrader's copy
    (which follows links): a file is copied only if it is a regular file there too.
    Returns the names of what was left out (links, special files, too many or too big).
    """
    target_root = Path(f"{jail_root}{HOME}/{workdir_name}")
    left_out, copied, total = [], 0, 0
    for folder, dirs, files in os.walk(source, followlinks=False):
        dirs[:] = [d for d in dirs if d not in (".ipynb_checkpoints", "__pycache__")]
        relative = os.path.relpath(folder, source)
        for name in files:
            path = os.path.join(folder, name)
            shown = os.path.normpath(os.path.join(relative, name))
            if relative == "." and name in skip:
                continue
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or copied >= max_files or \
                    total + info.st_size > max_bytes or \
                    (submitted and not name.endswith(".ipynb") and
                     not _regular(os.path.join(submitted, relative, name))):
                left_out.append(shown)
                continue
            destination = target_root / relative / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(descriptor, "rb") as src, open(destination, "wb") as dst:
                shutil.copyfileobj(src, dst)
            copied, total = copied + 1, total + info.st_size
    return left_out

