"""How the integrator hands the suite the agency's public key: a directory entry, a JWK,
a JWK set, a PEM or base64 key, from a file or a JWKS URL; private keys refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from saphan.conformance import load_agency_keys, parse_agency_keys
from saphan.errors import ConfigError
from saphan.ledger.keys import SigningKey
from saphan.ledger.pubkeys import key_id, public_raw
from saphan.simulate.keys import directory_entry

KEY = SigningKey.generate()
OTHER = SigningKey.generate()


def _pem(key: SigningKey) -> bytes:
    return key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_a_directory_entry_gives_its_key_ids_and_code() -> None:
    entry = directory_entry("MOI-DRT-3415", "damrongtham", KEY)
    entry["keys"].append(
        {"kid": "second", "key": base64.b64encode(public_raw(OTHER.public.key)).decode()}
    )
    keys = parse_agency_keys(json.dumps(entry).encode(), "entry.json")
    assert keys.code == "MOI-DRT-3415"
    assert keys.kids == [KEY.kid, "second"]
    assert keys.receipt_key("second") is not None
    assert keys.receipt_key("unknown") is None
    assert len(keys.request_keys()) == 2


def test_a_pem_key_gets_the_thumbprint_key_id() -> None:
    keys = parse_agency_keys(_pem(KEY), "agency.pub.pem")
    assert keys.kids == [key_id(KEY.private.public_key())] == [KEY.kid]
    assert keys.code is None


def test_a_jwk_keeps_its_kid_and_a_jwk_set_all_of_them() -> None:
    jwk = KEY.public.jwk() | {"kid": "agency-2024"}
    assert parse_agency_keys(json.dumps(jwk).encode(), "k.jwk").kids == ["agency-2024"]
    jwks = {"keys": [KEY.public.jwk(), OTHER.public.jwk()]}
    assert parse_agency_keys(json.dumps(jwks).encode(), "k.jwks").kids == [KEY.kid, OTHER.kid]


def test_base64_of_the_raw_key() -> None:
    raw = base64.b64encode(public_raw(KEY.public.key))
    assert parse_agency_keys(raw, "raw.txt").kids == [KEY.kid]


@pytest.mark.parametrize(
    ("material", "says"),
    [
        (b"-----BEGIN PRIVATE KEY-----\nMC4CAQ==\n-----END PRIVATE KEY-----\n", "private key"),
        (
            json.dumps({"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "BB"}).encode(),
            "private key",
        ),
        (b"{not json", "not JSON"),
        (json.dumps({"hello": 1}).encode(), "neither a JWK"),
        (b"\xff\xfe", "not text"),
        (b"c2hvcnQ=", "32"),
    ],
)
def test_unusable_material_is_refused_with_the_reason(material: bytes, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_agency_keys(material, "given")
    assert says in caught.value.detail + " ".join(p.message for p in caught.value.problems)


def test_a_file_and_a_jwks_url(tmp_path: Path) -> None:
    path = tmp_path / "agency.pub.pem"
    path.write_bytes(_pem(KEY))
    assert load_agency_keys(str(path)).kids == [KEY.kid]
    with pytest.raises(ConfigError, match="cannot be read"):
        load_agency_keys(str(tmp_path / "missing.pem"))

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/.well-known/jwks.json"
        return httpx.Response(200, json={"keys": [OTHER.public.jwk()]})

    transport = httpx.MockTransport(answer)
    keys = load_agency_keys("https://agency.example/.well-known/jwks.json", transport=transport)
    assert keys.kids == [OTHER.kid]
    failing = httpx.MockTransport(lambda request: httpx.Response(503))
    with pytest.raises(ConfigError, match="cannot be fetched"):
        load_agency_keys("https://agency.example/jwks", transport=failing)
