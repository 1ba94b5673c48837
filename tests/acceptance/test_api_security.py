"""The hub's API under attack, over HTTP (in process; one test against a real
``saphan serve``): every refusal of a request that is not what it claims, authorization
that hides other agencies' cases, hostile bodies, identity protection in the bytes each
agency receives, public tracking without personal data, and production-mode checks.

Every error answer must be RFC 9457 problem+json with an ``errors`` list and no internals.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from conftest import EXAMPLES, ROOT
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hubkit import AgencyKeys, write_overlay
from procs import Hub as ServedHub
from securehub import (
    Hub,
    assert_problem,
    cases_of,
    chunks,
    found_in,
    identity_strings,
    in_process_hub,
    now_utc,
    personal_strings,
    running,
)
from sqlalchemy import func, select

from saphan.auth import sign_request
from saphan.config import Settings
from saphan.engine.services import build
from saphan.errors import ConfigError
from saphan.ledger.keys import KeyRing
from saphan.store.tables import InboundRow

ESCALATION = EXAMPLES / "damrongtham" / "escalation-warin-chamrap.xml"
OCC_REFERRAL = EXAMPLES / "occ" / "referral-from-warin-chamrap.json"
OCC_DIRECT = EXAMPLES / "occ" / "direct-unfair-regulation.json"
BATCH = EXAMPLES / "pmo1111" / "batch-three-records.json"
DOCTYPE = EXAMPLES / "invalid" / "damrongtham-doctype-entity.xml"
INBOX = "/v1/inbox"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with in_process_hub(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path / "data") as h:
        yield h


def inbound_rows(hub: Hub) -> int:
    with hub.svc.db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(InboundRow)).scalar_one())


def escalate(hub: Hub) -> str:
    answer = hub.submit("MOI-DRT-3415", "damrongtham", ESCALATION.read_bytes())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_id"])


def inbox_bodies(hub: Hub, code: str) -> list[tuple[str, bytes]]:
    answer = hub.signed(code, "GET", INBOX)
    assert answer.status_code == 200, answer.text
    return [(t["kind"], base64.b64decode(t["body_b64"])) for t in answer.json()["transfers"]]


# -- authentication ------------------------------------------------------------------------


def test_unsigned_request_is_refused_before_its_body_is_read(hub: Hub) -> None:
    taken: list[int] = []
    answer = hub.send("POST", "/v1/inbound/occ", chunks(64, 16384, taken), content_type="x/y")
    body = assert_problem(answer, 401)
    assert {e["path"] for e in body["errors"]} == {
        "/headers/signature-input",
        "/headers/signature",
    }
    assert answer.headers["www-authenticate"].startswith("Signature")
    assert taken == []  # not one chunk of the body was pulled
    assert inbound_rows(hub) == 0


def _case_for(kind: str, hub: Hub) -> tuple[dict[str, str], bytes, str]:
    """Headers and body of a request broken in one way, and the path of the problem."""
    path, body = "/v1/inbound/occ", OCC_DIRECT.read_bytes()
    sign = hub.signature
    if kind == "expired":
        return sign("OMB", "POST", path, body, at=now_utc() - timedelta(hours=2)), body, "expires"
    if kind == "not yet valid":
        return sign("OMB", "POST", path, body, at=now_utc() + timedelta(hours=1)), body, "created"
    if kind == "another agency's key":
        return sign("OMB", "POST", path, body, key=hub.keys["PSC"].private), body, "/signature"
    if kind == "unknown agency":
        other = Ed25519PrivateKey.generate()
        return sign("NOBODY", "POST", path, body, key=other), body, "/signature/keyid"
    if kind == "tampered body":
        headers = sign("OMB", "POST", path, body)
        return headers, body.replace(b"UNFAIR_LAW", b"ETHICS_XYZ"), "/headers/content-digest"
    if kind == "tampered body with a new digest":
        tampered = body.replace(b"UNFAIR_LAW", b"ETHICS_XYZ")
        headers = sign("OMB", "POST", path, body)
        headers["Content-Digest"] = sign("OMB", "POST", path, tampered)["Content-Digest"]
        return headers, tampered, "/signature"
    if kind == "signed for another path":
        return sign("OMB", "POST", "/v1/inbound/pmo1111", body), body, "/signature"
    assert kind == "garbage"
    headers = {"Content-Type": "application/json", "Signature-Input": "x", "Signature": "y=:?:"}
    return headers, body, "/headers/signature"


@pytest.mark.parametrize(
    "kind",
    [
        "expired",
        "not yet valid",
        "another agency's key",
        "unknown agency",
        "tampered body",
        "tampered body with a new digest",
        "signed for another path",
        "garbage",
    ],
)
def test_bad_signatures_are_refused(hub: Hub, kind: str) -> None:
    headers, body, where = _case_for(kind, hub)
    answer = hub.send("POST", "/v1/inbound/occ", body, **headers)
    problem = assert_problem(answer, 401)
    assert any(where in e["path"] for e in problem["errors"]), problem["errors"]
    assert answer.headers["www-authenticate"].startswith("Signature")
    assert inbound_rows(hub) == 0


def test_same_nonce_twice_is_a_replay(hub: Hub) -> None:
    body = OCC_DIRECT.read_bytes()
    headers = hub.signature("OMB", "POST", "/v1/inbound/occ", body)
    assert hub.send("POST", "/v1/inbound/occ", body, **headers).status_code == 201
    again = hub.send("POST", "/v1/inbound/occ", body, **headers)
    problem = assert_problem(again, 401)
    assert [e["path"] for e in problem["errors"]] == ["/signature/nonce"]
    # a fresh signature over the same bytes is a repeat of the message, not a replay
    assert hub.signed("OMB", "POST", "/v1/inbound/occ", body).status_code == 200


def test_replay_to_another_hub_process_on_the_same_database(db_url: str, tmp_path: Path) -> None:
    with in_process_hub(db_url, tmp_path / "data") as first:
        second_svc = build(first.svc.settings, clock=first.clock)
        try:
            with running(second_svc, first.keys, first.clock) as second:
                body = OCC_DIRECT.read_bytes()
                headers = first.signature("OMB", "POST", "/v1/inbound/occ", body)
                assert first.send("POST", "/v1/inbound/occ", body, **headers).status_code == 201
                replay = second.send("POST", "/v1/inbound/occ", body, **headers)
                problem = assert_problem(replay, 401)
                assert problem["errors"][0]["path"] == "/signature/nonce"
                # and a GET replayed the other way round
                get = first.signature("OMB", "GET", INBOX)
                assert second.send("GET", INBOX, b"", **get).status_code == 200
                assert_problem(first.send("GET", INBOX, b"", **get), 401)
        finally:
            second_svc.close()


# -- authorization -------------------------------------------------------------------------


def test_unrelated_agency_learns_nothing_about_a_case(hub: Hub) -> None:
    case_id = escalate(hub)
    unknown = "0" * 8 + case_id[8:]
    assert hub.signed("OMB", "GET", f"/v1/cases/{case_id}").status_code == 200
    seen = hub.signed("DOL", "GET", f"/v1/cases/{case_id}")
    never = hub.signed("DOL", "GET", f"/v1/cases/{unknown}")
    assert_problem(seen, 404)
    assert seen.text.replace(case_id, "ID") == never.text.replace(unknown, "ID")
    assert dict(seen.headers) == dict(never.headers)
    status = json.dumps({"status": "3"}).encode()
    touched = hub.signed("DOL", "POST", f"/v1/cases/{case_id}/status", status)
    untouched = hub.signed("DOL", "POST", f"/v1/cases/{unknown}/status", status)
    assert_problem(touched, 404)
    assert touched.text.replace(case_id, "ID") == untouched.text.replace(unknown, "ID")
    # nothing changed: the holder still sees the status it had
    assert hub.signed("OMB", "GET", f"/v1/cases/{case_id}").json()["status"] != "in_progress"


def test_agency_posting_a_format_it_does_not_speak_is_forbidden(hub: Hub) -> None:
    answer = hub.submit("OMB", "damrongtham", ESCALATION.read_bytes())
    assert assert_problem(answer, 403)["errors"][0]["path"] == "/format"
    assert inbound_rows(hub) == 0


# -- hostile input -------------------------------------------------------------------------


def test_declared_oversized_body_is_refused_before_it_is_read(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    with in_process_hub(db, tmp_path / "data", max_body_bytes=65536) as hub:
        taken: list[int] = []
        stream = chunks(640, 16384, taken)
        headers = {"content_length": str(640 * 16384), "content_type": "application/json"}
        answer = hub.send("POST", "/v1/inbound/occ", stream, **headers)
        assert_problem(answer, 413)
        assert taken == []


def test_streamed_body_over_the_limit_is_cut_off(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    with in_process_hub(db, tmp_path / "data", max_body_bytes=65536) as hub:
        taken: list[int] = []
        # signature fields present (not valid): the body is read, and cut at the limit
        fake = {"signature_input": 'saphan=();keyid="OMB"', "signature": "saphan=:AA==:"}
        stream = chunks(640, 16384, taken)
        answer = hub.send("POST", "/v1/inbound/occ", stream, content_type="x/y", **fake)
        assert_problem(answer, 413)
        assert sum(taken) <= 65536 + 16384 < 640 * 16384


def billion_laughs() -> bytes:
    entities = ['<!ENTITY a0 "ha">'] + [
        f'<!ENTITY a{i} "{"".join(f"&a{i - 1};" for _ in range(10))}">' for i in range(1, 10)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE Case [{"".join(entities)}]>'
        '<Case xmlns="urn:th:go:moi:damrongtham:case:1">&a9;</Case>'
    ).encode()


HOSTILE = {
    "billion laughs": ("MOI-DRT-3415", "damrongtham", billion_laughs()),
    "external entity": ("MOI-DRT-3415", "damrongtham", DOCTYPE.read_bytes()),
    "deep XML": ("MOI-DRT-3415", "damrongtham", b"<Case>" + b"<a>" * 5000 + b"</a>" * 5000),
    "XML not in its encoding": ("MOI-DRT-3415", "damrongtham", b"<?xml version='1.0'?>\xff\xfe<"),
    "deep JSON (occ)": ("OMB", "occ", b"[" * 100000 + b"]" * 100000),
    "deep JSON (1111)": ("PSC", "pmo1111", b'{"records":' * 50000 + b"1" + b"}" * 50000),
    "invalid UTF-8 (occ)": ("OMB", "occ", b'{"occ_version": "2.1\xc3\x28"}'),
    "invalid UTF-8 (1111)": ("PSC", "pmo1111", b'{"psc_version": "\xed\xa0\x80"}'),
    "huge number": ("OMB", "occ", b'{"occ_version": 1' + b"0" * 100000 + b"}"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bodies_are_refused_without_internals(hub: Hub, name: str) -> None:
    code, fmt, body = HOSTILE[name]
    answer = hub.submit(code, fmt, body)
    problem = assert_problem(answer, 422)
    assert problem["quarantine_id"]  # kept for an operator, as everything a sender gives
    if b"ENTITY" in body:
        assert "ha" * 10 not in answer.text and "passwd" not in answer.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/cases/x/status", b"[" * 100000),
        ("/v1/cases/x/status", b'{"status": "\xff"}'),
        ("/v1/transfers/x/receipt", b'{"receipt":' * 10000 + b"}" * 10000),
    ],
)
def test_hostile_json_to_signed_endpoints(hub: Hub, path: str, body: bytes) -> None:
    assert_problem(hub.signed("OMB", "POST", path, body), 422)


@pytest.mark.parametrize("path", ["/v1/ops/login", "/v1/track/6710110000123/rating"])
def test_hostile_json_to_public_endpoints(hub: Hub, path: str) -> None:
    deep = b"[" * 100000 + b"]" * 100000
    assert_problem(hub.send("POST", path, deep, content_type="application/json"), 400)
    assert_problem(hub.send("POST", path, b"\xff", content_type="application/json"), 400)


def test_other_errors_are_problems_too(hub: Hub) -> None:
    assert_problem(hub.send("GET", "/v1/no-such-thing"), 404)
    assert_problem(hub.send("DELETE", "/v1/track/1"), 405)
    assert_problem(hub.send("GET", "/v1/log/entries?start=x"), 422)
    assert_problem(hub.send("POST", "/v1/inbound/occ", b"{}", content_length="x"), 400)
    assert_problem(hub.signed("OMB", "POST", "/v1/inbound/nope", b"{}"), 404)
    for _ in range(40):
        last = hub.send("GET", "/v1/track/0000")
    assert_problem(last, 429)


def test_unexpected_exception_answers_500_and_logs_no_text(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "3260181590835 สมศรี"

    def explode() -> None:
        raise ValueError(f"input was {secret}")

    hub.app.add_api_route("/explode", explode)
    api_log = logging.getLogger("saphan.api")
    api_log.addHandler(caplog.handler)  # whatever an earlier test made of the hub's loggers
    try:
        answer = hub.send("GET", "/explode")
    finally:
        api_log.removeHandler(caplog.handler)
    problem = assert_problem(answer, 500)
    assert "ref" in problem["detail"] and secret not in answer.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged and secret not in logged
    assert all(r.exc_info is None for r in caplog.records)


# -- identity protection ---------------------------------------------------------------------


def test_identity_reaches_the_forward_holder_and_not_the_copy(hub: Hub) -> None:
    (case,) = cases_of("damrongtham", ESCALATION.read_bytes())
    assert case.identity_protected
    identity = identity_strings(case)
    case_id = escalate(hub)
    ((kind, omb),) = inbox_bodies(hub, "OMB")
    assert kind == "forward" and len(found_in(omb, identity)) >= 4
    ((kind, province),) = inbox_bodies(hub, "MOI-DRT-34")
    assert kind == "copy" and found_in(province, identity) == []
    # reading the case through the API gives each the same view as its transfer
    full = hub.signed("OMB", "GET", f"/v1/cases/{case_id}").content
    partial = hub.signed("MOI-DRT-34", "GET", f"/v1/cases/{case_id}").content
    assert len(found_in(full, identity)) >= 4 and found_in(partial, identity) == []
    assert b"identity-withheld" in partial


def test_identity_withheld_from_the_agency_complained_about(hub: Hub) -> None:
    """The Ombudsman finds the district center itself complained about: the status it
    reports travels back to that center, and carries no identity."""
    case_id = escalate(hub)
    referral = json.loads(OCC_REFERRAL.read_bytes())
    referral["respondent"] = {
        "kind": "agency",
        "name": "ศูนย์ดำรงธรรม",
        "agency_code": "MOI-DRT-3415",
    }
    merged = hub.submit("OMB", "occ", json.dumps(referral, ensure_ascii=False).encode())
    assert merged.status_code == 201 and merged.json()["case_id"] == case_id
    status = hub.signed("OMB", "POST", f"/v1/cases/{case_id}/status", b'{"status":"INVESTIGATING"}')
    assert [t["to"] for t in status.json()["transfers"]] == ["MOI-DRT-3415"]
    (case,) = cases_of("occ", OCC_REFERRAL.read_bytes())
    ((kind, back),) = inbox_bodies(hub, "MOI-DRT-3415")
    assert kind == "status" and found_in(back, identity_strings(case)) == []
    view = hub.signed("MOI-DRT-3415", "GET", f"/v1/cases/{case_id}").content
    assert found_in(view, identity_strings(case)) == []


def test_identity_withheld_when_1111_routes_a_case_to_the_agency_complained_about(
    hub: Hub,
) -> None:
    ticket = "6710110000999"
    referral = json.loads(OCC_REFERRAL.read_bytes())
    referral["source"] = {"system": "PSC1111", "unit": "PSC", "ref": ticket}
    referral["respondent"] = {"kind": "agency", "name": "กรมที่ดิน", "agency_code": "DOL"}
    assert hub.submit("OMB", "occ", json.dumps(referral, ensure_ascii=False).encode()).is_success
    batch = json.loads(BATCH.read_bytes())
    record = copy.deepcopy(batch["records"][1])  # hide_identity, secrecy 1, target DOL
    record["ticket_no"] = ticket
    batch["records"] = [record]
    body = json.dumps(batch, ensure_ascii=False).encode()
    (case,) = cases_of("pmo1111", body)
    assert hub.submit("PSC", "pmo1111", body).status_code == 201
    ((kind, dol),) = inbox_bodies(hub, "DOL")
    assert kind == "forward" and found_in(dol, identity_strings(case)) == []


def test_status_change_gives_no_identity_to_a_holder_of_a_copy(hub: Hub) -> None:
    case_id = escalate(hub)  # OMB forward, MOI-DRT-34 a copy for information
    batch = json.loads(BATCH.read_bytes())
    record = copy.deepcopy(batch["records"][1])  # hide_identity: the same case, now to DOL
    record["ticket_no"] = None
    record["ext_ref"] = {"system": "DRT", "ref": "DOPA34003415670123"}
    batch["records"] = [record]
    body = json.dumps(batch, ensure_ascii=False).encode()
    (case,) = cases_of("pmo1111", body)
    assert hub.submit("PSC", "pmo1111", body).json()["records"][0]["case_id"] == case_id
    status = hub.signed("DOL", "POST", f"/v1/cases/{case_id}/status", b'{"status":"3"}')
    assert "MOI-DRT-34" in [t["to"] for t in status.json()["transfers"]]
    bodies = inbox_bodies(hub, "MOI-DRT-34")
    assert sorted(kind for kind, _ in bodies) == ["copy", "status"]
    assert all(found_in(data, identity_strings(case)) == [] for _, data in bodies)


def test_public_tracking_shows_no_personal_data(hub: Hub) -> None:
    escalate(hub)
    assert hub.submit("PSC", "pmo1111", BATCH.read_bytes()).status_code == 201
    people = cases_of("damrongtham", ESCALATION.read_bytes()) + cases_of(
        "pmo1111", BATCH.read_bytes()
    )
    for case in people:
        answer = hub.send("GET", f"/v1/track/{case.origin.ref}")
        assert answer.status_code == 200, answer.text
        document = answer.json()
        assert document["tracking_no"] == case.origin.ref and document["handovers"]
        assert found_in(answer.content, personal_strings(case)) == []
        names = {a.filename for a in case.attachments}
        assert found_in(answer.content, names) == []


# -- production mode and secrets -----------------------------------------------------------


def test_production_refuses_development_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAPHAN_MASTER_KEY_FILE", raising=False)
    settings = Settings(
        data_dir=tmp_path / "data", production=True, require_signatures=False, public_url=None
    )
    with pytest.raises(ConfigError) as refused:
        build(settings)
    named = {p.path for p in refused.value.problems}
    assert named == {"data_dir", "master_key", "public_url", "require_signatures", "log_origin"}
    # secrets kept in the checkout are refused too (any file there stands in for a key)
    monkeypatch.setenv("SAPHAN_MASTER_KEY_FILE", str(ROOT / "pyproject.toml"))
    inside = Settings(data_dir=ROOT / "saphan-data", production=True)
    with pytest.raises(ConfigError) as refused:
        inside.check_production()
    in_tree = {p.path for p in refused.value.problems if "source tree" in p.message}
    assert in_tree == {"data_dir", "master_key"}


def test_production_starts_with_provisioned_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, secrets = tmp_path / "data", tmp_path / "secrets"
    KeyRing.generate().save(data / "keys" / "hub")
    secrets.mkdir()
    (secrets / "master.key").write_bytes(bytes(range(32)))
    monkeypatch.setenv("SAPHAN_MASTER_KEY_FILE", str(secrets / "master.key"))
    settings = Settings(
        data_dir=data,
        db_url=f"sqlite:///{tmp_path / 'hub.db'}",
        production=True,
        public_url="https://saphan.go.th",
        log_origin="saphan.go.th/log",
    )
    svc = build(settings)
    try:
        assert not (data / "keys" / "master.key").exists()  # never created in production
    finally:
        svc.close()


def test_saphan_serve_in_production_mode_refuses_to_start(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SAPHAN_PRODUCTION": "1", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "saphan", "serve", "--data", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    for name in ("master_key", "public_url", "log_origin", "data_dir"):
        assert name in done.stderr


def test_repository_holds_no_secrets() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert listed, "git ls-files listed nothing"
    secret = [p for p in listed if p.endswith((".pem", ".key")) or Path(p).name == "master.key"]
    assert secret == []
    grep = subprocess.run(
        ["git", "grep", "-l", "-e", "PRIVATE KEY-----", "--", ":!tests", ":!docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert grep.stdout.strip() == "", grep.stdout


# -- a real server ---------------------------------------------------------------------------


def _raw(port: int, head: bytes, pieces: list[bytes]) -> tuple[bytes, int]:
    """Send ``head``, then the pieces one by one until the server answers; return the
    answer's first bytes and how many pieces were sent before it came."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        sent = 0
        sock.settimeout(0.2)
        for piece in [b"", *pieces]:
            if piece:
                sock.sendall(piece)
                sent += 1
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                continue
            return answer, sent
        sock.settimeout(10)
        return sock.recv(65536), sent


