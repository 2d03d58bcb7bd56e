"""Does a hidden check survive whatever the student's function does in its process?"""
import os

import numpy as np

from autograder.sandbox import run_check

A = "01_loss"


def notebook_function(source, name, **names):
    """A function defined as a notebook cell defines it (module __main__)."""
    namespace = {"__name__": "__main__", "np": np, **names}
    exec(source, namespace)
    return namespace[name]


def test_an_endless_loop_is_stopped_with_a_message():
    """Is a function that never returns stopped at the time limit and reported as such?"""
    looping = notebook_function("def mse(y, y_hat):\n    while True:\n        pass\n", "mse")
    verdict = run_check(A, "mse", looping, timeout=2)
    assert not verdict.passed and "did not finish within 2 s" in verdict.message


def test_a_function_that_kills_its_process_is_reported():
    """Does os._exit in the student's function fail the check with a clear reason?"""
    exiting = notebook_function("import os\ndef mse(y, y_hat):\n    os._exit(3)\n", "mse")
    verdict = run_check(A, "mse", exiting)
    assert not verdict.passed and "exit code 3" in verdict.message


def test_a_segfault_is_reported():
    """Does a crash by signal fail the check and name the signal?"""
    crashing = notebook_function(
        "import ctypes\ndef mse(y, y_hat):\n    ctypes.string_at(0)\n", "mse")
    verdict = run_check(A, "mse", crashing)
    assert not verdict.passed and "SIGSEGV" in verdict.message


def test_a_memory_bomb_is_stopped_by_the_memory_limit():
    """Is a function that allocates 8 GB (which this machine could give) stopped at 4 GiB?"""
    greedy = notebook_function(
        "def mse(y, y_hat):\n    return float(np.ones(10**9).sum())\n", "mse")
    verdict = run_check(A, "mse", greedy, timeout=30)
    assert not verdict.passed and "MemoryError" in verdict.message


def test_printing_and_fake_verdicts_do_not_change_the_verdict():
    """Can a function that prints a fake verdict line make a wrong answer pass?"""
    forging = notebook_function(
        "import json\ndef mse(y, y_hat):\n"
        "    print(json.dumps({'nonce': 'x', 'passed': True, 'message': 'ok'}))\n"
        "    return 0.0\n", "mse")
    verdict = run_check(A, "mse", forging)
    assert not verdict.passed and "expected" in verdict.message


def test_rebinding_numpy_in_the_notebook_does_not_reach_the_check():
    """Does a wrong answer stay wrong after the notebook rebinds np.allclose and np.isclose?"""
    np_allclose, np_isclose = np.allclose, np.isclose
    try:
        np.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: np.array(True)
        wrong = notebook_function("def mse(y, y_hat):\n    return 0.0\n", "mse")
        verdict = run_check(A, "mse", wrong)
    finally:
        np.allclose, np.isclose = np_allclose, np_isclose
    assert not verdict.passed


def test_a_function_that_uses_the_hidden_reference_fails():
    """Is a wrapper around the hidden reference refused, inside or outside the function?"""
    from autograder.reference import loss
    wrapper = notebook_function("def cost(y, y_hat):\n    return r.cost(y, y_hat)\n",
                                "cost", r=loss)
    inner = notebook_function("def cost(y, y_hat):\n    from autograder.reference import "
                              "loss\n    return loss.cost(y, y_hat)\n", "cost")
    for function in (wrapper, inner):
        verdict = run_check(A, "cost", function)
        assert not verdict.passed and "hidden autograder package" in verdict.message


def test_a_correct_notebook_function_passes():
    """Does a correct function defined in a notebook pass the real sandbox round trip?"""
    correct = notebook_function(
        "def mse(y, y_hat):\n    return float(np.mean(0.5 * (y - y_hat) ** 2))\n", "mse")
    assert run_check(A, "mse", correct).passed


def test_without_the_fork_server_each_check_starts_a_fresh_interpreter(monkeypatch):
    """If the fork server cannot be used, crashes, loops and correct answers read the same."""
    import autograder.sandbox

    def unavailable(*args):
        raise OSError("no fork server here")
    monkeypatch.setattr(autograder.sandbox, "_run_forked", unavailable)
    exiting = notebook_function("import os\ndef mse(y, y_hat):\n    os._exit(3)\n", "mse")
    looping = notebook_function("def mse(y, y_hat):\n    while True:\n        pass\n", "mse")
    correct = notebook_function(
        "def mse(y, y_hat):\n    return float(np.mean(0.5 * (y - y_hat) ** 2))\n", "mse")
    assert "exit code 3" in run_check(A, "mse", exiting).message
    assert "did not finish within 2 s" in run_check(A, "mse", looping, timeout=2).message
    assert run_check(A, "mse", correct).passed


def test_the_notebook_main_module_is_not_run_in_the_check_process(tmp_path, monkeypatch):
    """A notebook that sets __file__ must not get that file executed before the check."""
    import sys
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "notebook_main.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    wrong = notebook_function("def mse(y, y_hat):\n    return 0.0\n", "mse")
    assert not run_check(A, "mse", wrong).passed
    assert not marker.exists()


def test_a_check_process_dies_with_its_parent(tmp_path):
    """A looping check is not left behind when the process that asked for it is killed."""
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "pid"
    asker_script = tmp_path / "asker.py"
    asker_script.write_text(
        "import os\n"
        "from autograder.sandbox import run_check\n"
        f"PID_FILE = {str(pid_file)!r}\n"
        "def mse(y, y_hat):\n"
        "    with open(PID_FILE, 'w') as handle:\n"
        "        handle.write(str(os.getpid()))\n"
        "    while True:\n"
        "        pass\n"
        "run_check('01_loss', 'mse', mse, timeout=60)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    asker = subprocess.Popen([sys.executable, str(asker_script)],
                             env={**os.environ, "PYTHONPATH": root})
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        assert asker.poll() is None, "the asking process ended before the check started"
        time.sleep(0.05)
    checker = int(pid_file.read_text())
    asker.send_signal(signal.SIGKILL)
    asker.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{checker}/stat") as stat:
                if stat.read().split(")")[-1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        os.kill(checker, signal.SIGKILL)
        raise AssertionError("the check process outlived the process that started it")
