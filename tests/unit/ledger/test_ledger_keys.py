"""The hub's key ring: ids, rotation, files and their modes, and agencies' public keys."""

import base64
import json
import logging
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc.jwk import OKPKey

from saphan.errors import ConfigError, InputError, IntegrityError
from saphan.ledger.keys import KeyRing, SigningKey, read_private_key, write_private_key
from saphan.ledger.pubkeys import b64url_decode, key_id, parse_public_key, public_raw


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_id_is_the_rfc7638_thumbprint_any_jose_library_derives() -> None:
    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    assert kid == OKPKey.import_key(private.public_key()).thumbprint()[:16]
    assert len(kid) == 16
    assert key_id(private.public_key()) == kid  # stable


def test_rotation_keeps_every_earlier_key_verifiable() -> None:
    ring = KeyRing.generate()
    first = ring.current
    signature = first.sign(b"signed before the rotation")
    rotated = ring.rotate().rotate()
    assert rotated.current.kid != first.kid
    assert [k.kid for k in rotated.earlier][-1] == first.kid
    rotated.verifier(first.kid).verify(signature, b"signed before the rotation")
    with pytest.raises(IntegrityError):
        rotated.verifier("not-a-key-id")


def test_the_jwk_set_lists_current_then_earlier_keys_as_rfc8037_jwks() -> None:
    ring = KeyRing.generate().rotate()
    jwks = ring.public_jwks()
    assert [k["kid"] for k in jwks["keys"]] == [ring.current.kid, ring.earlier[0].kid]
    for jwk in jwks["keys"]:
        assert {jwk["kty"], jwk["crv"], jwk["alg"]} == {"OKP", "Ed25519", "EdDSA"}
        assert "d" not in jwk
        # Any JOSE library reads it, and the id is what it computes itself.
        # a copy, as the dict type joserfc declares (its values may be lists)
        assert OKPKey.import_key(dict(jwk)).thumbprint()[:16] == jwk["kid"]
        assert parse_public_key(jwk) is not None


def test_saved_ring_loads_back_with_private_modes(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    ring = KeyRing.generate()
    ring.save(directory)
    assert _mode(directory) == 0o700
    files = list(directory.iterdir())
    assert files and all(_mode(f) == 0o600 for f in files)

    loaded = KeyRing.load(directory)
    assert loaded.current.kid == ring.current.kid
    message = b"hello"
    ring.verifier(loaded.current.kid).verify(loaded.current.sign(message), message)


def test_rotation_on_disk_keeps_old_public_parts_and_drops_old_private_keys(
    tmp_path: Path,
) -> None:
    ring = KeyRing.generate()
    ring.save(tmp_path)
    old = ring.current
    signature = old.sign(b"receipt")
    rotated = ring.rotate()
    rotated.save(tmp_path)

    loaded = KeyRing.load(tmp_path)
    assert loaded.current.kid == rotated.current.kid
    loaded.verifier(old.kid).verify(signature, b"receipt")
    private_files = sorted(p.name for p in tmp_path.glob("*.key.pem"))
    assert private_files == [f"{rotated.current.kid}.key.pem"]


def test_load_or_create_creates_once_then_loads(tmp_path: Path) -> None:
    created = KeyRing.load_or_create(tmp_path / "k")
    again = KeyRing.load_or_create(tmp_path / "k")
    assert again.current.kid == created.current.kid


def test_a_private_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "agency.pem"
    write_private_key(path, Ed25519PrivateKey.generate())
    assert _mode(path) == 0o600
    read_private_key(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="others read"):
        read_private_key(path)


def test_a_key_file_that_does_not_match_its_name_is_refused(tmp_path: Path) -> None:
    ring = KeyRing.generate().rotate()
    ring.save(tmp_path)
    old = tmp_path / f"{ring.earlier[0].kid}.pub.pem"
    other = Ed25519PrivateKey.generate().public_key()
    old.write_bytes(
        other.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(ConfigError, match="not the"):
        KeyRing.load(tmp_path)


def test_a_missing_ring_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        KeyRing.load(tmp_path / "nothing")


def test_key_material_never_appears_in_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ring = KeyRing.generate()
    seed = ring.current.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    text = repr(ring) + repr(ring.current) + str(ring.current) + caplog.text
    for encoded in (seed.hex(), base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed)):
        assert str(encoded).rstrip("=") not in text
    assert ring.current.kid in repr(ring.current)


def test_agency_public_keys_in_every_accepted_form() -> None:
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    raw = public_raw(public)
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwk = OKPKey.import_key(public).as_dict()
    forms: list[str | bytes | dict[str, str | list[str]]] = [
        raw,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        pem,
        pem.decode(),
        jwk,
        json.dumps(jwk),
    ]
    for form in forms:
        assert public_raw(parse_public_key(form)) == raw


@pytest.mark.parametrize(
    ("material", "path"),
    [
        ("c2hvcnQ=", "/agency/key"),
        ({"kty": "OKP", "crv": "X25519", "x": "AAAA"}, "/agency/key/crv"),
        ("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----", "/agency/key"),
        ("{not json", "/agency/key"),
        (b"\xff" * 40, "/agency/key"),
    ],
)
def test_unusable_agency_keys_are_input_errors_with_a_path(
    material: str | bytes | dict[str, str], path: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_public_key(material, path="/agency/key")
    assert path in [p.path for p in caught.value.problems]


def test_a_private_jwk_is_refused_where_a_public_key_goes() -> None:
    jwk = OKPKey.import_key(Ed25519PrivateKey.generate()).as_dict(private=True)
    with pytest.raises(InputError) as caught:
        parse_public_key(jwk)
    assert any(p.path.endswith("/d") for p in caught.value.problems)


def test_base64url_decoding_is_strict() -> None:
    assert b64url_decode("AQID") == b"\x01\x02\x03"
    for bad in ("AQID=", "AQ*D", "AQJ", "A"):
        with pytest.raises(ValueError):
            b64url_decode(bad)


def test_signing_key_equality_is_by_id() -> None:
    key = SigningKey.generate()
    assert SigningKey.of(key.private) == key


_ORDER_8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
_ORDER_8_B64URL = base64.urlsafe_b64encode(_ORDER_8).decode().rstrip("=")
_ORDER_8_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    + base64.b64encode(bytes.fromhex("302a300506032b6570032100") + _ORDER_8).decode()
    + "\n-----END PUBLIC KEY-----\n"
)


@pytest.mark.parametrize(
    ("material", "path"),
    [
        (_ORDER_8, "/agency/key"),
        (base64.b64encode(_ORDER_8).decode(), "/agency/key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": _ORDER_8_B64URL}, "/agency/key/x"),
        (_ORDER_8_PEM, "/agency/key"),
    ],
    ids=["raw", "base64", "jwk", "pem"],
)
def test_a_key_of_small_order_is_refused_in_every_form(
    material: str | bytes | dict[str, str], path: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_public_key(material, path="/agency/key")
    assert [(p.path, "small order" in p.message) for p in caught.value.problems] == [(path, True)]
