"""The one place where errors become HTTP answers: RFC 9457 ``application/problem+json``.

Every :class:`HubError` maps through :meth:`HubError.to_problem`; request-validation errors
list every field; anything unexpected becomes a 500 problem that names no internals (the
details go to the log with a correlation id).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from saphan.errors import HubError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("saphan.api")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        import json

        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    kind: str = "about:blank",
    **extra: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": kind if kind == "about:blank" else f"https://saphan.example/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    body.update(extra)
    return ProblemResponse(body, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def _hub_error(request: Request, exc: HubError) -> ProblemResponse:
        body = exc.to_problem(instance=request.url.path)
        headers = (
            {"WWW-Authenticate": 'Signature realm="saphan"'} if exc.http_status == 401 else None
        )
        return ProblemResponse(body, status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = [
            {
                "path": "/" + "/".join(str(p) for p in err.get("loc", ())),
                "message": str(err.get("msg")),
            }
            for err in exc.errors()
        ]
        return problem(
            422,
            "Invalid request",
            f"{len(errors)} problem(s) in the request",
            errors,
            kind="invalid-input",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        ref = uuid.uuid4().hex[:12]
        log.error("unexpected error ref=%s path=%s: %r", ref, request.url.path, exc, exc_info=exc)
        return problem(
            500, "Internal error", f"an unexpected error occurred (ref {ref})", kind="internal"
        )
