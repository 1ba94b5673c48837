"""The reference push simulator's control hook the status case uses: ``POST /_control``
with ``report_status`` reports to the hub the agency was configured with, signed, in the
agency's own code; an agency that knows no hub URL says so instead."""

from __future__ import annotations

import asyncio

import httpx
from conformance_helpers import AGENCY_KEY, PUBLIC

from saphan.ledger.keys import SigningKey
from saphan.simulate import AgencyConfig, create_agency_app
from saphan.simulate.faults import ControlRequest


def test_an_agency_without_a_hub_url_refuses_to_report() -> None:
    hub_key = SigningKey.generate()
    app = create_agency_app(
        AgencyConfig(
            code="OMB",
            format="occ",
            key=AGENCY_KEY,
            public_url=PUBLIC,
            hub_keys={hub_key.kid: [hub_key.public.key]},
        )
    )

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as c:
            return await c.post("/_control", json={"report_status": {"case_id": "case-1"}})

    answer = asyncio.run(go())
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"path": "/report_status", "message": "start the agency with the hub's URL"}
    ]


def test_the_control_request_takes_report_status_and_nothing_unknown() -> None:
    request = ControlRequest.model_validate({"report_status": {"case_id": "c", "status": "3"}})
    assert request.report_status is not None and request.report_status.status == "3"
    try:
        ControlRequest.model_validate({"report_status": {"case_id": "c", "colour": "red"}})
    except ValueError as exc:
        assert "colour" in str(exc)
    else:
        raise AssertionError("an unknown member was accepted")
