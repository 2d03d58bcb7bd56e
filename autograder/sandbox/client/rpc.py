"""Calls across a socket in plain data, in both directions.

Each side registers the callables the other may call and gets stubs for the
other side's. A call sends its arguments, then serves the other side's calls
(callbacks) until its own answer comes back. The answer carries the
arguments the callee changed in place (arrays, lists, dicts, and the state of
a random Generator), and the caller writes them back into its own objects, so
a function behaves across the socket as it would in one process.
"""
import builtins
import socket
import time
import warnings

import numpy as np

from .wire import Decoder, Encoder, WireError, read_message, write_message

_RAISABLE = {name: value for name, value in vars(builtins).items()
             if isinstance(value, type) and issubclass(value, Exception)
             and not issubclass(value, (OSError, Warning))}
_WARNINGS = {name: value for name, value in vars(builtins).items()
             if isinstance(value, type) and issubclass(value, Warning)}
_ERRSTATE = {"divide", "over", "under", "invalid"}
_ERRSTATE_VALUES = {"ignore", "warn", "raise", "call", "print", "log"}
MAX_WARNINGS = 20


class ConnectionLost(Exception):
    """The other side closed the connection, broke the protocol or ran out of time."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason  # "closed", "timeout" or "protocol"


class RemoteError(Exception):
    """An exception the other side raised in a call, rebuilt by its type's name."""


def rebuilt_exception(type_name, message):
    """An exception of the builtin type `type_name` (else a RemoteError subclass so named)."""
    kind = _RAISABLE.get(type_name)
    if kind is None:
        kind = type(str(type_name)[:80] or "RemoteError", (RemoteError,), {})
    try:
        return kind(message)
    except Exception:  # noqa: BLE001 - an exception type with an unusual constructor
        return RemoteError(f"{type_name}: {message}")


class Endpoint:
    """One side of the connection.

    Args:
        sock: a connected socket.
        deadline: time.monotonic() after which waiting for the other side fails, or None.
        failure_types: exceptions that, raised by a local callable during a callback,
            are kept and raised again once the outer call returns (the checks' CheckFailed).
    """

    def __init__(self, sock, deadline=None, failure_types=()):
        self.sock = sock
        self.deadline = deadline
        self.failure_types = tuple(failure_types)
        self._local = []
        self._pending_failure = None
        self.broken = None

    # -- registry ---------------------------------------------------------------------------
    def register(self, function):
        self._local.append(function)
        return len(self._local) - 1

    def stub(self, remote_id):
        endpoint = self

        def remote(*args, **kwargs):
            return endpoint.call(remote_id, args, kwargs)
        return remote

    # -- the wire ---------------------------------------------------------------------------
    def send(self, header, buffers=()):
        try:
            write_message(self.sock, header, buffers)
        except (OSError, ValueError) as error:
            raise self._lost("closed", error) from None

    def receive(self):
        if self.broken:
            raise ConnectionLost(self.broken)
        try:
            if self.deadline is not None:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                self.sock.settimeout(left)
            return read_message(self.sock)
        except socket.timeout:
            raise self._lost("timeout") from None
        except (EOFError, OSError):
            raise self._lost("closed") from None
        except (WireError, ValueError, OverflowError):
            raise self._lost("protocol") from None

    def _lost(self, reason, error=None):
        self.broken = reason
        return ConnectionLost(reason)

    def _encode(self, value):
        encoder = Encoder(self.register)
        return encoder.encode(value), encoder.buffers

    def _decoder(self, buffers):
        return Decoder(buffers, self.stub)

    # -- calls ------------------------------------------------------------------------------
    def call(self, remote_id, args, kwargs, inject=None):
        """Call the other side's callable `remote_id`; returns its result or raises its error."""
        encoder = Encoder(self.register)
        header = {"op": "call", "id": remote_id,
                  "args": [encoder.encode(a) for a in args],
                  "kwargs": [[k, encoder.encode(v)] for k, v in kwargs.items()],
                  "inject": {name: self.register(f) for name, f in (inject or {}).items()},
                  "errstate": np.geterr()}
        self.send(header, encoder.buffers)
        while True:
            message, buffers = self.receive()
            op = message.get("op")
            if op == "call":
                self.serve(message, buffers)
            elif op in ("return", "raise"):
                return self._finish(message, buffers, args, kwargs)
            else:
                raise self._lost("protocol")

    def _finish(self, message, buffers, args, kwargs):
        try:
            decoder = self._decoder(buffers)
            if message["op"] == "return":
                result = decoder.decode(message.get("value"))
            _write_back(args, kwargs, message.get("changed") or {}, decoder)
        except (WireError, KeyError, TypeError, ValueError, IndexError):
            raise self._lost("protocol") from None
        failure, self._pending_failure = self._pending_failure, None
        if failure is not None:
            raise failure
        for category, text in (message.get("warnings") or [])[:MAX_WARNINGS]:
            warnings.warn(str(text), _WARNINGS.get(category, UserWarning), stacklevel=3)
        if message["op"] == "raise":
            raise rebuilt_exception(str(message.get("type")), str(message.get("message"))[:2000])
        return result

    def serve(self, message, buffers):
        """Run one call of a local callable that the other side asked for, and answer it."""
        try:
            function = self._local[message["id"]]
            decoder = self._decoder(buffers)
            args = [decoder.decode(a) for a in message["args"]]
            kwargs = {str(k): decoder.decode(v) for k, v in message["kwargs"]}
            inject = {str(k): self.stub(v) for k, v in message.get("inject", {}).items()
                      if type(v) is int}
        except (WireError, KeyError, TypeError, ValueError, IndexError):
            raise self._lost("protocol") from None
        _inject(function, inject)
        before = [self._encode(a) for a in args], {k: self._encode(v) for k, v in kwargs.items()}
        try:
            with warnings.catch_warnings(record=True) as caught, \
                    np.errstate(**_errstate(message.get("errstate"))):
                warnings.simplefilter("always")
                result = function(*args, **kwargs)
                value, buffers = self._encode(result)
        except BaseException as error:  # noqa: BLE001 - every error goes back to the caller
            if isinstance(error, ConnectionLost):
                raise
            if isinstance(error, self.failure_types) and self._pending_failure is None:
                self._pending_failure = error
            reply, buffers = {"op": "raise", "type": type(error).__name__,
                              "message": _text(error)}, []
        else:
            reply = {"op": "return", "value": value, "warnings": [
                [w.category.__name__, _text(w.message)] for w in caught[:MAX_WARNINGS]]}
        reply["changed"] = self._changes(args, kwargs, before, buffers)
        self.send(reply, buffers)

    def _changes(self, args, kwargs, before, buffers):
        """{"args": {position: tree}, "kwargs": {key: tree}} of the arguments changed in place."""
        changed = {"args": {}, "kwargs": {}}
        for where, items, old in (("args", enumerate(args), before[0]),
                                  ("kwargs", kwargs.items(), before[1])):
            for key, value in items:
                if not isinstance(value, (np.ndarray, list, dict, np.random.Generator)):
                    continue
                try:
                    tree, new_buffers = self._encode(value)
                except Exception:  # noqa: BLE001 - an argument made unsendable is not sent
                    continue
                if (tree, new_buffers) != old[key]:
                    changed[where][str(key)] = _shift(tree, len(buffers))
                    buffers.extend(new_buffers)
        return changed


