"""Body size limits enforced before the body is read (hostile input).

A pure ASGI middleware: a declared ``Content-Length`` over the limit is refused at once with
413; a body without one (chunked) is counted as it streams and cut off at the limit.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, 400, "Content-Length is not a number")
                    return
                if declared > self.max_bytes:
                    await _refuse(send, 413, f"body larger than {self.max_bytes} bytes")
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except TooLarge:
            await _refuse(send, 413, f"body larger than {self.max_bytes} bytes")


class TooLarge(Exception):
    """Raised from ``receive`` when a streamed body passes the limit; caught above."""


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps(
        {
            "type": "https://saphan.example/problems/too-large" if status == 413 else "about:blank",
            "title": "Request too large" if status == 413 else "Bad request",
            "status": status,
            "detail": detail,
            "errors": [{"path": "", "message": detail}],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
