"""The last line of defence for an exception no handler expected: a 500 problem, a log
line without the exception's text.

Starlette answers an unexpected exception itself and then raises it again for the server,
which prints the whole traceback, message included, to its error stream. Messages can
carry what the request held (a pydantic error quotes the input it refused), so neither
the client nor any log may see them. This pure ASGI middleware answers with a
``problem+json`` 500 naming only a reference, and logs the reference, the exception's type
and where it was raised, nothing more. Exceptions other middleware relies on (the body
limit's) pass through untouched.

What it does not do: handle :class:`~saphan.errors.HubError` (the exception handlers in
:mod:`saphan.api.problems` answer those). An exception raised after the response started
is logged the same way and the response is left unfinished (the server closes it).
"""

from __future__ import annotations

import logging
import traceback
import uuid
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saphan.api.problems import problem

log = logging.getLogger("saphan.api")


def where(exc: BaseException) -> str:
    """``module.py:line in function`` of the innermost frame, or ``unknown``."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


def log_unexpected(exc: BaseException, path: str) -> str:
    """Log an unexpected exception by type and place only; return its reference."""
    ref = uuid.uuid4().hex[:12]
    log.error(
        "unexpected error ref=%s path=%s: %s at %s", ref, path, type(exc).__name__, where(exc)
    )
    return ref


class Unexpected:
    def __init__(self, app: ASGIApp, passthrough: tuple[type[BaseException], ...] = ()) -> None:
        self.app = app
        self.passthrough = passthrough

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if isinstance(exc, self.passthrough):
                raise
            ref = log_unexpected(exc, scope.get("path", ""))
            if started:
                return
            answer = problem(
                500,
                "Internal error",
                f"an unexpected error occurred (ref {ref})",
                [{"path": "", "message": f"reference {ref}"}],
                kind="internal",
            )
            await answer(scope, receive, send)
