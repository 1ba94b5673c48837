"""Mutated Damrongtham messages: ``parse`` raises nothing but InputError, returns problems
(never an exception) for content it can read, and whatever it accepts it can write back."""

from __future__ import annotations

import copy
from functools import cache

from conftest import EXAMPLES, require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from saphan.errors import InputError
from saphan.translate.adapter import Receiver
from saphan_damrongtham import DamrongthamAdapter

ADAPTER = DamrongthamAdapter()
TOKENS = [
    b"<",
    b">",
    b"&",
    b"&x;",
    b"&#0;",
    b"&#13;",
    b"&amp;",
    b"<!DOCTYPE Case>",
    b"<![CDATA[x]]>",
    b"<!-- c -->",
    b"\x00",
    b"\xff\xfe",
    b"\x93",
    "ก".encode(),
    "๙".encode(),
    "“".encode(),
    b'"',
    b"'",
    b"=",
    b"</Case>",
    b"<Subject>x</Subject>",
    b'<x:y xmlns:x="urn:x" x:a="1"/>',
    b' extra="1"',
    b"99999999999999999999",
    b"DOPA",
    b"/",
    b" ",
    b"\n",
    b'encoding="TIS-620"',
    b'encoding="x"',
    b'system="OMB"',
    b'anonymous="Y"',
    b'code="6"',
]


@cache
def originals() -> tuple[bytes, ...]:
    require(EXAMPLES.is_dir(), f"the shared spec examples are not at {EXAMPLES}")
    folder = EXAMPLES / "damrongtham"
    return tuple(path.read_bytes() for path in sorted(folder.glob("*.xml")))


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(originals())))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "truncate"]))
        if op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=8))
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 80))]
        elif op == "truncate":
            del data[at:]
    return bytes(data)


def test_the_examples_are_there() -> None:
    assert len(originals()) == 4


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated())
def test_mutated_messages_never_escape_as_anything_but_input_error(data: bytes) -> None:
    try:
        parsed = ADAPTER.parse(data)
    except InputError as exc:
        assert exc.problems, "a refusal always says why"
        return
    [record] = parsed.records
    assert record.raw == data
    if record.case is None:
        assert record.problems
        assert all(p.path.startswith("/") and p.message for p in record.problems)
        return
    assert record.problems == ()
    case = record.case
    assert case.sender is not None
    out = ADAPTER.render(case, Receiver(case.sender))
    assert ADAPTER.parse_one(out) == case


# -- well-formed mutations: the content changes, the XML stays readable ----------------

_PIECES = [
    *"0123456789๐๑๒๓๔๕๖๗๘๙/:-. +@กขคนมยรอะาเแ่้“”–…",
    *("DOPA", "ต.", "อ.", "จ.", "แขวง", "เขต", "ในเมือง", "Y", "N", "\u00a0", "\t", "\n"),
]
_TRICKY = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@st.composite
def restructured(draw: st.DrawFn) -> bytes:
    root = etree.fromstring(draw(st.sampled_from(originals())))
    for _ in range(draw(st.integers(1, 3))):
        elements = list(root.iter())
        element = draw(st.sampled_from(elements))
        op = draw(st.sampled_from(["text", "attribute", "remove", "duplicate", "foreign"]))
        parent = element.getparent()
        if op == "text":
            element.text = draw(_TRICKY)
        elif op == "attribute" and element.attrib:
            element.set(draw(st.sampled_from(sorted(element.attrib))), draw(_TRICKY))
        elif op == "remove" and parent is not None:
            parent.remove(element)
        elif op == "duplicate" and parent is not None:
            parent.insert(draw(st.integers(0, len(parent))), copy.deepcopy(element))
        elif op == "foreign":
            extra = etree.SubElement(element, "{urn:example:x}x", {"{urn:example:x}a": "1"})
            extra.text = draw(_TRICKY)
    label, codec = draw(st.sampled_from([("UTF-8", "utf-8"), ("windows-874", "cp874")]))
    body = etree.tostring(root, encoding="unicode")
    try:
        return f'<?xml version="1.0" encoding="{label}"?>\n{body}'.encode(codec)
    except UnicodeEncodeError:
        return f"{body}".encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=restructured())
def test_well_formed_mutations_come_back_as_cases_or_problems(data: bytes) -> None:
    [record] = ADAPTER.parse(data).records  # readable XML is never refused as a whole
    assert record.raw == data
    if record.case is None:
        assert record.problems
        paths = [p.path for p in record.problems]
        assert len(paths) == len(set(paths)) and all(p.startswith("/Case") for p in paths)
        return
    out = ADAPTER.render(record.case, Receiver(str(record.case.sender)))
    assert ADAPTER.parse_one(out) == record.case
