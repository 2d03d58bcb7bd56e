"""Plain data between the trusted checker and the jailed process that runs student code.

A message is a JSON header and a list of binary buffers (arrays as `.npy` bytes,
loaded with `allow_pickle=False`). Nothing that crosses is ever unpickled.
A value is encoded as a JSON tree:

    None, bool, int, float, str     as themselves
    list                            a JSON list
    tuple / dict / set              {"tuple": [...]}, {"dict": [[key, value], ...]}, {"set": [...]}
    numpy array                     {"array": buffer index}
    numpy scalar                    {"scalar": buffer index} (a 0-d array, read back as a scalar)
    numpy Generator                 {"rng": bit generator name, "state": its state}
    callable                        {"callable": id}: the receiving side gets a stub that calls back
    iterator / generator            {"iterated": [...]}: its items, read back as an iterator
    anything else                   {"opaque": type name, "repr": short repr}
"""
import io
import json
import struct

import numpy as np

MAX_MESSAGE_BYTES = 1 << 30
MAX_DEPTH = 64
MAX_ITEMS = 1_000_000
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class WireError(Exception):
    """A message that is not well-formed plain data."""


class Opaque:
    """Stands for a value of a type that cannot cross (a module, an open file, a class...)."""

    def __init__(self, type_name, text):
        self.type_name, self.text = str(type_name), str(text)

    def __repr__(self):
        return f"<{self.type_name} {self.text}>"


