"""``saphan conformance list`` and ``entry``, and the settings ``run`` refuses before it
starts (exit 2 through the funnel, every problem named)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from saphan.cli import run
from saphan.conformance import all_cases
from saphan.directory import Agency
from saphan.ledger.keys import SigningKey, write_private_key

KEY = SigningKey.generate()


def _public_pem(tmp_path: Path) -> Path:
    path = tmp_path / "agency.pub.pem"
    path.write_bytes(
        KEY.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def test_list_json_names_every_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["conformance", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in listed] == [c.name for c in all_cases()]
    receipt = next(c for c in listed if c["name"] == "push-receipt")
    assert receipt["level"] == "required" and receipt["modes"] == ["push"]
    assert run(["conformance", "list"]) == 0
    assert "push-redelivery" in capsys.readouterr().out


def test_entry_prints_a_directory_entry_the_directory_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = _public_pem(tmp_path)
    code = run(
        [
            "conformance",
            "entry",
            "--code",
            "MOI-DRT-3415",
            "--format",
            "damrongtham",
            "--key",
            str(pem),
            "--endpoint",
            "https://drt3415.example/saphan/inbound",
        ]
    )
    assert code == 0
    entry = json.loads(capsys.readouterr().out)
    assert entry["keys"] == [{"kid": KEY.kid, "key": entry["keys"][0]["key"]}]
    agency = Agency.model_validate(
        entry | {"name_th": "ศูนย์ดำรงธรรมอำเภอวารินชำราบ", "name_en": "Warin Chamrap"}
    )
    assert agency.push_endpoint == "https://drt3415.example/saphan/inbound"
    assert agency.key(KEY.kid) is not None
    assert agency.key(KEY.kid).raw == KEY.public.key.public_bytes_raw()  # type: ignore[union-attr]


def _run_problem(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, object]]:
    code = run(["conformance", "run", *args])
    return code, json.loads(capsys.readouterr().err)


def test_run_refuses_settings_it_cannot_start_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = _public_pem(tmp_path)
    code, problem = _run_problem(["--format", "nope", "--agency-key", str(pem)], capsys)
    assert code == 2 and problem["errors"] == [
        {"path": "/--format", "message": "unknown format 'nope'"}
    ]

    code, problem = _run_problem(["--format", "occ", "--agency-key", str(pem)], capsys)
    assert code == 2
    assert {"path": "/--target", "message": "push mode needs the agency's endpoint URL"} in problem[
        "errors"
    ]  # type: ignore[operator]

    private = tmp_path / "agency.pem"
    write_private_key(private, KEY.private)
    code, problem = _run_problem(
        ["--format", "occ", "--target", "http://x/inbound", "--key", str(private)], capsys
    )
    assert code == 2 and "private key" in str(problem["detail"])

    code, problem = _run_problem(
        [
            "--format",
            "occ",
            "--target",
            "http://x/inbound",
            "--key",
            str(pem),
            "--listen",
            "nowhere",
        ],
        capsys,
    )
    assert code == 2 and problem["errors"] == [
        {"path": "/--listen", "message": "e.g. 127.0.0.1:8765"}
    ]


def test_the_hub_key_file_is_created_once_and_then_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = _public_pem(tmp_path)
    hub_key = tmp_path / "suite" / "hub.pem"
    args = [
        "--format",
        "occ",
        "--mode",
        "pull",
        "--key",
        str(pem),
        "--hub-key",
        str(hub_key),
        "--only",
        "messages-render",
        "--json",
    ]
    assert run(["conformance", "run", *args]) == 1  # --only leaves required cases skipped
    first = json.loads(capsys.readouterr().out)
    assert hub_key.stat().st_mode & 0o077 == 0
    run(["conformance", "run", *args])
    second = json.loads(capsys.readouterr().out)
    assert (
        first["hub_kid"]
        == second["hub_kid"]
        == SigningKey.of(
            serialization.load_pem_private_key(hub_key.read_bytes(), None)  # type: ignore[arg-type]
        ).kid
    )
    assert {c["name"]: c["outcome"] for c in first["cases"]}["messages-render"] == "passed"
