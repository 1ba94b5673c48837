"""Checking receipts against their signers' keys and against the log that should record them.

Two kinds of receipt reach an auditor:

* a hub receipt (type ``intake``), signed with a key of the hub's JWK set: its payload
  names the log index of the ``intake`` entry it answers, whose ``message_sha256`` must
  equal the receipt's ``sha256`` and whose ``sender`` its ``sender``;
* an agency receipt (type ``delivery``), signed with a key the directory lists for the
  receiving agency: a ``receipt`` entry must record it, with ``receipt_sha256`` = SHA-256
  of the compact JWS, and the issuer, key id, transfer and content digest it states; and
  the ``transfer`` entry of that transfer must name the same receiver and body digest.

A :class:`ReceiptClaim` is a receipt read but not yet trusted. Reading follows
:func:`saphan.ledger.receipts.open_receipt` exactly: a fast path accepts the receipts the
hub and agencies write (canonical header and payload, see :mod:`saphan.audit.entrycheck`
for why an orjson round trip proves RFC 8785 form) and anything else is decided by
``open_receipt`` itself (:mod:`saphan.audit.receiptread`). The Ed25519 checks, the costly part, are batched
(:class:`SignatureChecks`) into worker processes (:mod:`saphan.audit.sigpool`), where
they overlap with the walk over the entries. A claim keeps only what the checks need (a
log may bring hundreds of thousands of receipts): the payload's members of interest, not
the validated model, and not the receipt text once its digest is taken.

What it does not do: walk the log. :mod:`saphan.audit.walk` calls :meth:`ReceiptClaim.
saw_intake`, :meth:`~ReceiptClaim.saw_receipt` and :meth:`~ReceiptClaim.saw_transfer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from saphan.audit.material import AgencyKeys, HubKeys, ReceiptRecord
from saphan.audit.receiptread import fast_parts, fast_payload, peek_header
from saphan.audit.sigpool import Batch, Job, SignaturePool
from saphan.errors import HubError, Problem
from saphan.ledger.entries import IntakeEntry, ReceiptEntry, TransferEntry
from saphan.ledger.pubkeys import public_raw
from saphan.ledger.receipts import ReceiptPayload, open_receipt, receipt_digest

__all__ = ["ReceiptClaim", "SignatureChecks", "Stated", "problems_of", "read_claim"]


@dataclass(frozen=True, slots=True)
class Stated:
    """What a receipt's payload states that the log must agree with."""

    case_id: str
    transfer_id: str | None
    sender: str
    receiver: str
    sha256: str
    log_index: int | None

    @classmethod
    def of(cls, payload: ReceiptPayload) -> Stated:
        return cls(
            payload.case_id,
            payload.transfer_id,
            payload.sender,
            payload.receiver,
            payload.sha256,
            payload.log_index,
        )


