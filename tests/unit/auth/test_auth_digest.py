"""Content-Digest (RFC 9530): the field the hub writes, and every way a check fails."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saphan.auth import content_digest, digest_problems, verify_content_digest
from saphan.errors import IntegrityError, Problem

FIELD = "/headers/content-digest"
HELLO = b'{"hello": "world"}'


def test_the_digest_matches_the_rfc_9530_examples() -> None:
    # RFC 9530 Appendix B: the digests of {"hello": "world"} and of an empty body.
    assert content_digest(HELLO) == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    assert content_digest(b"") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"


@given(st.binary(max_size=4096))
def test_a_digest_verifies_its_body_and_no_other(body: bytes) -> None:
    header = content_digest(body)
    verify_content_digest(header, body)
    assert digest_problems(header, body + b"\x00") == [
        Problem(FIELD, "sha-256 does not match the body")
    ]


def test_a_mismatch_raises_an_integrity_error() -> None:
    with pytest.raises(IntegrityError) as caught:
        verify_content_digest(content_digest(HELLO), b'{"hello": "w0rld"}')
    assert caught.value.problems == [Problem(FIELD, "sha-256 does not match the body")]


def test_a_body_without_a_digest_is_an_error_but_an_empty_one_is_not() -> None:
    with pytest.raises(IntegrityError) as caught:
        verify_content_digest(None, HELLO)
    assert "missing" in caught.value.problems[0].message
    verify_content_digest(None, b"")


def test_a_sha512_member_is_checked_too_and_unknown_members_are_ignored() -> None:
    sha512 = base64.b64encode(hashlib.sha512(HELLO).digest()).decode()
    good = f"{content_digest(HELLO)}, sha-512=:{sha512}:, md5=:AAAA:"
    assert digest_problems(good, HELLO) == []
    wrong = base64.b64encode(hashlib.sha512(b"other").digest()).decode()
    bad = f"{content_digest(HELLO)}, sha-512=:{wrong}:"
    assert digest_problems(bad, HELLO) == [Problem(FIELD, "sha-512 does not match the body")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("sha-512=:AAAA:", "has no sha-256 member"),
        ("sha-256=:AAAA:", "sha-256 is not a byte sequence of the right size"),
        ("sha-256=abc", "sha-256 is not a byte sequence of the right size"),
        ("sha-256=:AAAA", "not a Structured Field Dictionary"),
        ("sha-256=:ก:", "not a Structured Field Dictionary"),
    ],
)
def test_malformed_fields_are_named(header: str, expected: str) -> None:
    problems = digest_problems(header, HELLO)
    assert len(problems) == 1
    assert problems[0].path == FIELD
    assert problems[0].message.startswith(expected)


def test_a_repeated_member_is_refused_rather_than_last_one_wins() -> None:
    # Otherwise "sha-256=<digest of body A>, sha-256=<digest of body B>" could mean A to
    # one parser and B to another.
    header = f"{content_digest(b'A')}, {content_digest(HELLO)}"
    problems = digest_problems(header, HELLO)
    assert len(problems) == 1
    assert "twice" in problems[0].message
