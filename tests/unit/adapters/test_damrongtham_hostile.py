"""Hostile Damrongtham input is refused before it can do harm: DTDs and entities never reach
the parser, nothing is fetched, sizes and nesting are bounded."""

from __future__ import annotations

import http.server
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from saphan.errors import InputError, TooLargeError
from saphan_damrongtham import DamrongthamAdapter

ADAPTER = DamrongthamAdapter()


def example(examples: Path) -> str:
    return (examples / "damrongtham" / "provincial-informal-debt.xml").read_text(encoding="utf-8")


@pytest.fixture
def listener() -> Iterator[list[str]]:
    """A local HTTP server that records every request made to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "pwned">')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hits.append(f"http://127.0.0.1:{server.server_address[1]}")
    yield hits
    server.shutdown()


DOCTYPES = [
    '<!DOCTYPE Case [<!ENTITY x SYSTEM "file:///etc/hostname">]>',
    '<!doctype Case [<!ENTITY x "x">]>',
    '<!DOCTYPE Case [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE Case SYSTEM "file:///etc/passwd">',
]


@pytest.mark.parametrize("doctype", DOCTYPES)
def test_any_doctype_is_refused(examples: Path, doctype: str) -> None:
    head, body = example(examples).split("\n", 1)
    data = f"{head}\n{doctype}\n{body}".replace("<Request>", "<Request>&x;").encode("utf-8")
    with pytest.raises(InputError, match="DOCTYPE") as err:
        ADAPTER.parse(data)
    assert [p.path for p in err.value.problems] == [""]


def test_no_network_access_for_external_entities_or_schema_hints(
    examples: Path, listener: list[str]
) -> None:
    base = listener[0]
    head, body = example(examples).split("\n", 1)
    with pytest.raises(InputError):
        ADAPTER.parse(f'{head}\n<!DOCTYPE Case SYSTEM "{base}/dtd">\n{body}'.encode())
    # a schema location hint is only an attribute: kept, never followed
    hinted = body.replace(
        'schemaVersion="1.2"',
        'schemaVersion="1.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="urn:th:go:moi:damrongtham:case:1 {base}/x.xsd"',
    )
    case = ADAPTER.parse_one(f"{head}\n{hinted}".encode())
    kept = case.extensions["damrongtham"]["attributes"]["/Case"]
    assert kept == {
        "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": (
            f"urn:th:go:moi:damrongtham:case:1 {base}/x.xsd"
        )
    }
    assert listener[1:] == []  # nothing was fetched
    with urllib.request.urlopen(f"{base}/probe", timeout=5):  # and the listener does listen
        pass
    assert listener[1:] == ["/probe"]


def test_undeclared_entity_is_not_well_formed(examples: Path) -> None:
    data = example(examples).replace("<Detail>", "<Detail>&x;").encode()
    with pytest.raises(InputError, match="not well-formed") as err:
        ADAPTER.parse(data)
    assert "x" in err.value.problems[0].message


def test_size_depth_and_markup_limits(examples: Path) -> None:
    with pytest.raises(TooLargeError):
        ADAPTER.parse(b" " * (ADAPTER.limits.max_bytes + 1))
    deep = "<x:a xmlns:x='urn:x'>" * 40 + "</x:a>" * 40
    data = example(examples).replace("</Case>", deep + "</Case>").encode()
    with pytest.raises(InputError, match="nested too deeply"):
        ADAPTER.parse(data)
    flood = "<x:a xmlns:x='urn:x'/>" * 6000
    data = example(examples).replace("</Case>", flood + "</Case>").encode()
    with pytest.raises(InputError, match="too much markup"):
        ADAPTER.parse(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<Case xmlns='urn:th:go:moi:damrongtham:case:1'>",
        b"<?xml version='1.0' encoding='UTF-8'?><Case",
        b"<?xml versio='1.0'?><Case/>",
    ],
)
def test_unreadable_messages_raise_input_error(data: bytes) -> None:
    with pytest.raises(InputError):
        ADAPTER.parse(data)


def test_a_document_of_another_kind_is_refused_as_a_whole() -> None:
    with pytest.raises(InputError, match="not a Damrongtham case") as err:
        ADAPTER.parse(b"<Case><TrackingNo>x</TrackingNo></Case>")  # no namespace
    assert "urn:th:go:moi:damrongtham:case:1" in err.value.problems[0].message
