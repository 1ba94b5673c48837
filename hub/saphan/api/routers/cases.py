"""``GET /v1/cases/{case_id}`` and ``POST /v1/cases/{case_id}/status`` for agencies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import AgencyDep, ServicesDep
from saphan.engine.queries import case_for_agency
from saphan.engine.status import StatusReport, parse_report, report_status

router = APIRouter(tags=["agencies"])


@router.get(
    "/v1/cases/{case_id}", summary="A case and its timeline (agencies that hold or held it)"
)
async def get_case(case_id: str, caller: AgencyDep, svc: ServicesDep) -> dict[str, Any]:
    return await run_in_threadpool(case_for_agency, svc, caller.agency, case_id)


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
