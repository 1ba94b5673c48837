"""Operators run the hub from the console: they log in, replay a dead-lettered transfer and
see it delivered, and repair a quarantined message so that it flows on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from browserhub import DESKTOP, PHONE, LiveHub, chromium, live_hub, require_browser, shot
from conftest import EXAMPLES

from saphan import scheduler
from saphan.clock import FixedClock
from saphan.delivery import outcome
from saphan.delivery.retry import RetryPolicy
from saphan.engine import intake, operators
from saphan.engine.services import Services
from saphan.store import claims

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a long console passphrase"
DEAD_ERROR = "receipt refused: the signature does not verify"
RETRY_ERROR = "receipt refused: the receipt names another transfer"


def _send(svc: Services, fmt: str, sender: str, name: str) -> dict[str, Any]:
    answer = intake.intake(svc, fmt, sender, (EXAMPLES / name).read_bytes())
    body: dict[str, Any] = json.loads(answer.body)
    return body


def _fail(svc: Services, agency: str, error: str, policy: RetryPolicy) -> list[str]:
    """``agency``'s transfers fail one attempt each (as a receipt that does not verify)."""
    now = svc.clock.now()
    with svc.db.writer.begin() as conn:
        taken = claims.claim(
            conn,
            worker="test",
            now=now,
            lease=timedelta(seconds=30),
            limit=10,
            mode="pull",
            agency=agency,
        )
        for c in taken:
            expected = outcome.Expected(c.id, c.case_id, c.to_agency, c.payload_sha256)
            outcome.failed(
                conn,
                svc,
                expected,
                error=error,
                attempts_before=c.attempts,
                worker="test",
                now=now,
                policy=policy,
            )
    return [c.id for c in taken]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveHub, dict[str, Any]]]:
    require_browser()
    with live_hub(tmp_path_factory.mktemp("hub")) as live:
        svc = live.svc
        real = svc.clock
        now = real.now()
        clock = FixedClock(now - timedelta(days=6))
        # A week of traffic, so the charts have something to show.
        svc.clock = clock
        try:
            _send(svc, "damrongtham", "MOI-DRT-2009", "damrongtham/legal-aid-sattahip.xml")
            clock.advance(timedelta(hours=2))
            live.pull_and_acknowledge("AGO-RP-20", over_http=False)
            clock.set(now - timedelta(days=4))
            _send(svc, "pmo1111", "PSC", "pmo1111/batch-three-records.json")
            clock.advance(timedelta(minutes=30))
            live.pull_and_acknowledge("RTP-IG", over_http=False)
            clock.advance(timedelta(hours=5))
            live.pull_and_acknowledge("DOL", over_http=False)
            clock.set(now - timedelta(days=2))
            _send(svc, "damrongtham", "MOI-DRT-34", "damrongtham/provincial-informal-debt.xml")
            _send(
                svc, "damrongtham", "MOI-DRT-1001", "damrongtham/anonymous-tipoff-thai-digits.xml"
            )
            clock.set(now - timedelta(minutes=20))
            case = _send(
                svc, "damrongtham", "MOI-DRT-3415", "damrongtham/escalation-warin-chamrap.xml"
            )
            # The forward to the Ombudsman is dead-lettered after its only attempt; the provincial
            # center's copy waits for its next attempt.
            dead = _fail(svc, "OMB", DEAD_ERROR, RetryPolicy(max_attempts=1))
            retrying = _fail(svc, "MOI-DRT-34", RETRY_ERROR, RetryPolicy(base_s=3600))
            refused = _send(svc, "occ", "OMB", "invalid/occ-unknown-topic-no-complainant.json")
            _send(svc, "pmo1111", "PSC", "invalid/pmo1111-one-bad-record.json")
        finally:
            svc.clock = real
        scheduler.mark_overdue(svc)
        scheduler.sign_checkpoint(svc)
        operators.add_operator(svc, "somchai", PASSWORD, "operator")
        operators.add_operator(svc, "viewer.one", PASSWORD, "viewer")
        assert len(dead) == 1 and len(retrying) == 1
        yield (
            live,
            {
                "case": case,
                "dead": dead[0],
                "retrying": retrying[0],
                "quarantine_id": refused["quarantine_id"],
            },
        )


@pytest.fixture(scope="module")
def browser(hub: tuple[LiveHub, dict[str, Any]]) -> Iterator[Any]:
    with chromium() as b:
        yield b


def _login(browser: Any, live: LiveHub, user: str, lang: str = "en", **device: Any) -> Any:
    context = browser.new_context(**(device or DESKTOP))
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live.url}/console?lang={lang}")
    page.wait_for_url(re.compile(r"/console/login(\?lang=\w+)?$"))
    page.get_by_label("User name" if lang == "en" else "ชื่อผู้ใช้").fill(user)
    page.get_by_label("Password" if lang == "en" else "รหัสผ่าน").fill(PASSWORD)
    page.get_by_role("button", name="Log in" if lang == "en" else "เข้าสู่ระบบ").click()
    page.wait_for_url(re.compile(r"/console$"))
    return page


def test_login_is_required_and_wrong_passwords_are_refused(
    hub: tuple[LiveHub, dict[str, Any]], browser: Any
) -> None:
    live, _ = hub
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{live.url}/console?lang=en")
    assert page.url.endswith("/console/login?lang=en")
    page.get_by_label("User name").fill("somchai")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert "Wrong user name or password" in page.get_by_role("alert").inner_text()
    shot(page, "console-login")
    cookies = {c["name"]: c for c in context.cookies()}
    assert "saphan_session" not in cookies
    context.close()


