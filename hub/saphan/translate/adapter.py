"""The adapter plug-in interface: one agency wire format in and out of the canonical case.

An adapter is a subclass of :class:`Adapter` that implements two hooks, ``_parse`` and
``_render``. Callers use only the public template methods :meth:`Adapter.parse` and
:meth:`Adapter.render`, which enforce the size limits before any parsing, make sure every
record comes back either as a case or with its problems, and wrap every foreign exception
(lxml, json, pydantic, codecs, ...) in the hub's own :class:`~saphan.errors.InputError`.

Adapters are pure: no I/O, no clock, no network. What they do not do: routing, storage,
signatures. A test double, :class:`saphan.testing.EchoAdapter`, implements the interface
over the canonical JSON itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

from pydantic import BaseModel, ValidationError

from saphan.canonical import Case
from saphan.errors import HubError, InputError, Problem, TooLargeError


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits checked before and while parsing (hostile input)."""

    max_bytes: int = 36 * 1024 * 1024  # 25 MiB of attachments, base64-inflated, plus text
    max_records: int = 500
    max_depth: int = 32


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a message: either a parsed case or the problems that refused it.

    ``raw`` is the record's own bytes in the sender's format, kept so that a refused record
    can be quarantined, repaired and replayed on its own.
    """

    index: int
    raw: bytes
    case: Case | None = None
    problems: tuple[Problem, ...] = ()
    tracking_no: str | None = None

    @property
    def ok(self) -> bool:
        return self.case is not None and not self.problems


@dataclass(frozen=True, slots=True)
class Parsed:
    """The outcome of parsing one message (a batch format yields several records)."""

    format: str
    records: tuple[Record, ...]
    envelope: dict[str, object] = field(default_factory=dict)

    @property
    def cases(self) -> list[Case]:
        return [r.case for r in self.records if r.case is not None and not r.problems]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.records for p in r.problems]


@dataclass(frozen=True, slots=True)
class Receiver:
    """Who a rendered message is for: the receiving agency decides the holder fields
    (the Damrongtham ``Center``, the OCC ``referral``, the 1111 ``target_agency``)."""

    agency: str
    name: str | None = None
    sent_at: datetime | None = None
    #: per-agency format options from the directory, e.g. ``{"encoding": "TIS-620"}``
    options: Mapping[str, str] = field(default_factory=dict)


class Adapter(ABC):
    """Base class of every agency format adapter (see module docstring)."""

    #: the format's name, as used in ``/v1/inbound/{format}`` and ``--from``/``--to``
    name: ClassVar[str]
    #: HTTP media type of the format's messages
    media_type: ClassVar[str] = "application/json"
    #: whether one message can hold several records (the rest of the hub asks, never assumes)
    batch: ClassVar[bool] = False
    limits: ClassVar[Limits] = Limits()

    # -- public template methods ---------------------------------------------------------

    def parse(self, data: bytes) -> Parsed:
        """Parse a message into records. Never raises for a record's content: a bad record
        comes back with its problems. Raises :class:`InputError` only when the message as
        a whole cannot be read (too large, not well-formed, wrong envelope)."""
        if len(data) > self.limits.max_bytes:
            raise TooLargeError(
                f"message is {len(data)} bytes; the limit is {self.limits.max_bytes}",
                [Problem("", f"larger than {self.limits.max_bytes} bytes")],
            )
        try:
            parsed = self._parse(data)
        except HubError:
            raise
        except (ValidationError, ValueError, TypeError, KeyError, LookupError) as exc:
            raise InputError(
                f"{self.name} message could not be read", [Problem("", _describe(exc))]
            ) from exc
        except Exception as exc:
            raise InputError(
                f"{self.name} message could not be read", [Problem("", _describe(exc))]
            ) from exc
        if len(parsed.records) > self.limits.max_records:
            raise TooLargeError(
                f"{len(parsed.records)} records; the limit is {self.limits.max_records}",
                [Problem("/records", f"more than {self.limits.max_records} records")],
            )
        for record in parsed.records:
            if record.case is None and not record.problems:
                raise InputError(
                    f"{self.name} adapter returned record {record.index} with neither a case "
                    "nor problems",
                    [Problem(f"/records/{record.index}", "adapter defect")],
                )
        return parsed

    def parse_one(self, data: bytes) -> Case:
        """Parse a message that must hold exactly one valid record."""
        parsed = self.parse(data)
        if parsed.problems:
            raise InputError.from_problems(parsed.problems)
        if len(parsed.records) != 1:
            raise InputError(
                f"expected one record, found {len(parsed.records)}",
                [Problem("/records", f"{len(parsed.records)} records; one expected")],
            )
        case = parsed.records[0].case
        assert case is not None
        return case

    def parse_record(self, raw: bytes) -> Parsed:
        """Parse one record's own bytes (``Record.raw``), as kept in quarantine.

        Single-record formats read them as a message; a batch format wraps them in its
        envelope first (override :meth:`_wrap_record`).
        """
        return self.parse(self._wrap_record(raw))

    def _wrap_record(self, raw: bytes) -> bytes:
        return raw

    def render(self, cases: Case | Sequence[Case], receiver: Receiver) -> bytes:
        """Write one case (or, for batch formats, several) for ``receiver``."""
        items = [cases] if isinstance(cases, Case) else list(cases)
        if not items:
            raise InputError("nothing to render", [Problem("", "no case given")])
        if len(items) > 1 and not self.batch:
            raise InputError(
                f"{self.name} messages hold one case; {len(items)} given",
                [Problem("", "several cases for a single-record format")],
            )
        try:
            return self._render(items, receiver)
        except HubError:
            raise
        except Exception as exc:
            raise InputError(
                f"case cannot be written as {self.name}", [Problem("", _describe(exc))]
            ) from exc

    # -- hooks -----------------------------------------------------------------------------

    @abstractmethod
    def _parse(self, data: bytes) -> Parsed:
        """Read ``data`` (already size-checked) into records."""

    @abstractmethod
    def _render(self, cases: list[Case], receiver: Receiver) -> bytes:
        """Write ``cases`` (one unless :attr:`batch`) as this format's bytes."""

    # -- status codes (status changes reported by a holder in its own codes) ---------------

    def status_scheme(self) -> str:
        """The crosswalk scheme of this format's status codes (``<name>.status``)."""
        return f"{self.name}.status"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


M = TypeVar("M", bound=BaseModel)


def validator(model: type[M]) -> Callable[[Any], M]:
    """``model.model_validate`` without its Python wrapper, which only hands its default
    arguments on to this same compiled validator (a frame and six keyword arguments less on
    every message: the adapters validate several models per record)."""
    return cast("Callable[[Any], M]", model.__pydantic_validator__.validate_python)


def validation_problems(exc: ValidationError, prefix: str = "") -> list[Problem]:
    """Turn a pydantic error into problems with JSON-pointer paths."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = prefix + "".join(f"/{part}" for part in err["loc"])
        out.append(Problem(path or "/", err["msg"]))
    return out
