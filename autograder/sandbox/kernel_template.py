"""The kernel template: a process that has imported a kernel's libraries and forks kernels.

    python -m autograder.sandbox.kernel_template [module ...]

Started by a class-grading worker (autograder.parallel.warm_kernels), never by a
student. It imports ipykernel and the given modules (NumPy, matplotlib's
pyplot, ...), runs no other code, and then answers requests, one JSON line
each on stdin:

    {"args": [...], "cwd": str, "env": {...}, "memory_limit": int | null,
     "output": str | null}

by forking a kernel, `python -m ipykernel_launcher <args>` as jupyter_client
would start it, and replying {"pid": int} on stdout. The kernel is forked
twice, so that it is not the template's child but its nearest subreaper's
(the worker, which waits for it like for any kernel it started). In a jail
(AUTOGRADER_JAILED=1, `autograder.sandbox.jailed_template`) the worker is outside
and cannot wait for it: the kernel is the template's own child, and its end
is reported as {"exited": pid, "code": int}. A kernel gets its own session,
working directory, environment, memory limit and output file; Python and
NumPy draw fresh random seeds in a forked process.
"""
import atexit
import json
import os
import resource
import signal
import sys
import threading
import time

_write_lock = threading.Lock()


def _limit_memory(limit_bytes):
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _become_kernel(request):
    """In the forked process: set it up as a new kernel and run it; never returns."""
    code = 1
    try:
        os.setsid()
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(number, signal.default_int_handler if number == signal.SIGINT
                          else signal.SIG_DFL)
        if request.get("memory_limit"):
            _limit_memory(int(request["memory_limit"]))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        stdin = os.open(os.devnull, os.O_RDONLY)
        output = os.open(request.get("output") or os.devnull,
                         os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(stdin, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        # ipykernel read JPY_PARENT_PID when the template imported it: pass the kernel's own.
        parent = os.environ.get("JPY_PARENT_PID")
        sys.argv = ["ipykernel_launcher", *request["args"],
                    *([f"--IPKernelApp.parent_handle={parent}"] if parent else [])]
        from ipykernel.kernelapp import launch_new_instance
        try:
            launch_new_instance()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - reported in the kernel's output file
        import traceback
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def spawn(request):
    """Fork a kernel for `request`; its pid (the kernel is the subreaper's child, not ours)."""
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:
        os.close(read_end)
        try:
            kernel = os.fork()
            if kernel == 0:
                os.close(write_end)
                _become_kernel(request)
            os.write(write_end, str(kernel).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        pid = answer.read()
    os.waitpid(middle, 0)
    return int(pid)


def spawn_child(request):
    """Fork a kernel for `request` as this process's own child; its pid."""
    kernel = os.fork()
    if kernel == 0:
        _become_kernel(request)
    return kernel


def _send(replies, message):
    with _write_lock:
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()


def _report_exits(replies):
    """Thread body: tell the grader each kernel's exit code as it ends."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            time.sleep(0.02)
            continue
        _send(replies, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def serve(requests, replies, fork=spawn):
    """Answer every request line from `requests` with a reply line on `replies`."""
    for line in requests:
        try:
            reply = {"pid": fork(json.loads(line))}
        except Exception as error:  # noqa: BLE001 - the grader falls back on a normal start
            reply = {"error": f"{type(error).__name__}: {error}"}
        _send(replies, reply)


def main(modules):
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does: the kernel's cwd is not on its path
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever an import prints must not reach the replies
    import ipykernel.kernelapp  # noqa: F401
    import importlib
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a module that fails here is imported by the kernel
            pass
    jailed = os.environ.get("AUTOGRADER_JAILED") == "1"
    if jailed:
        threading.Thread(target=_report_exits, args=(replies,), daemon=True).start()
    _send(replies, {"ready": True})
    serve(sys.stdin.buffer, replies, spawn_child if jailed else spawn)


if __name__ == "__main__":
    main(sys.argv[1:])
