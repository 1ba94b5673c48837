"""The fast paths of the Damrongtham adapter say what the slow ones would.

* The writer produces text directly: it must be exactly what lxml gives for the same tree
  (escaping, empty elements, indentation), characters XML cannot hold must be reported at
  their element or attribute, and each screen must send to the XSD what the XSD refuses
  (the property test ``tests/property/test_damrongtham_screens.py`` draws hostile cases;
  here each screen is hit once, by name).
* Its own BE formatting is :func:`~saphan.reference.calendar.format_be_datetime`'s, and its
  check of the year is the XSD form's; its scan of the UTF-8 for characters XML cannot hold
  answers as the regular expression over the text does.
* The reader counts the format's own attributes so that a document with nothing to keep
  is seen without a walk: the count must be exact, and every kind of foreign content must
  still be found.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from saphan.canonical import Case
from saphan.errors import InputError
from saphan.reference.calendar import format_be_datetime
from saphan.translate import safexml
from saphan.translate.adapter import Receiver
from saphan_damrongtham import DamrongthamAdapter, _encoding, _extensions
from saphan_damrongtham._reader import Reader
from saphan_damrongtham._screens import BE_TEXT
from saphan_damrongtham._writer import (
    be_datetime,
    be_datetime_checked,
    has_unwritable,
    utf8_unless_unwritable,
)
from saphan_damrongtham.parse import read_case

FAST = DamrongthamAdapter()
CHECKED = DamrongthamAdapter(check_output=True)
VALID = [
    "escalation-warin-chamrap.xml",
    "provincial-informal-debt.xml",
    "legal-aid-sattahip.xml",
    "anonymous-tipoff-thai-digits.xml",
]
NS = "urn:th:go:moi:damrongtham:case:1"


def escalation(examples: Path) -> Case:
    return FAST.parse_one((examples / "damrongtham" / VALID[0]).read_bytes())


def changed(case: Case, **paths: Any) -> Case:
    """``case`` with values put in by path (``matter__title="x"``), unvalidated beyond the
    canonical model's own rules."""
    data = case.model_dump()
    for path, value in paths.items():
        *parents, last = path.split("__")
        node: Any = data
        for step in parents:
            node = node[int(step)] if step.isdigit() else node[step]
        node[last] = value
    return Case.model_validate(data)


def problems(adapter: DamrongthamAdapter, case: Case) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as err:
        adapter.render(case, Receiver(str(case.sender)))
    return [(p.path, p.message) for p in err.value.problems]


# -- the text written ------------------------------------------------------------------------


def test_the_text_is_what_lxml_writes_for_the_same_tree(examples: Path) -> None:
    hostile = "a&b <c> \"d\" 'e' ]]> \r\n\tf"
    case = changed(
        escalation(examples),
        matter__title=hostile,
        matter__detail=hostile,
        complainant__prefix="",
        complainant__given_name=hostile,
        escalation__note=hostile,
        attachments__0__filename=hostile,
    )
    out = FAST.render(case, Receiver(str(case.sender)))
    head, _, body = out.decode("utf-8").partition("\n")
    assert head == '<?xml version="1.0" encoding="UTF-8"?>'
    tree = safexml.parse(out)
    # read back, an element written with empty text has none, and lxml writes it <a/>
    assert body.replace("<Prefix></Prefix>", "<Prefix/>") == (
        etree.tostring(tree, encoding="unicode") + "\n"
    )
    assert tree.findtext(f"{{{NS}}}Subject") == hostile  # a carriage return too: &#13;
    assert tree.find(f".//{{{NS}}}Attachment").get("fileName") == hostile  # type: ignore[union-attr]
    assert "<Prefix></Prefix>" in body  # empty text is written as lxml writes it
    assert '<SubType code="101"/>' in body  # no text at all: an empty element


def test_characters_xml_cannot_hold_are_found_where_they_are(examples: Path) -> None:
    case = changed(
        escalation(examples),
        matter__title="bell\x07",
        attachments__0__filename="\x01.png",
        complainant__family_name="\ufffe",
    )
    found = problems(FAST, case)
    assert found == [
        ("/Case/Complainant/LastName", "characters XML cannot hold"),
        ("/Case/Subject", "characters XML cannot hold"),
        ("/Case/Attachments/Attachment[1]/@fileName", "characters XML cannot hold"),
    ]
    assert problems(CHECKED, case) == found


# -- the screens -----------------------------------------------------------------------------

ONE_BYTE = base64.b64encode(b"A").decode("ascii")  # "QQ==": the bits after the byte are zero


@pytest.mark.parametrize(
    ("paths", "where"),
    [
        ({"complainant__email": "no-at-sign"}, "/Case/Complainant/Email"),
        ({"complainant__email": "a@" + "b" * 253}, "/Case/Complainant/Email"),
        ({"matter__title": ""}, "/Case/Subject"),
        ({"matter__detail": ""}, "/Case/Detail"),
        ({"attachments__0__filename": "x" * 256}, "/Case/Attachments/Attachment[1]/@fileName"),
        ({"attachments__0__media_type": "image png"}, "/Case/Attachments/Attachment[1]/@mimeType"),
        # Python's base64 decoder takes "QR==", the XSD does not: R leaves a bit set
        ({"attachments__0__content_b64": "QR=="}, "/Case/Attachments/Attachment[1]"),
        ({"origin__ref": "DOPA34003415670123 "}, "/Case/TrackingNo"),
        ({"received_at": datetime(300, 1, 2, tzinfo=UTC)}, "/Case/ReceivedAt"),
    ],
)
def test_each_screen_sends_what_the_xsd_refuses_to_it(
    examples: Path, paths: dict[str, Any], where: str
) -> None:
    case = changed(escalation(examples), **paths)
    found = problems(FAST, case)
    assert [path for path, _ in found] == [where]
    assert problems(CHECKED, case) == found