class Encoder:
    """Turns values into a JSON tree and buffers; callables are registered under ids."""

    def __init__(self, register_callable=None):
        self.buffers = []
        self._register = register_callable

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if value == value and abs(value) != float("inf") else \
                {"float": repr(value)}
        if isinstance(value, np.ndarray):
            return {"array": self._buffer(_plain_array(value))}
        if isinstance(value, np.generic):
            return {"scalar": self._buffer(_plain_array(np.asarray(value)))}
        if isinstance(value, np.random.Generator):
            bit_generator = value.bit_generator
            return {"rng": type(bit_generator).__name__, "state": _json_safe(bit_generator.state)}
        for plain in (float, int, str):  # a subclass crosses as its plain value
            if isinstance(value, plain):
                return self.encode(getattr(plain, f"__{plain.__name__}__")(value), depth)
        if isinstance(value, list):
            return [self.encode(item, depth + 1) for item in list.__iter__(value)]
        if isinstance(value, tuple):
            return {"tuple": [self.encode(item, depth + 1) for item in tuple.__iter__(value)]}
        if isinstance(value, dict):
            return {"dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                             for k, v in dict.items(value)]}
        if isinstance(value, (set, frozenset)):
            return {"set": [self.encode(item, depth + 1) for item in value]}
        if callable(value) and self._register is not None and not isinstance(value, type):
            return {"callable": self._register(value)}
        if hasattr(type(value), "__next__") and hasattr(type(value), "__iter__"):
            items = []
            for item in value:
                if len(items) >= MAX_ITEMS:
                    raise WireError(f"an iterator of more than {MAX_ITEMS} items")
                items.append(self.encode(item, depth + 1))
            return {"iterated": items}
        try:
            text = repr(value)[:200]
        except Exception:  # noqa: BLE001 - a repr that fails is a value like any other
            text = "?"
        return {"opaque": type(value).__name__, "repr": text}

    def _buffer(self, array):
        stream = io.BytesIO()
        np.save(stream, array, allow_pickle=False)
        self.buffers.append(stream.getvalue())
        return len(self.buffers) - 1


def _plain_array(value):
    array = np.array(value, subok=False, copy=True)
    if array.dtype.hasobject:
        try:
            return np.array(array.tolist(), dtype=np.float64)
        except (TypeError, ValueError):
            raise WireError("an array of Python objects cannot be sent") from None
    return array


def _json_safe(state):
    if isinstance(state, dict):
        return {str(k): _json_safe(v) for k, v in state.items()}
    if isinstance(state, np.ndarray):
        return {"uint_array": state.tolist(), "dtype": state.dtype.str}
    if isinstance(state, np.integer):
        return int(state)
    return state


def _from_json_safe(state):
    if isinstance(state, dict):
        if set(state) == {"uint_array", "dtype"}:
            return np.array(state["uint_array"], dtype=np.dtype(state["dtype"]))
        return {k: _from_json_safe(v) for k, v in state.items()}
    return state


class Decoder:
    """Reads a JSON tree and buffers back into values; callables become `make_stub(id)`."""

    def __init__(self, buffers, make_stub=None):
        self.buffers = buffers
        self._make_stub = make_stub

    def decode(self, tree, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        if tree is None or type(tree) in (bool, int, float, str):
            return tree
        if type(tree) is list:
            return [self.decode(item, depth + 1) for item in tree]
        if type(tree) is not dict or len(tree) not in (1, 2):
            raise WireError("not a value")
        (tag, body), *rest = tree.items()
        if tag == "float" and type(body) is str:
            return float(body)
        if tag in ("array", "scalar"):
            array = self._array(body)
            return array[()] if tag == "scalar" else array
        if tag == "tuple":
            return tuple(self.decode(item, depth + 1) for item in _list(body))
        if tag == "dict":
            return {self._key(pair[0], depth): self.decode(pair[1], depth + 1)
                    for pair in _list(body) if _pair(pair)}
        if tag == "set":
            return {self._key(item, depth) for item in _list(body)}
        if tag == "rng":
            return _generator(body, tree.get("state"))
        if tag == "callable" and type(body) is int and self._make_stub is not None:
            return self._make_stub(body)
        if tag == "iterated":
            return iter([self.decode(item, depth + 1) for item in _list(body)])
        if tag == "opaque":
            return Opaque(body, tree.get("repr", ""))
        raise WireError(f"unknown tag {tag!r}")

    def _key(self, tree, depth):
        key = self.decode(tree, depth + 1)
        try:
            hash(key)
        except TypeError:
            raise WireError("an unhashable dict key") from None
        return key

    def _array(self, index):
        if type(index) is not int or not 0 <= index < len(self.buffers):
            raise WireError("no such buffer")
        try:
            return np.load(io.BytesIO(self.buffers[index]), allow_pickle=False)
        except Exception as error:  # noqa: BLE001 - malformed bytes are a malformed message
            raise WireError(f"not an .npy array: {error}") from None


def _list(body):
    if type(body) is not list:
        raise WireError("expected a list")
    return body


def _pair(pair):
    if type(pair) is not list or len(pair) != 2:
        raise WireError("a dict entry is not a pair")
    return True


def _generator(name, state):
    if name not in _BIT_GENERATORS or type(state) is not dict:
        raise WireError(f"unknown bit generator {name!r}")
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = _from_json_safe(state)
    except Exception as error:  # noqa: BLE001
        raise WireError(f"a bad generator state: {error}") from None
    return np.random.Generator(bit_generator)


def write_message(sock, header, buffers=()):
    """Send one message: the JSON header, then each buffer, each with its length in front."""
    head = json.dumps(header, allow_nan=False).encode()
    parts = [struct.pack("!II", len(head), len(buffers)), head]
    for buffer in buffers:
        parts += [struct.pack("!Q", len(buffer)), buffer]
    sock.sendall(b"".join(parts))


def read_message(sock):
    """(header dict, buffers) of the next message; EOFError when the other side is gone."""
    head_size, count = struct.unpack("!II", _read_exactly(sock, 8))
    if head_size > MAX_MESSAGE_BYTES or count > MAX_ITEMS:
        raise WireError("message too large")
    try:
        header = json.loads(_read_exactly(sock, head_size))
    except (ValueError, RecursionError):
        raise WireError("a header that is not JSON") from None
    if type(header) is not dict:
        raise WireError("a header that is not an object")
    buffers, total = [], head_size
    for _ in range(count):
        (size,) = struct.unpack("!Q", _read_exactly(sock, 8))
        total += size
        if total > MAX_MESSAGE_BYTES:
            raise WireError("message too large")
        buffers.append(_read_exactly(sock, size))
    return header, buffers


def _read_exactly(sock, size):
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
