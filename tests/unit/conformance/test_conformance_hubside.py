"""The suite's hub endpoint: its JWKS, and status reports judged and recorded the way the
hub answers them (signed by the agency under its code, a code of the agency's format,
a case the suite sent)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from conformance_helpers import AGENCY_KEY, agency_keys

from saphan.auth import SaphanSigner
from saphan.clock import SystemClock
from saphan.conformance.hubside import HubSide
from saphan.ledger.keys import SigningKey

HUB = "http://hub.test"


def _hub() -> HubSide:
    hub = HubSide(SigningKey.generate(), "OMB", agency_keys(), "occ.status", SystemClock())
    hub.public_url = HUB
    hub.cases.add("case-1")
    return hub


def _post(hub: HubSide, path: str, document: Any, *, signer: SaphanSigner | None) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=hub.app()), base_url=HUB, auth=signer
        ) as client:
            return await client.post(path, json=document)

    return asyncio.run(go())


def _signed(keyid: str = "OMB", key: SigningKey = AGENCY_KEY) -> SaphanSigner:
    return SaphanSigner(key.private, keyid)


def test_the_jwks_publishes_the_suites_hub_key() -> None:
    hub = _hub()

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=hub.app()), base_url=HUB
        ) as c:
            return await c.get("/.well-known/jwks.json")

    (jwk,) = asyncio.run(go()).json()["keys"]
    assert jwk["kid"] == hub.hub_key.kid and jwk["kty"] == "OKP" and "d" not in jwk


def test_a_signed_report_in_the_agencys_own_code_is_accepted() -> None:
    hub = _hub()
    answer = _post(hub, "/v1/cases/case-1/status", {"status": "INVESTIGATING"}, signer=_signed())
    assert answer.status_code == 200
    assert answer.json()["status"] == "in_progress"
    (report,) = hub.statuses
    assert (report.case_id, report.code, report.meaning, report.keyid) == (
        "case-1",
        "INVESTIGATING",
        "in_progress",
        "OMB",
    )


def test_a_code_of_another_format_is_refused_and_recorded() -> None:
    hub = _hub()
    answer = _post(hub, "/v1/cases/case-1/status", {"status": "3"}, signer=_signed())
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    (report,) = hub.statuses
    assert not report.accepted and report.problems[0].path == "/status"
    assert "INVESTIGATING" in report.problems[0].message  # the known codes are listed


def test_unsigned_wrong_keyid_and_wrong_key_reports_get_401() -> None:
    hub = _hub()
    assert (
        _post(hub, "/v1/cases/case-1/status", {"status": "RECEIVED"}, signer=None).status_code
        == 401
    )
    assert (
        _post(
            hub, "/v1/cases/case-1/status", {"status": "RECEIVED"}, signer=_signed("PSC")
        ).status_code
        == 401
    )
    stranger = _signed(key=SigningKey.generate())
    assert (
        _post(hub, "/v1/cases/case-1/status", {"status": "RECEIVED"}, signer=stranger).status_code
        == 401
    )
    assert [r.answered for r in hub.statuses] == [401, 401, 401]
    assert len(hub.refused) == 3


def test_a_case_the_suite_never_sent_is_not_found_and_a_bad_body_is_refused() -> None:
    hub = _hub()
    assert (
        _post(hub, "/v1/cases/case-9/status", {"status": "RECEIVED"}, signer=_signed()).status_code
        == 404
    )
    answer = _post(hub, "/v1/cases/case-1/status", {"code": "RECEIVED"}, signer=_signed())
    assert answer.status_code == 422
    paths = {e["path"] for e in json.loads(answer.content)["errors"]}
    assert "/status" in paths
