"""Does a value cross between the checker and the jail as plain data, exactly, and nothing else?"""
import io
import pickle
import socket
import threading

import numpy as np
import pytest

from autograder.sandbox.client.rpc import Endpoint
from autograder.sandbox.client.wire import Decoder, Encoder, Opaque, WireError, read_message, \
    write_message


def round_trip(value):
    encoder = Encoder()
    tree = encoder.encode(value)
    return Decoder(encoder.buffers).decode(tree)


@pytest.mark.parametrize("value", [0.5, 3, True, None, "text", float("nan"), float("-inf"),
                                   (1, 2.0), [1, [2]], {"W2": 1.0, "W1": 2.0, 3: "x"}],
                         ids=repr)
def test_plain_values_come_back_as_the_same_type_and_value(value):
    """Do floats, ints, bools, strings, tuples, lists and dicts (key order too) survive?"""
    back = round_trip(value)
    assert type(back) is type(value)
    if isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value
    if isinstance(value, dict):
        assert list(back) == list(value)


def test_arrays_keep_shape_and_dtype_and_scalars_stay_scalars():
    """Is an int array still int, shape (1,) still (1,), a float64 scalar still a scalar?"""
    for value in (np.arange(6).reshape(2, 3), np.array([0.5]), np.array(2.0),
                  np.array([True, False]), np.float64(0.25), np.int64(7)):
        back = round_trip(value)
        assert type(back) is type(value) and np.shape(back) == np.shape(value)
        assert np.asarray(back).dtype == np.asarray(value).dtype
        assert np.array_equal(back, value)


def test_a_generator_crosses_with_its_state():
    """Does a numpy Generator arrive in the state it left, drawing the same numbers?"""
    rng = np.random.default_rng(3)
    rng.normal(size=5)
    back = round_trip(rng)
    assert np.array_equal(back.normal(size=4), rng.normal(size=4))


def test_subclasses_and_unknown_objects_cross_as_plain_or_opaque_values():
    """Does a float subclass arrive as a plain float, and a module as an Opaque stand-in?"""
    class Sneaky(float):
        def __eq__(self, other):
            return True
    back = round_trip(Sneaky(0.5))
    assert type(back) is float and back == 0.5 and back != 0.25
    assert isinstance(round_trip(np), Opaque)


def test_a_pickle_is_never_loaded(tmp_path):
    """Is a buffer that holds a pickle (or an object array) refused instead of unpickled?"""
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))
    for buffer in (pickle.dumps(Payload()), _object_npy()):
        with pytest.raises(WireError):
            Decoder([buffer]).decode({"array": 0})
    assert not marker.exists()


def _object_npy():
    stream = io.BytesIO()
    np.save(stream, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return stream.getvalue()


@pytest.mark.parametrize("tree", [{"unknown": 1}, {"array": 5}, {"dict": [[1]]},
                                  {"rng": "Evil", "state": {}}, {"a": 1, "b": 2, "c": 3}])
def test_malformed_trees_are_refused(tree):
    """Does a tree with an unknown tag, a missing buffer or a bad entry raise WireError?"""
    with pytest.raises(WireError):
        Decoder([]).decode(tree)


def test_a_header_that_is_not_json_is_refused():
    left, right = socket.socketpair()
    left.sendall(b"\x00\x00\x00\x05\x00\x00\x00\x00nope!")
    with pytest.raises(WireError):
        read_message(right)


def serve_in_thread(function):
    """An Endpoint calling `function` on the other end of a socket pair (as the jail does)."""
    near, far = socket.socketpair()
    callee = Endpoint(far)
    callee.register(function)

    def serve():
        while True:
            try:
                message, buffers = callee.receive()
            except Exception:  # noqa: BLE001 - the test closed the socket
                return
            callee.serve(message, buffers)
    threading.Thread(target=serve, daemon=True).start()
    return Endpoint(near)


def test_in_place_changes_and_generator_draws_are_written_back():
    """After a remote call, are the caller's array, dict and generator as the callee left them?"""
    def mutate(array, params, rng):
        array[0] = 9.0
        params["W1"] = 1.0
        rng.normal(size=3)
        return "done"
    caller = serve_in_thread(mutate)
    array, params, rng = np.zeros(2), {"W1": 0.0}, np.random.default_rng(0)
    twin = np.random.default_rng(0)
    twin.normal(size=3)
    assert caller.call(0, (array, params, rng), {}) == "done"
    assert array.tolist() == [9.0, 0.0] and params == {"W1": 1.0}
    assert np.array_equal(rng.normal(size=2), twin.normal(size=2))


def test_callables_become_callbacks_and_errors_keep_their_type():
    """Can the callee call a function it was given, and does its ValueError come back?"""
    def apply(f, x):
        if x < 0:
            raise ValueError("negative")
        return f(x) + 1
    caller = serve_in_thread(apply)
    assert caller.call(0, (lambda v: v * 10, 2), {}) == 21
    with pytest.raises(ValueError, match="negative"):
        caller.call(0, (abs, -1), {})


def test_warnings_of_the_callee_reach_the_caller():
    """Is a NumPy RuntimeWarning raised in the callee seen by the caller's catch_warnings?"""
    import warnings
    caller = serve_in_thread(lambda x: np.exp(x))
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn"):
        warnings.simplefilter("always")
        caller.call(0, (np.array([1000.0]),), {})
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)
