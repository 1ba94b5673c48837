"""Deliberately unreliable and deliberately broken agencies: the run-time controls make a
correct agency fail, slow down or hang; each fault flag produces its broken behaviour."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import pytest
from simulate_helpers import (
    AGENCY_KEY,
    AppClient,
    client,
    config,
    example,
    hub_signer,
    open_receipt,
    push,
    sha256,
    state,
)

from saphan.errors import IntegrityError
from saphan.simulate import Fault


def control(http: AppClient, **settings: Any) -> dict[str, Any]:
    answer = http.post("/_control", json=settings)
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def record(http: AppClient, transfer_id: str) -> dict[str, Any]:
    found: dict[str, Any] = state(http)["transfers"][transfer_id]  # type: ignore[index]
    return found


# Run-time controls.


def test_fail_next_makes_the_next_n_deliveries_fail_unprocessed() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        assert control(http, fail_next=2)["fail_next"] == 2
        codes = [push(http, body, transfer_id="T-1").status_code for _ in range(3)]
        assert codes == [503, 503, 200]
        assert (record(http, "T-1")["times_received"], record(http, "T-1")["times_processed"]) == (
            3,
            1,
        )
        assert state(http)["totals"]["injected_failures"] == 2  # type: ignore[index]


def test_a_failure_answer_is_a_problem_document() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        control(http, fail_next=1)
        answer = push(http, body)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == 503


def test_fail_rate_draws_from_a_seeded_generator() -> None:
    body, _ = example("occ")

    def pattern(seed: int) -> list[int]:
        with client(config(seed=seed)) as http:
            control(http, fail_rate=0.5)
            return [push(http, body, transfer_id=f"T-{i}").status_code for i in range(24)]

    first, again, other = pattern(7), pattern(7), pattern(8)
    assert first == again
    assert first != other
    assert {503, 200} == set(first)


def test_fail_rate_one_fails_everything_and_reset_restores_service() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        control(http, fail_rate=1.0, fail_next=3, delay_ms=5)
        assert {push(http, body, transfer_id=f"T-{i}").status_code for i in range(5)} == {503}
        settings = control(http, reset=True)
        assert settings == {
            "fail_next": 0,
            "fail_rate": 0.0,
            "seed": 0,
            "delay_ms": 0,
            "hang": False,
            "drop_receipt_next": 0,
        }
        assert push(http, body, transfer_id="T-0").status_code == 200


def test_forget_clears_the_record() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        push(http, body)
        control(http, forget=True)
        assert state(http)["transfers"] == {}
        assert state(http)["totals"] == {}


def test_drop_receipt_next_processes_then_answers_503() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        control(http, drop_receipt_next=1)
        assert push(http, body, transfer_id="T-1").status_code == 503
        assert record(http, "T-1")["times_processed"] == 1
        kept = record(http, "T-1")["receipt"]
        again = push(http, body, transfer_id="T-1")
        assert again.status_code == 200
        assert again.json()["receipt"] == kept
        assert record(http, "T-1")["times_processed"] == 1


def test_delay_ms_slows_each_delivery() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        control(http, delay_ms=300)
        started = time.monotonic()
        assert push(http, body).status_code == 200
        assert time.monotonic() - started >= 0.3


def test_hang_never_answers_until_released() -> None:
    body, _ = example("occ")
    with client(config()) as http:
        control(http, hang=True)

        async def scenario() -> tuple[bool, httpx.Response]:
            pending = asyncio.ensure_future(
                http.http.post(
                    "/inbound",
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "Saphan-Transfer-Id": "T-1",
                        "Saphan-Case-Id": "C-1",
                    },
                    auth=hub_signer(),
                )
            )
            await asyncio.sleep(0.3)
            still_waiting = not pending.done()
            released = await http.http.post("/_control", json={"hang": False})
            assert released.json()["hang"] is False
            return still_waiting, await asyncio.wait_for(pending, timeout=5)

        still_waiting, answer = http.run(scenario())
        assert still_waiting
        assert answer.status_code == 503  # the hub gave up long ago
        assert state(http)["transfers"] == {}  # never processed


def test_control_refuses_unknown_or_out_of_range_settings() -> None:
    with client(config()) as http:
        answer = http.post("/_control", json={"fail_rate": 2, "explode": True})
        assert answer.status_code == 422
        assert len(answer.json()["errors"]) == 2


# Fault flags: each a broken agency.


def test_wrong_key_receipts_name_the_agency_kid_but_do_not_verify() -> None:
    body, _ = example("occ")
    with client(config(faults=[Fault.WRONG_KEY])) as http:
        jws = push(http, body).json()["receipt"]
    with pytest.raises(IntegrityError) as refused:
        open_receipt(jws)
    assert refused.value.problems[0].path == "/signature"
    # Only the signature is wrong: the key id is the one the directory lists.
    header = json.loads(base64.urlsafe_b64decode(jws.split(".")[0] + "=="))
    assert header["kid"] == AGENCY_KEY.kid


def test_receipt_over_other_bytes_states_a_digest_of_bytes_never_sent() -> None:
    body, _ = example("occ")
    with client(config(faults=[Fault.RECEIPT_OVER_OTHER_BYTES])) as http:
        receipt = open_receipt(push(http, body).json()["receipt"])
        assert receipt.sha256 != sha256(body)
        assert record(http, "T-0001")["sha256"] == sha256(body)  # what it really received


def test_non_idempotent_processes_a_redelivery_again_with_a_new_receipt() -> None:
    body, _ = example("occ")
    with client(config(faults=[Fault.NON_IDEMPOTENT])) as http:
        first = push(http, body, transfer_id="T-1").json()["receipt"]
        second = push(http, body, transfer_id="T-1").json()["receipt"]
        assert first != second
        assert open_receipt(second).transfer_id == "T-1"
        assert record(http, "T-1")["times_processed"] == 2
        assert record(http, "T-1")["receipts_issued"] == 2


def test_accept_unsigned_takes_an_unsigned_push() -> None:
    body, _ = example("occ")
    with client(config(faults=[Fault.ACCEPT_UNSIGNED])) as http:
        answer = push(http, body, auth=httpx.Auth())
        assert answer.status_code == 200
        assert open_receipt(answer.json()["receipt"]).sha256 == sha256(body)


def test_always_500_fails_every_delivery() -> None:
    body, _ = example("occ")
    with client(config(faults=[Fault.ALWAYS_500])) as http:
        assert {push(http, body).status_code for _ in range(3)} == {500}
        assert state(http)["totals"]["failed"] == 3  # type: ignore[index]
        assert state(http)["transfers"] == {}


def test_malformed_receipt_answers_200_with_no_jws() -> None:
    body, _ = example("occ")
    with client(config(faults=[Fault.MALFORMED_RECEIPT])) as http:
        answer = push(http, body)
        assert answer.status_code == 200
        with pytest.raises(IntegrityError):
            open_receipt(answer.json()["receipt"])


def test_state_lists_the_faults() -> None:
    faults = [Fault.ALWAYS_500, Fault.WRONG_KEY]
    with client(config(faults=faults)) as http:
        assert state(http)["faults"] == ["always_500", "wrong_key"]
