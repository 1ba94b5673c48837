"""Free street lines split into HouseNo / Moo / Soi / Road the usual Thai way, or kept whole."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saphan_damrongtham._address import Parts, split_line


@pytest.mark.parametrize(
    ("line", "parts"),
    [
        ("12/3 หมู่ 5", Parts(house_no="12/3", moo="5")),
        ("12/3 หมู่ที่ 5 ซอยวัดใหม่ ถนนสุขุมวิท", Parts("12/3", "5", "วัดใหม่", "สุขุมวิท")),
        ("12/3 ม.5 ซ.วัดใหม่ ถ.สุขุมวิท", Parts("12/3", "5", "วัดใหม่", "สุขุมวิท")),
        ("เลขที่ 45 หมู่ 2", Parts(house_no="45", moo="2")),
        ("7 ซอยรามคำแหง 24", Parts(house_no="7", soi="รามคำแหง 24")),
        ("99 ถนนพหลโยธิน", Parts(house_no="99", road="พหลโยธิน")),
        ("99  ถนน  พหลโยธิน ", Parts(house_no="99", road="พหลโยธิน")),
        ("๑๒/๓ หมู่ ๕", Parts(house_no="๑๒/๓", moo="๕")),
        ("หมู่ 3", Parts(moo="3")),
        ("ถนนพระราม 4", Parts(road="พระราม 4")),
        # not the usual form: kept whole in HouseNo
        ("หมู่บ้านสุขใจ 12/3", Parts(house_no="หมู่บ้านสุขใจ 12/3")),
        ("อาคารสุขใจ ชั้น 5", Parts(house_no="อาคารสุขใจ ชั้น 5")),
        ("12 abc", Parts(house_no="12 abc")),
        ("", Parts()),
    ],
)
def test_usual_forms(line: str, parts: Parts) -> None:
    assert split_line(line) == parts


_WORDS = re.compile(r"\s+|เลขที่|หมู่ที่|หมู่|ม\.|ซอย|ซ\.|ถนน|ถ\.")
_CHARS = "0123456789/.- กขคซถนมยรวสหอะาิีุูเแ่้" + "หมู่ที่ซอยถนน"


@given(st.text(alphabet=_CHARS, max_size=40))
def test_splitting_only_drops_the_words_that_name_the_parts(line: str) -> None:
    parts = split_line(line)
    kept = "".join(p or "" for p in (parts.house_no, parts.moo, parts.soi, parts.road))
    assert _WORDS.sub("", kept) == _WORDS.sub("", line)
    assert split_line(line) == parts  # deterministic
