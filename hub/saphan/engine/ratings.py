"""Citizens rate how a concluded case was handled; agencies read the ratings they earned.

Rules:

* Only a closed case (concluded, rejected or cancelled) can be rated, with a score 1–5
  and an optional comment, and only by whoever holds the case's one-time rating code
  (handed out at intake; the hub keeps its SHA-256 in ``cases.rating_token_hash``).
* A case is rated once. The stored rating spends the code: a second use, even a
  simultaneous one, is a :class:`AlreadyRated` conflict (the ``ratings`` primary key is
  the case id, so two racing submissions cannot both commit).
* The rating belongs to the agency that resolved the case: the one that reported the
  closing status (the latest ``status`` event with a closing status); when the case arrived
  already closed, its sender.
* The comment is personal data: it is sealed with the case's own key and is gone when the
  case is erased. The log records a :class:`~saphan.ledger.entries.RatingEntry` with the
  agency and the score only, in the same transaction as the rating.

What it does not do: render pages or limit request rates (the web and API edges do).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError as DbIntegrityError

from saphan.engine import cases as store_cases
from saphan.engine.cases import CASES, EVENTS
from saphan.engine.services import Services
from saphan.errors import ConflictError, ForbiddenError, InputError, NotFoundError, Problem
from saphan.ledger.entries import RatingEntry, case_commitment
from saphan.reference.text import ascii_digits
from saphan.store import log as transfer_log
from saphan.store.tables import RatingRow
from saphan.store.vault import Erased

RATINGS = RatingRow.__table__  # type: ignore[attr-defined]
CLOSED = frozenset({"concluded", "rejected", "cancelled"})
MAX_COMMENT = 1000
MAX_TOKEN = 128
MAX_PAGE = 500


class AlreadyRated(ConflictError):
    kind = "already-rated"
    title = "Already rated"


class NotClosed(ConflictError):
    kind = "not-closed"
    title = "Not closed yet"


@dataclass(frozen=True, slots=True)
class RatingState:
    """What the rating page needs to know before showing its form."""

    tracking_no: str
    status: str
    closed: bool
    rated: bool
    agency: str | None


def normalise_tracking(text: str) -> str:
    """A tracking number as people type it: Thai digits, spaces and lower case allowed."""
    return "".join(ascii_digits(text).split()).upper()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def _case_row(conn: Connection, tracking_no: str) -> Any:
    case_id = store_cases.find_by_tracking(conn, normalise_tracking(tracking_no))
    if case_id is None:
        raise NotFoundError(
            "no case with this tracking number",
            [Problem("/tracking_no", "unknown tracking number")],
        )
    return conn.execute(
        select(
            CASES.c.id, CASES.c.status, CASES.c.rating_token_hash, CASES.c.erased_at, CASES.c.sender
        ).where(CASES.c.id == case_id)
    ).first()


def _check_token(row: Any, token: str) -> None:
    if row[3] is not None:
        # Erasure destroyed the code along with the personal data.
        raise Erased(f"case {row[0]} was erased")
    stored = row[2]
    if (
        not token.strip()
        or len(token) > MAX_TOKEN
        or stored is None
        or not hmac.compare_digest(_token_hash(token), str(stored))
    ):
        raise ForbiddenError(
            "this rating code does not belong to this case",
            [Problem("/token", "wrong rating code")],
        )


def _rated(conn: Connection, case_id: str) -> bool:
    return (
        conn.execute(select(RATINGS.c.case_id).where(RATINGS.c.case_id == case_id)).first()
        is not None
    )


def resolver(conn: Connection, case_id: str, sender: str) -> str:
    """The agency that closed the case: the last one to report a closing status."""
    agency = conn.execute(
        select(EVENTS.c.agency)
        .where(
            EVENTS.c.case_id == case_id,
            EVENTS.c.kind.in_(["status", "intake"]),
            EVENTS.c.status.in_(sorted(CLOSED)),
            EVENTS.c.agency.is_not(None),
        )
        .order_by(EVENTS.c.id.desc())
        .limit(1)
    ).scalar()
    return str(agency) if agency else sender


def rating_state(svc: Services, tracking_no: str, token: str) -> RatingState:
    """Check a tracking number and rating code before a citizen fills in the form."""
    with svc.db.reader.connect() as conn:
        row = _case_row(conn, tracking_no)
        _check_token(row, token)
        closed = row[1] in CLOSED
        return RatingState(
            tracking_no=normalise_tracking(tracking_no),
            status=str(row[1]),
            closed=closed,
            rated=_rated(conn, row[0]),
            agency=resolver(conn, row[0], row[4]) if closed else None,
        )


def _validate(score: object, comment: str | None) -> tuple[int, str | None]:
    problems: list[Problem] = []
    value = 0
    if isinstance(score, bool) or not isinstance(score, int | str):
        problems.append(Problem("/score", "a whole number from 1 to 5"))
    else:
        try:
            value = int(score)
        except ValueError:
            problems.append(Problem("/score", "a whole number from 1 to 5"))
        else:
            if not 1 <= value <= 5:
                problems.append(Problem("/score", "a whole number from 1 to 5"))
    text = (comment or "").strip() or None
    if text is not None and len(text) > MAX_COMMENT:
        problems.append(Problem("/comment", f"at most {MAX_COMMENT} characters"))
    if problems:
        raise InputError.from_problems(problems, "the rating is not complete")
    return value, text


def rate(
    svc: Services, tracking_no: str, token: str, score: object, comment: str | None = None
) -> dict[str, Any]:
    """Store a citizen's rating of a closed case, once; returns what was recorded."""
    value, text = _validate(score, comment)
    now = svc.clock.now()
    try:
        with svc.db.writer.begin() as conn:
            row = _case_row(conn, tracking_no)
            _check_token(row, token)
            case_id, status = str(row[0]), str(row[1])
            if _rated(conn, case_id):
                raise AlreadyRated(
                    "this case has already been rated", [Problem("/token", "already used")]
                )
            if status not in CLOSED:
                raise NotClosed(
                    "the case can be rated once it is closed",
                    [Problem("/status", f"the case is {status}")],
                    extra={"case_status": status},
                )
            agency = resolver(conn, case_id, str(row[4]))
            commitment = case_commitment(case_id, store_cases.salt_of(conn, case_id))
            index = transfer_log.append(
                conn,
                [RatingEntry(case=commitment, time=now, agency=agency, score=value).to_bytes()],
            )
            conn.execute(
                insert(RATINGS).values(
                    case_id=case_id,
                    agency=agency,
                    score=value,
                    sealed_comment=(
                        svc.vault.seal(conn, case_id, text.encode()) if text is not None else None
                    ),
                    at=now,
                    log_index=index,
                )
            )
            store_cases.add_event(
                conn, case_id, now, "rating", agency=agency, code=str(value), log_index=index
            )
    except DbIntegrityError:
        # Another submission for the same case committed first: the code is spent.
        raise AlreadyRated(
            "this case has already been rated", [Problem("/token", "already used")]
        ) from None
    return {
        "tracking_no": normalise_tracking(tracking_no),
        "agency": agency,
        "score": value,
        "at": now.isoformat(),
        "log_index": index,
    }


