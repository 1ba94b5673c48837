"""Loading untrusted agency JSON safely: one object, or a batch record by record.

* **Loading** untrusted bytes (:func:`load_object`, :func:`load_batch`): strict UTF-8 (a
  leading byte-order mark is ignored, as RFC 8259 allows), a size limit, a nesting-depth
  limit, no ``NaN``/``Infinity`` (they are not JSON), and **duplicate keys refused**: an
  object that names a key twice is reported at that key's path and never resolved by
  taking the first or the last value, because two parsers that resolve it differently would
  read two different cases from the same bytes. Lone UTF-16 surrogate escapes
  (``"\\ud800"``) are refused too: they are not text and cannot be written back as UTF-8.
  Whatever is wrong is returned (or raised) as :class:`~saphan.errors.Problem` items with
  JSON-pointer paths (RFC 6901, :func:`pointer`), never as a foreign exception or a traceback.
* **Batches**: :func:`load_batch` finds each element of an envelope's array by position, so
  every record keeps its own exact bytes and its structural problems (duplicate keys, depth)
  cost that record only. Bytes that are not JSON at all refuse the whole message, since
  records can then not be told apart.

What it does not do: wire models (:mod:`~saphan.translate.jsonfields`), unknown keys and
writing (:mod:`~saphan.translate.jsonwrite`), any agency's vocabulary, or I/O.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from saphan.errors import InputError, Problem, TooLargeError
from saphan.translate.adapter import Limits

# -- JSON pointers ------------------------------------------------------------------------


def escape(token: str | int) -> str:
    """One RFC 6901 reference token (``~`` → ``~0``, ``/`` → ``~1``)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer(parts: Sequence[str | int], prefix: str = "") -> str:
    """The JSON pointer of ``parts`` below ``prefix`` (the root is the empty string)."""
    return prefix + "".join(f"/{escape(p)}" for p in parts)


# -- loading ------------------------------------------------------------------------------


class _Repeated(dict[str, Any]):
    """An object whose source named some keys more than once (found later by the walk)."""

    __slots__ = ("repeated",)
    repeated: list[str]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


class _Reader:
    """A decoder that notes whether any object repeated a key, so that the structural walk
    runs only when something may be wrong.

    One per thread, reused: building the C scanner costs about as much as reading a small
    message. :func:`_reader` resets it before each use; no state is shared between threads,
    and reading runs no code of the caller's, so a reader is never used twice at once.
    """

    def __init__(self) -> None:
        self.repeated = False
        self.decoder = json.JSONDecoder(
            object_pairs_hook=self._pairs, parse_constant=_refuse_constant
        )
        # the C scanner that ``raw_decode`` wraps (typeshed does not declare it)
        self._scan: Callable[[str, int], tuple[Any, int]] = self.decoder.scan_once  # type: ignore[attr-defined]

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        self.repeated = True
        marked = _Repeated(obj)
        seen: set[str] = set()
        marked.repeated = []
        for key, _ in pairs:
            if key in seen and key not in marked.repeated:
                marked.repeated.append(key)
            seen.add(key)
        return marked

    def value(self, text: str, pos: int) -> tuple[Any, int]:
        """The JSON value that starts at ``pos`` and where it ends (``raw_decode`` without
        its Python wrapper)."""
        try:
            return self._scan(text, pos)
        except StopIteration as exc:
            raise json.JSONDecodeError("Expecting value", text, exc.value) from None

    def check(
        self, value: Any, source: str, limits: Limits, prefix: str, depth: int, surrogates: bool
    ) -> list[Problem]:
        """Structural problems of ``value`` (read from ``source``), walking it only when
        needed: a repeated key was seen, lone surrogates may be there, or the source has
        enough brackets to nest too deeply (counting them is cheap and errs on the safe
        side, since brackets inside strings count too)."""
        brackets = source.count("{") + source.count("[")
        if not (self.repeated or surrogates or depth - 1 + brackets > limits.max_depth):
            return []
        return structure_problems(value, limits, prefix, depth=depth, surrogates=surrogates)


class _Readers(threading.local):
    def __init__(self) -> None:
        self.reader = _Reader()


_readers = _Readers()


def _reader() -> _Reader:
    """This thread's reader, with nothing noted yet."""
    reader = _readers.reader
    reader.repeated = False
    return reader


