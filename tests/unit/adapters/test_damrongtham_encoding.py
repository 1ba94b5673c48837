"""Damrongtham encodings: whatever the declaration says, read in Python with the right codec;
written in UTF-8, TIS-620 or windows-874, never with a character silently lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from saphan.errors import ConfigError, InputError
from saphan.translate.adapter import Receiver
from saphan_damrongtham import DamrongthamAdapter

ADAPTER = DamrongthamAdapter()
DETAIL = "ผู้ร้องแจ้งว่า “ถนนชำรุด” ตั้งแต่ 1–5 ก.ย. แล้วก็ยังไม่ซ่อม…"


def example_text(examples: Path, name: str = "provincial-informal-debt.xml") -> str:
    return (examples / "damrongtham" / name).read_text(encoding="utf-8")


def with_detail(text: str, detail: str) -> str:
    start, end = text.index("<Detail>") + len("<Detail>"), text.index("</Detail>")
    return text[:start] + detail + text[end:]


def declared(text: str, label: str | None) -> str:
    body = text.split("?>", 1)[1]
    if label is None:
        return body.lstrip()
    return f'<?xml version="1.0" encoding="{label}"?>' + body


def test_windows_874_punctuation_arrives_intact_and_tis_620_refuses_it(examples: Path) -> None:
    data = declared(with_detail(example_text(examples), DETAIL), "windows-874").encode("cp874")
    assert b"\x93" in data and b"\x96" in data and b"\x85" in data  # “ – … as cp874 bytes
    case = ADAPTER.parse_one(data)
    assert case.matter.detail == DETAIL
    # windows-874 can carry them back out
    out = ADAPTER.render(case, Receiver("MOI-DRT-34", options={"encoding": "windows-874"}))
    assert ADAPTER.parse_one(out).matter.detail == DETAIL
    # TIS-620 cannot: refused, naming the element and every character
    with pytest.raises(InputError) as err:
        ADAPTER.render(case, Receiver("MOI-DRT-34", options={"encoding": "TIS-620"}))
    [problem] = err.value.problems
    assert problem.path == "/Case/Detail"
    for char in ("U+201C", "U+201D", "U+2013", "U+2026"):
        assert char in problem.message
    assert "TIS-620" in err.value.detail


def test_a_tis_620_label_on_windows_874_bytes_is_read_as_meant(examples: Path) -> None:
    # Legacy systems often label windows-874 output TIS-620; read as windows-874 (as
    # browsers do), not as the C1 control characters of Python's tis-620 codec.
    data = declared(with_detail(example_text(examples), DETAIL), "TIS-620").encode("cp874")
    assert ADAPTER.parse_one(data).matter.detail == DETAIL


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("TIS-620", "tis-620"),
        ("tis620", "tis-620"),
        ("ISO-8859-11", "tis-620"),
        ("windows-874", "cp874"),
        ("WINDOWS-874", "cp874"),
        ("UTF-8", "utf-8"),
        ("utf8", "utf-8"),
    ],
)
def test_declared_encodings_and_their_spellings(examples: Path, label: str, codec: str) -> None:
    text = example_text(examples)
    expected = ADAPTER.parse_one(text.encode("utf-8"))
    assert ADAPTER.parse_one(declared(text, label).encode(codec)) == expected


def test_no_declaration_means_utf_8(examples: Path) -> None:
    text = example_text(examples)
    expected = ADAPTER.parse_one(text.encode("utf-8"))
    assert ADAPTER.parse_one(declared(text, None).encode("utf-8")) == expected
    assert ADAPTER.parse_one(b"\xef\xbb\xbf" + text.encode("utf-8")) == expected  # with a BOM
    # TIS-620 bytes with no declaration are not UTF-8: refused with where and why
    with pytest.raises(InputError) as err:
        ADAPTER.parse(declared(text, None).encode("tis-620"))
    [problem] = err.value.problems
    assert "not UTF-8" in problem.message and "no XML declaration" in problem.message


def test_unknown_encodings_and_wide_ones_are_refused(examples: Path) -> None:
    text = example_text(examples)
    with pytest.raises(InputError, match="unknown encoding 'KOI8-R'"):
        ADAPTER.parse(declared(text, "KOI8-R").encode("utf-8"))
    with pytest.raises(InputError, match="UTF-16"):
        ADAPTER.parse(declared(text, None).encode("utf-16"))
    with pytest.raises(InputError, match="byte order mark"):
        ADAPTER.parse(b"\xef\xbb\xbf" + declared(text, "TIS-620").encode("tis-620"))
    with pytest.raises(InputError, match="not valid windows-874"):
        ADAPTER.parse(declared(text, "windows-874").encode("cp874").replace(b"2233", b"\xdb"))


def test_tis_620_output_has_only_tis_620_characters(examples: Path) -> None:
    case = ADAPTER.parse_one(example_text(examples).encode("utf-8"))
    # a no-break space exists in windows-874 but not in TIS-620; a C1 control would pass
    # Python's tis-620 codec: neither may reach a TIS-620 receiver
    for char in ("\u00a0", "\u0085"):
        bad = case.model_copy(update={"matter": case.matter.model_copy(update={"title": char})})
        with pytest.raises(InputError) as err:
            ADAPTER.render(bad, Receiver("MOI-DRT-34", options={"encoding": "TIS-620"}))
        assert err.value.problems[0].path == "/Case/Subject"
        assert f"U+{ord(char):04X}" in err.value.problems[0].message


def test_an_unknown_output_encoding_is_a_configuration_error(examples: Path) -> None:
    case = ADAPTER.parse_one(example_text(examples).encode("utf-8"))
    with pytest.raises(ConfigError, match="EBCDIC"):
        ADAPTER.render(case, Receiver("MOI-DRT-34", options={"encoding": "EBCDIC"}))