def _text(error):
    try:
        return str(error)[:2000]
    except Exception:  # noqa: BLE001
        return "(an error whose message cannot be printed)"


def _errstate(requested):
    """The caller's NumPy error handling, as far as it is well-formed."""
    if not isinstance(requested, dict):
        return {}
    return {k: v for k, v in requested.items() if k in _ERRSTATE and v in _ERRSTATE_VALUES
            and v != "call" and v != "log"}


def _inject(function, names):
    namespace = getattr(function, "__globals__", None)
    if names and isinstance(namespace, dict):
        namespace.update(names)


def _shift(tree, offset):
    """The tree with its buffer indices moved by `offset` (its buffers go after others)."""
    if isinstance(tree, list):
        return [_shift(item, offset) for item in tree]
    if isinstance(tree, dict):
        if set(tree) <= {"array", "scalar"}:
            return {k: v + offset for k, v in tree.items()}
        return {k: _shift(v, offset) if k != "state" else v for k, v in tree.items()}
    return tree


def _write_back(args, kwargs, changed, decoder):
    """Copy the callee's in-place changes into the caller's own argument objects."""
    for key, tree in (changed.get("args") or {}).items():
        position = int(key)
        if 0 <= position < len(args):
            _assign(args[position], decoder.decode(tree))
    for key, tree in (changed.get("kwargs") or {}).items():
        if key in kwargs:
            _assign(kwargs[key], decoder.decode(tree))


def _assign(target, value):
    if isinstance(target, np.random.Generator) and isinstance(value, np.random.Generator):
        target.bit_generator.state = value.bit_generator.state
    elif isinstance(target, np.ndarray) and isinstance(value, np.ndarray):
        if target.shape == value.shape and target.flags.writeable:
            np.copyto(target, value, casting="unsafe")
    elif isinstance(target, list) and isinstance(value, list):
        target[:] = value
    elif isinstance(target, dict) and isinstance(value, dict):
        target.clear()
        target.update(value)
