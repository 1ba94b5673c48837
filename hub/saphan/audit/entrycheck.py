"""Reading log entries fast enough to audit a million of them, with the same verdicts.

:func:`saphan.ledger.entries.parse_entry` is the definition of a well-formed entry: its
bytes are RFC 8785 canonical JSON and they validate as one of the known entry models. It
spends most of its time proving canonical form by re-serialising with the pure-Python
canonicalizer (about 20 µs an entry). :func:`read_entry` reaches the same verdict in about
4 µs on the common path and falls back to :func:`parse_entry` whenever it cannot decide.

Why the fast path is sound (it accepts only what :func:`parse_entry` accepts):

1. ``orjson.loads`` reads the bytes into a value ``v``; invalid UTF-8, NaN, infinities and
   lone surrogates fail there (and go to the exact path).
2. ``v`` must be *plain*: numbers are integers within ±(2**53 - 1), never floats, and
   every member name is ASCII. Then the strict reader of :mod:`saphan.ledger.jcs` reads
   the same bytes into the same value (it turns only larger integers into floats), and
   the RFC 8785 order of member names (UTF-16 code units) equals the code point order
   orjson sorts by.
3. ``orjson.dumps(v, OPT_SORT_KEYS)`` must equal the bytes exactly. For plain values that
   output *is* the RFC 8785 form: same separators, no whitespace, same literals, the same
   decimal integers, and the same string escapes: both write ``\\b \\t \\n \\f \\r``,
   ``\\"``, ``\\\\`` and ``\\u00xx`` (lowercase) for other control characters and every
   other character as raw UTF-8 (``tests/unit/audit`` checks this for every Unicode scalar
   value). Equality also excludes duplicate member names: orjson keeps one of them, so
   the output would be shorter than the input.
4. The bytes then go through the very validator :func:`parse_entry` uses
   (``validate_json`` of the entry union), so the set of known kinds and their fields is
   checked exactly as the ledger defines them.

Whenever a step does not hold, :func:`parse_entry` itself decides, and its problems are
what the auditor sees. What this module does not do: hash entries or know their place.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from saphan.ledger.entries import Entry, parse_entry

__all__ = ["is_plain", "read_entry"]

_MAX_EXACT = 2**53 - 1
_SORT_KEYS = orjson.OPT_SORT_KEYS
_loads = orjson.loads
_dumps = orjson.dumps
# The same discriminated union parse_entry validates against.
_ENTRIES: TypeAdapter[Entry] = TypeAdapter(Entry)
_validate = _ENTRIES.validate_json
_SCALARS = (str, bool, type(None))


def is_plain(value: Any) -> bool:
    """True when ``value`` holds no float, no integer beyond ±(2**53 - 1), no non-ASCII name."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if not key.isascii():
                return False
            # Entries are mostly strings and small integers: settled here, without a call.
            item_kind = type(item)
            if item_kind is str or item is None:
                continue
            if item_kind is int:
                if not -_MAX_EXACT <= item <= _MAX_EXACT:
                    return False
            elif not is_plain(item):
                return False
        return True
    if kind in _SCALARS:
        return True
    if kind is int:
        return bool(-_MAX_EXACT <= value <= _MAX_EXACT)
    if kind is list:
        return all(is_plain(item) for item in value)
    return False


def read_entry(data: bytes, index: int | None = None) -> Entry:
    """The entry these leaf bytes hold; :class:`~saphan.errors.IntegrityError` otherwise.

    Same verdict as :func:`~saphan.ledger.entries.parse_entry`, faster on the common path.
    """
    try:
        value = _loads(data)
        if _dumps(value, option=_SORT_KEYS) == data and is_plain(value):
            return _validate(data)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, ValidationError):
        pass
    return parse_entry(data, index=index)