@dataclass(slots=True, eq=False)
class ReceiptClaim:
    """One receipt: what it says, who should have signed it, and what the log showed."""

    record: ReceiptRecord
    digest: str
    kind: str | None = None
    issuer: str | None = None
    kid: str | None = None
    stated: Stated | None = None
    key: Ed25519PublicKey | None = None
    signing_input: bytes = b""
    signature: bytes = b""
    #: the signature is still to check (False once checked or decided)
    pending: bool = False
    #: problems of form, keys or signature: the receipt is not the signer's (None: none)
    refused: list[str] | None = None
    #: what the log showed: mismatches, and where the receipt's entries were seen
    mismatches: list[str] | None = None
    seen_at: list[int] | None = None
    transfer_at: int | None = None

    @property
    def where(self) -> str:
        return self.record.where

    def refuse(self, message: str) -> None:
        if self.refused is None:
            self.refused = []
        self.refused.append(message)

    def _mismatch(self, message: str) -> None:
        if self.mismatches is None:
            self.mismatches = []
        self.mismatches.append(message)

    def _seen(self, index: int) -> Stated:
        if self.seen_at is None:
            self.seen_at = []
        self.seen_at.append(index)
        assert self.stated is not None
        return self.stated

    # What the walk over the entries reports.

    def saw_intake(self, index: int, entry: object) -> None:
        stated = self._seen(index)
        if entry is None:
            self._mismatch(f"names log index {index}, whose entry is malformed")
            return
        if not isinstance(entry, IntakeEntry):
            kind = getattr(entry, "kind", "?")
            self._mismatch(f"names log index {index}, a {kind!r} entry, not an intake")
            return
        if entry.message_sha256 != stated.sha256:
            self._mismatch(
                f"states sha256 {stated.sha256}; intake entry {index} records "
                f"{entry.message_sha256}"
            )
        if entry.sender != stated.sender:
            self._mismatch(
                f"states sender {stated.sender}; intake entry {index} records {entry.sender}"
            )

    def saw_receipt(self, index: int, entry: ReceiptEntry) -> None:
        stated = self._seen(index)
        expected = (
            ("issuer", self.issuer),
            ("kid", self.kid),
            ("transfer_id", stated.transfer_id),
            ("content_sha256", stated.sha256),
        )
        for name, value in expected:
            found = getattr(entry, name)
            if found != value:
                self._mismatch(
                    f"receipt entry {index} records {name} {found!r}; the receipt says {value!r}"
                )

    def saw_transfer(self, index: int, entry: TransferEntry) -> None:
        if self.transfer_at is not None:
            return
        self.transfer_at = index
        stated = self.stated
        assert stated is not None
        if entry.receiver != stated.receiver:
            self._mismatch(
                f"transfer entry {index} was for {entry.receiver}, the receipt is from "
                f"{stated.receiver}"
            )
        if entry.body_sha256 != stated.sha256:
            self._mismatch(
                f"acknowledges sha256 {stated.sha256}; transfer entry {index} sent "
                f"{entry.body_sha256}"
            )

    def verdict(self, size: int) -> list[str]:
        """Every failure of this receipt, once the walk is over (empty when it holds)."""
        if self.refused:
            return list(self.refused)
        stated = self.stated
        assert stated is not None
        out = list(self.mismatches or ())
        seen = self.seen_at or []
        if self.kind == "intake":
            index = stated.log_index
            if index is not None and index >= size:
                out.append(f"names log index {index}, beyond the checkpoint (size {size})")
            elif index is not None and not seen:
                out.append(f"the log entry {index} it names could not be read")
            return out
        if not seen:
            out.append(f"no receipt entry in the log records this receipt (sha256 {self.digest})")
        elif self.record.log_index is not None and self.record.log_index not in seen:
            out.append(
                f"said to be recorded at log index {self.record.log_index}; the log records "
                f"it at {', '.join(map(str, seen))}"
            )
        if self.transfer_at is None:
            out.append(f"the log has no transfer entry for transfer {stated.transfer_id}")
        elif seen and self.transfer_at > min(seen):
            out.append(f"recorded before its transfer (entry {self.transfer_at})")
        return out


def _resolve(
    claim: ReceiptClaim, kid: str, hub_keys: HubKeys, agency_keys: AgencyKeys
) -> Ed25519PublicKey | None:
    """Decide the receipt's kind and signer from its record and key id; the key, or None."""
    record = claim.record
    kind = record.type
    if kind is None:
        if kid in hub_keys:
            kind = "intake"
        elif any(kid in keys for keys in agency_keys.values()):
            kind = "delivery"
    claim.kind, claim.kid = kind, kid
    if kind == "intake":
        claim.issuer = record.issuer
        key = hub_keys.get(kid)
        if key is None:
            claim.refuse(f"signed with key {kid!r}, which the hub's JWK set lacks")
        return key
    if kind == "delivery":
        issuer = record.issuer
        if issuer is None:
            owners = [code for code, keys in agency_keys.items() if kid in keys]
            issuer = owners[0] if len(owners) == 1 else None
        claim.issuer = issuer
        if issuer is None:
            claim.refuse(f"no single agency has key {kid!r}: the signer is unknown")
            return None
        keys = agency_keys.get(issuer)
        if not keys:
            claim.refuse(f"no public key of agency {issuer} to check it with")
            return None
        key = keys.get(kid)
        if key is None:
            claim.refuse(f"signed with key {kid!r}, which agency {issuer} does not have")
        return key
    claim.refuse(f"signed with key {kid!r}, neither the hub's nor a known agency's")
    return None


