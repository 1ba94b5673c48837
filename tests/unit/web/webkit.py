"""The hub's app in process for the page tests (FastAPI TestClient, no browser, no port)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import EXAMPLES
from fastapi.testclient import TestClient
from hubkit import AgencyKeys, make_hub

from saphan.api.app import create_app
from saphan.clock import FixedClock
from saphan.engine.intake import intake
from saphan.engine.services import Services

ESCALATION = EXAMPLES / "damrongtham" / "escalation-warin-chamrap.xml"
PASSWORD = "a long console passphrase"
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class App:
    client: TestClient
    svc: Services
    keys: AgencyKeys
    clock: FixedClock


@contextmanager
def app(tmp_path: Path, db_url: str | None = None) -> Iterator[App]:
    svc, keys, clock = make_hub(db_url or f"sqlite:///{tmp_path / 'hub.db'}", tmp_path / "data")
    try:
        with TestClient(create_app(svc.settings, services=svc)) as client:
            yield App(client, svc, keys, clock)
    finally:
        svc.close()


def escalate(svc: Services) -> dict[str, Any]:
    answer = intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes())
    assert answer.status == 201, answer.body
    body: dict[str, Any] = json.loads(answer.body)
    return body


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the page's CSRF token for later POSTs."""
    form = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"username": user, "password": password, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/console")
    assert page.status_code == 200
    return csrf_of(page.text)
