"""A citizen on a phone tracks a case that escalated from a district center to the
Ombudsman, in Thai and in English, and sees every hand-over and no personal data."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserhub import DESKTOP, PHONE, LiveHub, chromium, live_hub, require_browser, shot
from conftest import EXAMPLES

from saphan.engine import intake, status

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ESCALATION = "damrongtham/escalation-warin-chamrap.xml"
#: What the complaint says and who made it: none of it may reach a public page.
PERSONAL = [
    "สมศรี",
    "ใจดี",
    "3260181590835",
    "3-2601-81590-83-5",
    "081-234-5678",
    "0812345678",
    "+66812345678",
    "12/3",
    "ขอให้ตรวจสอบการออกโฉนดที่ดินทับทางสาธารณประโยชน์",
    "ผู้ร้องแจ้งว่ามีการออกโฉนดที่ดิน",
    "ขอให้เพิกถอนโฉนดที่ออกทับทางสาธารณะ",
    "การเพิกถอนเอกสารสิทธิ์ต้องแก้ไขระเบียบ",
    "สำนักงานที่ดินจังหวัดอุบลราชธานี สาขาวารินชำราบ",
]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveHub, dict[str, Any]]]:
    require_browser()
    with live_hub(tmp_path_factory.mktemp("hub")) as live:
        body = (EXAMPLES / ESCALATION).read_bytes()
        answer = intake.intake(live.svc, "damrongtham", "MOI-DRT-3415", body)
        assert answer.status == 201, answer.body
        case = json.loads(answer.body)
        # The Ombudsman pulls its transfer over the API and acknowledges it with its own
        # signed receipt; then it reports that it accepted the case.
        delivered = live.pull_and_acknowledge("OMB")
        assert len(delivered) == 1
        status.report_status(
            live.svc, "OMB", case["case_id"], status.StatusReport(status="UNDER_REVIEW")
        )
        yield live, case


@pytest.fixture(scope="module")
def browser(hub: tuple[LiveHub, dict[str, Any]]) -> Iterator[Any]:
    with chromium() as b:
        yield b


def _contrast(fg: str, bg: str) -> float:
    def lum(css: str) -> float:
        r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])

        def ch(c: int) -> float:
            s = c / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)

    a, b = sorted((lum(fg), lum(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


_COLOURS = """
(selectors) => selectors.flatMap((sel) => Array.from(document.querySelectorAll(sel)).map((el) => {
  const fg = getComputedStyle(el).color;
  let node = el, bg = "rgba(0, 0, 0, 0)";
  while (node && node.nodeType === 1) {
    const c = getComputedStyle(node).backgroundColor;
    if (c && !c.startsWith("rgba(0, 0, 0, 0)") && c !== "transparent") { bg = c; break; }
    node = node.parentElement;
  }
  return [sel, fg, bg === "rgba(0, 0, 0, 0)" ? "rgb(255, 255, 255)" : bg];
}))
"""


def test_phone_citizen_sees_both_handovers_and_no_personal_data(
    hub: tuple[LiveHub, dict[str, Any]], browser: Any, tmp_path: Path
) -> None:
    live, case = hub
    context = browser.new_context(**PHONE, locale="th-TH")
    page = context.new_page()
    page.goto(f"{live.url}/track")
    assert page.locator("html").get_attribute("lang") == "th"
    shot(page, "track-form-phone")

    # Keyboard: the first Tab reaches the skip link, which leads to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.get_by_label("เลขที่เรื่อง").fill(case["tracking_no"])
    page.get_by_role("button", name="ตรวจสอบ").click()
    page.wait_for_url(re.compile(r"/track\?no="))
    text = page.locator("main").inner_text()

    # Both hand-overs, with the directory's Thai names: to the Ombudsman, and the copy
    # to the provincial center.
    assert "ส่งต่อเรื่องจาก ศูนย์ดำรงธรรมอำเภอวารินชำราบ" in text
    assert "ถึง สำนักงานผู้ตรวจการแผ่นดิน" in text
    assert "ส่งสำเนาเพื่อทราบจาก ศูนย์ดำรงธรรมอำเภอวารินชำราบ" in text
    assert "ถึง ศูนย์ดำรงธรรมจังหวัดอุบลราชธานี" in text
    # The forward was received (signed receipt); the copy still waits.
    assert "ได้รับเรื่องแล้วเมื่อ" in text
    assert "รอหน่วยงานปลายทางรับเรื่อง" in text
    # Current holder, status in plain words, deadline, and that it is late.
    holder = page.locator(".fact", has_text="หน่วยงานที่ดูแลเรื่องอยู่").inner_text()
    assert "สำนักงานผู้ตรวจการแผ่นดิน" in holder
    assert "หน่วยงานรับเรื่องไว้พิจารณาแล้ว" in text
    assert "1 ต.ค. 2567" in text
    assert page.locator(".badge.late").inner_text() == "เกินกำหนด"

    html = page.content()
    for item in PERSONAL:
        assert item not in html, f"personal data or complaint text on the page: {item}"

    # Nothing on the page is too small to tap or read on a phone, nor scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for sel, fg, bg in page.evaluate(
        _COLOURS, ["body", ".muted", ".hint", ".badge.late", "button", ".step time", "a"]
    ):
        assert _contrast(fg, bg) >= 4.5, f"{sel}: {fg} on {bg}"
    shot(page, "track-case-phone")

    # English, through the visible switch; the choice sticks for the next page.
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    english = page.locator("main").inner_text()
    assert "Handed over from Damrongtham Center, Warin Chamrap District" in english
    assert "to Office of the Ombudsman" in english
    assert "Copy for information from" in english
    assert "Accepted by the agency" in english
    assert "1 Oct 2024" in english
    assert page.locator(".badge.late").inner_text() == "Late"
    shot(page, "track-case-phone-en")
    context.close()


def test_unknown_number_gets_a_friendly_answer(
    hub: tuple[LiveHub, dict[str, Any]], browser: Any
) -> None:
    live, _ = hub
    context = browser.new_context(**PHONE, locale="th-TH")
    page = context.new_page()
    response = page.goto(f"{live.url}/track?no=DOPA99999999990001&lang=th")
    assert response is not None and response.status == 404
    alert = page.get_by_role("alert")
    assert "ไม่พบเรื่องนี้" in alert.inner_text()
    assert "DOPA99999999990001" in alert.inner_text()
    # The field keeps the number and says it is the one in error.
    field = page.get_by_label("เลขที่เรื่อง")
    assert field.input_value() == "DOPA99999999990001"
    assert field.get_attribute("aria-invalid") == "true"
    shot(page, "track-unknown-phone")
    context.close()


def test_desktop_tracking_page(hub: tuple[LiveHub, dict[str, Any]], browser: Any) -> None:
    live, case = hub
    context = browser.new_context(**DESKTOP, locale="th-TH")
    page = context.new_page()
    page.goto(f"{live.url}/track?no={case['tracking_no']}&lang=th")
    assert page.locator("ol.timeline li").count() == 4
    # Every font the page uses came from the hub itself.
    loaded = page.evaluate(
        "async () => { await document.fonts.ready; return [...document.fonts]"
        ".filter((f) => f.family.includes('Sarabun') && f.status === 'loaded').length; }"
    )
    assert loaded >= 1
    shot(page, "track-case-desktop")
    context.close()
