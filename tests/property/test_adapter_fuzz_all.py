"""Fuzz every installed adapter (found through ``saphan.translate.formats()``), the way the
hub meets it: hostile bytes in, and whatever it accepts written out for every receiver.

Seeds are the spec examples of the format (valid and invalid) and the examples of every
other format translated into it, so a format without examples of its own is fuzzed too.
Mutations: byte flips, inserts, deletes and repeats; truncation; splices of two seeds
(across formats as well); structure-aware JSON mutations (keys dropped, values retyped);
XML element drops and duplicates.

The properties: the adapter's own ``_parse`` raises nothing but ``InputError`` (the public
``parse`` wraps stray exceptions as a safety net, which must never be needed); every record
holds a case or says why not; and every case it accepts can be rendered by every adapter
for its agencies, raising nothing but ``InputError``.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import cache

import pytest
from conftest import EXAMPLES, require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_mutations import mutate_json
from lxml import etree

from saphan.canonical import Case
from saphan.directory import Directory, default_paths
from saphan.errors import InputError
from saphan.translate import Receiver, formats, get_adapter
from saphan.translate.adapter import Parsed

FORMATS = formats()
SENT_AT = datetime(2024, 10, 11, 3, 0, tzinfo=UTC)
TOKENS = [
    b"<",
    b">",
    b"&",
    b"&x;",
    b"&#0;",
    b"<!DOCTYPE x>",
    b"<![CDATA[",
    b"{",
    b"[",
    b'"',
    b",",
    b":",
    b"\\u",
    b"\\ud800",
    b"null",
    b"1e999",
    b"-0",
    b"99999999999999999999999",
    b"\x00",
    b"\xff\xfe",
    b"\xe0",
    "ก".encode(),
    "๙".encode(),
]


@cache
def receivers() -> dict[str, tuple[Receiver, ...]]:
    """Up to three directory agencies per format (with their format options)."""
    directory = Directory.from_files(default_paths())
    found: dict[str, list[Receiver]] = {f: [] for f in FORMATS}
    for agency in directory:
        picked = found.get(agency.format)
        if picked is not None and len(picked) < 3:
            picked.append(
                Receiver(agency.code, agency.name_th, sent_at=SENT_AT, options=agency.options)
            )
    return {f: tuple(r) or (Receiver("TEST", sent_at=SENT_AT),) for f, r in found.items()}


@cache
def example_files() -> dict[str, tuple[bytes, ...]]:
    require(EXAMPLES.is_dir(), f"the shared spec examples are not at {EXAMPLES}")
    out: dict[str, tuple[bytes, ...]] = {}
    for fmt in FORMATS:
        own = sorted((EXAMPLES / fmt).glob("*")) + sorted((EXAMPLES / "invalid").glob(f"{fmt}-*"))
        out[fmt] = tuple(p.read_bytes() for p in own if p.is_file())
    return out


@cache
def example_cases() -> tuple[Case, ...]:
    cases: list[Case] = []
    for fmt, files in example_files().items():
        for data in files:
            try:
                cases += get_adapter(fmt).parse(data).cases
            except InputError:
                continue
    return tuple(cases)


@cache
def seeds(fmt: str) -> tuple[bytes, ...]:
    """The format's examples, and every example case written in the format."""
    adapter = get_adapter(fmt)
    rendered = []
    for case in example_cases():
        try:
            rendered.append(adapter.render(case, receivers()[fmt][0]))
        except InputError:
            continue
    found = example_files()[fmt] + tuple(rendered)
    assert found, f"no seed for {fmt}: no example and no example case it can write"
    return found


@cache
def all_seeds() -> tuple[bytes, ...]:
    return tuple(s for fmt in FORMATS for s in seeds(fmt))


# -- mutations -------------------------------------------------------------------------------


@st.composite
def byte_mutations(draw: st.DrawFn, fmt: str) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds(fmt))))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "truncate"]))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        else:
            del data[at:]
    return bytes(data)


