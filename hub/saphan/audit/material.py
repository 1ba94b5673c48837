"""What an audit reads besides the entries: receipt records, key sets, trusted log keys.

* :class:`ReceiptRecord`: one receipt to check, as a line of ``receipts.jsonl`` (an object
  naming its type, issuer and log index) or as a bare compact JWS an auditor collected;
* :func:`read_jwks` / :func:`read_agency_keys`: public keys from a JWK set and from the
  export's ``agency-keys.json``, with a problem for each key that does not read;
* :func:`trusted_log_keys`: the log verifier keys an auditor passes with ``--key``, each a
  ``name+hexkeyid+base64key`` string or a file holding one or more of them.

What it does not do: decide whom to trust. Keys read from an export or a hub are only as
good as their source; the auditor's ``--key`` is the trust anchor for checkpoints.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from saphan.errors import HubError, InputError, Problem
from saphan.ledger.note import NoteVerifier
from saphan.ledger.pubkeys import key_id, parse_public_key, public_jwk

__all__ = [
    "AgencyKeys",
    "HubKeys",
    "ReceiptRecord",
    "agency_keys_document",
    "read_agency_keys",
    "read_jwks",
    "read_receipt_lines",
    "trusted_log_keys",
]

ReceiptType = Literal["intake", "delivery"]
#: kid -> public key
HubKeys = dict[str, Ed25519PublicKey]
#: agency code -> kid -> public key
AgencyKeys = dict[str, dict[str, Ed25519PublicKey]]


@dataclass(frozen=True, slots=True)
class ReceiptRecord:
    """A receipt to check and what its source says about it (hints, never trusted)."""

    where: str
    jws: str
    type: ReceiptType | None = None
    issuer: str | None = None
    log_index: int | None = None
    transfer_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "issuer": self.issuer,
            "log_index": self.log_index,
            "transfer_id": self.transfer_id,
            "jws": self.jws,
        }


def _record(where: str, line: str) -> ReceiptRecord:
    if not line.startswith("{"):
        return ReceiptRecord(where, line)
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise InputError("not a receipt line", [Problem(where, f"not JSON: {exc}")]) from exc
    problems: list[Problem] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("jws"), str):
        raise InputError("not a receipt line", [Problem(where, "an object with a 'jws' string")])
    kind, issuer, index, transfer = (
        doc.get("type"),
        doc.get("issuer"),
        doc.get("log_index"),
        doc.get("transfer_id"),
    )
    if kind not in (None, "intake", "delivery"):
        problems.append(Problem(f"{where}/type", "must be 'intake' or 'delivery'"))
    if issuer is not None and not isinstance(issuer, str):
        problems.append(Problem(f"{where}/issuer", "must be an agency code"))
    if index is not None and (type(index) is not int or index < 0):
        problems.append(Problem(f"{where}/log_index", "must be a log index"))
    if transfer is not None and not isinstance(transfer, str):
        problems.append(Problem(f"{where}/transfer_id", "must be a string"))
    if problems:
        raise InputError("not a receipt line", problems)
    return ReceiptRecord(where, doc["jws"], kind, issuer, index, transfer)


def read_receipt_lines(lines: Iterator[str], name: str) -> Iterator[ReceiptRecord | list[Problem]]:
    """Receipt records from lines (blank lines skipped); a problem list for each bad line."""
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            yield _record(f"/{name}/{number}", line)
        except InputError as exc:
            yield exc.problems


def read_jwks(doc: Any, where: str) -> tuple[HubKeys, list[Problem]]:
    """The keys of a JWK set by id; a problem for each unusable or mislabelled key.

    The hub names its keys by RFC 7638 thumbprint, so a key whose ``kid`` is not its own
    thumbprint is refused: a receipt checked with it could be pinned on the wrong key.
    """
    keys: HubKeys = {}
    problems: list[Problem] = []
    items = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return keys, [Problem(where, "not a JWK set (an object with a 'keys' list)")]
    for i, jwk in enumerate(items):
        path = f"{where}/keys/{i}"
        if not isinstance(jwk, dict):
            problems.append(Problem(path, "not a JWK object"))
            continue
        try:
            key = parse_public_key(jwk, path=path)
        except HubError as exc:
            problems.extend(exc.problems)
            continue
        kid = jwk.get("kid")
        if kid != key_id(key):
            problems.append(Problem(f"{path}/kid", f"{kid!r} is not the key's thumbprint id"))
            continue
        keys[kid] = key
    return keys, problems


def read_agency_keys(doc: Any, where: str) -> tuple[AgencyKeys, list[Problem]]:
    """``{"agencies": {code: {"keys": [JWK, ...]}}}`` as code -> kid -> key."""
    out: AgencyKeys = {}
    problems: list[Problem] = []
    agencies = doc.get("agencies") if isinstance(doc, dict) else None
    if not isinstance(agencies, dict):
        return out, [Problem(where, "not an agency key file (an object with 'agencies')")]
    for code, entry in agencies.items():
        path = f"{where}/agencies/{code}"
        items = entry.get("keys") if isinstance(entry, dict) else None
        if not isinstance(items, list):
            problems.append(Problem(path, "needs a 'keys' list"))
            continue
        found: dict[str, Ed25519PublicKey] = {}
        for i, jwk in enumerate(items):
            kid = jwk.get("kid") if isinstance(jwk, dict) else None
            if not isinstance(jwk, dict) or not isinstance(kid, str) or not kid:
                problems.append(Problem(f"{path}/keys/{i}", "a JWK with a 'kid'"))
                continue
            try:
                found[kid] = parse_public_key(jwk, path=f"{path}/keys/{i}")
            except HubError as exc:
                problems.extend(exc.problems)
        out[code] = found
    return out, problems


def agency_keys_document(keys: Mapping[str, Mapping[str, Ed25519PublicKey]]) -> dict[str, Any]:
    """The ``agency-keys.json`` document for ``keys`` (agencies and kids sorted)."""
    return {
        "agencies": {
            code: {"keys": [public_jwk(keys[code][kid], kid) for kid in sorted(keys[code])]}
            for code in sorted(keys)
        }
    }


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a key string is not a usable file name (too long, say)
        return False


def trusted_log_keys(values: list[str]) -> list[NoteVerifier]:
    """The verifier keys given with ``--key``: key strings, or files of one key a line.

    Lines that are empty or start with ``#`` are skipped. Raises :class:`InputError`
    naming every value that is not a usable key.
    """
    verifiers: list[NoteVerifier] = []
    problems: list[Problem] = []
    for n, value in enumerate(values):
        candidates: list[tuple[str, str]]
        path = Path(value)
        if _is_file(path):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem(f"/key/{n}", f"cannot read {value}: {exc}"))
                continue
            candidates = [
                (f"/key/{n}/{i}", line.strip())
                for i, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.strip().startswith("#")
            ]
            if not candidates:
                problems.append(Problem(f"/key/{n}", f"{value} holds no key"))
        else:
            candidates = [(f"/key/{n}", value)]
        for where, text_key in candidates:
            try:
                verifiers.append(NoteVerifier.parse(text_key))
            except HubError as exc:
                problems.append(Problem(where, exc.detail))
    if problems:
        raise InputError("unusable --key", problems)
    if not verifiers:
        raise InputError("no --key", [Problem("/key", "give the log's verifier key")])
    return verifiers
