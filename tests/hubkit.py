"""Building a hub for tests: services on a given database, agency keys, a directory overlay,
and signed receipts (the hub's for a message it took in, an agency's for a transfer's body).

The receipt makers sign exactly what they are given; they check nothing, so a test can state
a wrong receiver, a missing log index or bytes other than the transfer's on purpose.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saphan.clock import FixedClock
from saphan.config import Settings
from saphan.engine.services import Services, build
from saphan.ledger.keys import SigningKey
from saphan.ledger.pubkeys import key_id, public_raw
from saphan.ledger.receipts import ReceiptPayload, issue_receipt

START = datetime(2024, 9, 10, 8, 0, tzinfo=UTC)
#: The hub's code as receipts state it, spelled out (not taken from the hub) so that a
#: change to it shows in the tests.
HUB_CODE = "SAPHAN"


@dataclass
class AgencyKeys:
    keys: dict[str, SigningKey] = field(default_factory=dict)

    def add(self, code: str) -> SigningKey:
        key = SigningKey.of(Ed25519PrivateKey.generate())
        self.keys[code] = key
        return key

    def __getitem__(self, code: str) -> SigningKey:
        return self.keys[code]


def write_overlay(data_dir: Path, keys: AgencyKeys, push: dict[str, str] | None = None) -> None:
    """``agencies.local.yaml`` giving each agency its key and delivery mode."""
    push = push or {}
    entries = []
    for code, key in keys.keys.items():
        pub = key.private.public_key()
        entry: dict[str, object] = {
            "code": code,
            "keys": [{"kid": key_id(pub), "key": base64.b64encode(public_raw(pub)).decode()}],
        }
        entry["delivery"] = (
            {"mode": "push", "endpoint": push[code]} if code in push else {"mode": "pull"}
        )
        entries.append(entry)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "agencies.local.yaml").write_text(
        yaml.safe_dump({"version": 1, "agencies": entries}, allow_unicode=True), encoding="utf-8"
    )


DEMO_AGENCIES = (
    "MOI-DRT-3415",
    "MOI-DRT-34",
    "OMB",
    "PSC",
    "RTP-IG",
    "DOL",
    "AGO-RP-20",
    "MOI-DRT-20",
)


def make_hub(
    db_url: str,
    data_dir: Path,
    *,
    clock: FixedClock | None = None,
    push: dict[str, str] | None = None,
    **overrides: object,
) -> tuple[Services, AgencyKeys, FixedClock]:
    keys = AgencyKeys()
    for code in DEMO_AGENCIES:
        keys.add(code)
    write_overlay(data_dir, keys, push)
    clock = clock or FixedClock(START)
    settings = Settings(data_dir=data_dir, db_url=db_url, delivery_workers=False, **overrides)  # type: ignore[arg-type]
    return build(settings, clock=clock), keys, clock


def issue_hub_receipt(
    key: SigningKey,
    *,
    case_id: str,
    sender: str,
    sha256: str,
    at: datetime,
    log_index: int | None,
) -> str:
    """The hub's receipt (signed with ``key``) for a message from ``sender``.

    It names no transfer; ``log_index`` is the intake entry's (``None`` makes a receipt that
    names none, which the hub never issues).
    """
    payload = ReceiptPayload(
        case_id=case_id,
        transfer_id=None,
        sender=sender,
        receiver=HUB_CODE,
        sha256=sha256,
        time=at,
        log_index=log_index,
    )
    return issue_receipt(payload, key)


def issue_agency_receipt(
    key: SigningKey,
    *,
    case_id: str,
    transfer_id: str,
    receiver: str,
    sha256: str,
    at: datetime,
) -> str:
    """The receipt ``receiver`` returns (signed with ``key``) for a transfer's body.

    ``sha256`` is the hex digest of the body as the agency got it. Agency receipts name no
    log index: the hub records them in its log afterwards.
    """
    payload = ReceiptPayload(
        case_id=case_id,
        transfer_id=transfer_id,
        sender=HUB_CODE,
        receiver=receiver,
        sha256=sha256,
        time=at,
        log_index=None,
    )
    return issue_receipt(payload, key)
