"""Console sessions in a cookie, and the CSRF tokens of the console's forms.

The session cookie ``saphan_session`` holds the random token :func:`operators.login`
gives (the store keeps only its hash). It is HttpOnly, SameSite=Strict, Secure when the
hub is reached over https or runs in production, and scoped to ``/console``, so the JSON
operations API (which takes bearer tokens) never receives it.

Every console POST carries a CSRF token in a hidden field: an HMAC of the session token,
so it is per session, needs no storage and is useless without the cookie. The login form
has no session yet; it uses a double-submit token (a random cookie repeated in the form).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from saphan.engine import operators
from saphan.engine.operators import Operator
from saphan.engine.services import Services
from saphan.errors import AuthenticationError

SESSION_COOKIE = "saphan_session"
LOGIN_COOKIE = "saphan_login"
COOKIE_PATH = "/console"
_CSRF_LABEL = b"saphan-console-csrf-v1"


def _secure(request: Request, svc: Services) -> bool:
    return request.url.scheme == "https" or svc.settings.production


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def current(request: Request, svc: Services) -> tuple[Operator, str] | None:
    """The logged-in operator and their session token, or None."""
    token = session_token(request)
    if token is None:
        return None
    try:
        return operators.session_operator(svc, token), token
    except AuthenticationError:
        return None


def csrf_token(session: str) -> str:
    return hmac.new(session.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def csrf_ok(session: str, given: str | None) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII text, and a form may carry any.
    return bool(given) and hmac.compare_digest(csrf_token(session).encode(), str(given).encode())


def set_session(response: Response, request: Request, svc: Services, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(operators.SESSION_TTL.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request, svc),
    )
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


def login_token(request: Request) -> str:
    """The login form's double-submit token (kept from the cookie when there is one)."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)


def remember_login_token(response: Response, request: Request, svc: Services, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request, svc),
    )


def login_token_ok(request: Request, given: str | None) -> bool:
    stored = request.cookies.get(LOGIN_COOKIE)
    return (
        bool(stored)
        and bool(given)
        and hmac.compare_digest(str(stored).encode(), str(given).encode())
    )