@st.composite
def splices(draw: st.DrawFn, fmt: str) -> bytes:
    head = draw(st.sampled_from(seeds(fmt)))
    tail = draw(st.sampled_from(all_seeds()))
    return head[: draw(st.integers(0, len(head)))] + tail[draw(st.integers(0, len(tail))) :]


@st.composite
def json_mutations(draw: st.DrawFn, fmt: str) -> bytes:
    documents = []
    for seed in seeds(fmt):
        try:
            documents.append(json.loads(seed))
        except ValueError:
            continue
    if not documents:  # not a JSON format
        return draw(byte_mutations(fmt))
    value = draw(st.sampled_from(documents))
    for _ in range(draw(st.integers(1, 4))):
        value = mutate_json(value, draw)
    return json.dumps(value, ensure_ascii=draw(st.booleans()), allow_nan=True).encode("utf-8")


#: Text lxml can hold (no control characters, no lone surrogates).
XML_TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@st.composite
def xml_mutations(draw: st.DrawFn, fmt: str) -> bytes:
    trees = []
    for seed in seeds(fmt):
        try:
            trees.append((etree.fromstring(seed, _SAFE), seed))
        except etree.XMLSyntaxError:
            continue
    if not trees:  # not an XML format
        return draw(byte_mutations(fmt))
    original, seed = draw(st.sampled_from(trees))
    root = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 4))):
        elements = [e for e in root.iter(etree.Element) if e is not root]
        if not elements:
            break
        element = draw(st.sampled_from(elements))
        parent = element.getparent()
        assert parent is not None
        action = draw(st.sampled_from(["drop", "duplicate", "empty", "text"]))
        if action == "drop":
            parent.remove(element)
        elif action == "duplicate":
            parent.insert(parent.index(element), copy.deepcopy(element))
        elif action == "empty":
            element.text = None
            for child in list(element):
                element.remove(child)
        else:
            element.text = draw(st.text(XML_TEXT, max_size=40))
    encoding = "TIS-620" if b"TIS-620" in seed[:100] else "UTF-8"
    try:
        out = etree.tostring(root, encoding=encoding, xml_declaration=True)
    except (UnicodeEncodeError, ValueError):  # text drawn outside the encoding
        return etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    assert isinstance(out, bytes)  # every encoding but "unicode" gives bytes
    return out


# -- the properties ------------------------------------------------------------------------


def check_records(parsed: Parsed) -> list[Case]:
    for record in parsed.records:
        assert record.case is not None or record.problems, record
        assert all(p.path == "" or p.path.startswith("/") for p in record.problems)
    return parsed.cases


def exercise(fmt: str, data: bytes) -> None:
    adapter = get_adapter(fmt)
    try:
        check_records(adapter._parse(data))
    except InputError as exc:
        assert exc.problems, "an InputError must say what is wrong"
    try:
        cases = check_records(adapter.parse(data))
    except InputError:
        return
    for case in cases:
        for target in FORMATS:
            writer = get_adapter(target)
            for receiver in receivers()[target]:
                try:
                    writer._render([case], receiver)
                except InputError as exc:
                    assert exc.problems
                try:
                    writer.render(case, receiver)
                except InputError:
                    continue


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.data())
def test_byte_mutations(fmt: str, data: st.DataObject) -> None:
    exercise(fmt, data.draw(byte_mutations(fmt)))


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.data())
def test_splices_of_examples(fmt: str, data: st.DataObject) -> None:
    exercise(fmt, data.draw(splices(fmt)))


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.data())
def test_structure_aware_mutations(fmt: str, data: st.DataObject) -> None:
    exercise(fmt, data.draw(json_mutations(fmt)))
    exercise(fmt, data.draw(xml_mutations(fmt)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_seed_parses_and_renders_without_stray_exceptions(fmt: str) -> None:
    for seed in seeds(fmt):
        exercise(fmt, seed)
        for end in range(0, len(seed), max(1, len(seed) // 64)):
            exercise(fmt, seed[:end])


def test_every_known_format_is_fuzzed() -> None:
    assert {"damrongtham", "occ", "pmo1111"} <= set(FORMATS)