def test_operator_replays_a_dead_letter_and_sees_it_delivered(
    hub: tuple[LiveHub, dict[str, Any]], browser: Any
) -> None:
    live, seeded = hub
    dead = seeded["dead"]
    page = _login(browser, live, "somchai")
    cookie = next(c for c in page.context.cookies() if c["name"] == "saphan_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"

    # The dashboard: queues, the retrying copy with its last error, the dead letter,
    # both quarantined records, overdue work, the checkpoint and the charts.
    queues = page.locator("#queues").inner_text()
    assert "OMB" in queues and "MOI-DRT-34" in queues
    assert RETRY_ERROR in page.locator("#retrying").inner_text()
    dead_panel = page.locator("#dead")
    assert dead[:8] in dead_panel.inner_text()
    assert DEAD_ERROR in dead_panel.inner_text()
    assert page.locator("#quarantine tbody tr").count() == 2
    assert "AGO-RP-20" in page.locator("#overdue").inner_text()
    assert "entries" in page.locator("#checkpoint").inner_text()
    assert page.locator("#charts svg.chart").count() == 3
    assert page.locator("#charts svg.chart rect.bar").count() >= 14
    shot(page, "console-dashboard")

    dead_panel.get_by_role("button", name=f"Replay {dead}").click()
    page.wait_for_url(re.compile(rf"/console/transfers/{dead}\?done=replayed$"))
    assert "Queued again" in page.get_by_role("status").inner_text()
    assert page.locator(".state").first.inner_text() == "pending"
    shot(page, "console-transfer-replayed")

    # The Ombudsman pulls it again (same transfer id) and acknowledges it with its receipt.
    assert dead in live.pull_and_acknowledge("OMB")
    page.goto(f"{live.url}/console/transfers/{dead}")
    assert page.locator(".state").first.inner_text() == "delivered"
    history = page.locator("table").inner_text()
    assert "dead_letter" in history and "replay" in history and "delivered" in history
    shot(page, "console-transfer-delivered")

    page.goto(f"{live.url}/console")
    assert dead[:8] not in page.locator("#dead").inner_text()
    actions = page.locator("#actions").inner_text()
    assert "dead_letter.replay" in actions and "somchai" in actions
    page.context.close()


def test_operator_repairs_a_quarantined_message_and_it_flows_on(
    hub: tuple[LiveHub, dict[str, Any]], browser: Any
) -> None:
    live, seeded = hub
    qid = seeded["quarantine_id"]
    page = _login(browser, live, "somchai")
    row = page.locator("#quarantine tbody tr", has_text="OMB")
    assert "/complainant" in row.inner_text()
    assert "/matter/topic" in row.inner_text()
    row.get_by_role("link", name="Repair and replay").click()
    page.wait_for_url(re.compile(rf"/console/quarantine/{qid}$"))
    editor = page.get_by_label("Message (utf-8)")
    record = json.loads(editor.input_value())
    assert record["occ_no"] == "OMB2024-004512" and "complainant" not in record
    shot(page, "console-repair")

    # A half repair (the topic only) is refused again, and says what is still missing.
    record["matter"]["topic"] = "UNFAIR_LAW"
    editor.fill(json.dumps(record, ensure_ascii=False, indent=2))
    page.get_by_role("button", name="Replay the repaired message").click()
    assert "still invalid" in page.get_by_role("alert").inner_text()
    assert "/complainant" in page.locator("ul.errors").inner_text()

    record["complainant"] = {
        "anonymous": False,
        "disclose_identity": False,
        "citizen_id": "3260181590835",
        "prefix": "นาย",
        "given_name": "สมชาย",
        "family_name": "ตัวอย่าง",
        "phone": "+66812345678",
        "email": None,
        "address": None,
    }
    page.get_by_label("Message (utf-8)").fill(json.dumps(record, ensure_ascii=False, indent=2))
    page.get_by_role("button", name="Replay the repaired message").click()
    page.wait_for_url(re.compile(rf"/console/quarantine/{qid}\?done=replayed$"))
    done = page.get_by_role("status").inner_text()
    assert "OMB2024-004512" in done
    shot(page, "console-repair-done")

    # It is a case now: the public tracking page knows it, and the queue lost the record.
    page.goto(f"{live.url}/track?no=OMB2024-004512&lang=en")
    assert "Office of the Ombudsman" in page.locator(".fact", has_text="Agency now").inner_text()
    page.goto(f"{live.url}/console")
    assert page.locator("#quarantine tbody tr", has_text="OMB").count() == 0
    assert "quarantine.replay" in page.locator("#actions").inner_text()
    page.context.close()


def test_viewer_sees_the_dashboard_without_replay_buttons(
    hub: tuple[LiveHub, dict[str, Any]], browser: Any
) -> None:
    live, _ = hub
    page = _login(browser, live, "viewer.one", lang="th", **PHONE)
    assert page.locator("html").get_attribute("lang") == "th"
    assert "viewer ดูได้อย่างเดียว" in page.locator("main").inner_text()
    assert page.locator("#dead button, #quarantine a.button").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "console-dashboard-viewer-phone", full_page=False)
    page.get_by_role("button", name="ออกจากระบบ").click()
    page.wait_for_url(re.compile(r"/console/login$"))
    page.goto(f"{live.url}/console")
    assert page.url.endswith("/console/login")
    page.context.close()
