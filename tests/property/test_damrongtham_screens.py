"""The Damrongtham writer's screens are never looser than the XSD.

The renderer checks a message against the XSD only when a screen doubts one of its values
(or when asked: ``DamrongthamAdapter(check_output=True)``). Here canonical cases carry
hostile values in every field the canonical model leaves open (text with markup, control
characters and non-characters; e-mail addresses, media types, file names
and base64 the XSD refuses; empty and over-long text; numbers that cannot be written), and
each is written both ways: the two writers must give the same bytes or the same problems,
and whatever is written must be well-formed and valid. (Whether hostile text reads back the
same is not asked here: a subject of one space is valid, and read as empty.)
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import cases

from saphan.canonical import Case
from saphan.errors import InputError
from saphan.translate import safexml
from saphan.translate.adapter import Receiver
from saphan_damrongtham import DamrongthamAdapter
from saphan_damrongtham._schema import schema_path

FAST = DamrongthamAdapter()
CHECKED = DamrongthamAdapter(check_output=True)

#: text any field may be given: markup, control characters and non-characters, white
#: space XML treats apart, empty and over-long text
TEXT = [
    "",
    " ",
    "a&b<c>d",
    "]]>",
    "&amp;",
    "q\"uote's",
    "x\ry",
    "t\tz",
    "line\nbreak",
    "\x01",
    "\x0b",
    "\x7f",
    "\x85",
    "\x9f",
    "\ufffe",
    "\u2028",
    "😀",
    "e\u0301",
    "๑๒๓",
    "x" * 501,
]
#: what some fields must look like, and near misses
FORMS = {
    "email": ["a@b", "no-at-sign", "a b@c", "@x", "a@b@c", "a@" + "b" * 253, "ผู้ร้อง@ตัวอย่าง.ไทย"],
    "media_type": ["image/png", "not a type", "text/plain;x", "a/b+c", "/x", "x/"],
    "content_b64": ["QQ==", "QR==", "QUI=", "QUJ=", "Q Q = =", "QUJD\n", "QQ", "QQ==QQ==", "A"],
    "filename": ["a", "x" * 255, "x" * 256, "ไ" * 256],
    "ref": ["DOPA34003415670123 ", "DOPA๓๔๐๐๓๔๑๕๖๗๐๑๒๓", " 6710110000123", "6710110000123"],
}


FIELDS = [
    ("matter", "title"),
    ("matter", "detail"),
    ("matter", "request"),
    ("complainant", "email"),
    ("complainant", "prefix"),
    ("complainant", "given_name"),
    ("complainant", "family_name"),
    ("respondent", "name"),
    ("escalation", "note"),
    ("origin", "ref"),
    ("attachments", "filename"),
    ("attachments", "media_type"),
    ("attachments", "content_b64"),
    ("address", "line"),
    ("address", "house_no"),
    ("address", "soi"),
    ("address", "road"),
]


def hostile(field: tuple[str, str]) -> st.SearchStrategy[str]:
    anything = st.sampled_from(TEXT) | st.text(max_size=30)
    forms = FORMS.get(field[1])
    return anything if forms is None else st.sampled_from(forms) | anything


ONE_FILE = {
    "filename": "a.txt",
    "media_type": "text/plain",
    "sha256": hashlib.sha256(b"a").hexdigest(),
    "size": 1,
    "content_b64": base64.b64encode(b"a").decode("ascii"),
}


def spoil(case: Case, changes: list[tuple[tuple[str, str], str]]) -> Case:
    """``case`` with hostile values put in (the canonical model accepts every one)."""
    data: dict[str, Any] = case.model_dump()
    for (part, name), value in changes:
        if part == "attachments":
            if not data["attachments"]:
                data["attachments"].append(dict(ONE_FILE))
            data["attachments"][0][name] = value
        elif part == "address":
            address = data["complainant"].get("address")
            if address is not None:
                address[name] = value
        elif data.get(part) is not None:
            data[part][name] = value[:500] if name == "title" else value
    return Case.model_validate(data)  # every value is one the canonical model accepts


def outcome(adapter: DamrongthamAdapter, case: Case, receiver: Receiver) -> object:
    try:
        return adapter.render(case, receiver)
    except InputError as err:
        return [(p.path, p.message) for p in err.problems]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(),
    changes=st.lists(
        st.sampled_from(FIELDS).flatmap(lambda f: st.tuples(st.just(f), hostile(f))),
        min_size=1,
        max_size=3,
    ),
    encoding=st.sampled_from(["UTF-8", "TIS-620", "windows-874"]),
)
def test_screened_and_checked_writers_agree(
    case: Case, changes: list[tuple[tuple[str, str], str]], encoding: str
) -> None:
    hostile = spoil(case, changes)
    receiver = Receiver("MOI-DRT", sent_at=hostile.status.at, options={"encoding": encoding})
    fast, checked = outcome(FAST, hostile, receiver), outcome(CHECKED, hostile, receiver)
    assert fast == checked
    if isinstance(fast, bytes):
        root = safexml.parse(fast, huge_text=True)
        assert safexml.validate(safexml.schema(schema_path()), root) == []