_WS = re.compile(r"[ \t\n\r]*")
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
#: a member's key without escapes or control characters, and the colon after it
_PLAIN_KEY = re.compile(r'"([^"\\\x00-\x1f]*)"[ \t\n\r]*:[ \t\n\r]*')
#: white space, then what ends a member (``,`` or ``}``) or an element (``,`` or ``]``)
_AFTER_MEMBER = re.compile(r"[ \t\n\r]*([,}]?)[ \t\n\r]*")
_AFTER_ELEMENT = re.compile(r"[ \t\n\r]*([,\]]?)[ \t\n\r]*")
#: the escape of a UTF-16 surrogate, looked for in the message's bytes (ASCII, so UTF-8
#: holds it as the text does; a search of bytes is quicker than one of Thai text)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(data: bytes, limits: Limits) -> str:
    if len(data) > limits.max_bytes:
        raise TooLargeError(
            f"message is {len(data)} bytes; the limit is {limits.max_bytes}",
            [Problem("", f"larger than {limits.max_bytes} bytes")],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            "message is not UTF-8",
            [Problem("", f"byte {data[exc.start]:#04x} at offset {exc.start} is not UTF-8")],
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _unreadable(exc: Exception) -> InputError:
    if isinstance(exc, RecursionError):
        message = "nested too deeply to be read"
    else:
        message = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    return InputError("message is not well-formed JSON", [Problem("", message)])


def structure_problems(
    value: Any, limits: Limits, prefix: str = "", *, depth: int = 1, surrogates: bool = True
) -> list[Problem]:
    """Repeated keys, excess depth and (when ``surrogates``) lone surrogates in ``value``.

    Iterative on purpose: hostile nesting must not exhaust Python's recursion limit.
    """
    problems: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(value, prefix, depth)]
    while stack:
        node, path, level = stack.pop()
        if isinstance(node, dict):
            if level > limits.max_depth:
                problems.append(Problem(path, f"nested deeper than {limits.max_depth} levels"))
                continue
            if isinstance(node, _Repeated):
                for key in node.repeated:
                    problems.append(
                        Problem(
                            f"{path}/{escape(key)}",
                            f"key {key!r} appears more than once in one object; "
                            "the hub does not guess which value was meant",
                        )
                    )
            for key, child in node.items():
                if surrogates and _SURROGATE.search(key):
                    problems.append(Problem(f"{path}/{escape(key)}", "key is not Unicode text"))
                if isinstance(child, dict | list) or (surrogates and isinstance(child, str)):
                    stack.append((child, f"{path}/{escape(key)}", level + 1))
        elif isinstance(node, list):
            if level > limits.max_depth:
                problems.append(Problem(path, f"nested deeper than {limits.max_depth} levels"))
                continue
            for index, child in enumerate(node):
                if isinstance(child, dict | list) or (surrogates and isinstance(child, str)):
                    stack.append((child, f"{path}/{index}", level + 1))
        elif isinstance(node, str) and _SURROGATE.search(node):
            problems.append(Problem(path, "lone UTF-16 surrogate escape: not Unicode text"))
    problems.sort(key=lambda p: p.path)
    return problems


def load_object(data: bytes, limits: Limits) -> tuple[dict[str, Any], list[Problem]]:
    """A JSON object and its structural problems (repeated keys, depth, lone surrogates).

    Raises :class:`InputError` when the bytes are not a JSON object at all.
    """
    text = _text(data, limits)
    reader = _reader()
    try:
        value, end = reader.value(text, _skip(text, 0))
        end = _skip(text, end)
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
    except (ValueError, RecursionError) as exc:
        raise _unreadable(exc) from None
    if not isinstance(value, dict):
        raise InputError(
            "a JSON object is expected", [Problem("", f"found {json_type(value)}, not an object")]
        )
    surrogates = _SURROGATE_ESCAPE.search(data) is not None
    return value, reader.check(value, text, limits, "", 1, surrogates)


@dataclass(frozen=True, slots=True)
class Item:
    """One element of a batch's array: its exact bytes, its value and structural problems."""

    index: int
    raw: bytes
    value: Any
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class Batch:
    """An envelope (every member but the array) and the array's elements, when it is one."""

    envelope: dict[str, Any]
    items: tuple[Item, ...] | None
    problems: tuple[Problem, ...]


