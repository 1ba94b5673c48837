"""verify_request accepts what the hub's signer produces and refuses, naming the reason,
every request the contract says gets a 401."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from auth_helpers import AGENCY, BODY, NOW, URL, KeyDirectory, forge, signed, verifier
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saphan.auth import verify_request
from saphan.errors import AuthenticationError, Problem


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def directory(key: Ed25519PrivateKey) -> KeyDirectory:
    d = KeyDirectory()
    d.add(AGENCY, key)
    return d


def refused(call: Callable[..., object], *args: object, **kwargs: object) -> list[Problem]:
    with pytest.raises(AuthenticationError) as caught:
        call(*args, **kwargs)
    assert caught.value.http_status == 401
    assert caught.value.problems, "a refusal must name its reasons"
    return caught.value.problems


def paths(problems: list[Problem]) -> set[str]:
    return {p.path for p in problems}


# --- accepted ---------------------------------------------------------------------------


def test_a_signed_request_verifies_and_says_who_signed(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    _, verify = verifier(directory)
    result = verify(headers)
    assert result.keyid == AGENCY
    assert result.created == NOW
    assert result.expires == NOW + timedelta(seconds=300)
    assert result.nonce and result.nonce in headers["Signature-Input"]


def test_a_get_without_body_or_content_type_verifies(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    url = "https://hub.example.go.th/saphan/v1/inbox?limit=10"
    headers = signed(key, method="GET", url=url, body=b"", headers={})
    assert "content-type" not in headers["Signature-Input"]
    _, verify = verifier(directory)
    assert verify(headers, method="GET", url=url, body=b"").keyid == AGENCY


def test_header_names_are_case_insensitive_and_field_lines_may_repeat(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    lines = [(name.upper(), value) for name, value in headers.items()]
    lines.append(("Accept", "application/json"))
    lines.append(("accept", "text/plain"))
    _, verify = verifier(directory)
    assert verify(lines).keyid == AGENCY


def test_any_current_or_earlier_key_of_the_keyid_verifies(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    directory.add(AGENCY, Ed25519PrivateKey.generate())  # rotated: `key` is now the old one
    _, verify = verifier(directory)
    assert verify(signed(key)).keyid == AGENCY


def test_the_url_is_compared_in_its_normal_spelling(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    _, verify = verifier(directory)
    spelled = "HTTPS://Hub.Example.go.th:443/saphan/v1/inbound/occ"
    assert verify(headers, url=spelled).keyid == AGENCY


def test_clock_skew_within_the_tolerance_is_accepted(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    ahead = signed(key, now=NOW + timedelta(seconds=30))
    _, verify = verifier(directory)
    assert verify(ahead).created == NOW + timedelta(seconds=30)
    late = signed(key, now=NOW - timedelta(seconds=330))  # expired 30 s ago
    assert verify(late).keyid == AGENCY


def test_a_foreign_rfc9421_signer_with_the_same_profile_is_accepted(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    _, verify = verifier(directory)
    assert verify(forge(key, nonce="n-1")).nonce == "n-1"


# --- refused ----------------------------------------------------------------------------


def test_missing_signature_is_refused(directory: KeyDirectory) -> None:
    _, verify = verifier(directory)
    problems = refused(verify, {"Content-Type": "application/json"})
    assert paths(problems) == {"/headers/signature-input", "/headers/signature"}
    assert all("not signed" in p.message for p in problems)


def test_signature_input_without_signature_is_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    del headers["Signature"]
    _, verify = verifier(directory)
    assert paths(refused(verify, headers)) == {"/headers/signature"}


def test_malformed_signature_fields_are_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    headers["Signature-Input"] = "saphan=(@method"
    headers["Signature"] = "saphan=:not base64"
    _, verify = verifier(directory)
    problems = refused(verify, headers)
    assert paths(problems) == {"/headers/signature-input", "/headers/signature"}
    assert all("malformed" in p.message for p in problems)


def test_two_signatures_are_refused(key: Ed25519PrivateKey, directory: KeyDirectory) -> None:
    one, two = signed(key), signed(key)
    headers = dict(one)
    headers["Signature-Input"] += ", other=" + two["Signature-Input"].split("=", 1)[1]
    headers["Signature"] += ", other=" + two["Signature"].split("=", 1)[1]
    _, verify = verifier(directory)
    problems = refused(verify, headers)
    assert any("exactly one" in p.message for p in problems)


def test_missing_covered_components_are_each_named(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = forge(key, components=("@method", "@target-uri"))
    _, verify = verifier(directory)
    problems = refused(verify, headers)
    missing = {p.message for p in problems if p.path == "/signature/components"}
    assert missing == {"'content-type' is not covered", "'content-digest' is not covered"}


def test_a_component_covered_with_parameters_does_not_count(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    components = ("@method", "@target-uri", "content-type", '"content-digest";sf')
    _, verify = verifier(directory)
    problems = refused(verify, forge(key, components=components))
    assert problems == [Problem("/signature/components", "'content-digest' is not covered")]


def test_missing_nonce_and_expires_are_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    _, verify = verifier(directory)
    problems = refused(verify, forge(key, nonce=None, expires=None))
    assert set(problems) == {
        Problem("/signature/nonce", "missing"),
        Problem("/signature/expires", "missing"),
    }


def test_missing_created_is_refused(key: Ed25519PrivateKey, directory: KeyDirectory) -> None:
    headers = signed(key)
    headers["Signature-Input"] = headers["Signature-Input"].replace(";created=", ";x=")
    _, verify = verifier(directory)
    problems = refused(verify, headers)
    assert Problem("/signature/created", "missing") in problems


def test_unknown_keyid_is_refused(key: Ed25519PrivateKey, directory: KeyDirectory) -> None:
    _, verify = verifier(directory)
    problems = refused(verify, signed(key, keyid="NOBODY"))
    assert problems == [Problem("/signature/keyid", "unknown keyid 'NOBODY'")]


def test_signed_with_a_key_the_agency_does_not_have_is_refused(directory: KeyDirectory) -> None:
    stranger = Ed25519PrivateKey.generate()
    _, verify = verifier(directory)
    problems = refused(verify, signed(stranger))
    assert paths(problems) == {"/signature"}
    assert "does not verify" in problems[0].message


def test_another_algorithm_is_refused(key: Ed25519PrivateKey, directory: KeyDirectory) -> None:
    headers = signed(key)
    headers["Signature-Input"] = headers["Signature-Input"].replace(
        'alg="ed25519"', 'alg="hmac-sha256"'
    )
    _, verify = verifier(directory)
    problems = refused(verify, headers)
    assert Problem("/signature/alg", "'hmac-sha256' is not 'ed25519'") in problems


def test_created_in_the_future_beyond_the_skew_is_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    _, verify = verifier(directory)
    problems = refused(verify, signed(key, now=NOW + timedelta(seconds=31)))
    assert paths(problems) == {"/signature/created"}
    assert "in the future" in problems[0].message


def test_an_expired_signature_is_refused(key: Ed25519PrivateKey, directory: KeyDirectory) -> None:
    headers = signed(key)
    _, verify = verifier(directory, now=NOW + timedelta(seconds=331))
    problems = refused(verify, headers)
    assert paths(problems) == {"/signature/expires"}
    assert problems[0].message.startswith("expired at 2025-06-01T03:05:00")


def test_a_validity_window_longer_than_an_hour_is_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    _, verify = verifier(directory)
    problems = refused(verify, forge(key, expires=NOW + timedelta(hours=1, seconds=1)))
    assert paths(problems) == {"/signature/expires"}
    assert "at most 1:00:00" in problems[0].message


def test_expires_before_created_is_refused(key: Ed25519PrivateKey, directory: KeyDirectory) -> None:
    _, verify = verifier(directory)
    problems = refused(verify, forge(key, expires=NOW - timedelta(seconds=1)))
    assert Problem("/signature/expires", "is not after created") in problems


def test_a_tampered_body_is_refused_by_its_digest(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    _, verify = verifier(directory)
    problems = refused(verify, headers, body=BODY.replace(b"340101", b"340102"))
    assert problems == [Problem("/headers/content-digest", "sha-256 does not match the body")]


def test_a_body_and_digest_replaced_together_break_the_signature(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    forged_body = BODY + b" "
    headers["Content-Digest"] = signed(key, body=forged_body)["Content-Digest"]
    _, verify = verifier(directory)
    problems = refused(verify, headers, body=forged_body)
    assert paths(problems) == {"/signature"}


def test_a_tampered_content_type_is_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    headers["Content-Type"] = "application/xml"
    _, verify = verifier(directory)
    assert paths(refused(verify, headers)) == {"/signature"}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "https://hub.example.go.th/saphan/v1/inbound/pmo1111"),  # path
        ("POST", "https://hub.example.go.th/saphan/v1/inbound/occ?dry_run=1"),  # query
        ("POST", "https://hub.example.go.th/other/v1/inbound/occ"),  # base path
        ("POST", "https://evil.example/saphan/v1/inbound/occ"),  # authority
        ("POST", "http://hub.example.go.th/saphan/v1/inbound/occ"),  # scheme
        ("PUT", URL),  # method
    ],
)
def test_a_different_target_or_method_is_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory, method: str, url: str
) -> None:
    headers = signed(key)
    _, verify = verifier(directory)
    problems = refused(verify, headers, method=method, url=url)
    assert paths(problems) == {"/signature"}


def test_a_tampered_query_is_refused(key: Ed25519PrivateKey, directory: KeyDirectory) -> None:
    url = "https://hub.example.go.th/saphan/v1/inbox?limit=10"
    headers = signed(key, method="GET", url=url, body=b"", headers={})
    _, verify = verifier(directory)
    problems = refused(verify, headers, method="GET", url=url.replace("10", "1000"), body=b"")
    assert paths(problems) == {"/signature"}


def test_a_replay_within_the_window_is_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    _, verify = verifier(directory)
    verify(headers)
    problems = refused(verify, headers)
    assert problems == [
        Problem("/signature/nonce", f"replayed: {AGENCY!r} already used this nonce")
    ]


def test_a_refused_request_does_not_use_up_its_nonce(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    store, verify = verifier(directory)
    refused(verify, headers, body=b"tampered")
    assert len(store) == 0
    assert verify(headers).keyid == AGENCY


def test_every_reason_is_named_at_once(directory: KeyDirectory) -> None:
    stranger = Ed25519PrivateKey.generate()
    headers = forge(stranger, components=("@method", "@target-uri", "content-digest"), nonce=None)
    _, verify = verifier(directory, now=NOW + timedelta(minutes=10))
    problems = refused(verify, headers, body=b"something else")
    assert paths(problems) == {
        "/signature/nonce",  # missing
        "/signature/components",  # content-type not covered
        "/headers/content-digest",  # body changed
        "/signature/expires",  # expired
        "/signature",  # wrong key
    }


def test_an_unusable_url_from_the_server_is_refused_not_crashed(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    store, _ = verifier(directory)
    with pytest.raises(AuthenticationError) as caught:
        verify_request("POST", "/v1/inbound/occ", signed(key), BODY, directory, store, NOW)
    assert paths(caught.value.problems) == {"/url"}


def test_a_signature_that_is_not_a_byte_sequence_is_refused(
    key: Ed25519PrivateKey, directory: KeyDirectory
) -> None:
    headers = signed(key)
    headers["Signature"] = "saphan=token"
    _, verify = verifier(directory)
    problems = refused(verify, headers)
    assert problems == [
        Problem("/headers/signature", "must hold exactly the byte sequence 'saphan'")
    ]
