"""A citizen rates a concluded case from the tracking page, once and only once, and the
rating reaches the agency that concluded it (``GET /v1/ratings``, signed as that agency)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from browserhub import PHONE, LiveHub, chromium, live_hub, require_browser, shot
from conftest import EXAMPLES

from saphan.engine import intake, status
from saphan.ledger.entries import RatingEntry, parse_entry
from saphan.store import log as transfer_log

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COMMENT = "เจ้าหน้าที่ติดตามเรื่องให้จนเสร็จ ขอบคุณมากค่ะ"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveHub, dict[str, Any]]]:
    require_browser()
    with live_hub(tmp_path_factory.mktemp("hub")) as live:
        body = (EXAMPLES / "damrongtham/escalation-warin-chamrap.xml").read_bytes()
        case = json.loads(intake.intake(live.svc, "damrongtham", "MOI-DRT-3415", body).body)
        live.pull_and_acknowledge("OMB", over_http=False)
        status.report_status(
            live.svc, "OMB", case["case_id"], status.StatusReport(status="CONCLUDED")
        )
        yield live, case


def test_rating_once_and_it_reaches_the_agency(
    hub: tuple[LiveHub, dict[str, Any]],
) -> None:
    live, case = hub
    no, token = case["tracking_no"], case["rating_token"]
    with chromium() as browser:
        context = browser.new_context(**PHONE, locale="th-TH")
        page = context.new_page()
        page.goto(f"{live.url}/track?no={no}&lang=th")
        assert page.locator(".badge.done").inner_text() == "ปิดเรื่องแล้ว"
        assert "ดำเนินการแล้วเสร็จ" in page.locator(".status-word").inner_text()
        page.get_by_role("link", name="ประเมินความพึงพอใจ").click()
        page.wait_for_url(re.compile(r"/track/rate\?no="))
        # The agency that concluded the case is named before the citizen rates.
        page.get_by_label("รหัสประเมิน").fill(token)
        page.locator("label[for=score-5]").click()
        page.get_by_label("ความคิดเห็นเพิ่มเติม (ไม่บังคับ)").fill(COMMENT)
        assert page.locator("#score-5").is_checked()
        shot(page, "rate-form-phone")
        with page.expect_response(re.compile(r"/track/rate$")) as sent:
            page.get_by_role("button", name="ส่งผลการประเมิน").click()
        assert sent.value.status == 201
        thanks = page.get_by_role("status").inner_text()
        assert "ขอบคุณที่ประเมิน" in thanks
        assert "สำนักงานผู้ตรวจการแผ่นดิน" in thanks
        shot(page, "rate-thanks-phone")

        # The same code again: a friendly "already rated", and nothing is stored twice.
        response = page.goto(f"{live.url}/track/rate?no={no}&code={token}")
        assert response is not None and response.status == 409
        assert "เรื่องนี้ได้รับการประเมินแล้ว" in page.get_by_role("status").inner_text()
        assert page.locator("form.rating").count() == 0
        shot(page, "rate-again-phone")
        again = page.request.post(
            f"{live.url}/track/rate",
            form={"no": no, "code": token, "score": "1", "comment": "ลองอีกครั้ง"},
        )
        assert again.status == 409
        assert "เรื่องนี้ได้รับการประเมินแล้ว" in again.text()
        context.close()

    # The Ombudsman, which concluded the case, reads it with the comment opened.
    with live.client("OMB") as omb:
        answer = omb.get("/v1/ratings")
    assert answer.status_code == 200, answer.text
    ratings = answer.json()["ratings"]
    assert [(r["tracking_no"], r["score"], r["comment"]) for r in ratings] == [(no, 5, COMMENT)]
    # The district center that only sent the case has nothing to read.
    with live.client("MOI-DRT-3415") as center:
        assert center.get("/v1/ratings").json()["ratings"] == []
    # The log holds the rating, attributed and scored, without the comment.
    with live.svc.db.reader.connect() as conn:
        ((index, raw),) = transfer_log.entries(
            conn, ratings[0]["log_index"], ratings[0]["log_index"] + 1
        )
    entry = parse_entry(raw, index=index)
    assert isinstance(entry, RatingEntry)
    assert (entry.agency, entry.score) == ("OMB", 5)
    assert COMMENT.encode() not in raw
