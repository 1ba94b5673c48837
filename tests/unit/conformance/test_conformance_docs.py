"""The integrators' guide agrees with the code: its receipt recipe makes receipts the
suite and the hub accept, its option table covers every option of ``conformance run``,
and every case it names exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import typer
from conformance_helpers import agency_keys
from conftest import ROOT
from cryptography.hazmat.primitives import serialization

from saphan.cli.conformance import conformance_app
from saphan.conformance import all_cases
from saphan.conformance.receiptcheck import receipt_problems
from saphan.ledger.keys import SigningKey

GUIDE = (ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")


def _recipe() -> dict[str, Any]:
    blocks = [b for b in re.findall(r"```python\n(.*?)```", GUIDE, re.S) if "def make_receipt" in b]
    assert len(blocks) == 1
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], "integrators.md", "exec"), namespace)  # our own guide's code
    return namespace


def test_the_guides_receipt_recipe_makes_receipts_the_suite_accepts() -> None:
    key = SigningKey.generate()
    pem = key.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    body = "<Case>ศูนย์ดำรงธรรม</Case>".encode("tis-620")
    jws = _recipe()["make_receipt"](pem, key.kid, "MOI-DRT-3415", "case-7", "transfer-7", body)
    problems = receipt_problems(
        jws,
        agency_keys(key),
        case_id="case-7",
        transfer_id="transfer-7",
        receiver="MOI-DRT-3415",
        body=body,
        sent_at=datetime.now(UTC),
    )
    assert problems == []
    # and the same receipt over other bytes is caught
    assert receipt_problems(
        jws,
        agency_keys(key),
        case_id="case-7",
        transfer_id="transfer-7",
        receiver="MOI-DRT-3415",
        body=body + b"\n",
        sent_at=datetime.now(UTC),
    )


def test_the_option_table_covers_every_option_of_run() -> None:
    command = typer.main.get_command(conformance_app).commands["run"]  # type: ignore[attr-defined]
    table = GUIDE[GUIDE.index("### Options") : GUIDE.index("### The optional control interface")]
    for parameter in command.params:
        assert parameter.opts[0] in table, f"{parameter.opts[0]} is not in the guide's table"


def test_every_case_the_guide_names_exists() -> None:
    names = {c.name for c in all_cases()}
    named = set(re.findall(r"`((?:push|pull|sample|messages|status)-[a-z-]+)`", GUIDE))
    assert named and named <= names, named - names
