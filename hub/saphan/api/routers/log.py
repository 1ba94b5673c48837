"""The transfer log for auditors: checkpoint, entries, proofs and the verifier key."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import ServicesDep
from saphan.api.problems import PROBLEMS
from saphan.engine.services import Services
from saphan.errors import NotFoundError, Problem
from saphan.ledger.checkpoint import log_verifier_key
from saphan.store import log as transfer_log

router = APIRouter(tags=["auditors"], responses=PROBLEMS)

#: Log positions asked for are capped well inside the databases' 64-bit integers (a larger
#: number would fail in SQL instead of finding nothing).
MAX_INDEX = 2**62
Index = Annotated[int, Query(ge=0, le=MAX_INDEX)]
Size = Annotated[int, Query(ge=1, le=MAX_INDEX)]
_T = TypeVar("_T")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def _read(svc: Services, query: Callable[[Connection], _T]) -> _T:
    """Run ``query`` on a reader connection in a worker thread (the database blocks)."""

    def run() -> _T:
        with svc.db.reader.connect() as conn:
            return query(conn)

    return await run_in_threadpool(run)


@router.get(
    "/v1/log/checkpoint", response_class=PlainTextResponse, summary="The latest signed checkpoint"
)
async def checkpoint(svc: ServicesDep) -> PlainTextResponse:
    latest = await _read(svc, transfer_log.latest_checkpoint)
    if latest is None:
        raise NotFoundError("no checkpoint signed yet", [Problem("", "the log has no checkpoint")])
    return PlainTextResponse(latest[1], media_type="text/plain; charset=utf-8")


@router.get("/v1/log/entries", summary="Log entries start..end-1 (a page may hold fewer)")
async def entries(svc: ServicesDep, start: Index, end: Index) -> dict[str, Any]:
    rows = await _read(svc, lambda conn: transfer_log.entries(conn, start, end))
    return {"entries": [{"index": i, "entry": _b64(e)} for i, e in rows]}


@router.get("/v1/log/proof/inclusion", summary="RFC 9162 inclusion proof")
async def inclusion(svc: ServicesDep, index: Index, tree_size: Size) -> dict[str, Any]:
    hashes = await _read(svc, lambda conn: transfer_log.inclusion_proof(conn, index, tree_size))
    return {"leaf_index": index, "tree_size": tree_size, "hashes": [_b64(h) for h in hashes]}


@router.get("/v1/log/proof/consistency", summary="RFC 9162 consistency proof")
async def consistency(svc: ServicesDep, first: Index, second: Index) -> dict[str, Any]:
    hashes = await _read(svc, lambda conn: transfer_log.consistency_proof(conn, first, second))
    return {"first": first, "second": second, "hashes": [_b64(h) for h in hashes]}


@router.get(
    "/v1/log/key",
    response_class=PlainTextResponse,
    summary="The log's verifier key (signed-note form)",
)
async def key(svc: ServicesDep) -> PlainTextResponse:
    text = log_verifier_key(svc.settings.log_origin, svc.keys.current.private.public_key())
    return PlainTextResponse(text + "\n", media_type="text/plain; charset=utf-8")


@router.get(
    "/v1/log/keys",
    response_class=PlainTextResponse,
    summary="Every verifier key the log has signed with, current first (one per line)",
)
async def keys(svc: ServicesDep) -> PlainTextResponse:
    # After a rotation, checkpoints signed before it verify with an earlier key.
    lines = [log_verifier_key(svc.settings.log_origin, k.key) for k in svc.keys.public_keys()]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; charset=utf-8")


@router.get(
    "/.well-known/jwks.json",
    tags=["auditors", "agencies"],
    summary="The hub's public keys (JWK set)",
)
async def jwks(svc: ServicesDep) -> dict[str, Any]:
    return svc.keys.public_jwks()
