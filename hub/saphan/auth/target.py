"""The ``@target-uri`` both ends sign: one spelling of a request's absolute URL.

RFC 9421 signs the target URI as text, so a signer and a verifier that spell the same
URL differently (``HTTPS://Hub.example:443/v1`` and ``https://hub.example/v1``) disagree.
Both ends of the hub pass every URL through :func:`normalize_url`, which keeps the
spelling httpx already sends: lower-case scheme and host, no default port, ``/`` for an
empty path, no fragment, no credentials. Percent-encoding is kept as received, never
decoded or re-encoded, because the signature covers the encoded form.

A server cannot see the URL its client used; it must rebuild it. :func:`target_uri` does
that from the hub's configured public base URL and the path and query as received.
This module does no I/O; it neither reads settings nor inspects framework requests.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from saphan.errors import InputError, Problem

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(url: str, *, path: str = "/url") -> str:
    """Return ``url`` as an absolute http(s) URL in the one spelling both ends sign.

    Raises :class:`~saphan.errors.InputError` naming ``path`` when ``url`` is not an
    absolute http(s) URL with a host.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a malformed port or IPv6 literal
        raise InputError("not a usable URL", [Problem(path, str(exc))]) from exc
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        raise InputError(
            "not a usable URL", [Problem(path, f"{url!r} is not an absolute http(s) URL")]
        )
    if ":" in host:  # urlsplit strips the brackets of an IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{parts.path or '/'}{query}"


@lru_cache(maxsize=16)
def _base_prefix(base_url: str) -> str:
    normalized = normalize_url(base_url, path="/base_url")
    if "?" in normalized:
        raise InputError("not a usable base URL", [Problem("/base_url", "a base URL has no query")])
    return normalized.rstrip("/")


def target_uri(base_url: str, path: str, query: str = "") -> str:
    """Rebuild the ``@target-uri`` a client signed, on the server side.

    ``base_url`` is the hub's public base URL, the one agencies are configured with
    (for example ``https://hub.example.go.th/saphan``). Take it from the settings, never
    from the request's ``Host`` or forwarding headers nor from the address the proxy
    forwarded to: a signature is then valid only for this hub's public address, so a
    request signed for another service cannot be replayed here.

    ``path`` is the request path *below* the base URL, starting with ``/`` and still
    percent-encoded as it arrived (``/v1/inbound/occ`` for a request to
    ``https://hub.example.go.th/saphan/v1/inbound/occ``). In an ASGI application reached
    at the same path as below the base (the proxy strips the base's path prefix, or the
    base has none), that is ``scope["raw_path"].decode("latin-1")``; do not use the
    decoded ``scope["path"]`` or ``request.url``, which may differ from what was signed.

    ``query`` is the raw query string without ``?`` (ASGI: ``scope["query_string"]``
    decoded as latin-1), empty when there is none.
    """
    if not path.startswith("/"):
        raise InputError("not a usable request path", [Problem("/path", "must start with /")])
    suffix = f"?{query}" if query else ""
    return f"{_base_prefix(base_url)}{path}{suffix}"
