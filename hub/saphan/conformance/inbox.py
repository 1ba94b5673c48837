"""The suite's pull inbox: transfers waiting for the agency, and what it did with them.

It serves the shapes of the hub's pull API (:mod:`saphan.delivery.pull`): ``GET
/v1/inbox`` lists transfers (``transfer_id``, ``case_id``, ``kind``, ``format``,
``media_type``, ``body_b64``, ``payload_sha256``, ``created_at``) and ``POST
/v1/transfers/{id}/receipt`` takes ``{"receipt": "<JWS>"}``. Unlike the hub it records
everything the agency's client does, and the pull cases steer it:

* ``relist_acknowledged``: keep listing acknowledged transfers, as a hub whose lease ran
  out while the acknowledgement was on its way would; a correct client recognises them
  and does not acknowledge them again;
* ``lose_next``: answer the next acknowledgement of a transfer with 503, as if the
  answer had been lost; a correct client acknowledges it again later.

Receipts are judged with :func:`~saphan.conformance.receiptcheck.receipt_problems`.
Authentication is the caller's (:mod:`.hubside`); this module does no I/O.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from saphan.conformance.agencykeys import AgencyKeys
from saphan.conformance.receiptcheck import receipt_problems
from saphan.errors import Problem
from saphan.ledger.fields import format_utc

__all__ = ["Acknowledgement", "Inbox", "InboxItem", "refusal"]

MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One transfer waiting for the agency."""

    transfer_id: str
    case_id: str
    format: str
    media_type: str
    body: bytes
    created_at: datetime
    kind: str = "transfer"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def listing(self) -> dict[str, Any]:
        return {
            "transfer_id": self.transfer_id,
            "case_id": self.case_id,
            "kind": self.kind,
            "format": self.format,
            "media_type": self.media_type,
            "body_b64": base64.b64encode(self.body).decode("ascii"),
            "payload_sha256": self.sha256,
            "created_at": format_utc(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """One ``POST /v1/transfers/{id}/receipt`` the agency made, and how it was answered."""

    transfer_id: str
    receipt: str | None
    at: datetime
    answered: int
    problems: tuple[Problem, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.answered == 200


@dataclass(slots=True)
class Inbox:
    """Transfers for ``agency`` and the client's record (see the module docstring)."""

    agency: str
    keys: AgencyKeys
    items: dict[str, InboxItem] = field(default_factory=dict)
    accepted: dict[str, str] = field(default_factory=dict)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    polls: list[datetime] = field(default_factory=list)
    relist_acknowledged: bool = False
    lose_next: set[str] = field(default_factory=set)

    def add(self, item: InboxItem) -> None:
        self.items[item.transfer_id] = item

    def offered(self) -> list[InboxItem]:
        return [
            item
            for tid, item in self.items.items()
            if self.relist_acknowledged or tid not in self.accepted
        ]

    def answer_poll(self, limit: int, now: datetime) -> dict[str, Any]:
        """The ``GET /v1/inbox`` answer; the poll is recorded."""
        self.polls.append(now)
        chosen = self.offered()[: max(1, min(limit, MAX_LIMIT))]
        return {"transfers": [item.listing() for item in chosen]}

    def acknowledge(self, transfer_id: str, jws: str | None, now: datetime) -> tuple[int, Any]:
        """Judge one acknowledgement; the HTTP status and the JSON answer."""
        item = self.items.get(transfer_id)
        if item is None:
            return self._record(transfer_id, jws, now, 404, "no such transfer", "/transfer_id")
        if jws is None:
            return self._record(
                transfer_id, jws, now, 422, 'the body must be {"receipt": "<JWS>"}', "/receipt"
            )
        if transfer_id in self.accepted:
            # What the hub does: the same receipt again is harmless, another is a conflict.
            same = self.accepted[transfer_id] == jws
            status = 200 if same else 409
            self.acknowledgements.append(Acknowledgement(transfer_id, jws, now, status))
            if same:
                return status, {"transfer_id": transfer_id, "state": "delivered", "repeat": True}
            return status, refusal(409, "already acknowledged with another receipt", [])
        problems = receipt_problems(
            jws,
            self.keys,
            case_id=item.case_id,
            transfer_id=transfer_id,
            receiver=self.agency,
            body=item.body,
            sent_at=now,
        )
        if problems:
            self.acknowledgements.append(
                Acknowledgement(transfer_id, jws, now, 422, tuple(problems))
            )
            return 422, refusal(422, "the receipt does not verify", problems)
        if transfer_id in self.lose_next:
            self.lose_next.discard(transfer_id)
            self.acknowledgements.append(Acknowledgement(transfer_id, jws, now, 503))
            return 503, refusal(503, "the answer was lost (a test of the client's retries)", [])
        self.accepted[transfer_id] = jws
        self.acknowledgements.append(Acknowledgement(transfer_id, jws, now, 200))
        return 200, {"transfer_id": transfer_id, "state": "delivered", "repeat": False}

    def _record(
        self, transfer_id: str, jws: str | None, now: datetime, status: int, why: str, path: str
    ) -> tuple[int, Any]:
        problem = Problem(path, why)
        self.acknowledgements.append(Acknowledgement(transfer_id, jws, now, status, (problem,)))
        return status, refusal(status, why, [problem])

    def acknowledgements_of(self, transfer_id: str) -> list[Acknowledgement]:
        return [a for a in self.acknowledgements if a.transfer_id == transfer_id]


def refusal(status: int, detail: str, problems: list[Problem]) -> dict[str, Any]:
    """The problem document the suite's hub answers a refused request with (the inbox's
    and :mod:`.hubside`'s alike)."""
    return {
        "type": "about:blank",
        "title": "Refused by the conformance suite",
        "status": status,
        "detail": detail,
        "errors": [p.as_dict() for p in problems],
    }
