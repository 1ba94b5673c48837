"""The one error hierarchy of Saphan.

Every failure the hub knows about is a :class:`HubError`, split by whose fault it is:

* :class:`InputError`: the sender's message or request is wrong (HTTP 4xx, exit 1);
* :class:`DeliveryError`: a receiving agency could not be reached or refused (retried);
* :class:`IntegrityError`: a signature, hash or proof does not hold (exit 1 for auditors);
* :class:`ConfigError`: the hub itself is mis-configured (refuses to start, exit 2).

Each error carries a list of :class:`Problem` items (a path and a message) so that every
problem found is reported at once. The edges map these errors exactly once: one FastAPI
exception handler returns RFC 9457 problem+json and one CLI funnel sets the exit code.
Domain code never raises HTTP exceptions and never lets foreign exceptions escape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where it is (a JSON-pointer-like path) and what."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class HubError(Exception):
    """Root of every error Saphan raises on purpose."""

    #: RFC 9457 ``type`` suffix and ``title``; subclasses override.
    kind: ClassVar[str] = "hub-error"
    title: ClassVar[str] = "Hub error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        detail: str,
        problems: Sequence[Problem] = (),
        *,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[Problem] = list(problems)
        self.extra: dict[str, Any] = dict(extra or {})

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """Render as an RFC 9457 problem object with an ``errors`` list."""
        body: dict[str, Any] = {
            "type": f"https://saphan.example/problems/{self.kind}",
            "title": self.title,
            "status": self.http_status,
            "detail": self.detail,
            "errors": [p.as_dict() for p in self.problems],
        }
        if instance is not None:
            body["instance"] = instance
        body.update(self.extra)
        return body


class InputError(HubError):
    """The message or request is invalid; nothing the hub can fix by retrying."""

    kind = "invalid-input"
    title = "Invalid input"
    http_status = 422
    exit_code = 1

    @classmethod
    def from_problems(cls, problems: Iterable[Problem], detail: str | None = None) -> InputError:
        items = list(problems)
        text = detail or f"{len(items)} problem(s) found in the message"
        return cls(text, items)


class TooLargeError(InputError):
    """The input exceeds a size, depth or count limit."""

    kind = "too-large"
    title = "Input too large"
    http_status = 413


class UnsupportedFormatError(InputError):
    """No adapter is registered for the named format."""

    kind = "unknown-format"
    title = "Unknown format"
    http_status = 404


class NotFoundError(InputError):
    """The addressed resource does not exist (or the caller may not know it exists)."""

    kind = "not-found"
    title = "Not found"
    http_status = 404


class TooManyRequests(InputError):
    """A caller went over a rate or attempt limit; it may try again later."""

    kind = "rate-limited"
    title = "Too many requests"
    http_status = 429


class AuthenticationError(InputError):
    """The request carries no valid signature, or a replayed one."""

    kind = "unauthenticated"
    title = "Authentication failed"
    http_status = 401


class ForbiddenError(InputError):
    """The caller is authenticated but may not do this."""

    kind = "forbidden"
    title = "Forbidden"
    http_status = 403


class ConflictError(InputError):
    """The request conflicts with the current state (e.g. a rating given twice)."""

    kind = "conflict"
    title = "Conflict"
    http_status = 409


class DeliveryError(HubError):
    """A receiving agency could not be reached, answered badly, or refused a transfer."""

    kind = "delivery-failed"
    title = "Delivery failed"
    http_status = 502
    exit_code = 1

    def __init__(
        self,
        detail: str,
        problems: Sequence[Problem] = (),
        *,
        retryable: bool = True,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, problems, extra=extra)
        self.retryable = retryable


class IntegrityError(HubError):
    """A signature, hash, receipt or Merkle proof does not verify."""

    kind = "integrity"
    title = "Integrity check failed"
    http_status = 422
    exit_code = 1


class ConfigError(HubError):
    """The hub's own configuration, data files or keys are wrong."""

    kind = "configuration"
    title = "Configuration error"
    http_status = 500
    exit_code = 2


__all__ = [
    "AuthenticationError",
    "ConfigError",
    "ConflictError",
    "DeliveryError",
    "ForbiddenError",
    "HubError",
    "InputError",
    "IntegrityError",
    "NotFoundError",
    "Problem",
    "TooLargeError",
    "UnsupportedFormatError",
]
