"""Pieces the JSON adapters map alike: areas, attachments, citizen IDs, address lines."""

from __future__ import annotations

import base64
import hashlib

import geothai
import pytest

from saphan.canonical import Address, Area
from saphan.translate.jsonparts import (
    MAX_CASE_BYTES,
    MAX_FILE_BYTES,
    AreaCodes,
    FileIn,
    address_line,
    area_from_codes,
    area_from_geocode,
    attachments,
    citizen_id_check,
    decimal_text,
)


def test_dopa_codes_nest_so_coarser_codes_are_prefixes() -> None:
    # area_from_geocode relies on this; it holds over all the reference data
    count = 0
    for province in geothai.provinces():
        for district in geothai.districts(province.code):
            assert district.code[:2] == province.code
            for sub in geothai.subdistricts(district.code):
                assert sub.code[:4] == district.code
                count += 1
    assert count == 7436


def test_geocode_gives_the_whole_area() -> None:
    area, problems = area_from_geocode("341510", "/g")
    assert problems == [] and area == Area(province="34", district="3415", subdistrict="341510")
    assert area_from_geocode(None, "/g") == (Area(), [])
    area, problems = area_from_geocode("349999", "/g")
    assert area is None and [p.path for p in problems] == ["/g"]


def codes(province: object, district: object, subdistrict: object) -> AreaCodes:
    return AreaCodes(province, district, subdistrict, "/p", "/d", "/s")


def test_separate_codes_must_exist_and_nest() -> None:
    assert area_from_codes(codes("20", "2009", "200902")) == (
        Area(province="20", district="2009", subdistrict="200902"),
        [],
    )
    assert area_from_codes(codes(None, None, "200902"))[0] == Area(
        province="20", district="2009", subdistrict="200902"
    )
    assert area_from_codes(codes("20", None, None))[0] == Area(province="20")
    assert area_from_codes(codes(None, None, None)) == (Area(), [])
    _, problems = area_from_codes(codes("10", "2009", "200902"))
    assert [p.path for p in problems] == ["/p"]
    _, problems = area_from_codes(codes("99", None, None))
    assert [p.path for p in problems] == ["/p"]


def file(content: bytes, **change: object) -> FileIn:
    fields: dict[str, object] = {
        "path": "/documents/0",
        "filename": "a.pdf",
        "media_type": "application/pdf",
        "sha256": hashlib.sha256(content).hexdigest(),
        "content_b64": base64.b64encode(content).decode(),
        "size": len(content),
    }
    fields.update(change)
    return FileIn(**fields)  # type: ignore[arg-type]


def test_a_good_file_becomes_an_attachment() -> None:
    found, problems = attachments([file(b"%PDF-1.4")], "/documents")
    assert problems == []
    assert found[0].size == 8 and found[0].sha256 == hashlib.sha256(b"%PDF-1.4").hexdigest()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"sha256": "0" * 64}, "/documents/0/sha256"),
        ({"size": 9}, "/documents/0/size"),
        ({"content_b64": "JVBERi0xLjQ"}, "/documents/0/content_b64"),  # bad padding
        ({"content_b64": "JVBE Ri0x"}, "/documents/0/content_b64"),
    ],
)
def test_file_problems(change: dict[str, object], path: str) -> None:
    found, problems = attachments([file(b"%PDF-1.4", **change)], "/documents")
    assert found == [] and [p.path for p in problems] == [path]


def test_file_and_case_size_limits() -> None:
    big = b"\0" * (MAX_FILE_BYTES + 1)
    _, problems = attachments([file(big)], "/documents")
    assert [p.path for p in problems] == ["/documents/0/content_b64"]
    nine = b"\0" * (9 * 1024 * 1024)
    files = [file(nine, path=f"/documents/{i}") for i in range(3)]
    found, problems = attachments(files, "/documents")
    assert len(found) == 3  # each file is within its limit ...
    assert 3 * len(nine) > MAX_CASE_BYTES
    assert [p.path for p in problems] == ["/documents"]  # ... the case is not


def test_citizen_id_check_digit_is_a_warning() -> None:
    assert citizen_id_check("3260181590835", "/c") == (True, [])
    verified, warnings = citizen_id_check("3260181590836", "/c")
    assert verified is False and [w.path for w in warnings] == ["/c"]
    assert citizen_id_check(None, "/c") == (None, [])


@pytest.mark.parametrize(
    ("address", "line"),
    [
        (Address(house_no="12/3", moo="5"), "12/3 หมู่ 5"),
        (Address(house_no="12/3", moo="หมู่ 5"), "12/3 หมู่ 5"),
        (Address(soi="3", road="ถนนพหลโยธิน"), "ซอย 3 ถนนพหลโยธิน"),
        (Address(line="99 ถนนพหลโยธิน", house_no="1"), "99 ถนนพหลโยธิน"),
        (Address(), None),
    ],
)
def test_address_line(address: Address, line: str | None) -> None:
    assert address_line(address) == line


@pytest.mark.parametrize(
    ("value", "text"), [(15.1931, "15.1931"), (1e-05, "0.00001"), (-0.5, "-0.5"), (100.0, "100.0")]
)
def test_decimal_text_never_uses_exponents(value: float, text: str) -> None:
    assert decimal_text(value) == text
    assert float(text) == value
