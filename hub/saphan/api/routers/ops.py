"""The operations API (operators only): quarantine, dead letters, alerts, replays.

Operators authenticate with ``Authorization: Bearer <session token>`` from
``POST /v1/ops/login``. The console uses the same sessions through its own cookie, which
this API never accepts (no CSRF exposure).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import ServicesDep
from saphan.api.problems import PROBLEMS
from saphan.api.ratelimit import check_rate
from saphan.engine import operations, operators
from saphan.engine.operators import Operator

router = APIRouter(prefix="/v1/ops", tags=["operators"], responses=PROBLEMS)


def current_operator(request: Request, svc: ServicesDep) -> Operator:
    # Bearer tokens only: a cookie would let another site's form act as the operator
    # (the console has its own CSRF-protected forms).
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else None
    return operators.session_operator(svc, token)


OperatorDep = Annotated[Operator, Depends(current_operator)]


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    password: str


@router.post("/login", summary="Log in; returns a session token")
async def login(body: Login, request: Request, svc: ServicesDep) -> dict[str, str]:
    check_rate(request, "login")
    address = request.client.host if request.client else "unknown"
    token = await run_in_threadpool(operators.login, svc, body.username, body.password, address)
    return {"token": token}


@router.get("/quarantine", summary="Quarantined records with their problems")
async def quarantine(op: OperatorDep, svc: ServicesDep, state: str = "open") -> dict[str, Any]:
    return {"items": await run_in_threadpool(operations.list_quarantine, svc, state)}


@router.get(
    "/quarantine/{qid}/raw",
    summary="The refused bytes, for repair",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string"}}}}},
)
async def quarantine_raw(qid: str, op: OperatorDep, svc: ServicesDep) -> Response:
    op.require("operator")
    raw = await run_in_threadpool(operations.quarantined_raw, svc, qid, op.username)
    return Response(raw, media_type="application/octet-stream")


@router.post(
    "/quarantine/{qid}/replay",
    summary="Replay a quarantined record, optionally with repaired bytes as the body",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }
        }
    },
)
async def quarantine_replay(
    qid: str, request: Request, op: OperatorDep, svc: ServicesDep
) -> dict[str, Any]:
    op.require("operator")
    body = await request.body()
    return await run_in_threadpool(
        operations.replay_quarantine, svc, qid, op.username, body or None
    )


@router.get("/dead-letters", summary="Dead-lettered transfers")
async def dead_letters(op: OperatorDep, svc: ServicesDep) -> dict[str, Any]:
    return {"items": await run_in_threadpool(operations.list_dead_letters, svc)}


@router.post(
    "/dead-letters/{transfer_id}/replay", summary="Queue a dead letter again (same transfer id)"
)
async def dead_letter_replay(transfer_id: str, op: OperatorDep, svc: ServicesDep) -> dict[str, Any]:
    op.require("operator")
    return await run_in_threadpool(operations.replay_dead_letter, svc, transfer_id, op.username)
