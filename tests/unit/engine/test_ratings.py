"""The rating rules, on SQLite and PostgreSQL: only a closed case, only with its code,
only once (even when two submissions race), attributed to the agency that closed it,
comment sealed with the case key, logged without the comment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from hubkit import make_hub
from sqlalchemy import func, select

from saphan.clock import FixedClock
from saphan.engine import ratings
from saphan.engine.erasure import erase_case
from saphan.engine.intake import intake
from saphan.engine.services import Services
from saphan.engine.status import StatusReport, report_status
from saphan.errors import ForbiddenError, InputError, NotFoundError
from saphan.ledger.entries import RatingEntry, parse_entry
from saphan.store import log as transfer_log
from saphan.store.vault import Erased

ESCALATION = EXAMPLES / "damrongtham" / "escalation-warin-chamrap.xml"
COMMENT = "ได้รับความช่วยเหลือดีมาก ขอบคุณ นางสมศรี"


@pytest.fixture
def hub(db_url: str, tmp_path: Path) -> Iterator[tuple[Services, FixedClock]]:
    svc, _, clock = make_hub(db_url, tmp_path / "data")
    yield svc, clock
    svc.close()


def _escalate(svc: Services) -> dict[str, Any]:
    answer = intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes())
    assert answer.status == 201
    body: dict[str, Any] = json.loads(answer.body)
    return body


def _log_size(svc: Services) -> int:
    with svc.db.reader.connect() as conn:
        return transfer_log.head(conn).size


def _rating_rows(svc: Services) -> int:
    with svc.db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ratings.RATINGS)).scalar_one())


def test_an_open_case_cannot_be_rated_yet(hub: tuple[Services, FixedClock]) -> None:
    svc, _ = hub
    case = _escalate(svc)
    with pytest.raises(ratings.NotClosed) as caught:
        ratings.rate(svc, case["tracking_no"], case["rating_token"], 4)
    assert caught.value.http_status == 409
    assert caught.value.extra["case_status"] == "escalated"
    state = ratings.rating_state(svc, case["tracking_no"], case["rating_token"])
    assert (state.closed, state.rated, state.agency) == (False, False, None)
    assert _rating_rows(svc) == 0


def test_rating_once_attributed_to_the_agency_that_concluded(
    hub: tuple[Services, FixedClock],
) -> None:
    svc, clock = hub
    case = _escalate(svc)
    clock.advance(timedelta(days=3))
    report_status(svc, "OMB", case["case_id"], StatusReport(status="CONCLUDED"))
    before = _log_size(svc)
    # People type numbers with spaces, in lower case, in Thai digits.
    typed = "dopa 3400 3415 ๖๗๐๑๒๓"
    done = ratings.rate(svc, typed, case["rating_token"], 5, f"  {COMMENT}  ")
    assert (done["tracking_no"], done["agency"], done["score"]) == (
        case["tracking_no"],
        "OMB",
        5,
    )
    # One log entry, the rating, with agency and score and nothing of the comment.
    assert _log_size(svc) == before + 1 == done["log_index"] + 1
    with svc.db.reader.connect() as conn:
        ((index, raw),) = transfer_log.entries(conn, done["log_index"], done["log_index"] + 1)
        stored = conn.execute(select(ratings.RATINGS)).mappings().one()
    entry = parse_entry(raw, index=index)
    assert isinstance(entry, RatingEntry)
    assert (entry.agency, entry.score, entry.time) == ("OMB", 5, clock.now())
    assert COMMENT.encode() not in raw
    # The comment is sealed in the store, opened only for the agency.
    assert stored["agency"] == "OMB" and stored["score"] == 5
    assert COMMENT.encode() not in bytes(stored["sealed_comment"])
    assert [(r["score"], r["comment"]) for r in ratings.ratings_for(svc, "OMB")] == [(5, COMMENT)]
    assert ratings.ratings_for(svc, "MOI-DRT-3415") == []
    state = ratings.rating_state(svc, case["tracking_no"], case["rating_token"])
    assert (state.closed, state.rated, state.agency) == (True, True, "OMB")

    # The code is spent: the second use is a conflict, and nothing more is written.
    with pytest.raises(ratings.AlreadyRated) as again:
        ratings.rate(svc, case["tracking_no"], case["rating_token"], 1, "เปลี่ยนใจ")
    assert again.value.http_status == 409
    assert _log_size(svc) == before + 1
    assert _rating_rows(svc) == 1


def test_rejected_counts_as_closed(hub: tuple[Services, FixedClock]) -> None:
    svc, _ = hub
    case = _escalate(svc)
    report_status(svc, "OMB", case["case_id"], StatusReport(status="REJECTED"))
    done = ratings.rate(svc, case["tracking_no"], case["rating_token"], 2)
    assert done["agency"] == "OMB"
    assert ratings.ratings_for(svc, "OMB")[0]["comment"] is None


def test_wrong_or_missing_code_is_refused(hub: tuple[Services, FixedClock]) -> None:
    svc, _ = hub
    case = _escalate(svc)
    report_status(svc, "OMB", case["case_id"], StatusReport(status="CONCLUDED"))
    for token in ("", "   ", "not-the-code", case["rating_token"] + "x", "x" * 500):
        with pytest.raises(ForbiddenError):
            ratings.rate(svc, case["tracking_no"], token, 3)
    with pytest.raises(NotFoundError):
        ratings.rate(svc, "DOPA00000000000000", case["rating_token"], 3)
    assert _rating_rows(svc) == 0


@pytest.mark.parametrize(
    ("score", "comment", "paths"),
    [
        (0, None, ["/score"]),
        (6, None, ["/score"]),
        ("five", None, ["/score"]),
        (True, None, ["/score"]),
        (None, None, ["/score"]),
        (4.5, None, ["/score"]),
        (3, "ก" * (ratings.MAX_COMMENT + 1), ["/comment"]),
        (9, "ก" * (ratings.MAX_COMMENT + 1), ["/score", "/comment"]),
    ],
)
def test_every_problem_of_a_rating_is_listed(
    hub: tuple[Services, FixedClock], score: object, comment: str | None, paths: list[str]
) -> None:
    svc, _ = hub
    case = _escalate(svc)
    report_status(svc, "OMB", case["case_id"], StatusReport(status="CONCLUDED"))
    with pytest.raises(InputError) as caught:
        ratings.rate(svc, case["tracking_no"], case["rating_token"], score, comment)
    assert [p.path for p in caught.value.problems] == paths
    assert _rating_rows(svc) == 0


def test_two_racing_submissions_store_one_rating(hub: tuple[Services, FixedClock]) -> None:
    svc, _ = hub
    case = _escalate(svc)
    report_status(svc, "OMB", case["case_id"], StatusReport(status="CONCLUDED"))

    def attempt(score: int) -> str:
        try:
            ratings.rate(svc, case["tracking_no"], case["rating_token"], score)
        except ratings.AlreadyRated:
            return "already"
        return "stored"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, [1, 2, 3, 4]))
    assert sorted(outcomes) == ["already", "already", "already", "stored"]
    assert _rating_rows(svc) == 1


def test_erasure_takes_the_comment_with_it(hub: tuple[Services, FixedClock]) -> None:
    svc, _ = hub
    case = _escalate(svc)
    report_status(svc, "OMB", case["case_id"], StatusReport(status="CONCLUDED"))
    ratings.rate(svc, case["tracking_no"], case["rating_token"], 4, COMMENT)
    erase_case(svc, case["case_id"], "dpo")
    (item,) = ratings.ratings_for(svc, "OMB")
    # The score stays (it is not personal); the comment is gone for good.
    assert (item["score"], item["comment"], item["comment_erased"]) == (4, None, True)
    # The code went with the personal data.
    with pytest.raises(Erased):
        ratings.rate(svc, case["tracking_no"], case["rating_token"], 1)


def test_ratings_since_and_limit(hub: tuple[Services, FixedClock]) -> None:
    svc, clock = hub
    case = _escalate(svc)
    report_status(svc, "OMB", case["case_id"], StatusReport(status="CONCLUDED"))
    ratings.rate(svc, case["tracking_no"], case["rating_token"], 4)
    at = clock.now()
    assert len(ratings.ratings_for(svc, "OMB", since=at)) == 1
    assert ratings.ratings_for(svc, "OMB", since=at + timedelta(seconds=1)) == []
    assert len(ratings.ratings_for(svc, "OMB", limit=0)) == 1  # clamped to at least one


def test_tracking_numbers_are_normalised() -> None:
    assert ratings.normalise_tracking(" omb2024-๐๐๔๕๑๒ ") == "OMB2024-004512"
    assert ratings.normalise_tracking("6710 1100 00123") == "6710110000123"
