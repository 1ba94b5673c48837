"""``POST /v1/inbound/{format}``: an agency submits a message in its own format."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import ServicesDep, SignedDep
from saphan.api.problems import PROBLEMS, problem_response
from saphan.engine.intake import Answer, intake

router = APIRouter(tags=["agencies"], responses=PROBLEMS)

_BODY = {
    "content": {
        "application/xml": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "object"}},
    },
    "required": True,
}


@router.post(
    "/v1/inbound/{format}",
    status_code=201,
    summary="Submit a case message in the agency's own format",
    openapi_extra={"requestBody": _BODY},
    responses={
        200: {
            "description": "a repeat: the first answer again, byte for byte",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        201: {"description": "accepted: case id, tracking number, transfers, signed receipt"},
        401: problem_response("no valid signature"),
        422: problem_response("refused and quarantined (problem+json with quarantine_id)"),
    },
)
async def submit(
    format: str,
    signed: SignedDep,
    svc: ServicesDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> Response:
    def work() -> Answer:
        # the signature check and the intake share one worker thread (one hop, not two)
        caller = signed.verify()
        return intake(svc, format, caller.agency, caller.body, idempotency_key)

    answer = await run_in_threadpool(work)
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)
