"""Erasure (PDPA): after it, no query, export or dump of the database holds the person's
name or citizen ID, and the transfer log still verifies (with the erasure logged)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES
from hubkit import make_hub
from sqlalchemy import Engine, MetaData, select

from saphan.delivery.pull import inbox
from saphan.engine.erasure import erase_case
from saphan.engine.intake import intake
from saphan.engine.queries import case_for_agency
from saphan.errors import ConflictError
from saphan.ledger.entries import parse_entry
from saphan.ledger.merkle import leaf_hash, root
from saphan.store import log as transfer_log

PERSON = ["สมศรี", "ใจดี", "3260181590835", "081-234-5678", "+66812345678"]


def _dump(engine: Engine) -> bytes:
    """Every value of every table, as bytes (what a backup-style dump would hold)."""
    meta = MetaData()
    meta.reflect(engine)
    out = bytearray()
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        out += bytes(value)
                    else:
                        out += str(value).encode("utf-8")
                    out += b"\x00"
    return bytes(out)


def _contains_person(blob: bytes) -> list[str]:
    found = [p for p in PERSON if p.encode("utf-8") in blob]
    # the message arrived in TIS-620: look for that spelling too
    found += [p for p in PERSON if not p.isascii() and p.encode("tis-620") in blob]
    return found


def test_erasure_leaves_no_personal_data_and_the_log_verifies(db_url: str, tmp_path: Path) -> None:
    svc, _, _ = make_hub(db_url, tmp_path / "data")
    try:
        body = (EXAMPLES / "damrongtham" / "escalation-warin-chamrap.xml").read_bytes()
        case_id = json.loads(intake(svc, "damrongtham", "MOI-DRT-3415", body).body)["case_id"]
        # before: the person is readable by an agency that holds the case (sealed at rest)
        doc = case_for_agency(svc, "MOI-DRT-3415", case_id)["case"]
        assert doc["complainant"]["given_name"] == "สมศรี"
        assert _contains_person(_dump(svc.db.writer)) == [], "personal data must never sit in clear"
        erase_case(svc, case_id, "dpo")
        after = case_for_agency(svc, "MOI-DRT-3415", case_id)
        assert after["erased"] is True and after["case"] is None
        assert inbox(svc, "OMB", 10)["transfers"] == []  # undeliverable now: nothing to send
        blob = _dump(svc.db.writer)
        assert _contains_person(blob) == []
        if db_url.startswith("sqlite"):
            db_file = Path(db_url.split("///", 1)[1])
            raw = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
            assert _contains_person(raw) == []
        with pytest.raises(ConflictError):
            erase_case(svc, case_id, "dpo")
        # the log verifies: every entry parses, the root matches a fresh computation
        with svc.db.reader.connect() as conn:
            head = transfer_log.head(conn)
            entries = transfer_log.entries(conn, 0, head.size)
        kinds = [parse_entry(e).kind for _, e in entries]
        assert kinds[-1] == "erasure"
        assert root([leaf_hash(e) for _, e in entries]) == head.root
    finally:
        svc.close()
