"""Agency key files in the layout the contract names, and directory entries the
directory model and loader accept, carrying the key id the agency signs receipts with."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
import yaml

from saphan.directory import Directory
from saphan.directory.loader import Document
from saphan.directory.model import Agency
from saphan.errors import ConfigError, InputError
from saphan.ledger.keys import SigningKey
from saphan.ledger.pubkeys import key_id, public_raw
from saphan.simulate import (
    agency_key_path,
    directory_entry,
    load_agency_key,
    load_or_create_agency_key,
)


def test_a_key_is_created_once_as_private_pkcs8_pem(tmp_path: Path) -> None:
    key = load_or_create_agency_key(tmp_path, "MOI-DRT-3415")
    path = tmp_path / "agency-keys" / "MOI-DRT-3415.pem"
    assert agency_key_path(tmp_path, "MOI-DRT-3415") == path
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_agency_key(tmp_path, "MOI-DRT-3415").kid == key.kid
    assert load_agency_key(path).kid == key.kid == key_id(key.public.key)


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    load_or_create_agency_key(tmp_path, "OMB")
    path = agency_key_path(tmp_path, "OMB")
    path.chmod(0o644)
    with pytest.raises(ConfigError):
        load_agency_key(path)


def test_the_entry_is_a_valid_directory_agency(tmp_path: Path) -> None:
    key = load_or_create_agency_key(tmp_path, "OMB")
    entry = directory_entry(
        "OMB",
        "occ",
        key,
        endpoint="http://127.0.0.1:8101/inbound",
        name_th="สำนักงานผู้ตรวจการแผ่นดิน",
        name_en="Office of the Ombudsman",
    )
    agency = Agency.model_validate(entry)
    assert agency.push_endpoint == "http://127.0.0.1:8101/inbound"
    (listed,) = agency.keys
    assert listed.kid == key.kid
    assert listed.raw == public_raw(key.public.key)
    assert base64.b64decode(entry["keys"][0]["key"]) == public_raw(key.public.key)


def test_a_snippet_without_names_patches_an_agency_the_directory_has(tmp_path: Path) -> None:
    key = load_or_create_agency_key(tmp_path, "OMB")
    base = {
        "agencies": [
            {"code": "OMB", "name_th": "ผตผ.", "name_en": "Ombudsman", "format": "occ"},
        ]
    }
    overlay = {"agencies": [directory_entry("OMB", "occ", key)]}
    text = yaml.safe_dump(overlay, allow_unicode=True)
    directory = Directory.from_documents(
        [Document("base", base), Document("demo", yaml.safe_load(text))]
    )
    agency = directory.get("OMB")
    assert agency.delivery.mode == "pull"
    assert agency.key(key.kid) is not None


def test_an_unusable_endpoint_is_an_input_error() -> None:
    with pytest.raises(InputError) as refused:
        directory_entry("OMB", "occ", SigningKey.generate(), endpoint="not a url")
    assert refused.value.problems[0].path.startswith("/delivery")