def test_values_the_xsd_takes_pass_the_screens(examples: Path) -> None:
    content = b"%PDF-1.4 x"
    case = changed(
        escalation(examples),
        complainant__email="ผู้ร้อง@ตัวอย่าง.ไทย",
        attachments__0__filename="ไ" * 255,
        attachments__0__media_type="application/vnd.oasis+xml",
        attachments__0__content_b64=base64.b64encode(content).decode("ascii"),
        attachments__0__sha256=hashlib.sha256(content).hexdigest(),
        attachments__0__size=len(content),
    )
    receiver = Receiver(str(case.sender))
    assert FAST.render(case, receiver) == CHECKED.render(case, receiver)


# -- BE date-times ---------------------------------------------------------------------------


@given(
    # hypothesis takes naive bounds; the offset is drawn apart
    st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9000, 12, 30)),  # noqa: DTZ001
    st.integers(-14 * 60, 14 * 60),
)
def test_be_datetime_is_format_be_datetime(when: datetime, offset_minutes: int) -> None:
    instant = when.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    assert be_datetime(instant) == format_be_datetime(instant)


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),  # noqa: DTZ001
    st.integers(-14 * 60, 14 * 60),
)
def test_the_year_check_is_the_xsd_form(when: datetime, offset_minutes: int) -> None:
    instant = when.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    written, four_digits = be_datetime_checked(instant)
    assert written == format_be_datetime(instant)
    assert four_digits == (BE_TEXT.fullmatch(written) is not None)


#: characters near and at the edges of what XML 1.0 holds, and Thai
EDGES = "\x00\x01\x08\t\n\x0b\x0c\r\x0e\x1f \x7f\x80\x9f\u0e01\u0e1f\ud7ff\ud800\udbff\udc00\udfff\ue000\ufffd\ufffe\uffff\U00010000\U0010ffff"


@given(st.text(alphabet=st.sampled_from(EDGES) | st.characters(), max_size=40))
def test_the_utf8_scan_answers_as_the_text_scan(value: str) -> None:
    found = utf8_unless_unwritable(value)
    assert (found is None) == has_unwritable(value)
    if found is not None:
        assert found == value.encode("utf-8")


@pytest.mark.parametrize("char", list(EDGES))
def test_the_utf8_scan_knows_each_edge(char: str) -> None:
    assert (utf8_unless_unwritable(f"ก{char}ข") is None) == has_unwritable(char)


# -- what the format does not define ----------------------------------------------------------


def read(data: bytes) -> tuple[etree._Element, Reader, bytes]:
    utf8, _ = _encoding.to_utf8(data)
    root = safexml.parse(utf8, encoding="utf-8", huge_text=True)
    reader = Reader()
    read_case(reader, root, utf8)
    return root, reader, utf8


def attributes(root: etree._Element) -> list[tuple[str, str | bytes | None]]:
    """Every attribute in the document, as (element tag, attribute name)."""
    found = root.xpath("//@*")
    assert isinstance(found, list)
    out = []
    for attribute in found:
        assert isinstance(attribute, etree._ElementUnicodeResult)
        parent = attribute.getparent()
        assert parent is not None
        out.append((parent.tag, attribute.attrname))
    return out


def test_the_reader_counts_every_attribute_of_the_format(examples: Path) -> None:
    for name in VALID:
        root, reader, _ = read((examples / "damrongtham" / name).read_bytes())
        assert reader.attributes == len(attributes(root)), name
    # every attribute the format defines, at once
    case = changed(escalation(examples), origin__ref="6710110000123", origin__system="PSC1111")
    out = FAST.render(case, Receiver("MOI-DRT"))
    root, reader, _ = read(out)
    assert set(attributes(root)) >= {
        (f"{{{NS}}}TrackingNo", "system"),
        (f"{{{NS}}}Escalation", "reason"),
        (f"{{{NS}}}Attachment", "sha256"),
    }
    assert reader.attributes == len(attributes(root))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # an attribute the format does not define, on one of its elements
        ("<Subject>", '<Subject note="kept">'),
        # a namespaced one; and xml:lang, which needs no declaration
        ("<Subject>", '<Subject xmlns:x="urn:x" x:lang="th">'),
        ("<Subject>", '<Subject xml:lang="th">'),
        # a foreign element after the format's own children
        ("</Case>", '<x:Extra xmlns:x="urn:x">kept</x:Extra></Case>'),
        # an element of no namespace, under a root that names the format with a prefix
        ("<Case ", "<d:Case "),
    ],
)
def test_foreign_content_is_still_found(examples: Path, old: str, new: str) -> None:
    text = (examples / "damrongtham" / VALID[1]).read_text("utf-8")
    if old == "<Case ":
        text = text.replace('xmlns="', 'xmlns:d="', 1).replace("<", "<d:").replace("<d:/", "</d:")
        text = text.replace("<d:?xml", "<?xml").replace("</d:Case>", "<Extra>kept</Extra></d:Case>")
    else:
        assert old in text
        text = text.replace(old, new, 1)
    root, reader, source = read(text.encode("utf-8"))
    walked = _extensions.collect(root)
    assert walked, "the document keeps something"
    assert _extensions.collect(root, reader.attributes, source) == walked
