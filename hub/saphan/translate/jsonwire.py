"""Reading and writing agency JSON safely: the mechanics the JSON adapters share.

What it does:

* **Loading** untrusted bytes (:func:`load_object`, :func:`load_batch`): strict UTF-8 (a
  leading byte-order mark is ignored, as RFC 8259 allows), a size limit, a nesting-depth
  limit, no ``NaN``/``Infinity`` (they are not JSON), and **duplicate keys refused**: an
  object that names a key twice is reported at that key's path and never resolved by
  taking the first or the last value, because two parsers that resolve it differently would
  read two different cases from the same bytes. Lone UTF-16 surrogate escapes
  (``"\\ud800"``) are refused too: they are not text and cannot be written back as UTF-8.
  Whatever is wrong is returned (or raised) as :class:`~saphan.errors.Problem` items with
  JSON-pointer paths (RFC 6901), never as a foreign exception or a traceback.
* **Batches**: :func:`load_batch` finds each element of an envelope's array by position, so
  every record keeps its own exact bytes and its structural problems (duplicate keys, depth)
  cost that record only. Bytes that are not JSON at all refuse the whole message, since
  records can then not be told apart.
* **Wire validation helpers**: field types shared by the pydantic wire models that must
  agree with the published JSON Schemas (integers that JSON Schema accepts as ``1.0``,
  RFC 3339 date-times that are real dates), and pydantic errors turned into problems.
* **Unknown keys** kept verbatim (:func:`unknown_keys`) and put back (:func:`restore_unknown`).
* **Writing** (:func:`dumps`): UTF-8, ``ensure_ascii=False``, two-space indent, one final
  newline, keys in the order given.

What it does not do: any agency's vocabulary or mapping (see the adapters) or I/O.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

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
    """A decoder for one message; it notes whether any object repeated a key, so that the
    structural walk runs only when something may be wrong (one reader per call: no state
    is shared between threads)."""

    def __init__(self) -> None:
        self.repeated = False
        self.decoder = json.JSONDecoder(
            object_pairs_hook=self._pairs, parse_constant=_refuse_constant
        )

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


_WS = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]")
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
    reader = _Reader()
    try:
        value = reader.decoder.decode(text)
    except (ValueError, RecursionError) as exc:
        raise _unreadable(exc) from None
    if not isinstance(value, dict):
        raise InputError(
            "a JSON object is expected", [Problem("", f"found {json_type(value)}, not an object")]
        )
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
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
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
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
    reader = _Reader()
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
            _expect(text, pos, '"')
            key, pos = reader.decoder.raw_decode(text, pos)  # a string: it starts with a quote
            pos = _skip(text, pos)
            _expect(text, pos, ":")
            pos = _skip(text, pos + 1)
            if key in envelope or (key == array_key and items is not None):
                repeated.append(key)
            if key == array_key and text[pos : pos + 1] == "[":
                found, pos = _scan_items(reader, text, pos, array_key, limits, surrogates)
                if items is None:
                    items = found
                envelope.pop(key, None)
            else:
                start = pos
                reader.repeated = False
                value, pos = reader.decoder.raw_decode(text, pos)
                if key not in envelope:
                    envelope[key] = value
                    problems.extend(
                        reader.check(
                            value, text[start:pos], limits, f"/{escape(key)}", 2, surrogates
                        )
                    )
            pos = _skip(text, pos)
            if text[pos : pos + 1] == ",":
                pos = _skip(text, pos + 1)
                continue
            _expect(text, pos, "}")
            pos += 1
            break
    if _skip(text, pos) != len(text):
        raise ValueError(f"extra data after the JSON object at char {pos}")
    problems[:0] = [
        Problem(f"/{escape(k)}", f"key {k!r} appears more than once in the envelope")
        for k in dict.fromkeys(repeated)
    ]
    return Batch(envelope, items, tuple(problems))


def _scan_items(
    reader: _Reader, text: str, pos: int, array_key: str, limits: Limits, surrogates: bool
) -> tuple[tuple[Item, ...], int]:
    pos = _skip(text, pos + 1)
    items: list[Item] = []
    if text[pos : pos + 1] == "]":
        return (), pos + 1
    while True:
        start = pos
        reader.repeated = False
        value, pos = reader.decoder.raw_decode(text, pos)
        source = text[start:pos]
        prefix = f"/{escape(array_key)}/{len(items)}"
        problems = reader.check(value, source, limits, prefix, 3, surrogates)
        items.append(Item(len(items), source.encode("utf-8"), value, tuple(problems)))
        if len(items) > limits.max_records:
            raise TooLargeError(
                f"more than {limits.max_records} records",
                [Problem(f"/{escape(array_key)}", f"more than {limits.max_records} records")],
            )
        pos = _skip(text, pos)
        if text[pos : pos + 1] == ",":
            pos = _skip(text, pos + 1)
            continue
        _expect(text, pos, "]")
        return tuple(items), pos + 1


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


# -- wire field types shared by the JSON adapters ---------------------------------------------

#: RFC 3339 date-time with seconds and an offset (``Z`` or ``±hh:mm``), years 1900-2099.
#: The published schemas carry the same pattern plus ``"format": "date-time"``.
DATE_TIME_PATTERN = (
    r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_DATE_TIME = re.compile(DATE_TIME_PATTERN)


def _date_time(value: Any) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_time_type", "a date-time string is expected")
    if not _DATE_TIME.search(value):
        raise PydanticCustomError(
            "date_time_format",
            "not an ISO 8601 date-time with seconds and an offset, e.g. 2024-09-06T10:35:00+07:00",
        )
    try:
        # The pattern (like any JSON Schema pattern in Python) lets one final line feed pass.
        return datetime.fromisoformat(value.rstrip("\n"))
    except ValueError:
        raise PydanticCustomError("date_time_value", "not a real date-time") from None


def _integral(value: Any) -> Any:
    # JSON Schema's "integer" is a number with no fractional part, so 5.0 is one; a boolean
    # is not a number at all. Strict pydantic would say otherwise on both counts.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "an integer is expected, not a boolean")
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise PydanticCustomError("int_type", "an integer is expected")
    return value


def _drop_final_line_feed(value: str) -> str:
    return value[:-1] if value.endswith("\n") else value


#: a tz-aware instant written as an RFC 3339 string
WireDateTime = Annotated[datetime, BeforeValidator(_date_time)]
#: an integer as JSON Schema counts them (``1.0`` included, booleans excluded)
Integral = BeforeValidator(_integral)
#: after a ``^…$`` pattern of variable length: Python's ``$`` (and so ``jsonschema``) lets one
#: final line feed through; it is accepted, as the published schema accepts it, and dropped
Tidy = AfterValidator(_drop_final_line_feed)


# -- pydantic errors ----------------------------------------------------------------------


def problems_from(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """Every error of a wire model as a problem with a JSON-pointer path below ``prefix``."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        if kind == "missing":
            message = "required"
        elif kind == "literal_error":
            expected = (err.get("ctx") or {}).get("expected", "")
            message = f"{err['input']!r} is not a known code (expected {expected})"
        elif kind in ("model_type", "dict_type"):
            message = f"an object is expected, found {json_type(err['input'])}"
        else:
            message = err["msg"]
        problems.append(Problem(pointer([p for p in err["loc"]], prefix), message))
    return problems