def _check_semantics(claim: ReceiptClaim) -> None:
    stated, record = claim.stated, claim.record
    assert stated is not None
    if claim.kind == "intake":
        if stated.log_index is None:
            claim.refuse("a hub receipt must name the log index of its intake entry")
        elif record.log_index is not None and record.log_index != stated.log_index:
            claim.refuse(f"listed with log index {record.log_index} but names {stated.log_index}")
        return
    if stated.receiver != claim.issuer:
        claim.refuse(f"signed by {claim.issuer} but states receiver {stated.receiver}")
    if stated.transfer_id is None:
        claim.refuse("an agency receipt must name its transfer")
    elif record.transfer_id is not None and record.transfer_id != stated.transfer_id:
        claim.refuse(f"listed for transfer {record.transfer_id} but names {stated.transfer_id}")


def read_claim(
    record: ReceiptRecord,
    hub_keys: HubKeys,
    agency_keys: AgencyKeys,
    headers: dict[str, str | None] | None = None,
) -> ReceiptClaim:
    """Read a receipt, decide its signer, and leave its signature to check (``pending``)."""
    jws = record.jws
    claim = ReceiptClaim(replace(record, jws=""), receipt_digest(jws))
    fast = fast_parts(jws, {} if headers is None else headers)
    if fast is not None:
        kid, signing_input, signature, payload_bytes = fast
        key = _resolve(claim, kid, hub_keys, agency_keys)
        payload = fast_payload(payload_bytes)
        if claim.refused:
            return claim
        if payload is not None and key is not None:
            claim.key, claim.stated = key, Stated.of(payload)
            claim.signing_input, claim.signature = signing_input, signature
            claim.pending = True
            return claim
    # Anything unusual: the ledger's own reader decides, and says why it refuses.
    header = peek_header(jws.split(".", 1)[0])
    peeked = header.get("kid") if isinstance(header, dict) else None
    key = None
    if isinstance(peeked, str) and peeked and not claim.refused:
        key = _resolve(claim, peeked, hub_keys, agency_keys)
    try:
        opened = open_receipt(jws, lambda _kid: key)
    except HubError as exc:
        # An unknown key is already explained by _resolve; keep the other problems.
        known = bool(claim.refused)
        for p in exc.problems:
            if not (known and p.path == "/header/kid"):
                claim.refuse(f"{p.path}: {p.message}")
        if not claim.refused:
            claim.refuse(exc.detail)
        return claim
    claim.stated = Stated.of(opened.payload)
    _check_semantics(claim)
    return claim


class SignatureChecks:
    """The Ed25519 checks of the pending claims, handed to a :class:`SignaturePool`."""

    def __init__(self, claims: Sequence[ReceiptClaim], pool: SignaturePool) -> None:
        self._pending = [c for c in claims if c.pending]
        numbers: dict[int, int] = {}
        keys: list[bytes] = []
        jobs: list[Job] = []
        for claim in self._pending:
            assert claim.key is not None
            number = numbers.get(id(claim.key))
            if number is None:
                number = numbers[id(claim.key)] = len(keys)
                keys.append(public_raw(claim.key))
            jobs.append((number, claim.signature, claim.signing_input))
            # The job holds the bytes until its chunk is checked; the claim needs them no more.
            claim.signature = claim.signing_input = b""
        self._batch: Batch | None = pool.submit(keys, jobs) if jobs else None

    def wait(self) -> None:
        """Block until every signature is checked; the claims then hold their verdict."""
        verdicts = SignaturePool.results(self._batch) if self._batch else []
        self._batch = None
        for claim, ok in zip(self._pending, verdicts, strict=True):
            claim.pending = False
            if ok:
                _check_semantics(claim)
            else:
                claim.refuse(f"/signature: does not verify with key {claim.kid!r}")
        self._pending = []


def problems_of(claims: Sequence[ReceiptClaim], size: int) -> list[Problem]:
    """Every failure of every claim, once signatures and the walk are done."""
    return [Problem(c.where, message) for c in claims for message in c.verdict(size)]