def load_batch(data: bytes, array_key: str, limits: Limits) -> Batch:
    """Read ``{..., array_key: [item, ...], ...}`` keeping each item's own bytes.

    ``items`` is ``None`` when the envelope has no array under ``array_key`` (the envelope's
    own validation then says so). ``problems`` are the envelope's structural problems; each
    item carries its own. Raises :class:`InputError` when the bytes are not a JSON object.
    """
    text = _text(data, limits)
    surrogates = _SURROGATE_ESCAPE.search(data) is not None
    try:
        return _scan_batch(text, array_key, limits, surrogates)
    except (ValueError, RecursionError, IndexError) as exc:
        raise _unreadable(exc) from None


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _expect(text: str, pos: int, char: str) -> None:
    if text[pos : pos + 1] != char:
        found = repr(text[pos]) if pos < len(text) else "the end"
        raise ValueError(f"expected {char!r} at char {pos}, found {found}")


def _scan_batch(text: str, array_key: str, limits: Limits, surrogates: bool) -> Batch:
    reader = _reader()
    # Whether anything may nest too deeply: brackets counted over the whole message (strings
    # included) bound the depth of every part of it, so one count spares one per part.
    deep = 2 + text.count("{") + text.count("[") > limits.max_depth
    pos = _skip(text, 0)
    if text[pos : pos + 1] != "{":
        value = reader.decoder.decode(text)  # raises for non-JSON; else it is JSON but no object
        raise InputError(
            "a JSON object is expected", [Problem("", f"found {json_type(value)}, not an object")]
        )
    pos = _skip(text, pos + 1)
    envelope: dict[str, Any] = {}
    repeated: list[str] = []
    problems: list[Problem] = []
    items: tuple[Item, ...] | None = None
    if text[pos : pos + 1] == "}":
        pos += 1
    else:
        while True:
            plain = _PLAIN_KEY.match(text, pos)  # most keys: no escapes, one regex
            if plain is not None:
                key, pos = plain.group(1), plain.end()
            else:
                _expect(text, pos, '"')
                key, pos = reader.value(text, pos)  # a string: it starts with a quote
                colon = _COLON.match(text, pos)
                if colon is None:
                    _expect(text, _skip(text, pos), ":")  # raises, naming what is there instead
                assert colon is not None
                pos = colon.end()
            if key in envelope or (key == array_key and items is not None):
                repeated.append(key)
            if key == array_key and text[pos : pos + 1] == "[":
                found, pos = _scan_items(reader, text, pos, array_key, limits, surrogates, deep)
                if items is None:
                    items = found
                envelope.pop(key, None)
            else:
                reader.repeated = False
                value, pos = reader.value(text, pos)
                if key not in envelope:
                    envelope[key] = value
                    if reader.repeated or surrogates or deep:
                        problems.extend(
                            structure_problems(
                                value, limits, f"/{escape(key)}", depth=2, surrogates=surrogates
                            )
                        )
            after = _AFTER_MEMBER.match(text, pos)
            assert after is not None  # every part of the pattern may be empty
            if after.group(1) == ",":
                pos = after.end()
                continue
            _expect(text, after.start(1), "}")
            pos = after.start(1) + 1
            break
    if _skip(text, pos) != len(text):
        raise ValueError(f"extra data after the JSON object at char {pos}")
    problems[:0] = [
        Problem(f"/{escape(k)}", f"key {k!r} appears more than once in the envelope")
        for k in dict.fromkeys(repeated)
    ]
    return Batch(envelope, items, tuple(problems))


def _scan_items(
    reader: _Reader,
    text: str,
    pos: int,
    array_key: str,
    limits: Limits,
    surrogates: bool,
    deep: bool,
) -> tuple[tuple[Item, ...], int]:
    pos = _skip(text, pos + 1)
    items: list[Item] = []
    if text[pos : pos + 1] == "]":
        return (), pos + 1
    head = f"/{escape(array_key)}"
    scan, after_element = reader.value, _AFTER_ELEMENT.match
    while True:
        start = pos
        reader.repeated = False
        value, pos = scan(text, pos)
        index = len(items)
        problems: tuple[Problem, ...] = ()
        if reader.repeated or surrogates or deep:
            found = structure_problems(
                value, limits, f"{head}/{index}", depth=3, surrogates=surrogates
            )
            problems = tuple(found)
        items.append(Item(index, text[start:pos].encode("utf-8"), value, problems))
        if index >= limits.max_records:
            raise TooLargeError(
                f"more than {limits.max_records} records",
                [Problem(head, f"more than {limits.max_records} records")],
            )
        after = after_element(text, pos)
        assert after is not None  # every part of the pattern may be empty
        if after.group(1) == ",":
            pos = after.end()
            continue
        _expect(text, after.start(1), "]")
        return tuple(items), after.start(1) + 1


def json_type(value: Any) -> str:
    """The JSON type name of a loaded value (for messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
