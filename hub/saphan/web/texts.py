"""Every word the pages show, in Thai and English, and how a page picks its language.

Thai is the default. ``?lang=en`` (or ``?lang=th``) switches and is remembered in a
cookie, so forms and later pages keep the choice. Texts are plain strings; the templates
escape them. Placeholders use ``str.format`` names.

What it does not do: translate case content (the public pages show codes, agency names
from the directory and the fixed status words of :data:`saphan.engine.queries.STATUS_WORDS`).
"""

from __future__ import annotations

from fastapi import Request

LANGS = ("th", "en")
DEFAULT_LANG = "th"
LANG_COOKIE = "saphan_lang"

_TEXTS: dict[str, tuple[str, str]] = {
    # Frame
    "brand": ("สะพาน", "Saphan"),
    "brand_sub": (
        "ติดตามเรื่องร้องเรียนทุกช่องทางของรัฐ",
        "Follow a public complaint across agencies",
    ),
    "skip": ("ข้ามไปยังเนื้อหาหลัก", "Skip to main content"),
    "lang_other": ("English", "ภาษาไทย"),
    "menu": ("เมนู", "Menu"),
    "lang_switch": ("Read this page in English", "อ่านหน้านี้เป็นภาษาไทย"),
    "footer": (
        "สะพาน: ระบบเชื่อมโยงเรื่องร้องเรียนระหว่างศูนย์ดำรงธรรม ศูนย์รับเรื่องราวร้องทุกข์ของรัฐบาล 1111 "
        "และสำนักงานผู้ตรวจการแผ่นดิน",
        "Saphan links the Damrongtham centers, the 1111 Government Complaint Center and "
        "the Office of the Ombudsman.",
    ),
    # Tracking
    "track_title": ("ติดตามเรื่องร้องเรียน", "Track a complaint"),
    "track_intro": (
        "ใส่เลขที่เรื่องที่ได้รับจากหน่วยงานใดก็ได้ เพื่อดูว่าเรื่องอยู่ที่หน่วยงานใดและคืบหน้าอย่างไร",
        "Enter the number any agency gave you to see where your case is and how it is going.",
    ),
    "track_label": ("เลขที่เรื่อง", "Tracking number"),
    "track_hint": (
        "เลขรับเรื่องของศูนย์ดำรงธรรม (DOPA…) ศูนย์ 1111 (ตัวเลข 13 หลัก) หรือผู้ตรวจการแผ่นดิน (OMB…)",
        "A Damrongtham number (DOPA…), a 1111 ticket (13 digits) or an Ombudsman number (OMB…)",
    ),
    "track_button": ("ตรวจสอบ", "Look up"),
    "track_none_title": ("ไม่พบเรื่องนี้", "We could not find this case"),
    "track_none": (
        "ไม่พบเรื่องเลขที่ {no} โปรดตรวจสอบเลขอีกครั้ง เรื่องที่เพิ่งยื่นอาจใช้เวลาสักครู่ก่อนจะปรากฏ "
        "หากยังไม่พบ โปรดติดต่อหน่วยงานที่รับเรื่องของท่าน",
        "There is no case numbered {no}. Please check the number; a case filed just now can "
        "take a moment to appear. If it still does not, ask the agency that took your "
        "complaint.",
    ),
    "track_empty": ("โปรดใส่เลขที่เรื่อง", "Please enter a tracking number"),
    "slow_down_title": ("ค้นหาถี่เกินไป", "Too many lookups"),
    "slow_down": (
        "ท่านค้นหาหลายครั้งในเวลาสั้น ๆ โปรดรอประมาณหนึ่งนาทีแล้วลองใหม่",
        "You looked up many numbers in a short time. Please wait a minute and try again.",
    ),
    "case_no": ("เรื่องเลขที่ {no}", "Case {no}"),
    "status_now": ("สถานะล่าสุด", "Current status"),
    "since": ("ตั้งแต่ {at}", "since {at}"),
    "holder": ("หน่วยงานที่ดูแลเรื่องอยู่", "Agency now handling it"),
    "deadline": ("กำหนดแล้วเสร็จ", "Due by"),
    "no_deadline": ("ไม่มีกำหนด", "No deadline set"),
    "late": ("เกินกำหนด", "Late"),
    "on_time": ("ยังอยู่ในกำหนด", "On time"),
    "closed_badge": ("ปิดเรื่องแล้ว", "Closed"),
    "timeline": ("ความเคลื่อนไหวของเรื่อง", "What happened so far"),
    "tl_received": ("{agency} รับเรื่องเข้าระบบ", "{agency} took in the case"),
    "tl_status": ("{agency} แจ้งสถานะ", "{agency} reported a new status"),
    "tl_forward": ("ส่งต่อเรื่องจาก {from_} ถึง {to}", "Handed over from {from_} to {to}"),
    "tl_copy": (
        "ส่งสำเนาเพื่อทราบจาก {from_} ถึง {to}",
        "Copy for information from {from_} to {to}",
    ),
    "tl_delivered": ("ได้รับเรื่องแล้วเมื่อ {at}", "Received on {at}"),
    "tl_waiting": ("รอหน่วยงานปลายทางรับเรื่อง", "Waiting for the agency to pick it up"),
    "tl_delayed": (
        "การส่งล่าช้า เจ้าหน้าที่กำลังดำเนินการ",
        "Delivery is delayed; staff are on it",
    ),
    "tl_due": ("กำหนดแล้วเสร็จ {at}", "due by {at}"),
    "privacy_note": (
        "หน้านี้ไม่แสดงข้อมูลส่วนบุคคลหรือรายละเอียดคำร้อง แสดงเฉพาะหน่วยงาน วันที่ และสถานะ",
        "This page shows no personal data and nothing of what the complaint says: only "
        "agencies, dates and status.",
    ),
    "rate_invite": (
        "เรื่องนี้ปิดแล้ว ท่านสามารถประเมินความพึงพอใจต่อการให้บริการได้หนึ่งครั้ง",
        "This case is closed. You can rate how it was handled, once.",
    ),
    "rate_link": ("ประเมินความพึงพอใจ", "Rate the service"),
    # Rating
    "rate_title": ("ประเมินความพึงพอใจ", "Rate the service"),
    "rate_intro": (
        "ใช้รหัสประเมินที่หน่วยงานให้ท่านเมื่อรับเรื่อง รหัสนี้ใช้ได้ครั้งเดียว",
        "Use the rating code the agency gave you when it took your complaint. It works once.",
    ),
    "rate_for": ("ผลการประเมินจะส่งถึง {agency}", "Your rating goes to {agency}"),
    "rate_code": ("รหัสประเมิน", "Rating code"),
    "rate_code_hint": (
        "ดูได้จากใบรับเรื่องหรือข้อความที่หน่วยงานส่งให้",
        "On your receipt or in the message the agency sent you",
    ),
    "rate_score": ("ท่านพอใจการให้บริการเพียงใด", "How satisfied are you?"),
    "score_1": ("ไม่พอใจมาก", "Very dissatisfied"),
    "score_2": ("ไม่พอใจ", "Dissatisfied"),
    "score_3": ("เฉย ๆ", "Neutral"),
    "score_4": ("พอใจ", "Satisfied"),
    "score_5": ("พอใจมาก", "Very satisfied"),
    "rate_comment": ("ความคิดเห็นเพิ่มเติม (ไม่บังคับ)", "Comment (optional)"),
    "rate_comment_hint": (
        "ไม่เกิน 1,000 ตัวอักษร ส่งถึงหน่วยงานเท่านั้น ไม่เปิดเผยต่อสาธารณะ",
        "Up to 1,000 characters. Only the agency reads it; it is never published.",
    ),
    "rate_button": ("ส่งผลการประเมิน", "Send my rating"),
    "rate_thanks_title": ("ขอบคุณที่ประเมิน", "Thank you for your rating"),
    "rate_thanks": (
        "ได้รับผลการประเมินเรื่องเลขที่ {no} แล้ว และส่งถึง {agency}",
        "Your rating of case {no} was recorded and sent to {agency}.",
    ),
    "rate_again_title": ("เรื่องนี้ได้รับการประเมินแล้ว", "This case was already rated"),
    "rate_again": (
        "แต่ละเรื่องประเมินได้ครั้งเดียว และเรื่องเลขที่ {no} ได้รับการประเมินไปแล้ว ขอบคุณที่ให้ความร่วมมือ",
        "Each case can be rated once, and case {no} already has its rating. Thank you all "
        "the same.",
    ),
    "rate_open_title": ("เรื่องนี้ยังไม่ปิด", "This case is not closed yet"),
    "rate_open": (
        "ท่านจะประเมินได้เมื่อหน่วยงานดำเนินการแล้วเสร็จ สถานะตอนนี้: {status}",
        "You can rate it once the agency has finished with it. Current status: {status}",
    ),
    "rate_bad_code": (
        "รหัสประเมินไม่ตรงกับเรื่องนี้ โปรดตรวจสอบอีกครั้ง",
        "This rating code does not match the case. Please check it.",
    ),
    "rate_erased": (
        "ข้อมูลของเรื่องนี้ถูกลบตามคำขอแล้ว จึงประเมินไม่ได้",
        "This case's data was erased on request, so it can no longer be rated.",
    ),
    "form_errors": ("โปรดแก้ไขข้อมูลต่อไปนี้", "Please correct the following"),
    "err_score": ("โปรดเลือกระดับความพึงพอใจ 1 ถึง 5", "Please choose a score from 1 to 5"),
    "err_comment": ("ความคิดเห็นยาวเกิน 1,000 ตัวอักษร", "The comment is longer than 1,000 characters"),
    "err_code": ("โปรดใส่รหัสประเมิน", "Please enter the rating code"),
    "back_to_case": ("กลับไปหน้าติดตามเรื่อง", "Back to the case"),
    # Console
    "console": ("คอนโซลผู้ดูแลระบบ", "Operator console"),
    "login_title": ("เข้าสู่ระบบผู้ดูแล", "Operator login"),
    "username": ("ชื่อผู้ใช้", "User name"),
    "password": ("รหัสผ่าน", "Password"),
    "login_button": ("เข้าสู่ระบบ", "Log in"),
    "login_failed": ("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "Wrong user name or password"),
    "login_expired": (
        "แบบฟอร์มหมดอายุ โปรดลองอีกครั้ง",
        "The form expired; please try again",
    ),
    "logout": ("ออกจากระบบ", "Log out"),
    "signed_in_as": ("{user} ({role})", "{user} ({role})"),
    "forbidden_title": ("ไม่มีสิทธิ์", "Not allowed"),
    "forbidden": (
        "บทบาท {role} ดูข้อมูลได้อย่างเดียว การส่งซ้ำและการแก้ไขต้องใช้บทบาท operator",
        "The {role} role can only look. Replaying and repairing need the operator role.",
    ),
    "csrf_failed": (
        "แบบฟอร์มไม่ถูกต้องหรือหมดอายุ โปรดโหลดหน้าใหม่แล้วลองอีกครั้ง",
        "The form is stale or not ours. Reload the page and try again.",
    ),
    "p_queues": ("คิวงานตามหน่วยงาน", "Queues by agency"),
    "p_retrying": ("รายการที่กำลังส่งซ้ำ", "Transfers being retried"),
    "p_dead": ("รายการส่งไม่สำเร็จ (dead letters)", "Dead letters"),
    "p_quarantine": ("ข้อความที่ถูกกักไว้", "Quarantined messages"),
    "p_overdue": ("เรื่องเกินกำหนดตามหน่วยงาน", "Overdue transfers by agency"),
    "p_checkpoint": ("จุดตรวจสอบบันทึก (checkpoint)", "Log checkpoint"),
    "p_charts": ("แผนภูมิ", "Charts"),
    "p_actions": ("การดำเนินการล่าสุดของผู้ดูแล", "Recent operator actions"),
    "agency": ("หน่วยงาน", "Agency"),
    "pending": ("รอส่ง", "Pending"),
    "in_flight": ("กำลังส่ง", "In flight"),
    "retrying": ("ส่งซ้ำ", "Retrying"),
    "dead": ("ส่งไม่สำเร็จ", "Dead"),
    "overdue": ("เกินกำหนด", "Overdue"),
    "attempts": ("จำนวนครั้ง", "Attempts"),
    "last_error": ("ข้อผิดพลาดล่าสุด", "Last error"),
    "next_attempt": ("ครั้งถัดไป", "Next attempt"),
    "transfer": ("รายการส่ง", "Transfer"),
    "created": ("สร้างเมื่อ", "Created"),
    "to": ("ถึง", "To"),
    "from": ("จาก", "From"),
    "kind": ("ประเภท", "Kind"),
    "state": ("สถานะ", "State"),
    "replay": ("ส่งซ้ำ", "Replay"),
    "repair": ("แก้ไขและส่งซ้ำ", "Repair and replay"),
    "view": ("ดู", "View"),
    "sender": ("ผู้ส่ง", "Sender"),
    "format": ("รูปแบบ", "Format"),
    "errors": ("ข้อผิดพลาด", "Errors"),
    "received": ("ได้รับเมื่อ", "Received"),
    "deadline_col": ("กำหนด", "Deadline"),
    "days_late": ("เกิน (วัน)", "Days late"),
    "none_now": ("ไม่มีรายการ", "Nothing here"),
    "log_size": ("ขนาดบันทึก", "Log size"),
    "checkpoint_size": ("checkpoint ครอบคลุม", "Checkpoint covers"),
    "checkpoint_age": ("อายุ", "Age"),
    "checkpoint_none": ("ยังไม่มี checkpoint", "No checkpoint signed yet"),
    "checkpoint_stale": (
        "checkpoint ล่าช้ากว่าบันทึก",
        "The checkpoint is behind the log",
    ),
    "entries": ("{n} รายการ", "{n} entries"),
    "chart_volume": ("เรื่องเข้าต่อวัน (14 วัน)", "Cases received per day (14 days)"),
    "chart_latency": (
        "เวลาส่งถึงหน่วยงาน (มัธยฐาน, 7 วัน)",
        "Delivery latency by agency (median, 7 days)",
    ),
    "chart_overdue": ("เรื่องเกินกำหนดตามหน่วยงาน", "Overdue transfers by agency"),
    "chart_data": ("ข้อมูลของแผนภูมิ", "Chart data"),
    "chart_empty": ("ยังไม่มีข้อมูล", "No data yet"),
    "day": ("วันที่", "Day"),
    "count": ("จำนวน", "Count"),
    "median": ("มัธยฐาน", "Median"),
    "p90": ("เปอร์เซ็นไทล์ 90", "90th percentile"),
    "when": ("เวลา", "When"),
    "operator": ("ผู้ดูแล", "Operator"),
    "action": ("การดำเนินการ", "Action"),
    "target": ("รายการ", "Target"),
    "outcome": ("ผล", "Outcome"),
    "repair_title": ("แก้ไขข้อความที่ถูกกัก", "Repair a quarantined message"),
    "repair_intro": (
        "แก้ไขข้อความในรูปแบบเดิมของผู้ส่ง แล้วกดส่งซ้ำ ข้อความจะผ่านการรับเรื่องเหมือนผู้ส่งส่งมาใหม่",
        "Edit the message in the sender's own format, then replay it: it goes through "
        "intake exactly as if the sender had sent it.",
    ),
    "repair_raw": ("ข้อความ ({encoding})", "Message ({encoding})"),
    "repair_button": ("ส่งซ้ำข้อความที่แก้ไขแล้ว", "Replay the repaired message"),
    "repair_still": ("ข้อความยังไม่ถูกต้อง", "The message is still invalid"),
    "repair_encoding": (
        "มีอักขระที่เข้ารหัส {encoding} ไม่ได้",
        "Some characters cannot be written in {encoding}",
    ),
    "repair_done": (
        "ส่งซ้ำแล้ว กลายเป็นเรื่อง {case} (เลขที่ {no})",
        "Replayed: it became case {case} (number {no})",
    ),
    "repair_state": ("สถานะรายการนี้: {state}", "This record is {state}"),
    "repair_transfers": ("การส่งต่อของเรื่องนี้", "Where the case went"),
    "repair_no_transfers": (
        "ไม่มีการส่งต่อ {agency} เป็นผู้ดูแลเรื่องนี้เอง",
        "No hand-over: {agency} handles this case itself.",
    ),
    "replayed_dead": (
        "นำกลับเข้าคิวแล้ว จะส่งใหม่ด้วยเลขรายการเดิม",
        "Queued again; it will be delivered under the same transfer id",
    ),
    "transfer_title": ("รายการส่ง {id}", "Transfer {id}"),
    "delivered_at": ("ส่งถึงเมื่อ", "Delivered"),
    "case": ("เรื่อง", "Case"),
    "history": ("ประวัติ", "History"),
    "not_found_title": ("ไม่พบรายการ", "Not found"),
    "back_console": ("กลับไปคอนโซล", "Back to the console"),
    "role_viewer_note": (
        "บทบาท viewer ดูได้อย่างเดียว ปุ่มส่งซ้ำจึงไม่แสดง",
        "Viewers can look only: replay buttons are hidden.",
    ),
    "confirm_replay": ("ยืนยันการส่งซ้ำ?", "Replay this?"),
}

STATE_WORDS: dict[str, tuple[str, str]] = {
    "pending": ("รอส่ง", "pending"),
    "in_flight": ("กำลังส่ง", "in flight"),
    "delivered": ("ส่งถึงแล้ว", "delivered"),
    "dead": ("ส่งไม่สำเร็จ", "dead"),
    "open": ("รอแก้ไข", "open"),
    "replayed": ("ส่งซ้ำแล้ว", "replayed"),
}


def texts(lang: str) -> dict[str, str]:
    """All texts in ``lang`` (a template reads them as ``t.key``)."""
    i = 1 if lang == "en" else 0
    return {key: pair[i] for key, pair in _TEXTS.items()}


def word(table: dict[str, tuple[str, str]], key: str | None, lang: str) -> str:
    if key is None:
        return ""
    pair = table.get(key)
    return key if pair is None else pair[1 if lang == "en" else 0]


def choose_lang(request: Request) -> tuple[str, bool]:
    """The page language and whether it was asked for now (then the cookie is set)."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked, True
    stored = request.cookies.get(LANG_COOKIE)
    if stored in LANGS:
        return stored, False
    return DEFAULT_LANG, False
