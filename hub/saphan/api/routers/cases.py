"""``GET /v1/cases/{case_id}`` and ``POST /v1/cases/{case_id}/status`` for agencies.

A case read here shows the complainant exactly as a transfer to the caller would: where
the identity is protected, an agency that is the party complained about, or that only
ever received a copy for information, reads the case without it (see
:mod:`saphan.engine.render`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import AgencyDep, ServicesDep
from saphan.api.problems import PROBLEMS
from saphan.canonical import Case
from saphan.engine.queries import case_for_agency
from saphan.engine.render import needs_redaction, redact
from saphan.engine.status import StatusReport, parse_report, report_status

router = APIRouter(tags=["agencies"], responses=PROBLEMS)


@router.get(
    "/v1/cases/{case_id}", summary="A case and its timeline (agencies that hold or held it)"
)
async def get_case(case_id: str, caller: AgencyDep, svc: ServicesDep) -> dict[str, Any]:
    view = await run_in_threadpool(case_for_agency, svc, caller.agency, case_id)
    return as_seen_by(view, caller.agency)


def as_seen_by(view: dict[str, Any], agency: str) -> dict[str, Any]:
    """The case view with the complainant withheld where ``agency`` must not have it."""
    if view["case"] is None:  # erased
        return view
    case = Case.model_validate(view["case"])
    sent = any(e["kind"] == "intake" and e["agency"] == agency for e in view["timeline"])
    forwarded = any(t["to"] == agency and t["kind"] == "forward" for t in view["transfers"])
    if not needs_redaction(case, agency, copy=not (sent or forwarded)):
        return view
    return {**view, "case": redact(case).model_dump(mode="json")}


@router.post(
    "/v1/cases/{case_id}/status",
    summary="Report a status change in the agency's own codes",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": StatusReport.model_json_schema()}},
            "required": True,
        }
    },
)
async def post_status(case_id: str, caller: AgencyDep, svc: ServicesDep) -> dict[str, Any]:
    report = parse_report(caller.body)
    return await run_in_threadpool(report_status, svc, caller.agency, case_id, report)