def test_real_server_refuses_oversized_unsigned_and_replayed_requests(tmp_path: Path) -> None:
    data = tmp_path / "data"
    keys = AgencyKeys()
    keys.add("OMB")
    write_overlay(data, keys)
    served = ServedHub(data, env={"SAPHAN_MAX_BODY_BYTES": "65536"}).start()
    try:
        url = f"{served.url}/v1/inbound/occ"
        host = f"127.0.0.1:{served.port}".encode()
        # a declared Content-Length over the limit: answered before any body is sent
        head = b"POST /v1/inbound/occ HTTP/1.1\r\nHost: " + host + b"\r\n"
        declared = head + b"Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n"
        answer, _ = _raw(served.port, declared, [])
        assert answer.startswith(b"HTTP/1.1 413"), answer
        # a chunked body over the limit: cut off while it is still being sent
        chunked = head + (
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            b'Signature-Input: saphan=();keyid="OMB"\r\nSignature: saphan=:AA==:\r\n\r\n'
        )
        piece = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
        answer, sent = _raw(served.port, chunked, [piece] * 64)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert sent < 64  # answered while the body was still coming
        body = OCC_DIRECT.read_bytes()
        assert_problem(httpx.post(url, content=body, timeout=10), 401)
        headers = {"Content-Type": "application/json"}
        headers |= sign_request("POST", url, headers, body, keys["OMB"].private, "OMB", now_utc())
        first = httpx.post(url, content=body, headers=headers, timeout=10)
        assert first.status_code == 201, first.text
        assert_problem(httpx.post(url, content=body, headers=headers, timeout=10), 401)
    finally:
        served.stop()
    (case,) = cases_of("occ", body)
    files = [data / "test-hub.log", *(p for p in (data / "logs").rglob("*") if p.is_file())]
    logs = b"".join(p.read_bytes() for p in files)
    assert b"accepted occ" in logs
    assert found_in(logs, personal_strings(case)) == []
