"""Operators of the console and the operations API: accounts, roles and login sessions.

Passwords are hashed with scrypt (``hashlib``, standard library); a login gives a random
session token whose SHA-256 is stored, so a database dump holds no usable credential.
Roles: ``viewer`` reads; ``operator`` also replays and repairs; ``admin`` also manages
accounts. Every action goes to ``operator_actions`` (see :mod:`saphan.engine.operations`).

Failed logins are counted per address in the database (``login_failures``), so the limit
holds for the hub as a whole, however many processes serve it: an address with
:data:`MAX_FAILURES` failures in the last :data:`FAILURE_WINDOW` is refused before its
password is even checked. Failures are not counted per user name: that would let anyone
lock an operator out by failing on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, update

from saphan.engine.services import Services
from saphan.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InputError,
    Problem,
    TooManyRequests,
)
from saphan.store.tables import LoginFailureRow, OperatorRow, SessionRow

OPERATORS = OperatorRow.__table__  # type: ignore[attr-defined]
SESSIONS = SessionRow.__table__  # type: ignore[attr-defined]
FAILURES = LoginFailureRow.__table__  # type: ignore[attr-defined]
ROLES = ("viewer", "operator", "admin")
SESSION_TTL = timedelta(hours=8)
#: Failed logins an address may make within :data:`FAILURE_WINDOW` before it is refused.
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
_N, _R, _P = 2**14, 8, 1


@dataclass(frozen=True, slots=True)
class Operator:
    username: str
    role: str

    def require(self, role: str) -> None:
        if ROLES.index(self.role) < ROLES.index(role):
            raise ForbiddenError(
                f"needs the {role} role", [Problem("/role", f"{self.role} < {role}")]
            )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt_b64, digest_b64 = stored.split("$")
        salt, digest = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except ValueError:
        return False
    candidate = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return hmac.compare_digest(candidate, digest)


def add_operator(svc: Services, username: str, password: str, role: str) -> None:
    problems = []
    if role not in ROLES:
        problems.append(Problem("/role", f"one of {', '.join(ROLES)}"))
    if len(password) < 12:
        problems.append(Problem("/password", "at least 12 characters"))
    if not username.isascii() or not username.replace("-", "").replace(".", "").isalnum():
        problems.append(Problem("/username", "letters, digits, '-' and '.' only"))
    if problems:
        raise InputError.from_problems(problems)
    with svc.db.writer.begin() as conn:
        if conn.execute(
            select(OPERATORS.c.username).where(OPERATORS.c.username == username)
        ).first():
            raise ConflictError(f"operator {username} exists", [Problem("/username", "taken")])
        conn.execute(
            insert(OPERATORS).values(
                username=username,
                password_hash=hash_password(password),
                role=role,
                created_at=svc.clock.now(),
                disabled=False,
            )
        )


def login(svc: Services, username: str, password: str, address: str | None = None) -> str:
    """A session token for ``username``, or :class:`AuthenticationError`.

    ``address`` is where the attempt came from (the client's IP address); with one, an
    address over the failure limit gets :class:`TooManyRequests` and each failure counts
    against it. Without one (the command line), nothing is counted.
    """
    now = svc.clock.now()
    where = None if address is None else address[:64]
    with svc.db.reader.connect() as conn:
        failures = 0
        if where is not None:
            failures = conn.execute(
                select(func.count()).where(
                    FAILURES.c.address == where, FAILURES.c.at > now - FAILURE_WINDOW
                )
            ).scalar_one()
        row = conn.execute(
            select(OPERATORS.c.password_hash, OPERATORS.c.disabled).where(
                OPERATORS.c.username == username
            )
        ).first()
    if failures >= MAX_FAILURES:
        raise TooManyRequests(
            "too many failed logins from this address; try again later",
            [Problem("/password", f"{MAX_FAILURES} failures within {FAILURE_WINDOW}")],
        )
    # The password is checked outside any write transaction: scrypt takes tens of
    # milliseconds, and on SQLite a write transaction holds the database's writer lock.
    if row is None or row[1] or not check_password(password, row[0]):
        if where is not None:
            with svc.db.writer.begin() as conn:
                conn.execute(insert(FAILURES).values(address=where, at=now))
                conn.execute(delete(FAILURES).where(FAILURES.c.at <= now - FAILURE_WINDOW))
        raise AuthenticationError(
            "wrong user name or password", [Problem("/password", "login failed")]
        )
    with svc.db.writer.begin() as conn:
        token = secrets.token_urlsafe(32)
        conn.execute(
            insert(SESSIONS).values(
                token_hash=_h(token),
                username=username,
                created_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
        conn.execute(delete(SESSIONS).where(SESSIONS.c.expires_at < now))
    return token


def logout(svc: Services, token: str) -> None:
    with svc.db.writer.begin() as conn:
        conn.execute(delete(SESSIONS).where(SESSIONS.c.token_hash == _h(token)))


def session_operator(svc: Services, token: str | None) -> Operator:
    if not token:
        raise AuthenticationError("login required", [Problem("/session", "missing")])
    with svc.db.reader.connect() as conn:
        row = conn.execute(
            select(
                OPERATORS.c.username, OPERATORS.c.role, SESSIONS.c.expires_at, OPERATORS.c.disabled
            )
            .join(OPERATORS, OPERATORS.c.username == SESSIONS.c.username)
            .where(SESSIONS.c.token_hash == _h(token))
        ).first()
    if row is None or row[3] or row[2] < svc.clock.now():
        raise AuthenticationError(
            "session expired or unknown", [Problem("/session", "login again")]
        )
    return Operator(row[0], row[1])


def disable(svc: Services, username: str) -> None:
    with svc.db.writer.begin() as conn:
        conn.execute(
            update(OPERATORS).where(OPERATORS.c.username == username).values(disabled=True)
        )


def _h(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
