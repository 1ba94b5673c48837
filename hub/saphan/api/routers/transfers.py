"""Pull mode: ``GET /v1/inbox`` and ``POST /v1/transfers/{transfer_id}/receipt``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import AgencyDep, ServicesDep
from saphan.api.problems import PROBLEMS
from saphan.delivery.pull import accept_receipt, inbox
from saphan.errors import InputError
from saphan.translate.adapter import validation_problems

router = APIRouter(tags=["agencies"], responses=PROBLEMS)


class ReceiptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receipt: str = Field(min_length=10, max_length=16384, description="JWS compact serialization")


@router.get("/v1/inbox", summary="Transfers waiting for the calling agency (pull mode)")
async def get_inbox(
    caller: AgencyDep, svc: ServicesDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> dict[str, Any]:
    return await run_in_threadpool(inbox, svc, caller.agency, limit)


@router.post(
    "/v1/transfers/{transfer_id}/receipt",
    summary="Acknowledge a transfer with the agency's signed receipt",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": ReceiptBody.model_json_schema()}},
            "required": True,
        }
    },
)
async def post_receipt(transfer_id: str, caller: AgencyDep, svc: ServicesDep) -> dict[str, Any]:
    try:
        body = ReceiptBody.model_validate_json(caller.body)
    except ValidationError as exc:
        raise InputError.from_problems(validation_problems(exc)) from None
    return await run_in_threadpool(accept_receipt, svc, caller.agency, transfer_id, body.receipt)
