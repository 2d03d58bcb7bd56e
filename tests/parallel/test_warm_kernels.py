"""Are kernels forked from the kernel template new, separate kernels with their own settings?"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs in its own process: enable() makes that process a child subreaper.
SCRIPT = textwrap.dedent('''
    import asyncio, json, os, sys
    from autograder.parallel import warm_kernels
    from autograder.pipeline.resilient_execute import _memory_limit

    REPORT = ("import json, os, resource, sys, random, numpy\\n"
              "print(json.dumps({'pid': os.getpid(), 'ppid': os.getppid(), 'cwd': os.getcwd(),"
              " 'sid': os.getsid(0), 'memory': resource.getrlimit(resource.RLIMIT_AS)[0],"
              " 'mark': os.environ.get('WARM_TEST_MARK'), 'draw': float(numpy.random.rand()),"
              " 'pyplot': 'matplotlib.pyplot' in sys.modules,"
              " 'parent': __import__('ipykernel.kernelapp').kernelapp.IPKernelApp.instance()"
              ".parent_handle}))")

    async def run(cwd, code):
        manager = warm_kernels.TemplateKernelManager(kernel_name="python3")
        await manager.start_kernel(cwd=cwd, preexec_fn=_memory_limit(3 * 2**30))
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        text = []
        hook = lambda m: text.append(m["content"].get("text", "")) \\
            if m["msg_type"] == "stream" else None
        if code == REPORT:
            await client.execute_interactive(code, output_hook=hook, timeout=30)
        else:
            client.execute(code)
        process = manager.provisioner.process
        forked = isinstance(process, warm_kernels.ForkedKernel)
        if code == REPORT:
            result = json.loads("".join(text))
            await manager.shutdown_kernel(now=True)
        else:
            result = {"returncode": process.wait(timeout=20)}
            await manager.cleanup_resources()
        client.stop_channels()
        return {**result, "forked": forked}

    async def main():
        enabled = warm_kernels.enable()
        first, second = sys.argv[1], sys.argv[2]
        os.environ["WARM_TEST_MARK"] = "one"
        a = await run(first, REPORT)
        os.environ["WARM_TEST_MARK"] = "two"
        b = await run(second, REPORT)
        c = await run(first, "import os; os._exit(7)")
        print(json.dumps({"enabled": enabled, "me": os.getpid(), "runs": [a, b, c]}))

    asyncio.run(main())
''')


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(first), str(second)], env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), first, second


def test_kernels_are_forked_from_a_template_that_preloaded_pyplot(runs):
    report, _, _ = runs
    assert report["enabled"] is True
    a, b, c = report["runs"]
    assert a["forked"] and b["forked"] and c["forked"]
    assert a["pyplot"] and b["pyplot"], "pyplot should come preloaded from the template"


def test_each_kernel_is_a_new_process_of_its_own(runs):
    report, _, _ = runs
    a, b, _ = report["runs"]
    assert a["pid"] != b["pid"]
    assert a["ppid"] == b["ppid"] == report["me"], "the grader should be the kernel's parent"
    assert a["parent"] == report["me"], "the kernel should watch its parent, as usual"
    assert a["sid"] == a["pid"] and b["sid"] == b["pid"], "each kernel leads its own session"
    assert a["draw"] != b["draw"], "forked kernels must not share NumPy's random state"


def test_each_kernel_gets_its_launch_settings(runs):
    report, first, second = runs
    a, b, _ = report["runs"]
    assert (a["cwd"], b["cwd"]) == (str(first), str(second))
    assert (a["mark"], b["mark"]) == ("one", "two")
    assert a["memory"] == b["memory"] == 3 * 2**30


def test_a_kernel_that_exits_reports_its_exit_code(runs):
    report, _, _ = runs
    assert report["runs"][2]["returncode"] == 7


def test_only_an_ipykernel_command_is_forked():
    from autograder.parallel.warm_kernels import TemplateUnavailable, _fork_kernel
    with pytest.raises(TemplateUnavailable):
        _fork_kernel(["/usr/bin/env", "R", "--kernel"], dict(os.environ), None, None)


def test_plain_autograde_keeps_the_usual_kernel_manager():
    """With the course's config (plain `nbgrader autograde`), do kernels start the usual way?"""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.pipeline.resilient_execute import ResilientExecute
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert ResilientExecute(config=config).warm_kernels is False
    assert ResilientExecute(config=config).kernel_manager_class.__name__ == "AsyncKernelManager"


def test_orphans_adopted_by_the_worker_are_reaped():
    """A process left behind by a dead kernel becomes the worker's: its exit is collected."""
    script = textwrap.dedent('''
        import os, subprocess, time
        from autograder.parallel import warm_kernels
        assert warm_kernels.enable()
        subprocess.run(["sh", "-c", "(sleep 0.2 &); exit 0"], check=True)
        time.sleep(0.6)
        zombie = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        warm_kernels.reap_orphans()
        try:
            left = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            left = None
        print(zombie is not None, left is None)
    ''')
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert result.stdout.split() == ["True", "True"], result.stderr[-2000:]
