"""The push agency app: it accepts what the hub signs, answers verifiable receipts over
the exact bytes, refuses what is unsigned, tampered or replayed, parses with the format's
adapter, and processes each transfer id once however often it is delivered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from simulate_helpers import (
    AGENCY_KEY,
    BODIES,
    HUB_KEY,
    PUBLIC,
    AppClient,
    client,
    config,
    example,
    first_tracking_no,
    hub_signer,
    open_receipt,
    push,
    sha256,
    state,
)

from saphan.auth import sign_request
from saphan.errors import ConfigError
from saphan.ledger.keys import SigningKey
from saphan.simulate import AgencyConfig, create_agency_app


@pytest.mark.parametrize("format_name", sorted(BODIES))
def test_a_signed_push_gets_a_receipt_over_the_exact_bytes(format_name: str) -> None:
    body, media_type = example(format_name)
    with client(config(format_name)) as http:
        answer = push(http, body, media_type=media_type, transfer_id="T-1", case_id="C-1")
        assert answer.status_code == 200, answer.text
        receipt = open_receipt(answer.json()["receipt"])
        assert receipt.sha256 == sha256(body)
        assert (receipt.case_id, receipt.transfer_id) == ("C-1", "T-1")
        assert (receipt.sender, receipt.receiver) == ("SAPHAN", "OMB")
        assert receipt.log_index is None

        seen: Any = state(http)
        record = seen["transfers"]["T-1"]
        assert record["times_received"] == 1
        assert record["times_processed"] == 1
        assert record["sha256"] == sha256(body)
        assert record["case_id"] == "C-1"
        assert record["status"] == "processed"
        assert record["tracking_no"] == first_tracking_no(format_name, body)
        assert record["tracking_no"]
        assert record["receipt"] == answer.json()["receipt"]
        kept = http.get("/_received/T-1")
        assert kept.content == body
        assert kept.headers["content-type"].startswith(media_type)


def test_the_receipt_header_names_the_agency_key_id() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        jws = push(http, body).json()["receipt"]
    import base64
    import json

    header = json.loads(base64.urlsafe_b64decode(jws.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": AGENCY_KEY.kid, "typ": "saphan-receipt+jws"}


def test_an_unsigned_push_is_refused_with_401_and_not_recorded() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        answer = push(http, body, auth=httpx.Auth())  # a no-op auth: nothing is signed
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        paths = {e["path"] for e in answer.json()["errors"]}
        assert paths == {"/headers/signature-input", "/headers/signature"}
        seen: Any = state(http)
        assert seen["transfers"] == {}
        assert seen["totals"]["unauthenticated"] == 1


def _signed_headers(body: bytes, key: SigningKey = HUB_KEY) -> dict[str, str]:
    from datetime import UTC, datetime

    headers = {
        "Content-Type": "application/json",
        "Saphan-Transfer-Id": "T-1",
        "Saphan-Case-Id": "C-1",
    }
    signed = sign_request(
        "POST", f"{PUBLIC}/inbound", headers, body, key.private, key.kid, datetime.now(UTC)
    )
    return headers | signed


def test_a_tampered_body_is_refused_with_401() -> None:
    body, _ = example("occ")
    headers = _signed_headers(body)
    with client(config()) as http:
        answer = http.post("/inbound", content=body + b" ", headers=headers)
        assert answer.status_code == 401
        assert any(e["path"] == "/headers/content-digest" for e in answer.json()["errors"])
        assert state(http)["transfers"] == {}


def test_a_tampered_content_type_and_another_key_are_refused() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        changed = _signed_headers(body) | {"Content-Type": "text/plain"}
        assert http.post("/inbound", content=body, headers=changed).status_code == 401
        impostor = SigningKey(kid=HUB_KEY.kid, private=SigningKey.generate().private)
        assert push(http, body, auth=hub_signer(impostor)).status_code == 401
        unknown = SigningKey.generate()
        refused = push(http, body, auth=hub_signer(unknown))
        assert refused.status_code == 401
        assert any("unknown keyid" in e["message"] for e in refused.json()["errors"])


def test_a_replayed_request_is_refused() -> None:
    body, _ = example("occ")
    headers = _signed_headers(body)
    with client(config()) as http:
        assert http.post("/inbound", content=body, headers=headers).status_code == 200
        again = http.post("/inbound", content=body, headers=headers)
        assert again.status_code == 401
        assert any(e["path"] == "/signature/nonce" for e in again.json()["errors"])


def test_a_redelivery_gets_the_same_receipt_and_is_processed_once() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        first = push(http, body, transfer_id="T-9")
        second = push(http, body, transfer_id="T-9")  # signed afresh, as the hub retries
        assert first.status_code == second.status_code == 200
        assert second.json()["receipt"] == first.json()["receipt"]
        seen: Any = state(http)
        assert seen["transfers"]["T-9"]["times_received"] == 2
        assert seen["transfers"]["T-9"]["times_processed"] == 1
        assert seen["totals"]["duplicates"] == 1
        assert seen["totals"]["processed"] == 1


def test_a_transfer_id_reused_with_other_bytes_is_a_conflict() -> None:
    body, _ = example("occ")
    other = body + b"\n"  # still valid JSON, other bytes
    with client(config()) as http:
        assert push(http, body, transfer_id="T-5").status_code == 200
        answer = push(http, other, transfer_id="T-5")
        assert answer.status_code == 409
        assert state(http)["transfers"]["T-5"]["times_processed"] == 1  # type: ignore[index]


def test_a_body_its_adapter_refuses_gets_422_listing_every_problem(examples: Path) -> None:
    body = (examples / "invalid" / "occ-unknown-topic-no-complainant.json").read_bytes()
    with client(config()) as http:
        answer = push(http, body, transfer_id="T-bad")
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert len(answer.json()["errors"]) >= 2  # unknown topic, complainant missing
        record = state(http)["transfers"]["T-bad"]  # type: ignore[index]
        assert record["status"] == "rejected"
        assert record["times_processed"] == 0
        assert len(record["problems"]) == len(answer.json()["errors"])


def test_a_push_without_transfer_headers_names_both() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        answer = http.post(
            "/inbound",
            content=body,
            headers={"Content-Type": "application/json"},
            auth=hub_signer(),
        )
        assert answer.status_code == 422
        paths = {e["path"] for e in answer.json()["errors"]}
        assert paths == {"/headers/saphan-transfer-id", "/headers/saphan-case-id"}


def test_ids_that_cannot_appear_in_a_receipt_are_refused() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        answer = push(http, body, case_id="no spaces allowed")
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["path"] == "/headers/saphan-case-id"


def test_state_survives_a_restart_when_kept_in_a_file(tmp_path: Path) -> None:
    body, _ = example("occ")
    path = tmp_path / "omb.sqlite"
    with client(config(state_path=path)) as http:
        first = push(http, body, transfer_id="T-7").json()["receipt"]
    with client(config(state_path=path)) as http:  # the same agency, started again
        again = push(http, body, transfer_id="T-7")
        assert again.json()["receipt"] == first
        record = state(http)["transfers"]["T-7"]  # type: ignore[index]
        assert (record["times_received"], record["times_processed"]) == (2, 1)


def test_hub_keys_are_fetched_from_the_jwks_on_demand_and_after_rotation() -> None:
    body, _ = example("occ")
    published = [HUB_KEY]
    fetches: list[str] = []

    def jwks(request: httpx.Request) -> httpx.Response:
        fetches.append(str(request.url))
        return httpx.Response(200, json={"keys": [k.public.jwk() for k in published]})

    agency = AgencyConfig(
        code="OMB",
        format="occ",
        key=AGENCY_KEY,
        public_url=PUBLIC,
        hub_url="http://hub.test/base/",
        transport=httpx.MockTransport(jwks),
    )
    with client(agency) as http:
        assert push(http, body, transfer_id="T-1").status_code == 200
        assert push(http, body, transfer_id="T-2").status_code == 200
        assert fetches == ["http://hub.test/base/.well-known/jwks.json"]  # cached

        rotated = SigningKey.generate()
        published.insert(0, rotated)
        app: Any = http.app
        app.state.agency.hub_keys._last_fetch = None  # the refresh interval has passed
        assert push(http, body, transfer_id="T-3", auth=hub_signer(rotated)).status_code == 200
        assert len(fetches) == 2


def test_an_unreachable_jwks_is_a_502_not_a_crash() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    agency = AgencyConfig(
        code="OMB",
        format="occ",
        key=AGENCY_KEY,
        public_url=PUBLIC,
        hub_url="http://hub.test",
        transport=httpx.MockTransport(down),
    )
    body, _ = example("occ")
    with client(agency) as http:
        answer = push(http, body)
        assert answer.status_code == 502
        assert answer.json()["errors"][0]["path"] == "/jwks"


def test_an_agency_with_no_way_to_check_signatures_does_not_start() -> None:
    with pytest.raises(ConfigError):
        create_agency_app(AgencyConfig(code="OMB", format="occ", key=AGENCY_KEY, public_url=PUBLIC))


def test_healthz_names_the_agency() -> None:
    with client(config(code="MOI-DRT-34", format_name="damrongtham")) as http:
        assert http.get("/healthz").json() == {"status": "ok", "agency": "MOI-DRT-34"}
        assert http.get("/_received/T-none").status_code == 404


def _from(address: str, agency_config: AgencyConfig) -> AppClient:
    return AppClient(create_agency_app(agency_config), address=(address, 40000))


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.2"])
def test_the_test_interface_answers_loopback_clients(address: str) -> None:
    with _from(address, config()) as http:
        assert http.get("/_state").status_code == 200
        assert http.post("/_control", json={"fail_next": 1}).status_code == 200


@pytest.mark.parametrize(
    "address", ["192.0.2.7", "2001:db8::7", "::ffff:192.0.2.7", "host.example"]
)
def test_the_test_interface_refuses_other_clients_unless_opened(address: str) -> None:
    body, media_type = example("occ")
    with _from(address, config()) as http:
        for answer in (
            http.get("/_state"),
            http.get("/_received/T-1"),
            http.post("/_control", json={"fail_next": 5}),
        ):
            assert answer.status_code == 403, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert address in answer.json()["errors"][0]["message"]
        # the refused control changed nothing: a push is still processed
        assert push(http, body, media_type=media_type, transfer_id="T-1").status_code == 200
        assert http.get("/healthz").status_code == 200
    opened = AgencyConfig(**{**vars(config()), "open_test_interface": True})
    with _from(address, opened) as http:
        assert http.get("/_state").status_code == 200
        assert http.post("/_control", json={"fail_next": 1}).status_code == 200
