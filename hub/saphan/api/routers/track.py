"""``GET /v1/track/{tracking_no}``: public progress of a case, no personal data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import ServicesDep
from saphan.api.problems import PROBLEMS
from saphan.api.ratelimit import check_rate
from saphan.engine.queries import track

router = APIRouter(tags=["public"], responses=PROBLEMS)


@router.get("/v1/track/{tracking_no}", summary="Public progress of a case (any system's number)")
async def get_track(tracking_no: str, request: Request, svc: ServicesDep) -> dict[str, Any]:
    check_rate(request, "track")
    return await run_in_threadpool(track, svc, tracking_no)
