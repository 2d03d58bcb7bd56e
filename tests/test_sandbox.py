"""Does a hidden check survive whatever the student's function does in its process?"""
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
