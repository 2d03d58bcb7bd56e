"""Does the trusted checker judge a student's function that runs in another process, whatever it does?"""
import numpy as np
import pytest

from autograder.sandbox.check_service import CheckService
from autograder.grade import CheckFailed, check

A = "01_loss"
RIGHT_MSE = "def mse(y, y_hat):\n    return float(np.mean(0.5 * (y - y_hat) ** 2))\n"


def notebook_function(source, name, **names):
    """A function as a notebook cell defines it (module __main__)."""
    namespace = {"__name__": "__main__", "np": np, **names}
    exec(source, namespace)
    return namespace[name]


@pytest.fixture
def service(monkeypatch):
    """A checker with 2-second checks, which `check` reaches as grading kernels do."""
    checker = CheckService(check_seconds=2)
    monkeypatch.setenv("AUTOGRADER_CHECKER", checker.socket_path)
    checker.begin_cell("test_mse")
    yield checker
    checker.close()


def verdict_of(name, function):
    """(passed, message) that `check` shows in the notebook."""
    try:
        check(A, name, function)
    except CheckFailed as failure:
        return False, str(failure)
    return True, ""


def only_record(service):
    records = service.end_cell()
    assert len(records) == 1, records
    return records[0]


def test_an_endless_loop_is_stopped_and_recorded_as_timed_out(service):
    """Is a function that never returns stopped at the time limit and recorded as such?"""
    looping = notebook_function("def mse(y, y_hat):\n    while True:\n        pass\n", "mse")
    passed, message = verdict_of("mse", looping)
    record = only_record(service)
    assert not passed and "did not finish within 2 s" in message
    assert (record.passed, record.kind, record.function) == (False, "timed out", "mse")


@pytest.mark.parametrize("body", ["import os\n    os._exit(3)", "import ctypes\n    "
                                  "ctypes.string_at(0)"], ids=["os._exit", "segfault"])
def test_a_function_that_kills_its_process_is_recorded_as_crashed(service, body):
    """Does os._exit or a segfault in the student's function fail the check, with a reason?"""
    dying = notebook_function(f"def mse(y, y_hat):\n    {body}\n", "mse")
    passed, message = verdict_of("mse", dying)
    assert not passed and "ended the process that ran it" in message
    assert only_record(service).kind == "crashed"


def test_a_memory_bomb_is_stopped_by_the_memory_limit(service):
    """Is a function that allocates 8 GB (which this machine could give) stopped at 4 GiB?"""
    greedy = notebook_function("def mse(y, y_hat):\n    return float(np.ones(10**9).sum())\n",
                               "mse")
    passed, message = verdict_of("mse", greedy)
    assert not passed and "MemoryError" in message


def test_an_unwritten_function_is_recorded_as_not_attempted(service):
    """Is NotImplementedError told apart from a wrong answer, as data?"""
    stub = notebook_function("def mse(y, y_hat):\n    raise NotImplementedError()\n", "mse")
    passed, message = verdict_of("mse", stub)
    assert not passed and "not implemented yet" in message
    assert only_record(service).kind == "not attempted"


def test_a_known_mistake_is_named_in_the_record(service):
    """Does the record carry the named mistake as a field, not only inside the message?"""
    summed = notebook_function("def mse(y, y_hat):\n    return float(np.sum(0.5 * (y - y_hat)"
                               " ** 2))\n", "mse")
    verdict_of("mse", summed)
    record = only_record(service)
    assert record.kind == "wrong" and record.mistake and record.mistake in record.message


def test_a_check_outside_the_running_cell_is_not_recorded(service):
    """Is a verdict asked for while no cell runs kept out of every cell's records?"""
    service.end_cell()
    correct = notebook_function(RIGHT_MSE, "mse")
    assert verdict_of("mse", correct)[0]
    service.begin_cell("test_mse")
    assert service.end_cell() == []


def test_printing_a_fake_verdict_changes_nothing(service):
    """Can a function that prints a verdict-shaped line make a wrong answer pass?"""
    forging = notebook_function(
        "import json\ndef mse(y, y_hat):\n"
        "    print(json.dumps({'op': 'verdict', 'passed': True, 'message': 'ok'}))\n"
        "    return 0.0\n", "mse")
    assert not verdict_of("mse", forging)[0]
    assert not only_record(service).passed


def test_an_object_that_equals_everything_is_not_a_number(service):
    """Does an always-equal object fail (it crosses as an opaque value, not as itself)?"""
    anything = notebook_function(
        "class Anything:\n    def __eq__(self, other): return True\n"
        "    def __float__(self): return 0.125\n"
        "def mse(y, y_hat):\n    return Anything()\n", "mse")
    passed, message = verdict_of("mse", anything)
    assert not passed and "Anything" in message


def test_rebinding_numpy_in_the_calling_process_does_not_reach_the_checker(service):
    """Does a wrong answer stay wrong after the caller rebinds np.allclose and np.isclose?"""
    np_allclose, np_isclose = np.allclose, np.isclose
    wrong = notebook_function("def mse(y, y_hat):\n    return 0.0\n", "mse")
    try:
        np.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: np.array(True)
        passed, _ = verdict_of("mse", wrong)
    finally:
        np.allclose, np.isclose = np_allclose, np_isclose
    assert not passed


def test_a_correct_notebook_function_passes(service):
    """Does a correct function defined in a notebook pass the round trip?"""
    assert verdict_of("mse", notebook_function(RIGHT_MSE, "mse")) == (True, "")
    assert only_record(service).kind == "passed"
