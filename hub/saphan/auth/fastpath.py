"""The common case of a request signature, verified without the general RFC 9421 machinery.

Nearly every signed request the hub receives follows its profile as the hub's own signer
writes it: one signature, covering bare component names (``"@method" "@target-uri"
"content-type" "content-digest"``), with plain string and integer parameters, over a URL
without a query. For such a request :func:`verify_common` reads the two fields with strict
patterns, builds the signature base (RFC 9421 §2.5) and checks it with Ed25519 under every
key the key id has had, through libsodium: half the cost of the OpenSSL check the library
makes, and stricter (it also refuses small-order and non-canonical points, and otherwise
checks the same equation), so what it accepts, OpenSSL accepts.

Its answer is only ever "verified, with these parameters and components" or ``None``
("not mine"). A request that does not match the patterns exactly, names an unknown key id,
or whose signature does not verify here goes to the general path
(``http-message-signatures``, :mod:`saphan.auth.verify`), which decides and words every
refusal. So this path can only accept what the library accepts, and only spares it the
work: in the library, the structured-field parsing and serialisation in pure Python cost
about 1.5 times the Ed25519 check itself. The strict forms are those whose RFC 8941
serialisation is the text as received (strings without escapes, integers without leading
zeros, one space between components), so the ``@signature-params`` line is that text.
``tests/property/test_auth_fastpath.py`` holds the two paths to the same verdicts and
parameters on generated requests.

This module does not check the hub's policy (coverage, time window, digest, replay): the
caller does that on what either path verified.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError

from saphan.auth.policy import ALGORITHM, KNOWN_PARAMETERS

_LABEL = r"[a-z*][a-z0-9_.*-]{0,63}"
_COMPONENT = r'"(?:@method|@target-uri|[a-z0-9][a-z0-9-]{0,63})"'
# Strings without escapes (%x20-21 / %x23-5B / %x5D-7E); integers as RFC 8941 writes them.
_PARAMETER = (
    r';([a-z][a-z0-9_.*-]{0,63})=(?:"([\x20\x21\x23-\x5b\x5d-\x7e]*)"|(0|-?[1-9][0-9]{0,14}))'
)
_INPUT = re.compile(rf"({_LABEL})=(\(({_COMPONENT}(?: {_COMPONENT})*)\)((?:{_PARAMETER})*))")
_PARAMETERS = re.compile(_PARAMETER)
_SIGNATURE = re.compile(rf"({_LABEL})=:([A-Za-z0-9+/]{{86}}==):")
# What the library's URL resolver gives back unchanged: lower-case http(s), a plain host,
# a non-default port, a path of unreserved characters, no dot segment, no query. Anything else (percent-escapes, queries, IPv6 literals) takes the general path.
_TARGET = re.compile(
    r"(?:https://[a-z0-9.-]+(?::(?!443\b)[1-9][0-9]{0,4})?"
    r"|http://[a-z0-9.-]+(?::(?!80\b)[1-9][0-9]{0,4})?)"
    r"(?:/(?![.]{1,2}(?:/|$))[A-Za-z0-9_~.-]*)+"
)
_STRING_PARAMETERS = frozenset({"alg", "keyid", "nonce", "tag"})
_INTEGER_PARAMETERS = frozenset({"created", "expires"})

#: Given a key id, the public keys that may have signed under it; empty when unknown.
Keys = Callable[[str], Sequence[Ed25519PublicKey]]


def verify_common(
    method: str, target: str, fields: Mapping[str, str], keys: Keys
) -> tuple[dict[str, Any], set[str]] | None:
    """The parameters and covered component names of a verified signature, or ``None``.

    ``target`` is the normalised ``@target-uri``; ``fields`` the request's field values by
    lower-case name, repeated lines already combined; ``keys`` returns the key id's keys
    (empty when unknown).
    """
    read = _read(fields.get("signature-input"), fields.get("signature"))
    if read is None or not method.isalpha() or not method.isupper():
        return None
    components, params, signature_params, signature = read
    if "@target-uri" in components and not _TARGET.fullmatch(target):
        return None
    lines = []
    for name in components:
        if name == "@method":
            value = method
        elif name == "@target-uri":
            value = target
        else:
            found = fields.get(name)
            # printable ASCII only (no tab, CR, LF or other control the library would
            # refuse or treat specially), and already trimmed as RFC 9421 §2.1 trims
            if (
                found is None
                or not (found.isascii() and found.isprintable())
                or found != found.strip(" ")
            ):
                return None
            value = found
        lines.append(f'"{name}": {value}\n')
    base = "".join(lines) + f'"@signature-params": {signature_params}'
    signed = signature + base.encode("ascii")
    for key in keys(params["keyid"]):
        try:
            crypto_sign_open(signed, key.public_bytes(Encoding.Raw, PublicFormat.Raw))
        except CryptoError:
            continue
        # the library counts the parameters line among the covered components
        return params, {*components, "@signature-params"}
    return None


def _read(
    inputs: str | None, signatures: str | None
) -> tuple[list[str], dict[str, Any], str, bytes] | None:
    if inputs is None or signatures is None:
        return None
    match, signed = _INPUT.fullmatch(inputs), _SIGNATURE.fullmatch(signatures)
    if match is None or signed is None or match.group(1) != signed.group(1):
        return None
    components = [c[1:-1] for c in match.group(3).split(" ")]
    if len(set(components)) != len(components):
        return None
    params: dict[str, Any] = {}
    for name, text, number in _PARAMETERS.findall(match.group(4)):
        if name in params or name not in KNOWN_PARAMETERS:
            return None
        if name in _INTEGER_PARAMETERS:
            if not number:
                return None
            params[name] = int(number)
        elif name in _STRING_PARAMETERS and not number:
            params[name] = text
        else:
            return None
    # What the library itself refuses (no key id or creation time, another algorithm)
    # is left to it, so that the refusal is worded as always.
    if (
        "keyid" not in params
        or "created" not in params
        or params.get("alg", ALGORITHM) != ALGORITHM
    ):
        return None
    # the pattern admits exactly 64 bytes of valid base64
    signature = base64.b64decode(signed.group(2), validate=True)
    return components, params, match.group(2), signature
