"""``saphan operator add|disable``: the accounts the console logs in with."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from saphan.cli import run
from saphan.config import Settings
from saphan.engine import operators
from saphan.engine import services as services_mod
from saphan.errors import AuthenticationError

PASSWORD = "a long console passphrase"


def test_add_then_login_then_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    argv = ["operator", "add", "somchai", "--role", "operator", "--data", str(data)]
    assert run([*argv, "--password-stdin"]) == 0
    svc = services_mod.build(Settings(data_dir=data, delivery_workers=False))
    try:
        token = operators.login(svc, "somchai", PASSWORD)
        assert operators.session_operator(svc, token).role == "operator"
        assert run(["operator", "disable", "somchai", "--data", str(data)]) == 0
        with pytest.raises(AuthenticationError):
            operators.session_operator(svc, token)
    finally:
        svc.close()


def test_bad_accounts_are_refused_with_every_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    argv = ["operator", "add", "x y", "--role", "boss", "--data", str(tmp_path / "d")]
    assert run([*argv, "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert '"/role"' in err and '"/password"' in err and '"/username"' in err
