"""The pieces the pages are made of: SVG charts, Thai and English dates, the raw-record
text round trip of the repair form, the CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from conftest import EXAMPLES

from saphan.errors import InputError
from saphan.web import charts
from saphan.web.rawtext import decode_raw, encode_raw
from saphan.web.render import format_age, format_date, format_instant
from saphan.web.session import csrf_ok, csrf_token


def _heights(svg: str) -> list[float]:
    return [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', svg)]


def test_columns_scale_to_the_largest_value_and_escape_labels() -> None:
    svg = str(charts.columns([("<b>1</b>", 2.0), ("2", 4.0), ("3", 0.0)], title="A & B"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title" in svg and "A &amp; B" in svg
    assert "<b>" not in svg and "&lt;b&gt;1&lt;/b&gt;" in svg
    low, high, zero = _heights(svg)
    # The axis tops out at 5 (a round number above 4): 4 is 80 % of it, 2 is 40 %.
    assert high == pytest.approx(2 * low)
    assert zero == 0.0


def test_bars_label_each_row() -> None:
    svg = str(charts.bars([("OMB", 7200.0, "2.0 h"), ("DOL", 1800.0, "30 min")], title="t"))
    assert svg.count('class="label"') == 2
    assert "2.0 h" in svg and "30 min" in svg
    first, second = re.findall(r'<rect class="bar"[^>]* width="([\d.]+)"', svg)
    assert float(first) == pytest.approx(4 * float(second))
    assert "<svg" in str(charts.bars([], title="empty"))


def test_dates_in_thai_and_english() -> None:
    assert format_date("2024-10-01", "th") == "1 ต.ค. 2567"
    assert format_date(date(2024, 10, 1), "en") == "1 Oct 2024"
    # 17:30 UTC is already the next day in Thailand.
    instant = datetime(2024, 9, 30, 17, 30, tzinfo=UTC)
    assert format_instant(instant, "th") == "1 ต.ค. 2567 00:30 น."
    assert format_instant(instant.isoformat(), "en") == "1 Oct 2024, 00:30"
    assert format_age(42, "en") == "42 s"
    assert format_age(5400, "en") == "1.5 h"
    assert format_age(3 * 86400, "th") == "3.0 วัน"


def test_tis620_record_round_trips_through_the_text_area() -> None:
    raw = (EXAMPLES / "damrongtham" / "escalation-warin-chamrap.xml").read_bytes()
    text, encoding = decode_raw(raw)
    assert encoding == "tis-620"
    assert "ศูนย์ดำรงธรรมอำเภอวารินชำราบ" in text
    # Browsers send text areas back with CRLF line ends.
    assert encode_raw(text.replace("\n", "\r\n"), encoding) == raw
    with pytest.raises(InputError):
        encode_raw(text + "😀", encoding)
    with pytest.raises(InputError):
        encode_raw(text, "no-such-encoding")


def test_undecodable_bytes_round_trip_as_latin1() -> None:
    raw = bytes(range(256)).replace(b"\r", b"")
    text, encoding = decode_raw(raw)
    assert encoding == "latin-1"
    assert encode_raw(text, encoding) == raw
    assert decode_raw('{"a": "ไทย"}'.encode()) == ('{"a": "ไทย"}', "utf-8")


def test_csrf_token_belongs_to_its_session() -> None:
    token = csrf_token("session-a")
    assert csrf_ok("session-a", token)
    assert not csrf_ok("session-b", token)
    assert not csrf_ok("session-a", "")
    assert not csrf_ok("session-a", None)
    assert not csrf_ok("session-a", "โทเคน")
