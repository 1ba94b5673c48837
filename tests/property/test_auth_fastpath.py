"""The common-case verifier accepts only what ``http-message-signatures`` accepts, with the
same parameters and components, and it does accept what the hub's own signer writes.

Requests are drawn with hostile variety (labels, component lists and orders, parameter
orders, types and spellings, methods, URLs, field values), and each is signed over the
signature base as the common-case verifier would build it: if that base ever differed from
the library's for an input the fast path takes, the library would refuse what the fast
path accepted, and the test would fail.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import HTTPMessageSignaturesException
from hypothesis import event, given, settings
from hypothesis import strategies as st

from saphan.auth import sign_request
from saphan.auth.fastpath import verify_common
from saphan.auth.target import normalize_url
from saphan.auth.verify import _bare_names, _combined, _Directory, _KeyRing, _Message, _Verifier

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUBLIC = KEY.public_key()


def keys(keyid: str) -> list[Ed25519PublicKey]:
    return [OTHER.public_key(), PUBLIC] if keyid == "PSC" else []


def library(method: str, target: str, fields: dict[str, str]) -> Any:
    verifier = _Verifier(signature_algorithm=_KeyRing, key_resolver=_Directory(keys))
    try:
        (result,) = verifier.verify(_Message(method, target, fields), max_age=None)
    except HTTPMessageSignaturesException:
        return None
    return dict(result.parameters), _bare_names(result.covered_components)


def mostly(valid: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> Any:
    """Three draws in four from ``valid``: most requests get far enough to be verified."""
    return st.one_of(valid, valid, valid, hostile)


PROFILE = ['"@method"', '"@target-uri"', '"content-type"', '"content-digest"']
components = mostly(
    st.permutations(PROFILE).flatmap(lambda p: st.integers(1, 4).map(lambda n: list(p[:n]))),
    st.lists(
        st.sampled_from(
            [
                *PROFILE,
                '"@authority"',
                '"@path"',
                '"x-extra"',
                '"Content-Type"',
                '"content-type";sf',
                '"@signature-params"',
                '"missing-field"',
            ]
        ),
        max_size=6,
    ),
)
valid_params = st.tuples(
    st.sampled_from(["1795000000", "0", "1"]),
    st.text(alphabet="abcXYZ019-_", min_size=1, max_size=8),
    st.lists(
        st.sampled_from([("expires", "1795000300"), ("alg", '"ed25519"'), ("tag", '"t"')]),
        unique=True,
    ),
).flatmap(
    lambda c: st.permutations(
        [("created", c[0]), ("keyid", '"PSC"'), ("nonce", f'"{c[1]}"'), *c[2]]
    )
)
names = st.sampled_from(["created", "expires", "keyid", "nonce", "alg", "tag", "other", "Keyid"])
values = st.one_of(
    st.sampled_from(['"PSC"', '"ed25519"', '"rsa-pss-sha512"', '"OCC"', "1795000000", "0"]),
    st.integers(-(10**16), 10**16).map(str),
    st.text(alphabet='abcXYZ019 -_"\\\t\x7fé', max_size=6).map(lambda s: f'"{s}"'),
    st.sampled_from(["0123", "-0", "1.5", "?1", ":AAAA:", "tok"]),
)
params = mostly(
    valid_params,
    st.one_of(
        st.lists(st.tuples(names, values), max_size=7),
        st.tuples(valid_params, st.tuples(names, values)).map(lambda v: [*v[0], v[1]]),
    ),
)
labels = mostly(st.just("saphan"), st.sampled_from(["sig1", "a*", "Saphan", "", "sig 1"]))
methods = mostly(st.sampled_from(["POST", "GET"]), st.sampled_from(["post", "P0ST", "OPTIONS"]))
targets = mostly(
    st.sampled_from(
        [
            "https://hub.example/v1/inbound/pmo1111",
            "https://hub.example/",
            "https://hub.example:8443/v1/cases/C-1/status",
            "http://127.0.0.1:8000/v1/inbound/occ",
            "https://hub.example/v1/case~1/.x",
        ]
    ),
    st.sampled_from(
        [
            "https://HUB.example/v1/inbound/occ",
            "https://hub.example:443/v1/inbound/occ",
            "http://hub.example:80/v1",
            "https://hub.example/v1/./inbound",
            "https://hub.example/v1/../inbound",
            "https://hub.example/v1/in%62ound",
            "https://hub.example/v1/inbox?limit=5",
            "https://hub.example/v1//inbound",
            "https://[::1]:8000/v1",
            "https://hub.example:08443/v1",
            "https://hub.example/v1/inbound/",
        ]
    ),
)
field_values = mostly(
    st.sampled_from(["application/json", "sha-256=:AAAA:", "a, b"]),
    st.text(alphabet="ab \t\x00\x7fé;=,", max_size=8),
)


@settings(max_examples=600)
@given(
    labels,
    labels,
    components,
    params,
    mostly(st.just(" "), st.sampled_from(["  ", "", "\t"])),
    methods,
    targets,
    st.fixed_dictionaries(
        {"content-type": field_values, "content-digest": field_values},
        optional={"x-extra": field_values},
    ),
    st.booleans(),
)
def test_what_the_fast_path_accepts_the_library_accepts_alike(
    label: str,
    signature_label: str,
    covered: list[str],
    parameters: list[tuple[str, str]],
    separator: str,
    method: str,
    target: str,
    headers: dict[str, str],
    sign_library_base: bool,
) -> None:
    inner = f"({separator.join(covered)})" + "".join(f";{n}={v}" for n, v in parameters)
    if not inner.isascii():
        return  # no field value a client can send
    # The base as the fast path builds it (lines for bare names, the member value as is).
    lines = []
    for component in covered:
        name = component.strip('"')
        value = {"@method": method, "@target-uri": target}.get(name, headers.get(name, ""))
        lines.append(f'"{name}": {value}\n')
    base = "".join(lines) + f'"@signature-params": {inner}'
    signature = KEY.sign(base.encode("utf-8", errors="replace"))
    fields = dict(headers)
    fields["signature-input"] = f"{label}={inner}"
    fields["signature"] = f"{signature_label}=:{base64.b64encode(signature).decode()}:"
    fast = verify_common(method, target, fields, keys)
    event("fast path accepted" if fast is not None else "left to the library")
    if fast is not None:
        assert library(method, target, fields) == fast


@given(
    st.sampled_from(["POST", "GET"]),
    st.sampled_from(
        [
            "https://hub.example/v1/inbound/pmo1111",
            "http://127.0.0.1:8123/v1/cases/01HZX3/status",
            "https://hub.example.go.th/saphan/v1/transfers/T-9/receipt",
        ]
    ),
    st.binary(max_size=64),
)
def test_the_hubs_own_signatures_take_the_fast_path(method: str, url: str, body: bytes) -> None:
    headers = {"Content-Type": "application/json"} if body or method == "POST" else {}
    now = datetime.now(UTC)
    signed = headers | sign_request(method, url, headers, body, KEY, "PSC", now)
    target, fields = normalize_url(url), _combined(signed)
    fast = verify_common(method, target, fields, keys)
    assert fast is not None
    assert library(method, target, fields) == fast
    # and a signature by a key the key id never had is not the fast path's to refuse
    stranger = headers | sign_request(
        method, url, headers, body, Ed25519PrivateKey.generate(), "PSC", now
    )
    assert verify_common(method, target, _combined(stranger), keys) is None
