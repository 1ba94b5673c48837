"""Receipts against their signers and the log: the same verdicts as the ledger's reader."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hubkit import issue_agency_receipt, issue_hub_receipt
from hypothesis import given, settings
from hypothesis import strategies as st

from saphan.audit.material import ReceiptRecord
from saphan.audit.receiptcheck import SignatureChecks, Stated, problems_of, read_claim
from saphan.audit.receiptread import _b64url
from saphan.audit.sigpool import SignaturePool
from saphan.errors import HubError
from saphan.ledger import entries as E
from saphan.ledger.jcs import canonical_bytes
from saphan.ledger.keys import SigningKey
from saphan.ledger.pubkeys import b64url, b64url_decode
from saphan.ledger.receipts import ReceiptPayload, open_receipt, receipt_digest

AT = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
HUB = SigningKey.generate()
OMB = SigningKey.generate()
HUB_KEYS = {HUB.kid: HUB.public.key}
AGENCY_KEYS = {"OMB": {"omb-1": OMB.public.key}}
BODY = hashlib.sha256(b"body").hexdigest()
CASE = E.case_commitment("c-1", bytes(32))


def hub_receipt(index: int | None = 4) -> str:
    return issue_hub_receipt(
        HUB, case_id="c-1", sender="MOI-DRT-34", sha256=BODY, at=AT, log_index=index
    )


def omb_receipt(transfer: str = "t-1", receiver: str = "OMB") -> str:
    # The directory names this key "omb-1"; the receipt header carries that id.
    key = SigningKey("omb-1", OMB.private)
    return issue_agency_receipt(
        key, case_id="c-1", transfer_id=transfer, receiver=receiver, sha256=BODY, at=AT
    )


def checked(jws: str, **record: Any) -> Any:
    claim = read_claim(ReceiptRecord("/r/1", jws, **record), HUB_KEYS, AGENCY_KEYS)
    SignatureChecks([claim], SignaturePool()).wait()
    return claim


def intake(sha: str = BODY, sender: str = "MOI-DRT-34") -> E.IntakeEntry:
    return E.IntakeEntry(case=CASE, time=AT, sender=sender, format="occ", message_sha256=sha)


def receipt_entry(jws: str, **changes: Any) -> E.ReceiptEntry:
    fields: dict[str, Any] = {
        "case": CASE,
        "time": AT,
        "transfer_id": "t-1",
        "issuer": "OMB",
        "kid": "omb-1",
        "receipt_sha256": receipt_digest(jws),
        "content_sha256": BODY,
    }
    fields.update(changes)
    return E.ReceiptEntry(**fields)


def transfer_entry(**changes: Any) -> E.TransferEntry:
    fields: dict[str, Any] = {
        "case": CASE,
        "time": AT,
        "transfer_id": "t-1",
        "sender": "MOI-DRT-34",
        "receiver": "OMB",
        "format": "occ",
        "body_sha256": BODY,
        "mode": "pull",
    }
    fields.update(changes)
    return E.TransferEntry(**fields)


def test_a_hub_receipt_holds_when_its_intake_entry_matches() -> None:
    claim = checked(hub_receipt())
    assert claim.kind == "intake" and claim.pending is False and not claim.refused
    claim.saw_intake(4, intake())
    assert claim.verdict(10) == []


def test_a_hub_receipt_states_what_its_intake_entry_must_say() -> None:
    claim = checked(hub_receipt())
    claim.saw_intake(4, intake(sha="0" * 64, sender="PMO"))
    problems = claim.verdict(10)
    assert len(problems) == 2
    assert "intake entry 4 records" in problems[0]
    other = checked(hub_receipt())
    other.saw_intake(4, transfer_entry())
    assert other.verdict(10) == ["names log index 4, a 'transfer' entry, not an intake"]
    beyond = checked(hub_receipt(index=12))
    assert beyond.verdict(10) == ["names log index 12, beyond the checkpoint (size 10)"]
    assert checked(hub_receipt(index=None)).verdict(10) == [
        "a hub receipt must name the log index of its intake entry"
    ]
    listed = checked(hub_receipt(), log_index=5)
    assert listed.verdict(10) == ["listed with log index 5 but names 4"]


def test_an_agency_receipt_needs_its_receipt_and_transfer_entries() -> None:
    jws = omb_receipt()
    claim = checked(jws)
    assert (claim.kind, claim.issuer) == ("delivery", "OMB")
    claim.saw_transfer(2, transfer_entry())
    claim.saw_receipt(7, receipt_entry(jws))
    assert claim.verdict(10) == []
    alone = checked(jws, log_index=9)
    assert alone.verdict(10) == [
        f"no receipt entry in the log records this receipt (sha256 {receipt_digest(jws)})",
        "the log has no transfer entry for transfer t-1",
    ]
    odd = checked(jws, log_index=9)
    odd.saw_transfer(8, transfer_entry(receiver="PSC", body_sha256="1" * 64))
    odd.saw_receipt(7, receipt_entry(jws, kid="omb-2", content_sha256="2" * 64))
    problems = odd.verdict(10)
    assert any("records kid 'omb-2'" in p for p in problems)
    assert any("records content_sha256" in p for p in problems)
    assert any("transfer entry 8 was for PSC" in p for p in problems)
    assert any("acknowledges sha256" in p for p in problems)
    assert "said to be recorded at log index 9; the log records it at 7" in problems
    assert "recorded before its transfer (entry 8)" in problems


def test_signatures_that_fail_are_all_that_is_said() -> None:
    head, payload, sig = omb_receipt().split(".")
    forged = f"{head}.{payload}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}"
    claim = checked(forged)
    assert claim.verdict(10) == ["/signature: does not verify with key 'omb-1'"]
    assert problems_of([claim], 10)[0].path == "/r/1"


def test_unknown_signers_are_refused() -> None:
    stranger = issue_agency_receipt(
        SigningKey.generate(), case_id="c", transfer_id="t", receiver="OMB", sha256=BODY, at=AT
    )
    assert "neither the hub's nor a known agency's" in checked(stranger).verdict(1)[0]
    assert "which the hub's JWK set lacks" in checked(stranger, type="intake").verdict(1)[0]
    assert checked(stranger, type="delivery", issuer="PSC").verdict(1) == [
        "no public key of agency PSC to check it with"
    ]
    wrong_receiver = checked(omb_receipt(receiver="PSC"))
    assert wrong_receiver.verdict(1)[0] == "signed by OMB but states receiver PSC"


def _compact(header: bytes, payload: bytes, key: SigningKey) -> str:
    signing = f"{b64url(header)}.{b64url(payload)}"
    return f"{signing}.{b64url(key.sign(signing.encode()))}"


PAYLOAD = ReceiptPayload(
    case_id="c-1",
    transfer_id=None,
    sender="MOI-DRT-34",
    receiver="SAPHAN",
    sha256=BODY,
    time=AT,
    log_index=4,
)
UNUSUAL = {
    # valid for the ledger, but not in the usual byte form: decided by open_receipt
    "header members in another order": _compact(
        b'{"typ":"saphan-receipt+jws","kid":"%s","alg":"EdDSA"}' % HUB.kid.encode(),
        PAYLOAD.to_bytes(),
        HUB,
    ),
    "duplicate header member": _compact(
        b'{"alg":"none","alg":"EdDSA","kid":"%s","typ":"saphan-receipt+jws"}' % HUB.kid.encode(),
        PAYLOAD.to_bytes(),
        HUB,
    ),
    "payload not canonical": _compact(
        canonical_bytes({"alg": "EdDSA", "kid": HUB.kid, "typ": "saphan-receipt+jws"}),
        PAYLOAD.to_bytes().replace(b",", b", ", 1),
        HUB,
    ),
    "extra header member": _compact(
        canonical_bytes({"alg": "EdDSA", "jwk": {}, "kid": HUB.kid, "typ": "saphan-receipt+jws"}),
        PAYLOAD.to_bytes(),
        HUB,
    ),
    "payload with a float": _compact(
        canonical_bytes({"alg": "EdDSA", "kid": HUB.kid, "typ": "saphan-receipt+jws"}),
        PAYLOAD.to_bytes().replace(b'"log_index":4', b'"log_index":4.5'),
        HUB,
    ),
    "two parts": "a.b",
    "usual": hub_receipt(),
}


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_the_verdict_is_the_ledgers_for_unusual_receipts(name: str) -> None:
    jws = UNUSUAL[name]
    try:
        open_receipt(jws, HUB_KEYS.get)
        expected = True
    except HubError:
        expected = False
    claim = checked(jws, type="intake")
    assert (not claim.refused) == expected, claim.refused
    if expected:
        assert claim.stated == Stated.of(PAYLOAD)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.! é"))
def test_the_fast_base64url_reader_accepts_what_the_ledgers_accepts(text: str) -> None:
    def outcome(fn: Any) -> Any:
        try:
            return fn(text)
        except ValueError:
            return "refused"

    assert outcome(_b64url) == outcome(b64url_decode)


@pytest.mark.parametrize("data", [b"", b"\x00", b"ab", b"abc", bytes(range(256))])
def test_the_fast_base64url_reader_reads_every_length(data: bytes) -> None:
    assert _b64url(b64url(data)) == data
