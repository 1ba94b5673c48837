"""@target-uri: one spelling on both ends, and the server's reconstruction behind a
public base URL."""

from __future__ import annotations

import pytest

from saphan.auth import normalize_url, target_uri
from saphan.errors import InputError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hub.example/v1/x", "https://hub.example/v1/x"),
        ("HTTPS://Hub.EXAMPLE:443/v1/x", "https://hub.example/v1/x"),
        ("http://hub.example:80", "http://hub.example/"),
        ("http://hub.example:8080/a?b=1#frag", "http://hub.example:8080/a?b=1"),
        ("https://user:pw@hub.example/a", "https://hub.example/a"),
        ("https://[::1]:8443/a", "https://[::1]:8443/a"),
        # The encoded form is what is signed: it is kept as it is, never decoded.
        ("https://hub.example/v1/track/%E0%B8%81?q=%E0%B8%82", None),
    ],
)
def test_urls_are_spelled_one_way(url: str, expected: str | None) -> None:
    assert normalize_url(url) == (expected or url)
    assert normalize_url(normalize_url(url)) == normalize_url(url)


@pytest.mark.parametrize("url", ["/v1/x", "ftp://hub.example/x", "https://", "https://h:99999/"])
def test_unusable_urls_are_input_errors(url: str) -> None:
    with pytest.raises(InputError) as caught:
        normalize_url(url)
    assert caught.value.problems[0].path == "/url"


@pytest.mark.parametrize(
    "base",
    ["https://hub.example/saphan", "https://hub.example/saphan/", "HTTPS://HUB.example:443/saphan"],
)
def test_the_target_is_rebuilt_from_the_public_base(base: str) -> None:
    rebuilt = target_uri(base, "/v1/inbox", "limit=5")
    assert rebuilt == "https://hub.example/saphan/v1/inbox?limit=5"
    assert target_uri(base, "/v1/inbound/occ") == "https://hub.example/saphan/v1/inbound/occ"


def test_a_base_without_a_path_and_a_raw_path_are_joined_as_received() -> None:
    assert target_uri("https://hub.example", "/v1/track/%E0%B8%81") == (
        "https://hub.example/v1/track/%E0%B8%81"
    )


def test_a_relative_path_or_a_base_with_a_query_is_refused() -> None:
    with pytest.raises(InputError):
        target_uri("https://hub.example", "v1/inbox")
    with pytest.raises(InputError):
        target_uri("https://hub.example/?a=1", "/v1/inbox")
