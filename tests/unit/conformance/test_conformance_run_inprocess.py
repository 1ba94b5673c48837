"""The suite against the reference push agency in this process (the agency reached
through an in-process transport, the suite's hub on a real local port): the correct
agency passes every case, each deliberately broken one fails exactly the case that
names its defect, and the agency's own messages are judged by --sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from conformance_helpers import failed_required, outcomes, run_in_process

from saphan.conformance import Outcome
from saphan.conformance.agencykeys import AgencyKeys
from saphan.ledger.keys import SigningKey
from saphan.simulate import Fault


def test_the_reference_agency_passes_every_case(examples: Path) -> None:
    result = run_in_process(
        "occ", optional=True, samples=[examples / "occ" / "direct-unfair-regulation.json"]
    )
    assert result.passed, [(r.name, r.reason) for r in result.results if not r.passed]
    assert set(outcomes(result).values()) == {Outcome.PASSED}
    redelivery = next(r for r in result.results if r.name == "push-redelivery")
    assert "processed once" in redelivery.reason
    assert "the redelivery got the first receipt again" in redelivery.notes
    status = next(r for r in result.results if r.name == "status-report")
    assert status.reason == "code 'INVESTIGATING' (in_progress), signed by OMB"


@pytest.mark.parametrize(
    ("fault", "broken", "says"),
    [
        (Fault.WRONG_KEY, {"push-receipt"}, "/receipt/signature"),
        (Fault.RECEIPT_OVER_OTHER_BYTES, {"push-receipt"}, "/receipt/payload/sha256"),
        (Fault.NON_IDEMPOTENT, {"push-redelivery"}, "processed 2 times"),
        (Fault.ACCEPT_UNSIGNED, {"push-unsigned-refused", "push-tampered-refused"}, "was accepted"),
        (Fault.MALFORMED_RECEIPT, {"push-receipt", "push-redelivery"}, "/receipt"),
    ],
)
def test_each_broken_agency_fails_the_case_that_names_its_defect(
    examples: Path, fault: Fault, broken: set[str], says: str
) -> None:
    result = run_in_process(
        "occ", faults=[fault], samples=[examples / "occ" / "direct-unfair-regulation.json"]
    )
    assert failed_required(result) == broken
    first = next(r for r in result.results if r.name == sorted(broken)[0])
    assert first.outcome is Outcome.FAILED
    assert says in first.reason


def test_an_agency_that_always_fails_is_named_for_its_500s(examples: Path) -> None:
    result = run_in_process(
        "occ",
        faults=[Fault.ALWAYS_500],
        samples=[examples / "occ" / "direct-unfair-regulation.json"],
    )
    failed = failed_required(result)
    assert {"push-receipt", "push-malformed-refused", "messages-accepted"} <= failed
    malformed = next(r for r in result.results if r.name == "push-malformed-refused")
    assert all("never a 5xx" in p.message for p in malformed.problems)
    assert {"sample-valid", "sample-translates", "messages-render"}.isdisjoint(failed)


def test_an_invalid_sample_fails_sample_valid_with_every_problem(examples: Path) -> None:
    result = run_in_process(
        "occ", samples=[examples / "invalid" / "occ-unknown-topic-no-complainant.json"]
    )
    sample = next(r for r in result.results if r.name == "sample-valid")
    assert sample.outcome is Outcome.FAILED
    assert sorted(p.path for p in sample.problems) == [
        "/samples/occ-unknown-topic-no-complainant.json/complainant",
        "/samples/occ-unknown-topic-no-complainant.json/matter/topic",
    ]
    assert "sample-valid" in failed_required(result)
    assert outcomes(result)["push-receipt"] is Outcome.PASSED


def test_without_samples_the_sample_cases_are_skipped_and_the_run_does_not_pass() -> None:
    result = run_in_process("pmo1111", control=False)
    assert outcomes(result)["sample-valid"] is Outcome.SKIPPED
    assert failed_required(result) == {"sample-valid", "sample-translates"}
    redelivery = next(r for r in result.results if r.name == "push-redelivery")
    assert redelivery.outcome is Outcome.PASSED
    assert "no --control: new processing is judged from the receipts alone" in redelivery.notes


def test_receipts_checked_against_the_wrong_public_key_fail() -> None:
    other = SigningKey.generate()
    result = run_in_process(
        "damrongtham", only=["push-receipt"], keys=AgencyKeys((other.public,), "test")
    )
    receipt = next(r for r in result.results if r.name == "push-receipt")
    assert receipt.outcome is Outcome.FAILED
    assert receipt.problems[-1].message == f"the agency's key ids are: {other.kid}"