# -- unknown keys -------------------------------------------------------------------------


_SCALARS = frozenset({str, int, float, bool, datetime})


def unknown_keys(model: BaseModel, prefix: str = "") -> dict[str, Any]:
    """Keys the wire model did not declare, by JSON pointer, with their values verbatim.

    Reads pydantic's own storage (``__pydantic_extra__``, ``__dict__``) rather than going
    through attribute access: this runs on every message.
    """
    found: dict[str, Any] = {}
    stack: list[tuple[BaseModel, str]] = [(model, prefix)]
    while stack:
        node, path = stack.pop()
        extra = node.__pydantic_extra__
        if extra:
            for key, value in extra.items():
                found[f"{path}/{escape(key)}"] = value
        for name, value in node.__dict__.items():
            if value is None or type(value) in _SCALARS:
                continue  # most fields: cheaper than pydantic's metaclass isinstance
            if isinstance(value, BaseModel):
                stack.append((value, f"{path}/{name}"))
            elif isinstance(value, list):
                stack.extend(
                    (item, f"{path}/{name}/{index}")
                    for index, item in enumerate(value)
                    if isinstance(item, BaseModel)
                )
    return found


def restore_unknown(document: dict[str, Any], unknown: Mapping[str, Any]) -> None:
    """Put kept unknown keys back where they were, when that object is still written.

    A key is skipped when its object is not in ``document`` (written as ``null``) or when
    the format now uses the key itself: a kept value never overrides a written one.
    """
    for path, value in unknown.items():
        if not path.startswith("/"):
            continue
        *parents, last = [unescape(t) for t in path[1:].split("/")]
        node: Any = document
        for token in parents:
            if isinstance(node, dict):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                node = None
                break
        if isinstance(node, dict) and last not in node:
            node[last] = value


# -- writing ------------------------------------------------------------------------------


def dumps(document: Any) -> bytes:
    """UTF-8 JSON as the agencies' examples are written: Thai as is, two-space indent."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


__all__ = [
    "DATE_TIME_PATTERN",
    "Batch",
    "Integral",
    "Item",
    "Tidy",
    "WireDateTime",
    "dumps",
    "escape",
    "json_type",
    "load_batch",
    "load_object",
    "pointer",
    "problems_from",
    "restore_unknown",
    "structure_problems",
    "unescape",
    "unknown_keys",
]
