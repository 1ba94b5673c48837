"""``/healthz`` (database and scheduler state) and Prometheus ``/metrics``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import ServicesDep
from saphan.api.problems import PROBLEMS
from saphan.engine.services import Services

router = APIRouter(tags=["operations"], responses=PROBLEMS)


def _db_ok(svc: Services) -> bool:
    try:
        with svc.db.reader.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - health reports, it does not raise
        return False


@router.get(
    "/healthz",
    summary="Liveness: database and scheduled jobs",
    responses={
        200: {"description": "up"},
        503: {
            "description": "degraded: the database does not answer",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    },
)
async def healthz(request: Request, svc: ServicesDep) -> Response:
    db = await run_in_threadpool(_db_ok, svc)
    scheduler = getattr(request.app.state, "scheduler", None)
    jobs: dict[str, Any] = {
        name: {"last": status, "at": at.isoformat()}
        for name, (status, at) in svc.job_status.items()
    }
    body = {
        "status": "ok" if db else "degraded",
        "database": {"ok": db, "dialect": svc.db.dialect},
        "scheduler": {"running": bool(scheduler and scheduler.running), "jobs": jobs},
        "delivery_worker": bool(getattr(request.app.state, "worker", None)),
    }
    import json

    return Response(json.dumps(body), status_code=200 if db else 503, media_type="application/json")


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
async def metrics(svc: ServicesDep) -> Response:
    data = await run_in_threadpool(generate_latest, svc.metrics.registry)
    return Response(data, media_type=CONTENT_TYPE_LATEST)
