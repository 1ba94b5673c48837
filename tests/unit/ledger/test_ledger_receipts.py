"""JWS receipts: exact header and payload bytes, verification by independent JOSE libraries,
and refusal of every kind of tampering."""

import base64
import hashlib
import json
import warnings
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jwt
import pytest
from joserfc import jws as jose_jws
from joserfc.jwk import OKPKey
from jwt.api_jws import PyJWS
from pydantic import ValidationError

from saphan.errors import IntegrityError
from saphan.ledger.jcs import canonical_bytes
from saphan.ledger.keys import KeyRing, SigningKey
from saphan.ledger.pubkeys import b64url
from saphan.ledger.receipts import (
    ReceiptPayload,
    expect_receipt,
    issue_receipt,
    open_receipt,
    receipt_digest,
    verify_receipt,
)

BODY = "<complaint>ตัวอย่าง</complaint>".encode()


def _payload(**overrides: Any) -> ReceiptPayload:
    fields: dict[str, Any] = {
        "case_id": "c-7f3a",
        "transfer_id": "t-0001",
        "sender": "MOI-DRT-3415",
        "receiver": "OMB",
        "sha256": hashlib.sha256(BODY).hexdigest(),
        "time": datetime(2025, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=7))),
        "log_index": 41,
    }
    fields.update(overrides)
    return ReceiptPayload(**fields)


def _parts(token: str) -> list[bytes]:
    return [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in token.split(".")]


def test_header_and_payload_are_exactly_the_agreed_bytes() -> None:
    key = SigningKey.generate()
    token = issue_receipt(_payload(), key)
    header, payload, signature = _parts(token)
    assert header == (
        b'{"alg":"EdDSA","kid":"' + key.kid.encode() + b'","typ":"saphan-receipt+jws"}'
    )
    assert payload == canonical_bytes(json.loads(payload))
    assert json.loads(payload) == {
        "case_id": "c-7f3a",
        "log_index": 41,
        "receiver": "OMB",
        "sender": "MOI-DRT-3415",
        "sha256": hashlib.sha256(BODY).hexdigest(),
        "time": "2025-03-01T03:30:00Z",  # held and written in UTC
        "transfer_id": "t-0001",
    }
    assert len(signature) == 64
    assert "=" not in token


def test_pyjwt_verifies_a_receipt_with_the_published_public_key() -> None:
    ring = KeyRing.generate()
    token = issue_receipt(_payload(), ring.current)
    jwk = ring.public_jwks()["keys"][0]
    public = jwt.PyJWK(jwk).key
    decoded = PyJWS().decode_complete(token, key=public, algorithms=["EdDSA"])
    assert decoded["header"] == {
        "alg": "EdDSA",
        "kid": ring.current.kid,
        "typ": "saphan-receipt+jws",
    }
    assert decoded["payload"] == _payload().to_bytes()
    with pytest.raises(jwt.InvalidSignatureError):
        PyJWS().decode_complete(
            token,
            key=jwt.PyJWK(KeyRing.generate().public_jwks()["keys"][0]).key,
            algorithms=["EdDSA"],
        )


def test_joserfc_verifies_a_receipt_with_the_published_jwk() -> None:
    ring = KeyRing.generate()
    token = issue_receipt(_payload(log_index=None, transfer_id=None), ring.current)
    # a copy, as the dict type joserfc declares (its values may be lists)
    key = OKPKey.import_key(dict(ring.public_jwks()["keys"][0]))
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" as superseded by RFC 9864's "Ed25519"; the format fixes it.
        warnings.simplefilter("ignore")
        obj = jose_jws.deserialize_compact(token, key, algorithms=["EdDSA"])
    assert obj.headers()["kid"] == ring.current.kid
    assert json.loads(obj.payload)["log_index"] is None


def test_a_receipt_signed_by_another_jose_library_verifies_here() -> None:
    # An agency using PyJWT over the canonical payload bytes produces a valid receipt.
    private = SigningKey.generate()
    token = PyJWS().encode(
        _payload(log_index=None).to_bytes(),
        private.private,
        algorithm="EdDSA",
        headers={"kid": private.kid, "typ": "saphan-receipt+jws"},
    )
    payload = verify_receipt(token, lambda kid: private.public.key if kid == private.kid else None)
    assert payload == _payload(log_index=None)


