"""RFC 8785 (JCS) canonical JSON: the one canonicalizer of the project.

Whatever the hub signs or hashes as JSON (receipt payloads, log entries) is first turned into
canonical bytes here, and the signature or hash is taken over those bytes: sign bytes, never
objects. The serialisation itself is the ``rfc8785`` package; this module only wraps its
errors into :class:`~saphan.errors.InputError` and adds a strict reader that tells whether
some bytes are already canonical (so a verifier can insist on one byte form per value).

It does not know about pydantic models: callers dump a model to JSON-compatible values
(``model_dump(mode="json")``) and pass those in.

Most values the hub signs (log entries, receipts) hold only strings, safe integers, booleans
and nulls under ASCII member names. For those, orjson with sorted keys writes exactly the
RFC 8785 bytes, some twenty times faster than the pure-Python serialiser: both escape only
``"``, ``\\`` and the C0 controls, the same way, and write every other character as is; both
order ASCII names by code point. Anything else (a float, whose RFC 8785 form is ECMAScript's
number text; an integer beyond ±2**53; a non-ASCII member name, ordered by UTF-16 code unit;
another type) goes to ``rfc8785``. ``tests/property/test_jcs.py`` holds the two to the same
bytes.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
import rfc8785

from saphan.errors import InputError, Problem

__all__ = ["canonical_bytes", "loads_canonical", "loads_strict"]

_SAFE_INTEGER = 2**53 - 1


def canonical_bytes(obj: Any, *, path: str = "") -> bytes:
    """The RFC 8785 serialisation of a JSON value (dict, list, str, int, float, bool, None).

    Raises :class:`InputError` for values JSON cannot carry exactly: integers beyond
    ±2**53, NaN and infinities, non-string keys, lone surrogates, unsupported types.
    """
    if _plain(obj):
        try:
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):
            pass  # a lone surrogate or a nesting orjson refuses: rfc8785 words the problem
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:
        raise InputError(
            "value cannot be written as canonical JSON", [Problem(path, str(exc))]
        ) from exc
    except RecursionError as exc:
        raise InputError(
            "value cannot be written as canonical JSON", [Problem(path, "nested too deeply")]
        ) from exc


def _plain(value: Any, depth: int = 0) -> bool:
    """Whether orjson writes *value* byte for byte as RFC 8785 does (see the module)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INTEGER <= value <= _SAFE_INTEGER)
    if depth > 64:
        return False
    if kind is dict:
        return all(
            type(k) is str and k.isascii() and _plain(v, depth + 1) for k, v in value.items()
        )
    if kind is list:
        return all(_plain(v, depth + 1) for v in value)
    return False


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # RFC 8785 §3.1 requires unique member names; a duplicate is how two readers
            # could see two different objects behind one signature.
            raise ValueError(f"duplicate member name {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        # 1e400 parses to infinity without passing through parse_constant.
        raise ValueError(f"number {text} is out of range")
    return value


def _number_int(text: str) -> int | float:
    value = int(text)
    # RFC 8785 numbers are IEEE doubles: beyond 2**53 an integer literal is the double it
    # rounds to (canonical output writes large doubles such as 1e16 without exponent).
    return value if abs(value) <= _SAFE_INTEGER else float(value)


def loads_strict(data: bytes, *, path: str = "") -> Any:
    """Parse UTF-8 JSON, refusing duplicate member names, NaN and infinities.

    Integers beyond the exact range of a double are read as the double they denote.
    """
    try:
        text = data.decode("utf-8")
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
            parse_float=_finite_float,
            parse_int=_number_int,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError("not valid JSON", [Problem(path, str(exc))]) from exc


def loads_canonical(data: bytes, *, path: str = "") -> Any:
    """Parse JSON that must already be in its RFC 8785 form, byte for byte."""
    value = loads_strict(data, path=path)
    if canonical_bytes(value, path=path) != data:
        raise InputError(
            "JSON is not in RFC 8785 canonical form",
            [Problem(path, "members must be sorted, without spaces, numbers in shortest form")],
        )
    return value
