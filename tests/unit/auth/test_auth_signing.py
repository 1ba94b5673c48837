"""sign_request writes the hub's signature profile, which a standard RFC 9421 verifier
accepts, and refuses to sign what the hub's verifier would refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import http_sf
import pytest
from auth_helpers import AGENCY, BODY, JSON, NOW, URL
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver
from http_message_signatures.algorithms import ED25519
from http_sf.types import BareItemType, ItemOrInnerListType, ParamsType

from saphan.auth import content_digest, sign_request
from saphan.errors import InputError


def inner_list(
    member: ItemOrInnerListType,
) -> tuple[list[tuple[BareItemType, ParamsType]], ParamsType]:
    """A dictionary member that must be an inner list of items, and its parameters."""
    assert isinstance(member, tuple)
    items, params = member
    assert isinstance(items, list)
    pairs = []
    for item in items:
        assert isinstance(item, tuple)
        pairs.append(item)
    return pairs, params


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_the_signature_covers_the_contract_components_and_parameters(
    key: Ed25519PrivateKey,
) -> None:
    added = sign_request("POST", URL, JSON, BODY, key, AGENCY, NOW)
    assert set(added) == {"Content-Digest", "Signature-Input", "Signature"}
    assert added["Content-Digest"] == content_digest(BODY)
    inputs = http_sf.parse(added["Signature-Input"].encode(), tltype="dictionary")
    assert isinstance(inputs, dict) and list(inputs) == ["saphan"]
    components, params = inner_list(inputs["saphan"])
    assert [name for name, _ in components] == [
        "@method",
        "@target-uri",
        "content-type",
        "content-digest",
    ]
    assert params["keyid"] == AGENCY
    assert params["alg"] == "ed25519"
    assert params["created"] == int(NOW.timestamp())
    assert params["expires"] == int((NOW + timedelta(seconds=300)).timestamp())
    assert isinstance(params["nonce"], str) and len(params["nonce"]) >= 16
    signature = http_sf.parse(added["Signature"].encode(), tltype="dictionary")
    assert isinstance(signature, dict)
    member = signature["saphan"]
    assert isinstance(member, tuple)
    assert isinstance(member[0], bytes) and len(member[0]) == 64


def test_every_signature_has_a_fresh_nonce(key: Ed25519PrivateKey) -> None:
    first = sign_request("POST", URL, JSON, BODY, key, AGENCY, NOW)
    second = sign_request("POST", URL, JSON, BODY, key, AGENCY, NOW)
    assert first["Signature-Input"] != second["Signature-Input"]


def test_a_stale_digest_in_the_headers_is_replaced(key: Ed25519PrivateKey) -> None:
    headers = JSON | {"content-digest": content_digest(b"an earlier body")}
    added = sign_request("POST", URL, headers, BODY, key, AGENCY, NOW)
    assert added["Content-Digest"] == content_digest(BODY)


def test_a_standard_rfc9421_verifier_accepts_the_signature(key: Ed25519PrivateKey) -> None:
    # The library's own verifier, on the wall clock, requiring the contract's coverage.
    now = datetime.now(UTC)

    class Message:
        method = "POST"
        url = URL
        headers = JSON | sign_request("POST", URL, JSON, BODY, key, AGENCY, now)

    verifier = HTTPMessageVerifier(
        signature_algorithm=ED25519,
        key_resolver=MappingKeyResolver(public_keys={AGENCY: key.public_key()}, private_keys={}),
    )
    (result,) = verifier.verify(
        Message(),
        require_components=("@method", "@target-uri", "content-type", "content-digest"),
        body=BODY,
    )
    assert result.parameters["keyid"] == AGENCY
    assert result.body == BODY


def test_everything_that_prevents_signing_is_named_at_once(key: Ed25519PrivateKey) -> None:
    with pytest.raises(InputError) as caught:
        sign_request(
            "POST",
            "/v1/inbound/occ",
            {},
            BODY,
            key,
            "",
            datetime(2025, 6, 1, 3, 0),  # noqa: DTZ001 - naive on purpose
            timedelta(hours=2),
        )
    assert {p.path for p in caught.value.problems} == {
        "/now",
        "/ttl",
        "/keyid",
        "/headers/content-type",
        "/url",
    }


def test_a_method_the_library_cannot_sign_is_an_input_error(key: Ed25519PrivateKey) -> None:
    with pytest.raises(InputError):
        sign_request("post", URL, JSON, BODY, key, AGENCY, NOW)