def test_verification_returns_what_was_signed_and_its_digest() -> None:
    ring = KeyRing.generate()
    token = issue_receipt(_payload(), ring.current)
    opened = open_receipt(token, ring.find)
    assert opened.kid == ring.current.kid
    assert opened.payload == _payload()
    assert opened.digest == receipt_digest(token) == hashlib.sha256(token.encode()).hexdigest()


def test_receipts_signed_before_a_rotation_still_verify() -> None:
    ring = KeyRing.generate()
    token = issue_receipt(_payload(), ring.current)
    assert verify_receipt(token, ring.rotate().rotate().verifier) == _payload()


def _resign(
    token: str, key: SigningKey, header: dict[str, Any] | None = None, payload: bytes | None = None
) -> str:
    h, p, _ = token.split(".")
    if header is not None:
        h = b64url(json.dumps(header, separators=(",", ":")).encode())
    if payload is not None:
        p = b64url(payload)
    return f"{h}.{p}.{b64url(key.sign(f'{h}.{p}'.encode()))}"


def test_every_tampering_is_refused() -> None:
    key = SigningKey.generate()
    resolve = {key.kid: key.public.key}.get
    good = issue_receipt(_payload(), key)
    h, p, s = good.split(".")
    other_payload = b64url(_payload(receiver="PSC").to_bytes())
    base_header = {"alg": "EdDSA", "kid": key.kid, "typ": "saphan-receipt+jws"}
    cases = {
        "payload swapped": f"{h}.{other_payload}.{s}",
        "signature flipped": f"{h}.{p}.{s[:-2]}{'A' if s[-2] != 'A' else 'B'}{s[-1]}",
        "unknown key": issue_receipt(_payload(), SigningKey.generate()),
        "alg none": _resign(good, key, {**base_header, "alg": "none"}),
        "wrong typ": _resign(good, key, {**base_header, "typ": "JWT"}),
        "crit header": _resign(good, key, {**base_header, "crit": ["exp"]}),
        "embedded jwk": _resign(good, key, {**base_header, "jwk": {"kty": "OKP"}}),
        "non-canonical payload": _resign(
            good, key, payload=json.dumps(json.loads(_payload().to_bytes()), indent=1).encode()
        ),
        "payload missing the log index": _resign(
            good,
            key,
            payload=canonical_bytes(
                {k: v for k, v in json.loads(_payload().to_bytes()).items() if k != "log_index"}
            ),
        ),
        "padded base64": f"{h}=.{p}.{s}",
        "two parts": f"{h}.{p}",
        "not ascii": f"{h}.{p}.{s}ก",
    }
    for name, token in cases.items():
        with pytest.raises(IntegrityError) as caught:
            verify_receipt(token, resolve)
        assert caught.value.problems, name


def test_all_header_problems_are_listed_at_once() -> None:
    key = SigningKey.generate()
    bad = _resign(issue_receipt(_payload(), key), key, {"alg": "HS256", "typ": "x", "zip": "DEF"})
    with pytest.raises(IntegrityError) as caught:
        verify_receipt(bad, {key.kid: key.public.key}.get)
    assert {p.path for p in caught.value.problems} == {
        "/header/alg",
        "/header/typ",
        "/header/kid",
        "/header/zip",
    }


def test_payload_members_beyond_the_agreed_ones_are_kept() -> None:
    key = SigningKey.generate()
    token = issue_receipt(_payload(agency_ref="DRT-2568-0042"), key)
    payload = verify_receipt(token, {key.kid: key.public.key}.get)
    assert payload.model_extra == {"agency_ref": "DRT-2568-0042"}


def test_payload_fields_are_checked_when_built() -> None:
    for bad in (
        {"sha256": "ABC"},
        {"time": datetime(2025, 1, 1)},  # noqa: DTZ001 (a naive time is what is refused)
        {"time": "yesterday"},
        {"log_index": -1},
        {"log_index": "41"},
        {"sender": "not an agency code"},
    ):
        with pytest.raises(ValidationError):
            _payload(**bad)
    assert _payload(time="2025-03-01T10:30:00+07:00").time == datetime(
        2025, 3, 1, 3, 30, tzinfo=UTC
    )


def test_expect_receipt_names_every_mismatch() -> None:
    payload = _payload()
    expect_receipt(payload, transfer_id="t-0001", receiver="OMB", sha256=payload.sha256)
    with pytest.raises(IntegrityError) as caught:
        expect_receipt(payload, transfer_id="t-0002", receiver="PSC", sender="MOI-DRT-3415")
    assert {p.path for p in caught.value.problems} == {
        "/payload/transfer_id",
        "/payload/receiver",
    }
