"""Thai time and the Buddhist Era (BE = CE + 543).

Damrongtham writes local Thai time (UTC+07:00) as ``dd/mm/yyyy HH:MM[:SS]`` with a BE year,
possibly in Thai digits; 1111 ticket numbers start with a BE ``yymmdd``. Everything in the
canonical case is a tz-aware instant.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from saphan.reference.text import ascii_digits

THAI_TZ = timezone(timedelta(hours=7), "ICT")
BE_OFFSET = 543

_BE_DATETIME = re.compile(r"^(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$")


def parse_be_datetime(text: str) -> datetime:
    """``dd/mm/yyyy HH:MM[:SS]`` (BE year, Thai time, Thai or ASCII digits) to an instant."""
    m = _BE_DATETIME.match(ascii_digits(text.strip()))
    if not m:
        raise ValueError(f"not a date-time of the form dd/mm/yyyy HH:MM[:SS]: {text!r}")
    try:
        return be_instant(*m.groups())
    except ValueError as exc:
        raise ValueError(f"not a real date-time: {text!r} ({exc})") from exc


def be_instant(
    day: str, month: str, year_be: str, hour: str, minute: str, second: str | None
) -> datetime:
    """The instant of a BE date-time's parts in Thai time; ``ValueError`` if not a real one."""
    return datetime(
        int(year_be) - BE_OFFSET,
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second or 0),
        tzinfo=THAI_TZ,
    )


def format_be_datetime(instant: datetime) -> str:
    """An instant as Damrongtham writes it: Thai time, BE year, seconds only when non-zero."""
    local = instant.astimezone(THAI_TZ)
    text = f"{local.day:02d}/{local.month:02d}/{local.year + BE_OFFSET} {local:%H:%M}"
    if local.second or local.microsecond:
        text += f":{local.second:02d}"
    return text


def thai_date(instant: datetime) -> date:
    """The calendar date in Thailand at ``instant``."""
    return instant.astimezone(THAI_TZ).date()


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def to_epoch_ms(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)
