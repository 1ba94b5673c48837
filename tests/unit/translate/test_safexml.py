"""The safe XML helper: declarations, DOCTYPE refusal, limits, per-thread schemas."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from saphan.errors import ConfigError, InputError
from saphan.translate import safexml


@pytest.mark.parametrize(
    ("data", "encoding", "bom"),
    [
        (b'<?xml version="1.0" encoding="TIS-620"?><a/>', "TIS-620", False),
        (
            b"<?xml version='1.0' encoding='windows-874' standalone='yes'?><a/>",
            "windows-874",
            False,
        ),
        (b'<?xml version="1.0"?><a/>', None, False),
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?><a/>', "utf-8", True),
        (b"<a/>", None, False),
        (b"<?xml-stylesheet href='x'?><a/>", None, False),  # a processing instruction
    ],
)
def test_reading_the_declaration(data: bytes, encoding: str | None, bom: bool) -> None:
    assert safexml.read_declaration(data) == safexml.Declaration(encoding, bom)


@pytest.mark.parametrize(
    "data",
    [b'<?xml encoding="UTF-8"?><a/>', b'<?xml version="1.0" encoding=UTF-8?><a/>'],
)
def test_a_malformed_declaration_is_refused(data: bytes) -> None:
    with pytest.raises(InputError, match="malformed"):
        safexml.read_declaration(data)


def test_wide_encodings_are_refused() -> None:
    for codec in ("utf-16", "utf-16-le", "utf-32"):
        with pytest.raises(InputError, match="UTF-16 or UTF-32"):
            safexml.read_declaration('<?xml version="1.0"?><a/>'.encode(codec))


def test_doctype_detection_ignores_case_and_other_markup() -> None:
    assert safexml.has_doctype(b"<?xml version='1.0'?>\n<!DocType a><a/>")
    assert not safexml.has_doctype(b"<!-- a comment --><a><![CDATA[x]]></a>")
    with pytest.raises(InputError, match="DOCTYPE"):
        safexml.parse(b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>')


def _has_doctype_by_pairs(data: bytes) -> bool:
    # what has_doctype answers, found the plain way: every "<!" and what follows it
    start = data.find(b"<!")
    while start != -1:
        if data[start + 2 : start + 9].upper() == b"DOCTYPE":
            return True
        start = data.find(b"<!", start + 2)
    return False


@given(
    st.lists(
        st.sampled_from(
            [b"<", b"!", b"<!", b"DOCTYPE", b"doctype", b"DocTyp", b"<!--", b"a", b"\xe0"]
        )
        | st.binary(max_size=4),
        max_size=12,
    ).map(b"".join)
)
def test_doctype_detection_finds_every_less_than_bang(data: bytes) -> None:
    assert safexml.has_doctype(data) == _has_doctype_by_pairs(data)


def test_parse_drops_comments_and_keeps_text() -> None:
    root = safexml.parse("<a><!-- c --><?pi x?><b>ก</b></a>".encode())
    assert [child.tag for child in root] == ["b"]
    assert root[0].text == "ก"


def test_encoding_override_reads_the_bytes_as_told() -> None:
    data = '<?xml version="1.0" encoding="TIS-620"?><a>ก</a>'.encode()
    assert safexml.parse(data, encoding="utf-8").text == "ก"


def test_limits() -> None:
    nested = b"<a>" * 10 + b"</a>" * 10
    assert safexml.parse(nested, max_depth=10).tag == "a"
    with pytest.raises(InputError, match="nested too deeply"):
        safexml.parse(nested, max_depth=9)
    with pytest.raises(InputError, match="too much markup"):
        safexml.parse(b"<a>" + b"<b/>" * 20 + b"</a>", max_markup=20)
    big = b"<a>" + base64.b64encode(b"\0" * 8_000_000) + b"</a>"  # one 10.7 MB text node
    with pytest.raises(InputError, match="not well-formed"):
        safexml.parse(big)
    assert len(safexml.parse(big, huge_text=True).text or "") == len(big) - 7


def test_schemas_load_once_per_thread_and_report_located_errors(tmp_path: Path) -> None:
    xsd = tmp_path / "a.xsd"
    xsd.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="a"><xs:complexType><xs:sequence>'
        '<xs:element name="b" type="xs:int" maxOccurs="unbounded"/>'
        "</xs:sequence></xs:complexType></xs:element></xs:schema>"
    )
    first = safexml.schema(xsd)
    assert safexml.schema(xsd) is first
    other: list[etree.XMLSchema] = []
    thread = threading.Thread(target=lambda: other.append(safexml.schema(xsd)))
    thread.start()
    thread.join()
    assert other and other[0] is not first  # each thread has its own validator

    root = safexml.parse(b"<a><b>1</b><b>x</b></a>")
    assert safexml.validate(first, safexml.parse(b"<a><b>1</b></a>")) == []
    [error] = safexml.validate(first, root)
    assert error.element is root[1]
    assert error.line == 1 and "'x'" in error.message


def test_a_broken_schema_is_a_configuration_error(tmp_path: Path) -> None:
    xsd = tmp_path / "broken.xsd"
    xsd.write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:nonsense/>")
    with pytest.raises(ConfigError):
        safexml.schema(xsd)
    with pytest.raises(ConfigError):
        safexml.schema(tmp_path / "missing.xsd")