def ratings_for(
    svc: Services, agency: str, *, since: datetime | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The ratings attributed to ``agency``, newest first, with comments opened."""
    limit = max(1, min(limit, MAX_PAGE))
    query = (
        select(
            RATINGS.c.case_id,
            RATINGS.c.score,
            RATINGS.c.sealed_comment,
            RATINGS.c.at,
            RATINGS.c.log_index,
            CASES.c.origin_ref,
            CASES.c.origin_system,
            CASES.c.erased_at,
        )
        .join(CASES, CASES.c.id == RATINGS.c.case_id)
        .where(RATINGS.c.agency == agency)
        .order_by(RATINGS.c.at.desc(), RATINGS.c.case_id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(RATINGS.c.at >= since)
    out: list[dict[str, Any]] = []
    with svc.db.reader.connect() as conn:
        for case_id, score, sealed, at, log_index, ref, system, erased_at in conn.execute(
            query
        ).all():
            comment: str | None = None
            erased = erased_at is not None
            if sealed is not None and not erased:
                try:
                    comment = svc.vault.open(conn, case_id, bytes(sealed)).decode()
                except Erased:
                    erased = True
            out.append(
                {
                    "case_id": case_id,
                    "tracking_no": ref,
                    "origin_system": system,
                    "score": int(score),
                    "comment": comment,
                    "comment_erased": erased,
                    "at": at.isoformat(),
                    "log_index": log_index,
                }
            )
    return out
