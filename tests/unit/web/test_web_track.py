"""The public pages and the rating API without a browser: tracking, language, rate limit,
the rating form's answers, ``POST /v1/track/{no}/rating`` and the signed ``GET /v1/ratings``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from webkit import App, app, escalate

from saphan.api.ratelimit import TokenBucket
from saphan.auth import SaphanSigner
from saphan.engine.status import StatusReport, report_status
from saphan.web.track import steps

PERSONAL = ["สมศรี", "ใจดี", "3260181590835", "081-234-5678", "ขอให้ตรวจสอบการออกโฉนด"]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[App]:
    with app(tmp_path) as a:
        yield a


def test_tracking_page_in_thai_then_english(hub: App) -> None:
    case = escalate(hub.svc)
    page = hub.client.get("/track", params={"no": case["tracking_no"]})
    assert page.status_code == 200
    assert '<html lang="th">' in page.text
    assert "สำนักงานผู้ตรวจการแผ่นดิน" in page.text
    assert "ศูนย์ดำรงธรรมจังหวัดอุบลราชธานี" in page.text
    assert "ส่งต่อหน่วยงานส่วนกลาง/ผู้ตรวจการแผ่นดิน" in page.text
    for item in PERSONAL:
        assert item not in page.text
    for header in ("content-security-policy", "x-content-type-options", "referrer-policy"):
        assert header in page.headers
    english = hub.client.get("/track", params={"no": case["tracking_no"], "lang": "en"})
    assert '<html lang="en">' in english.text
    assert "Office of the Ombudsman" in english.text
    assert english.cookies.get("saphan_lang") == "en"
    # The choice sticks (cookie) until switched back.
    again = hub.client.get("/track")
    assert '<html lang="en">' in again.text
    assert 'href="/track?lang=th"' in again.text


def test_unknown_empty_and_too_many_lookups(hub: App) -> None:
    unknown = hub.client.get("/track", params={"no": "omb2099-000001"})
    assert unknown.status_code == 404
    assert "OMB2099-000001" in unknown.text and "ไม่พบเรื่องนี้" in unknown.text
    assert hub.client.get("/track", params={"no": "   "}).status_code == 422
    hub.client.app.state.rate_limits["track"] = TokenBucket(rate_per_s=0.0, burst=1)  # type: ignore[attr-defined]
    assert hub.client.get("/track", params={"no": "X1"}).status_code == 404
    limited = hub.client.get("/track", params={"no": "X2"})
    assert limited.status_code == 429
    assert "ค้นหาถี่เกินไป" in limited.text


def test_timeline_steps_are_in_order() -> None:
    result = {
        "statuses": [
            {"at": "2024-09-10T07:00:00+00:00", "agency": "A", "status": "received"},
            {"at": "2024-09-12T07:00:00+00:00", "agency": "B", "status": "accepted"},
        ],
        "handovers": [
            {
                "at": "2024-09-10T07:00:00+00:00",
                "from": "A",
                "to": "B",
                "kind": "forward",
                "state": "delivered",
                "delivered_at": "2024-09-11T07:00:00+00:00",
                "deadline": "2024-10-01",
            },
            {
                "at": "2024-09-10T07:00:00+00:00",
                "from": "A",
                "to": "C",
                "kind": "copy",
                "state": "pending",
                "delivered_at": None,
                "deadline": None,
            },
        ],
    }
    assert [(s.kind, s.agency, s.to) for s in steps(result)] == [
        ("received", "A", None),
        ("forward", "A", "B"),
        ("copy", "A", "C"),
        ("status", "B", None),
    ]


def test_rating_form_answers(hub: App) -> None:
    case = escalate(hub.svc)
    no, token = case["tracking_no"], case["rating_token"]
    # Not closed yet: the form explains instead of asking.
    early = hub.client.get("/track/rate", params={"no": no})
    assert early.status_code == 200 and "เรื่องนี้ยังไม่ปิด" in early.text
    assert 'name="score"' not in early.text
    report_status(hub.svc, "OMB", case["case_id"], StatusReport(status="CONCLUDED"))
    form = hub.client.get("/track/rate", params={"no": no})
    assert 'name="score"' in form.text and "สำนักงานผู้ตรวจการแผ่นดิน" in form.text

    def post(**fields: str) -> tuple[int, str]:
        answer = hub.client.post("/track/rate", data={"no": no, **fields})
        return answer.status_code, answer.text

    status, text = post(score="4")
    assert status == 422 and "โปรดใส่รหัสประเมิน" in text
    status, text = post(code="wrong", score="4", comment="ดี")
    assert status == 403 and "รหัสประเมินไม่ตรงกับเรื่องนี้" in text and ">ดี</textarea>" in text
    status, text = post(code=token, score="9")
    assert status == 422 and "โปรดเลือกระดับความพึงพอใจ" in text
    status, text = post(code=token, score="5", comment="ขอบคุณ")
    assert status == 201 and "ขอบคุณที่ประเมิน" in text
    # The language switch of a page answering a form keeps the case.
    assert f'href="/track?no={no}&amp;lang=en"' in text
    status, text = post(code=token, score="1")
    assert status == 409 and "เรื่องนี้ได้รับการประเมินแล้ว" in text
    shown = hub.client.get("/track/rate", params={"no": no, "code": token})
    assert shown.status_code == 409 and 'name="score"' not in shown.text


def test_rating_api_and_agency_read(hub: App) -> None:
    case = escalate(hub.svc)
    report_status(hub.svc, "OMB", case["case_id"], StatusReport(status="CONCLUDED"))
    url = f"/v1/track/{case['tracking_no']}/rating"
    bad = hub.client.post(url, json={"token": case["rating_token"], "score": 0})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    first = hub.client.post(url, json={"token": case["rating_token"], "score": 3, "comment": "ok"})
    assert first.status_code == 201 and first.json()["agency"] == "OMB"
    second = hub.client.post(url, json={"token": case["rating_token"], "score": 3})
    assert second.status_code == 409
    assert second.json()["type"].endswith("/already-rated")

    assert hub.client.get("/v1/ratings").status_code == 401
    signed = hub.client.get(
        "/v1/ratings", auth=SaphanSigner(hub.keys["OMB"].private, "OMB", clock=hub.clock.now)
    )
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["agency"] == "OMB"
    assert [(r["tracking_no"], r["score"], r["comment"]) for r in body["ratings"]] == [
        (case["tracking_no"], 3, "ok")
    ]
    other = hub.client.get(
        "/v1/ratings",
        auth=SaphanSigner(hub.keys["MOI-DRT-3415"].private, "MOI-DRT-3415", clock=hub.clock.now),
    )
    assert other.json()["ratings"] == []


def test_static_files_are_served_by_the_hub(hub: App) -> None:
    css = hub.client.get("/static/saphan.css")
    assert css.status_code == 200 and "@font-face" in css.text
    font = hub.client.get("/static/fonts/sarabun-thai-400-normal.woff2")
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
    page = hub.client.get("/track").text
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
