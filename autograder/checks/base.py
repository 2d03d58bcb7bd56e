"""The building blocks every hidden check is made of.

A check computes what the reference returns (and what each known mistake
would return) *before* it calls the student's function, then calls the
student's function on copies of the same inputs and compares with plain
array arithmetic on genuine float64 arrays. NumPy functions used here are
bound at import time, so a submission that later rebinds `np.allclose` or
similar cannot change a verdict.
"""
import copy
import warnings
from dataclasses import dataclass, field

import numpy as np

from course.testing import TestFailure

_array = np.array
_isfinite = np.isfinite
_isnan = np.isnan
_abs = np.abs
_argmax = np.argmax
_unravel_index = np.unravel_index
_array2string = np.array2string
_array_equal = np.array_equal
_ndarray = np.ndarray
_float64 = np.float64
_asarray = np.asarray
_dtype_float64 = np.dtype(np.float64)
_Generator = np.random.Generator


class CheckFailed(TestFailure):
    """A hidden check found a wrong answer; its message is shown to the student.

    `mistake` names the known mistake the answer matched, when one did.
    """

    mistake = None


def named_mistake(mismatch, label):
    """CheckFailed of a mismatch that matched the known mistake `label`."""
    failure = CheckFailed(f"{mismatch} — this is what you get {label}.")
    failure.mistake = label
    return failure


@dataclass
class Case:
    """One input to a graded function.

    Attributes:
        what: str describing the input for messages, e.g. "z of shape (3, 4)".
        args: tuple of positional arguments.
        kwargs: dict of keyword arguments.
        atol, rtol: tolerance for this case, if not the check's own.
    """

    what: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    atol: float = None
    rtol: float = None


def describe(value):
    """Short printable form of a value for a failure message."""
    if isinstance(value, _ndarray):
        text = _array2string(value, precision=6, threshold=10, separator=", ")
        return f"array of shape {value.shape}: {text}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in value.items()) + "}"
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "..."


