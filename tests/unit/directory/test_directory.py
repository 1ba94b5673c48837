"""The agency directory: the shipped file, families, overlays and every problem at once."""

import base64
from pathlib import Path

import geothai
import pytest
from conftest import ROOT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.bindings import crypto_core_ed25519_add

from saphan.directory import (
    Agency,
    Directory,
    Document,
    InMemoryDirectory,
    Level,
    PublicKey,
    PullDelivery,
    PushDelivery,
)
from saphan.errors import ConfigError, NotFoundError

SHIPPED = ROOT / "mappings" / "agencies.yaml"


def _public(seed: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


RAW_A, RAW_B = _public(bytes(range(32))), _public(bytes(range(100, 132)))
KEY_A = base64.b64encode(RAW_A).decode()
KEY_B = base64.urlsafe_b64encode(RAW_B).decode().rstrip("=")


@pytest.fixture(scope="module")
def shipped() -> Directory:
    return Directory.from_files([SHIPPED])


def _by_family(directory: Directory, family: str) -> list[Agency]:
    return [a for a in directory if a.family == family]


def test_families_cover_every_district_and_province(shipped: Directory) -> None:
    districts = {d.code for p in geothai.provinces() for d in geothai.districts(p.code)}
    provinces = {p.code for p in geothai.provinces()}
    district_centers = _by_family(shipped, "MOI-DRT-{district}")
    assert len(district_centers) == len(districts) == 928
    assert {a.district for a in district_centers} == districts
    assert len(_by_family(shipped, "MOI-DRT-{province}")) == len(provinces) == 77
    assert {a.province for a in _by_family(shipped, "AGO-RP-{province}")} == provinces


def test_a_district_center_is_generated_with_names_area_and_level(shipped: Directory) -> None:
    warin = shipped.get("MOI-DRT-3415")
    assert warin.name_th == "ศูนย์ดำรงธรรมอำเภอวารินชำราบ จังหวัดอุบลราชธานี"
    assert "Warin Chamrap" in warin.name_en
    assert (warin.format, warin.level, warin.province, warin.district) == (
        "damrongtham",
        Level.DISTRICT,
        "34",
        "3415",
    )
    assert warin.options == {"encoding": "TIS-620"}
    # Bangkok's districts are เขต and the capital is no จังหวัด
    assert shipped.get("MOI-DRT-1001").name_th == "ศูนย์ดำรงธรรมเขตพระนคร กรุงเทพมหานคร"
    assert shipped.get("MOI-DRT-10").name_th == "ศูนย์ดำรงธรรมกรุงเทพมหานคร"
    assert shipped.get("MOI-DRT-34").level is Level.PROVINCIAL


@pytest.mark.parametrize(
    ("code", "fmt"),
    [
        ("MOI-DRT", "damrongtham"),
        ("OMB", "occ"),
        ("AGO-RP-20", "occ"),
        ("PSC", "pmo1111"),
        ("RTP-IG", "pmo1111"),
        ("DOL", "pmo1111"),
        ("OCPB", "pmo1111"),
        ("BMA", "pmo1111"),
    ],
)
def test_the_agencies_of_the_policy_are_listed_with_their_format(
    shipped: Directory, code: str, fmt: str
) -> None:
    assert shipped.exists(code)
    assert shipped.get(code).format == fmt


def test_the_shipped_file_has_a_dozen_1111_network_agencies(shipped: Directory) -> None:
    network = [a for a in shipped if a.format == "pmo1111" and a.code not in {"PSC", "RTP-IG"}]
    assert len(network) >= 12


def test_unknown_codes(shipped: Directory) -> None:
    assert not shipped.exists("MOI-DRT-9999")
    assert shipped.find("NOPE") is None
    with pytest.raises(NotFoundError) as err:
        shipped.get("MOI-DRT-9999")
    assert "MOI-DRT-9999" in err.value.detail
    assert err.value.problems


def _doc(name: str, data: object) -> Document:
    return Document(name, data)


BASE = _doc(
    "base.yaml",
    {
        "families": [
            {
                "code": "MOI-DRT-{province}",
                "name_th": "ศูนย์ดำรงธรรม{province_title_th}",
                "name_en": "Damrongtham Center, {province_name_en}",
                "format": "damrongtham",
                "level": "provincial",
            }
        ],
        "agencies": [
            {"code": "OMB", "name_th": "ผต.", "name_en": "Ombudsman", "format": "occ"},
        ],
    },
)


def test_an_explicit_entry_patches_one_family_member() -> None:
    overlay = _doc(
        "demo.yaml",
        {
            "agencies": [
                {
                    "code": "MOI-DRT-34",
                    "delivery": {"mode": "push", "endpoint": "http://127.0.0.1:9001/drt"},
                    "keys": [{"kid": "MOI-DRT-34", "key": KEY_A}],
                }
            ]
        },
    )
    directory = Directory.from_documents([BASE, overlay])
    ubon = directory.get("MOI-DRT-34")
    assert ubon.push_endpoint == "http://127.0.0.1:9001/drt"
    assert ubon.key("MOI-DRT-34") is not None
    assert ubon.name_th == "ศูนย์ดำรงธรรมจังหวัดอุบลราชธานี"  # the rest is the family's
    assert ubon.family == "MOI-DRT-{province}"
    assert directory.get("MOI-DRT-20").delivery == PullDelivery()
    assert len(directory) == 78


def test_a_later_file_patches_a_family_and_an_entry_field_by_field() -> None:
    overlay = _doc(
        "demo.yaml",
        {
            "families": [
                {
                    "code": "MOI-DRT-{province}",
                    "delivery": {"mode": "push", "endpoint": "http://sim.test/drt/{province}"},
                }
            ],
            "agencies": [
                {"code": "OMB", "statutory_days": 20},
                {"code": "PSC", "name_th": "1111", "name_en": "1111", "format": "pmo1111"},
            ],
        },
    )
    directory = Directory.from_documents([BASE, overlay])
    assert directory.get("MOI-DRT-20").push_endpoint == "http://sim.test/drt/20"
    assert directory.get("MOI-DRT-20").level is Level.PROVINCIAL
    omb = directory.get("OMB")
    assert (omb.statutory_days, omb.name_en, omb.format) == (20, "Ombudsman", "occ")
    assert directory.exists("PSC")


def test_every_problem_is_reported_at_once() -> None:
    bad = _doc(
        "bad.yaml",
        {
            "families": [
                {"code": "X-{nowhere}", "name_th": "x", "name_en": "x", "format": "occ"},
                {
                    "code": "AGO-RP-{province}",
                    "name_th": "{province_name_xx}",
                    "name_en": "x",
                    "format": "occ",
                },
            ],
            "agencies": [
                {
                    "code": "A1",
                    "name_th": "a",
                    "name_en": "a",
                    "format": "occ",
                    "keys": [{"kid": "k", "key": base64.b64encode(b"short").decode()}],
                },
                {
                    "code": "A2",
                    "name_th": "a",
                    "name_en": "a",
                    "format": "occ",
                    "delivery": {"mode": "push"},
                },
                {"code": "A3", "name_th": "a", "name_en": "a"},
                {"code": "A3", "name_th": "b", "name_en": "b", "format": "occ"},
                {"name_th": "no code"},
            ],
            "agenciez": [],
        },
    )
    with pytest.raises(ConfigError) as err:
        Directory.from_documents([bad])
    text = "\n".join(f"{p.path}: {p.message}" for p in err.value.problems)
    assert "X-{nowhere}" in text
    assert "province_name_xx" in text
    assert "A1/keys" in text and "32 bytes" in text
    assert "A2/delivery" in text
    assert "A3/format" in text
    assert "A3 appears twice" in text
    assert "bad.yaml#/agencies/4" in text
    assert "bad.yaml#/agenciez" in text


def test_a_family_mistake_is_reported_once_not_for_every_member() -> None:
    bad = _doc(
        "bad.yaml",
        {
            "families": [
                {"code": "AGO-RP-{province}", "name_th": "x", "name_en": "x", "format": "OCC"}
            ]
        },
    )
    with pytest.raises(ConfigError) as err:
        Directory.from_documents([bad])
    assert len(err.value.problems) == 2  # the first member's error, and the count
    assert "77 members" in err.value.problems[-1].message


def test_public_keys_accept_standard_and_url_safe_base64() -> None:
    assert PublicKey(kid="a", key=KEY_A).raw == RAW_A
    assert PublicKey(kid="b", key=KEY_B).raw == RAW_B
    with pytest.raises(ValueError, match="unique"):
        Agency(
            code="X",
            name_th="x",
            name_en="x",
            format="occ",
            keys=(PublicKey(kid="a", key=KEY_A), PublicKey(kid="a", key=KEY_B)),
        )


def test_push_endpoints_must_be_urls() -> None:
    with pytest.raises(ValueError):
        PushDelivery(endpoint="not a url")
    assert PushDelivery(endpoint="https://drt.example/inbound").endpoint.endswith("/inbound")


def test_in_memory_directory_is_a_test_double() -> None:
    directory = InMemoryDirectory()
    assert not directory.exists("OMB")
    directory.put(Agency(code="OMB", name_th="ผต.", name_en="Ombudsman", format="occ"))
    assert directory.get("OMB").format == "occ"
    directory.remove("OMB")
    with pytest.raises(NotFoundError):
        directory.get("OMB")


def test_files_are_read_in_order(tmp_path: Path) -> None:
    over = tmp_path / "over.yaml"
    over.write_text("agencies:\n  - code: DOL\n    statutory_days: 15\n", encoding="utf-8")
    directory = Directory.from_files([SHIPPED, over])
    assert directory.get("DOL").statutory_days == 15
    assert directory.get("DOL").name_th == "กรมที่ดิน"


def test_an_unreadable_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"absent\.yaml"):
        Directory.from_files([tmp_path / "absent.yaml"])
    broken = tmp_path / "broken.yaml"
    broken.write_text("agencies: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML"):
        Directory.from_files([broken])


# Points nobody holds a private key for, or that let signatures verify without one.
_IDENTITY = bytes([1]) + bytes(31)  # order 1
_ORDER_2 = bytes([0xEC]) + bytes([0xFF]) * 30 + bytes([0x7F])  # (0, -1)
_ORDER_8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
_NON_CANONICAL = bytes([0xED]) + bytes([0xFF]) * 30 + bytes([0x7F])  # y = p, i.e. y = 0
WEAK_KEYS = {
    "identity": _IDENTITY,
    "order 2": _ORDER_2,
    "order 8": _ORDER_8,
    "non-canonical y": _NON_CANONICAL,
    # an honest key plus a point of order 8: verifies most honest signatures (cofactorless
    # check) yet is not in the prime-order subgroup
    "mixed order": crypto_core_ed25519_add(RAW_A, _ORDER_8),
}


@pytest.mark.parametrize("raw", WEAK_KEYS.values(), ids=WEAK_KEYS.keys())
def test_keys_of_small_or_mixed_order_are_refused(raw: bytes) -> None:
    with pytest.raises(ValueError, match="small order"):
        PublicKey(kid="weak", key=base64.b64encode(raw).decode())
