"""The one place where errors become HTTP answers: RFC 9457 ``application/problem+json``.

Every :class:`HubError` maps through :meth:`HubError.to_problem`; request-validation errors
list every field; anything unexpected becomes a 500 problem that names no internals (the
log gets a correlation id, the exception's type and where it was raised, never its text:
see :mod:`saphan.api.unexpected`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from saphan.errors import HubError

PROBLEM_JSON = "application/problem+json"


#: JSON Schema of every error answer, for the OpenAPI document.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI response answered with ``application/problem+json``."""
    return {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}


#: Declared on every router: any client error is a problem document (RFC 9457).
PROBLEMS: dict[int | str, dict[str, Any]] = {
    "4XX": problem_response("refused: an RFC 9457 problem listing every error")
}


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
        detail = str(exc.detail)
        answer = problem(exc.status_code, detail, detail, [{"path": "", "message": detail}])
        answer.headers.update(exc.headers or {})
        return answer

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        # Reached only by what escapes the middleware below (the body limit's own).
        from saphan.api.unexpected import log_unexpected

        ref = log_unexpected(exc, request.url.path)
        return problem(
            500,
            "Internal error",
            f"an unexpected error occurred (ref {ref})",
            [{"path": "", "message": f"reference {ref}"}],
            kind="internal",
        )

    from saphan.api.limits import TooLarge
    from saphan.api.unexpected import Unexpected

    app.add_middleware(Unexpected, passthrough=(TooLarge,))
