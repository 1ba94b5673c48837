"""The console without a browser: login, session cookie, CSRF on every form, roles, and
every action recorded."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import EXAMPLES
from sqlalchemy import select
from webkit import PASSWORD, App, app, csrf_of, escalate, login

from saphan.api.ratelimit import TokenBucket
from saphan.delivery import outcome
from saphan.delivery.retry import RetryPolicy
from saphan.engine import operators
from saphan.engine.cases import TRANSFERS
from saphan.engine.intake import QUARANTINE, intake
from saphan.engine.operations import ACTIONS
from saphan.store import claims


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[App]:
    with app(tmp_path) as a:
        operators.add_operator(a.svc, "somchai", PASSWORD, "operator")
        operators.add_operator(a.svc, "viewer.one", PASSWORD, "viewer")
        yield a


def _dead_letter(a: App) -> str:
    case = escalate(a.svc)
    forward = case["transfers"][0]["transfer_id"]
    assert isinstance(forward, str)
    now = a.svc.clock.now()
    with a.svc.db.writer.begin() as conn:
        (c,) = claims.claim(
            conn,
            worker="t",
            now=now,
            lease=timedelta(seconds=30),
            limit=1,
            mode="pull",
            agency="OMB",
        )
        outcome.failed(
            conn,
            a.svc,
            outcome.Expected(c.id, c.case_id, c.to_agency, c.payload_sha256),
            error="receipt refused",
            attempts_before=0,
            worker="t",
            now=now,
            policy=RetryPolicy(max_attempts=1),
        )
    assert c.id == forward
    return forward


def _state(a: App, transfer_id: str) -> str:
    with a.svc.db.reader.connect() as conn:
        return str(
            conn.execute(select(TRANSFERS.c.state).where(TRANSFERS.c.id == transfer_id)).scalar()
        )


def _actions(a: App) -> list[tuple[str, str, str | None, str]]:
    with a.svc.db.reader.connect() as conn:
        rows = conn.execute(
            select(
                ACTIONS.c.operator, ACTIONS.c.action, ACTIONS.c.target, ACTIONS.c.outcome
            ).order_by(ACTIONS.c.id)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _quarantined(a: App) -> str:
    bad = (EXAMPLES / "invalid" / "occ-unknown-topic-no-complainant.json").read_bytes()
    answer = intake(a.svc, "occ", "OMB", bad)
    assert answer.status == 422
    return str(json.loads(answer.body)["quarantine_id"])


def test_every_console_page_needs_a_login(hub: App) -> None:
    for path in ("/console", "/console/transfers/x", "/console/quarantine/x"):
        answer = hub.client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/login"
    posted = hub.client.post("/console/dead-letters/x/replay", follow_redirects=False)
    assert posted.status_code == 303


def test_login_sets_a_strict_httponly_cookie_scoped_to_the_console(hub: App) -> None:
    form = hub.client.get("/console/login")
    assert form.headers["content-security-policy"].startswith("default-src 'self'")
    answer = hub.client.post(
        "/console/login",
        data={"username": "somchai", "password": PASSWORD, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("saphan_session=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/console"} <= attributes
    assert ("somchai", "console.login", None, "ok") in _actions(hub)


def test_login_needs_its_form_token_and_the_right_password(hub: App) -> None:
    hub.client.get("/console/login")
    forged = hub.client.post(
        "/console/login", data={"username": "somchai", "password": PASSWORD, "csrf": "forged"}
    )
    assert forged.status_code == 403
    form = hub.client.get("/console/login")
    wrong = hub.client.post(
        "/console/login",
        data={"username": "somchai", "password": "wrong password!", "csrf": csrf_of(form.text)},
    )
    assert wrong.status_code == 401
    assert "saphan_session" not in hub.client.cookies
    assert ("somchai", "console.login", None, "failed") in _actions(hub)


def test_failed_logins_are_limited_per_address_in_the_database(hub: App) -> None:
    # The per-process token bucket is opened wide: the limit under test is the shared one.
    hub.client.app.state.rate_limits["login"] = TokenBucket(rate_per_s=1000, burst=1000)  # type: ignore[attr-defined]
    for _ in range(operators.MAX_FAILURES):
        form = hub.client.get("/console/login")
        wrong = hub.client.post(
            "/console/login",
            data={"username": "somchai", "password": "wrong!", "csrf": csrf_of(form.text)},
        )
        assert wrong.status_code == 401
    form = hub.client.get("/console/login")
    right = hub.client.post(
        "/console/login",
        data={"username": "somchai", "password": PASSWORD, "csrf": csrf_of(form.text)},
    )
    assert right.status_code == 429 and "saphan_session" not in hub.client.cookies
    assert ("somchai", "console.login", None, "rate-limited") in _actions(hub)
    api = hub.client.post("/v1/ops/login", json={"username": "somchai", "password": PASSWORD})
    assert api.status_code == 429
    assert api.headers["content-type"].startswith("application/problem+json")


def test_operator_replays_a_dead_letter_with_a_valid_form_only(hub: App) -> None:
    dead = _dead_letter(hub)
    csrf = login(hub.client, "somchai")
    page = hub.client.get("/console").text
    assert dead[:8] in page and "receipt refused" in page
    # Without the token, or with another session's, nothing happens.
    for token in ("", "0" * 64):
        refused = hub.client.post(f"/console/dead-letters/{dead}/replay", data={"csrf": token})
        assert refused.status_code == 403
        assert _state(hub, dead) == "dead"
    done = hub.client.post(
        f"/console/dead-letters/{dead}/replay", data={"csrf": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/transfers/{dead}?done=replayed"
    assert _state(hub, dead) == "pending"
    assert ("somchai", "dead_letter.replay", dead, "queued") in _actions(hub)
    again = hub.client.post(f"/console/dead-letters/{dead}/replay", data={"csrf": csrf})
    assert again.status_code == 409


def test_viewers_read_but_cannot_replay_or_open_raw_records(hub: App) -> None:
    dead = _dead_letter(hub)
    qid = _quarantined(hub)
    csrf = login(hub.client, "viewer.one")
    page = hub.client.get("/console").text
    assert dead[:8] in page and "/complainant" in page
    assert f"/console/dead-letters/{dead}/replay" not in page
    assert f'href="/console/quarantine/{qid}"' not in page

    replay = hub.client.post(f"/console/dead-letters/{dead}/replay", data={"csrf": csrf})
    assert replay.status_code == 403
    assert _state(hub, dead) == "dead"
    raw = hub.client.get(f"/console/quarantine/{qid}")
    assert raw.status_code == 403
    assert "3260181590835" not in raw.text
    repair = hub.client.post(f"/console/quarantine/{qid}/replay", data={"csrf": csrf, "raw": "{}"})
    assert repair.status_code == 403
    actions = _actions(hub)
    assert ("viewer.one", "dead_letter.replay", dead, "denied") in actions
    assert ("viewer.one", "quarantine.read", qid, "denied") in actions
    assert ("viewer.one", "quarantine.replay", qid, "denied") in actions
    assert not any(a[1] == "quarantine.read" and a[3] == "ok" for a in actions)


def test_operator_repairs_a_quarantined_record(hub: App) -> None:
    qid = _quarantined(hub)
    csrf = login(hub.client, "somchai")
    page = hub.client.get(f"/console/quarantine/{qid}")
    assert page.status_code == 200
    assert ("somchai", "quarantine.read", qid, "ok") in _actions(hub)
    record = json.loads(
        html.unescape(page.text.split('class="code">', 1)[1].split("</textarea>", 1)[0])
    )
    assert record["occ_no"] == "OMB2024-004512"
    # Still invalid: the page says what is left and the record stays open.
    record["matter"]["topic"] = "UNFAIR_LAW"
    half = hub.client.post(
        f"/console/quarantine/{qid}/replay",
        data={"csrf": csrf, "raw": json.dumps(record, ensure_ascii=False).replace("\n", "\r\n")},
    )
    assert half.status_code == 422
    assert "/complainant" in half.text
    record["complainant"] = {
        "anonymous": True,
        "disclose_identity": False,
        "citizen_id": None,
        "prefix": None,
        "given_name": None,
        "family_name": None,
        "phone": None,
        "email": None,
        "address": None,
    }
    done = hub.client.post(
        f"/console/quarantine/{qid}/replay",
        data={"csrf": csrf, "raw": json.dumps(record, ensure_ascii=False)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    with hub.svc.db.reader.connect() as conn:
        state, case_id = conn.execute(
            select(QUARANTINE.c.state, QUARANTINE.c.case_id).where(QUARANTINE.c.id == qid)
        ).one()
    assert state == "replayed" and case_id
    shown = hub.client.get(f"/console/quarantine/{qid}").text
    assert case_id in shown and "OMB2024-004512" in shown
    assert ("somchai", "quarantine.replay", qid, "accepted") in _actions(hub)


def test_logout_ends_the_session(hub: App) -> None:
    csrf = login(hub.client, "somchai")
    token = hub.client.cookies.get("saphan_session")
    assert token
    stale = hub.client.post("/console/logout", data={"csrf": "nope"})
    assert stale.status_code == 403
    out = hub.client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    # The server forgot the session: the old cookie no longer opens the console.
    hub.client.cookies.set("saphan_session", token, path="/console")
    assert hub.client.get("/console", follow_redirects=False).status_code == 303
    assert ("somchai", "console.logout", None, "ok") in _actions(hub)


def test_dashboard_shows_every_panel(hub: App) -> None:
    _dead_letter(hub)
    _quarantined(hub)
    login(hub.client, "somchai")
    page = hub.client.get("/console?lang=en").text
    for anchor in ("queues", "retrying", "dead", "quarantine", "overdue", "checkpoint", "charts"):
        assert f'id="{anchor}"' in page
    # Volumes always draw; latency and overdue charts say when there is nothing yet.
    assert page.count("<svg") == 1
    assert page.count("No data yet") == 2
    assert "No checkpoint signed yet" in page
