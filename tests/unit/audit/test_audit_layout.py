"""The export folder's entry files, and the key and receipt material an audit reads."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from saphan.audit import layout
from saphan.audit.material import (
    ReceiptRecord,
    agency_keys_document,
    read_agency_keys,
    read_jwks,
    read_receipt_lines,
    trusted_log_keys,
)
from saphan.audit.report import MAX_PROBLEMS, AuditReport
from saphan.errors import InputError, IntegrityError
from saphan.ledger.checkpoint import log_verifier_key
from saphan.ledger.keys import KeyRing, SigningKey
from saphan.ledger.pubkeys import public_jwk

ENTRIES = [b"", b"\x00\xff", b'{"a":1}', bytes(range(256)), b"x" * 1000]


def read_all(folder: Path) -> tuple[list[bytes], list[int]]:
    files, problems = layout.entry_files(folder)
    assert problems == []
    out: list[bytes] = []
    bad: list[int] = []
    for entry_file in files:
        assert entry_file.first == len(out)
        for chunk, offsets in layout.read_entry_file(entry_file):
            bad += [len(out) + o for o in offsets]
            out += chunk
    return out, bad


@pytest.mark.parametrize("per_file", [1, 2, 5, 100])
def test_entries_come_back_byte_for_byte_across_files(tmp_path: Path, per_file: int) -> None:
    with layout.EntryWriter(tmp_path, per_file) as writer:
        writer.write(ENTRIES[:2])
        writer.write(ENTRIES[2:])
    assert writer.count == 5
    assert len(writer.files) == -(-5 // per_file)
    assert writer.files[0] == "entries/000000000000.b64"
    assert read_all(tmp_path) == (ENTRIES, [])


def test_each_line_is_the_standard_base64_of_one_entry(tmp_path: Path) -> None:
    with layout.EntryWriter(tmp_path) as writer:
        writer.write(ENTRIES)
    lines = (tmp_path / "entries" / "000000000000.b64").read_bytes().splitlines()
    assert [base64.b64decode(line) for line in lines] == ENTRIES


def test_a_line_that_is_not_base64_is_named_and_keeps_its_place(tmp_path: Path) -> None:
    with layout.EntryWriter(tmp_path) as writer:
        writer.write(ENTRIES)
    path = tmp_path / "entries" / "000000000000.b64"
    lines = path.read_bytes().splitlines()
    lines[2] = b"not base64!"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out, bad = read_all(tmp_path)
    assert bad == [2]
    assert out[2] == b""
    assert out[3:] == ENTRIES[3:]


def test_stray_files_are_reported(tmp_path: Path) -> None:
    with layout.EntryWriter(tmp_path) as writer:
        writer.write(ENTRIES)
    (tmp_path / "entries" / "notes.txt").write_text("hi")
    files, problems = layout.entry_files(tmp_path)
    assert [f.first for f in files] == [0]
    assert [p.path for p in problems] == ["/entries/notes.txt"]
    assert layout.entry_files(tmp_path / "nowhere")[1][0].path == "/entries"


def test_receipt_lines_are_objects_or_bare_jws() -> None:
    lines = [
        '{"type":"delivery","issuer":"OMB","log_index":7,"transfer_id":"t-1","jws":"a.b.c"}',
        "",
        "x.y.z",
        '{"type":"gift","jws":"a.b.c","log_index":-1}',
        "{oops",
    ]
    items = list(read_receipt_lines(iter(lines), "r"))
    assert items[0] == ReceiptRecord("/r/1", "a.b.c", "delivery", "OMB", 7, "t-1")
    assert items[1] == ReceiptRecord("/r/3", "x.y.z")
    assert isinstance(items[2], list)
    assert sorted(p.path for p in items[2]) == ["/r/4/log_index", "/r/4/type"]
    assert isinstance(items[3], list) and items[3][0].path == "/r/5"


def test_a_jwks_key_must_carry_its_own_thumbprint_id() -> None:
    ring = KeyRing.generate().rotate()
    doc = ring.public_jwks()
    keys, problems = read_jwks(doc, "/jwks")
    assert problems == []
    assert set(keys) == {k.kid for k in ring.public_keys()}
    doc["keys"][0]["kid"] = doc["keys"][1]["kid"]
    doc["keys"].append({"kty": "RSA"})
    keys, problems = read_jwks(doc, "/jwks")
    assert len(keys) == 1
    assert problems[0].path == "/jwks/keys/0/kid"
    assert len(problems) >= 2


def test_agency_keys_round_trip_with_their_directory_ids() -> None:
    key = SigningKey.generate().private.public_key()
    doc = agency_keys_document({"OMB": {"omb-2025": key}})
    assert doc == {"agencies": {"OMB": {"keys": [public_jwk(key, "omb-2025")]}}}
    keys, problems = read_agency_keys(json.loads(json.dumps(doc)), "/a")
    assert problems == []
    assert list(keys) == ["OMB"] and list(keys["OMB"]) == ["omb-2025"]
    _, problems = read_agency_keys({"agencies": {"PSC": {"keys": [{"kty": "OKP"}]}}}, "/a")
    assert problems[0].path == "/a/agencies/PSC/keys/0"


def test_trusted_keys_come_as_strings_or_files(tmp_path: Path) -> None:
    one = log_verifier_key("log.example", SigningKey.generate().private.public_key())
    two = log_verifier_key("log.example", SigningKey.generate().private.public_key())
    path = tmp_path / "keys.txt"
    path.write_text(f"# rotated in March\n{two}\n\n")
    verifiers = trusted_log_keys([one, str(path)])
    assert [str(v) for v in verifiers] == [one, two]
    with pytest.raises(InputError) as caught:
        trusted_log_keys([one[:-4] + "AAAA", str(tmp_path / "empty.txt")])
    assert [p.path for p in caught.value.problems] == ["/key/0", "/key/1"]
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(InputError, match="unusable --key"):
        trusted_log_keys([str(tmp_path / "empty.txt")])


def test_the_report_keeps_a_bounded_list_and_counts_the_rest() -> None:
    report = AuditReport("test")
    for n in range(MAX_PROBLEMS + 5):
        report.fail(f"/entries/{n}", "bad")
    report.record("entries", [], "")
    assert report.problem_count == MAX_PROBLEMS + 5
    assert len(report.problems) == MAX_PROBLEMS
    text = report.render(max_listed=3)
    assert f"RESULT: {MAX_PROBLEMS + 5:,} failure(s)." in text
    assert "... and 1,002 more" in text
    with pytest.raises(IntegrityError) as caught:
        report.raise_if_failed()
    assert caught.value.problems[-1].message == "5 further failures not listed"
    assert AuditReport("fine").render().endswith("RESULT: every check holds.\n")
