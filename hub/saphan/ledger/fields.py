"""Field types shared by receipts and log entries: ids, codes, digests, UTC instants.

Each type admits only machine values (no spaces, bounded length), which is how the ledger
keeps free text, and with it personal data, out of what it signs and publishes. Instants
are read from RFC 3339 strings or aware datetimes, held in UTC and written as
``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` so that one instant has one byte form.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, PlainValidator, StrictInt, WithJsonSchema

from saphan.canonical.model import AgencyCode, Sha256Hex

__all__ = [
    "AgencyCode",
    "Code",
    "Identifier",
    "LogIndex",
    "Sha256Hex",
    "UtcTime",
    "format_utc",
    "parse_utc",
]

#: Hub-assigned ids (case, transfer, quarantine, key ids): letters, digits and ``._:-_``.
#: Key ids are base64url (RFC 7638 thumbprints), so ``-`` and ``_`` may come anywhere.
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._:_-]{0,127}$")]

#: A code from a code table (status, format, rule, reason): one token, no free text.
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")]

#: A log index: JSON-safe (RFC 8785 numbers are exact only up to 2**53).
LogIndex = Annotated[StrictInt, Field(ge=0, le=2**53 - 1)]

_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)


def parse_utc(value: Any) -> datetime:
    """An aware datetime or an RFC 3339 string, as a UTC datetime (ValueError otherwise)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a time must carry its UTC offset")
        return value.astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError("a time must be an RFC 3339 string")
    match = _RFC3339.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an RFC 3339 date-time with offset")
    day, clock, fraction, offset = match.groups()
    # Python keeps microseconds: finer digits are cut, not rounded, so no instant moves
    # into the next second.
    micro = (fraction or "")[:7]
    zone = "+00:00" if offset in {"Z", "z"} else offset
    try:
        parsed = datetime.fromisoformat(f"{day}T{clock}{micro}{zone}")
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid date-time: {exc}") from exc
    return parsed.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """The one written form of an instant: UTC with a ``Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcTime = Annotated[
    datetime,
    PlainValidator(parse_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