def to_float_array(value, what):
    """`value` as a new float64 ndarray, or CheckFailed naming what came back."""
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise CheckFailed(
            f"{what}: expected a number or an array of numbers, got {type(value).__name__} "
            f"{describe(value)}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = _array(value, dtype=_float64)
    except Exception:
        raise CheckFailed(
            f"{what}: expected a number or an array of numbers, got "
            f"{type(value).__name__} {describe(value)}"
        ) from None
    return _array(result, dtype=_float64, copy=True, subok=False)


def compare(got, expected, what, atol=1e-8, rtol=1e-6):
    """Raise CheckFailed unless `got` matches `expected` (a reference result).

    `expected` may be a number, an array, a bool, a str, or a tuple/list/dict
    of those; `got` must have the same structure. Numbers and arrays are
    compared as float64 with |got - expected| <= atol + rtol * |expected|.
    The course's type rule (README, "Conventions") is held too: where the
    reference returns float64 values, `np.asarray(got)` must have dtype
    float64 and the same shape, so a float result is a Python float, a
    NumPy float64 or a 0-d float64 array, never an array of shape (1,).
    """
    _compare(got, expected, what, atol, rtol, types=True)


def _compare(got, expected, what, atol, rtol, types):
    """`compare`, holding the type rule only when `types` is true."""
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            raise CheckFailed(f"{what}: expected the bool {bool(expected)}, got "
                              f"{type(got).__name__} {describe(got)}")
        if (got is True or got is np.True_) != bool(expected):
            raise CheckFailed(f"{what}: expected {bool(expected)}, got {bool(got)}")
        return
    if isinstance(expected, str):
        if not isinstance(got, str) or not str.__eq__(str.__str__(got), expected):
            raise CheckFailed(f"{what}: expected {expected!r}, got {describe(got)}")
        return
    if isinstance(expected, dict):
        _compare_dict(got, expected, what, atol, rtol, types)
        return
    if isinstance(expected, (tuple, list)):
        _compare_sequence(got, expected, what, atol, rtol, types)
        return
    _compare_numbers(got, expected, what, atol, rtol, types)


def _compare_dict(got, expected, what, atol, rtol, types):
    if not isinstance(got, dict):
        raise CheckFailed(f"{what}: expected a dict with keys {sorted(expected)}, got "
                          f"{type(got).__name__}")
    got_keys = sorted(str(k) for k in dict.keys(got))
    if got_keys != sorted(expected):
        raise CheckFailed(f"{what}: expected a dict with keys {sorted(expected)}, got keys "
                          f"{got_keys}")
    for key in expected:
        _compare(dict.__getitem__(got, key), expected[key], f"{what}[{key!r}]", atol, rtol,
                 types)


def _compare_sequence(got, expected, what, atol, rtol, types):
    if not isinstance(got, (tuple, list)):
        raise CheckFailed(f"{what}: expected a tuple of {len(expected)} values, got "
                          f"{type(got).__name__} {describe(got)}")
    items = list(got)
    if len(items) != len(expected):
        raise CheckFailed(f"{what}: expected {len(expected)} values, got {len(items)}")
    for index, (g, e) in enumerate(zip(items, expected)):
        _compare(g, e, f"{what}[{index}]", atol, rtol, types)


def _compare_numbers(got, expected, what, atol, rtol, types):
    expected_array = to_float_array(expected, "reference")
    got_array = to_float_array(got, what)
    single = expected_array.ndim == 0 and got_array.size == 1 and got_array.ndim > 0
    if single:
        got_array = got_array.reshape(())
    if got_array.shape != expected_array.shape:
        raise CheckFailed(f"{what}: expected shape {expected_array.shape}, got shape "
                          f"{got_array.shape}")
    if not _isfinite(got_array).all() and _isfinite(expected_array).all():
        raise CheckFailed(f"{what}: expected finite values {describe(expected_array)}, got "
                          f"{describe(got_array)} (nan or inf)")
    difference = _abs(got_array - expected_array)
    allowed = atol + rtol * _abs(expected_array)
    with np.errstate(invalid="ignore"):
        close = (difference <= allowed) & _isfinite(expected_array)
    same = (got_array == expected_array) | (_isnan(got_array) & _isnan(expected_array))
    ok = close | same  # an inf or nan expected is matched only by itself
    if not ok.all():
        _report_difference(got_array, expected_array, difference, ok, what, atol, rtol)
    if types:
        _check_type(got, expected, what, single)


def _check_type(got, expected, what, single):
    """CheckFailed when the values are right but not of the type the docstring promises."""
    if _asarray(expected).dtype != _dtype_float64:
        return
    shape = f"shape {_asarray(got).shape}"
    if single:
        raise CheckFailed(f"{what}: the value is right, but it should be a single float "
                          f"(shape ()), and an array of {shape} came back; return a float, "
                          "e.g. float(x) or x.item() (README, conventions: the type rule)")
    try:
        dtype = _asarray(got).dtype
    except Exception:  # noqa: BLE001 - an object NumPy cannot even look at
        dtype = None
    if dtype != _dtype_float64:
        kind = "float64 values" if _asarray(expected).ndim else "a float (float64)"
        raise CheckFailed(f"{what}: the values are right, but the docstring promises {kind} "
                          f"and this has dtype {dtype} ({type(got).__name__}); the course "
                          "returns float64 everywhere: convert with .astype(float) or "
                          "float(...), or compute with 1.0 and 0.0 (README, conventions: "
                          "the type rule)")


def _report_difference(got, expected, difference, ok, what, atol, rtol):
    tolerance = f"tolerance atol={atol:g}, rtol={rtol:g}"
    if expected.ndim == 0:
        raise CheckFailed(f"{what}: expected {float(expected)!r}, got {float(got)!r} "
                          f"({tolerance})")
    difference = difference.copy()
    difference[~_isfinite(difference)] = float("inf")
    difference[ok] = -1.0
    index = _unravel_index(_argmax(difference), expected.shape)
    where = tuple(int(i) for i in index)
    raise CheckFailed(
        f"{what}: expected {describe(expected)}, got {describe(got)}; "
        f"{int((~ok).sum())} of {ok.size} entries differ, first worst at index {where}: "
        f"expected {float(expected[index])!r}, got {float(got[index])!r} ({tolerance})"
    )


def snapshot(value):
    """A deep copy of an input, to detect mutation later."""
    return copy.deepcopy(value)


def same_input(before, after):
    """True when an input is unchanged (arrays compared exactly, NaN-safe)."""
    if isinstance(before, _ndarray):
        return isinstance(after, _ndarray) and before.shape == after.shape and \
            _array_equal(before, after, equal_nan=True)
    if isinstance(before, dict):
        return isinstance(after, dict) and before.keys() == after.keys() and all(
            same_input(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        return type(before) is type(after) and len(before) == len(after) and all(
            same_input(b, a) for b, a in zip(before, after))
    return True


def call_student(name, student, case):
    """Call the student's function on copies of the case's inputs.

    Returns the result; raises CheckFailed if it raises or mutates an input.
    """
    return call_student_inputs(name, student, case)[0]


def call_student_inputs(name, student, case):
    """`call_student`, returning (result, args, kwargs): the copies it was called with.

    A numpy.random.Generator among the copies is in the state the call left it in.
    """
    args, kwargs = snapshot(case.args), snapshot(case.kwargs)
    try:
        result = student(*args, **kwargs)
    except NotImplementedError:
        raise CheckFailed(f"{name} is not implemented yet (it raised NotImplementedError)") \
            from None
    except CheckFailed:
        raise
    except BaseException as error:  # noqa: BLE001 - any student error is reported
        raise CheckFailed(f"{name} raised {type(error).__name__}: {error} on {case.what}") \
            from None
    for position, (before, after) in enumerate(zip(case.args, args)):
        if not same_input(before, after):
            raise CheckFailed(f"{name} changed its argument number {position + 1} in place "
                              f"on {case.what}; graded functions must not modify their "
                              "inputs (work on a copy)")
    for key in case.kwargs:
        if not same_input(case.kwargs[key], kwargs[key]):
            raise CheckFailed(f"{name} changed its argument {key!r} in place on {case.what}")
    return result, args, kwargs


def generator_states(args, kwargs=None):
    """The bit-generator state of every numpy.random.Generator among the arguments."""
    values = list(args) + list((kwargs or {}).values())
    return [value.bit_generator.state for value in values if isinstance(value, _Generator)]


def check_draws(name, student, reference, cases, advice=""):
    """Fail unless the student's function leaves every rng argument as the reference does.

    Where the notebook prescribes the draws, the generator's state after the call
    shows whether the student drew from the rng argument, drew the prescribed
    things, and nothing else (a side effect on the caller's random stream).
    `advice` is added to the message, e.g. what the docstring prescribes.
    """
    for case in cases:
        before = generator_states(case.args, case.kwargs)
        args, kwargs = snapshot(case.args), snapshot(case.kwargs)
        reference(*args, **kwargs)
        wanted = generator_states(args, kwargs)
        _, args, kwargs = call_student_inputs(name, student, case)
        for start, want, got in zip(before, wanted, generator_states(args, kwargs)):
            if got == want:
                continue
            if got == start:
                problem = ("it never drew from the rng argument (its state is unchanged): "
                           "draw from the rng you are given, never from np.random or a "
                           "generator of your own")
            elif want == start:
                problem = ("it drew from the rng argument although nothing should be drawn "
                           "here, which changes the caller's random stream")
            else:
                problem = ("it drew from the rng argument, but not exactly what is "
                           "prescribed: the generator's state after the call is not the one "
                           "the prescribed draws leave (a draw too many, too few, or of "
                           "another kind)")
            raise CheckFailed(f"{name} on {case.what}: {problem}{advice}")


def use_reference(student, **dependencies):
    """Make the student's function call reference versions of other graded functions.

    The names are set in the globals of the checker's own copy of the function
    (whether the notebook defined them or not), so one early mistake, or a
    function the student never wrote, costs only the points of the function
    that has it.
    """
    namespace = getattr(student, "__globals__", None)
    if namespace is None:
        return student
    namespace.update(dependencies)
    return student


def matches(got, expected, atol=1e-8, rtol=1e-6):
    """True when `got` has the values `compare` wants of it (its type is not looked at)."""
    try:
        _compare(got, expected, "", atol, rtol, types=False)
    except CheckFailed:
        return False
    return True


def check_cases(name, student, reference, cases, mistakes=None, atol=1e-8, rtol=1e-6,
                forbid_warnings=False):
    """Compare a student's function with the reference on every case.

    Args:
        name: str, the graded function's name.
        student: the student's function.
        reference: the reference function.
        cases: list of Case.
        mistakes: optional dict {description: wrong_function}; when a wrong
            answer matches one of them, the message names that mistake.
        atol, rtol: tolerance of the comparison.
        forbid_warnings: fail if the student's function emits a RuntimeWarning
            (overflow, divide by zero, invalid value).
    """
    mistakes = mistakes or {}
    plan = []
    for case in cases:
        expected = reference(*snapshot(case.args), **snapshot(case.kwargs))
        alternatives = {}
        for label, wrong in mistakes.items():
            try:
                alternatives[label] = wrong(*snapshot(case.args), **snapshot(case.kwargs))
            except Exception:  # noqa: BLE001 - a mistake that cannot run names nothing
                continue
        plan.append((case, expected, alternatives))
    outcomes = [_run_case(name, student, case) for case, _, _ in plan]
    for (case, expected, alternatives), (got, failure, caught) in zip(plan, outcomes):
        if failure is not None:
            raise failure
        what = f"{name} on {case.what}"
        try:
            compare(got, expected, what, *_tolerance(case, atol, rtol))
        except CheckFailed as mismatch:
            label = _name_mistake(plan, outcomes, atol, rtol)
            if label:
                raise named_mistake(mismatch, label) from None
            raise
        runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        if forbid_warnings and runtime:
            raise CheckFailed(f"{what}: the result is right but NumPy warned "
                              f"'{runtime[0].message}'; rewrite it so that no overflow "
                              "or invalid operation happens")


def _tolerance(case, atol, rtol):
    return (atol if case.atol is None else case.atol,
            rtol if case.rtol is None else case.rtol)


def _run_case(name, student, case):
    """(result, CheckFailed or None, warnings caught) of one call of the student's function."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            try:
                return call_student(name, student, case), None, caught
            except CheckFailed as failure:
                return None, failure, caught


def _name_mistake(plan, outcomes, atol, rtol):
    """The known mistake whose results match the student's on every case it ran, if any."""
    labels = dict.fromkeys(label for _, _, alternatives in plan for label in alternatives)
    for label in labels:
        compared = 0
        for (case, _, alternatives), (got, failure, _) in zip(plan, outcomes):
            if failure is not None or label not in alternatives:
                continue
            if not matches(got, alternatives[label], *_tolerance(case, atol, rtol)):
                break
            compared += 1
        else:
            if compared:
                return label
    return None


def with_hint(hint, run, *args, **kwargs):
    """Call `run(*args, **kwargs)`; a CheckFailed that names no mistake gets `hint` added.

    For inputs that exist to catch one kind of mistake (a single example, ten
    layers, dict keys in another order): the plain mismatch is followed by what
    that input is there for.
    """
    try:
        return run(*args, **kwargs)
    except CheckFailed as failure:
        message = str(failure)
        if any(text in message for text in ("this is what you get", "changed its argument",
                                            "not implemented yet")):
            raise
        raise CheckFailed(f"{message} — {hint}") from None
